# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: deployer_policy
short_description: The deployer's least-privilege IAM policy for one deployment
version_added: 0.1.0
description:
  - Renders the IAM policy that lets a deployer run C(playbooks/site.yml) and C(playbooks/teardown.yml) for one
    deployment - the IAM actions the given API operations need, each scoped to that deployment's resources (its name,
    account, region), with C(aws:ResourceTag)/C(aws:RequestTag), C(iam:PassedToService) and C(ecs:cluster) conditions
    where IAM supports them.
  - The operations come from the C(deployer_policy) role's generated list; C(docs/deployer-policy.json) is this filter's
    output for the example deployment C(litellm) in account 123456789012, region us-east-1.
  - The whole policy is larger than IAM lets one managed policy be (6,144 characters); with O(split) it comes as the
    fewest documents that each fit, to attach together.
positional: name, account, region, partition, config_bucket, split
options:
  _input:
    description: The API operations, as the emulator's request log names them, for instance C(ecs:CreateService).
    type: list
    elements: string
    required: true
  name:
    description: The deployment's name (C(litellm_name)).
    type: string
    required: true
  account:
    description: The AWS account id.
    type: string
    required: true
  region:
    description: The AWS region.
    type: string
    required: true
  partition:
    description: The AWS partition.
    type: string
    default: aws
  config_bucket:
    description: The S3 config bucket when it is not C(<name>-config-<account>-<region>).
    type: string
    default: ""
  split:
    description: Return a list of documents that each fit one managed policy, instead of one document.
    type: boolean
    default: false
author:
  - llmops maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Create the deployer's managed policy
  amazon.aws.iam_managed_policy:
    name: litellm-deployer
    policy: "{{ __deployer_policy_operations | llmops.litellm_ecs.deployer_policy('litellm', '123456789012', 'us-east-1') | to_json }}"
"""

RETURN = r"""
_value:
  description: The policy document (C(Version), C(Statement)); with O(split), a list of them.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployer_policy import policy
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployer_policy import split as split_policy


def deployer_policy(operations, name, account, region, partition="aws", config_bucket="", split=False):
    """The deployer policy of deployment ``name`` for the API ``operations`` (with ``split``, as managed-policy parts)."""
    if not isinstance(operations, (list, tuple)) or not all(isinstance(item, str) for item in operations):
        raise AnsibleFilterError(f"deployer_policy expects a list of API operations such as 'ecs:CreateService', not {operations!r}")
    document = policy(list(operations), name, str(account), region, partition, config_bucket=config_bucket or None)
    return split_policy(document) if split else document


class FilterModule:
    """The deployer_policy filter."""

    def filters(self):
        return {"deployer_policy": deployer_policy}
