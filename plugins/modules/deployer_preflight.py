#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployer_preflight
short_description: Check, before any change, that the caller may make every AWS call a deployment makes
version_added: 0.1.0
description:
  - Renders the deployer policy for the deployment (the IAM actions the given API operations need, each scoped to the
    deployment's resources as C(docs/deployer-policy.json) shows) and asks IAM's policy simulator (C(iam:SimulatePrincipalPolicy)) whether the
    caller's own policies allow each action on those resources, with the conditions' context values.
  - Fails naming every action the caller lacks, so a deployment stops before its first change instead of halfway.
  - When the caller may not call the simulator itself, or IAM does not know the principal to simulate, it cannot tell;
    it then fails or warns (O(on_unknown)) and names the actions a user must hold, the dry list of the shipped policy.
  - The caller is the identity of the module's credentials; an assumed role is simulated as its role, at the path C(/)
    (an assumed-role ARN carries no path; give O(principal_arn) for a role under a path, such as IAM Identity Center's).
  - It simulates the policy of every optional part (S3 config, a created Redis, the alarm topic, autoscaling,
    migrations) whatever this deployment uses, so a caller scoped to fewer parts is reported missing their actions.
author:
  - llmops maintainers (!UNKNOWN)
options:
  operations:
    description:
      - The API operations the deployment makes (the C(deployer_policy) role's generated list).
    type: list
    elements: str
    required: true
  deployment_name:
    description:
      - The deployment's name (C(litellm_name)), by which the resources are scoped.
    type: str
    required: true
  config_bucket:
    description:
      - The S3 config bucket when it is not C(<name>-config-<account>-<region>).
    type: str
    default: ""
  principal_arn:
    description:
      - The IAM user or role to simulate, when it is not the caller's as GetCallerIdentity names it (a role under a path).
    type: str
    default: ""
  on_unknown:
    description:
      - What to do when the simulator cannot be called (the caller lacks C(iam:SimulatePrincipalPolicy)) or does not know
        the principal.
    type: str
    choices: [fail, warn]
    default: fail
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same way in check mode.
  diff_mode:
    support: none
    description: The module reports no diff.
  idempotent:
    support: full
    description: The module changes nothing.
notes:
  - Requires C(sts:GetCallerIdentity) (always allowed) and C(iam:SimulatePrincipalPolicy) on the caller.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check the caller's permissions before any change
  llmops.litellm_ecs.deployer_preflight:
    deployment_name: litellm
    operations: "{{ __deployer_policy_operations }}"
"""

RETURN = r"""
principal:
  description: The ARN simulated (the caller's user or role).
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:role/ci-deployer
checked:
  description: How many IAM actions were simulated.
  returned: when the simulator answered
  type: int
  sample: 120
missing:
  description: The actions the caller's policies do not allow, sorted.
  returned: always
  type: list
  elements: str
  sample: ["ecs:CreateService"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployer_policy import policy
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployer_policy import principal_arn
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployer_policy import simulations
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import ACCESS_DENIED_CODES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error

# The simulator's answers that mean "cannot tell": no permission to simulate, or no such principal (a role's path).
UNCHECKABLE = tuple(ACCESS_DENIED_CODES) + ("NoSuchEntity", "InvalidInput")


@AWSErrors.common_error_handler("look up the caller's identity")
def caller(client):
    return client.get_caller_identity()


@AWSErrors.list_error_handler("simulate the policies of {principal}", missing=UNCHECKABLE)
def simulate(client, principal, request):
    """The actions of one simulation request the principal may not perform; None when the simulator cannot tell."""
    kwargs = {"PolicySourceArn": principal, "ActionNames": request["actions"]}
    if request["resources"] != ["*"]:
        kwargs["ResourceArns"] = request["resources"]
    if request["context"]:
        kwargs["ContextEntries"] = request["context"]
    results = client.get_paginator("simulate_principal_policy").paginate(**kwargs).build_full_result()["EvaluationResults"]
    return [item["EvalActionName"] for item in results if item["EvalDecision"] != "allowed"]


def unknown(module, principal, actions):
    """The simulator cannot tell: fail or warn (on_unknown), naming the actions the deployment needs."""
    message = (f"The preflight could not check {principal}: the caller may not call iam:SimulatePrincipalPolicy, or IAM "
               f"knows no such user or role (a role under a path: give its ARN as deployer_policy_preflight_principal_arn). "
               f"A deployment of this collection may need these {len(actions)} actions, scoped as docs/deployer-policy.json "
               f"shows: {', '.join(actions)}. Set litellm_preflight_on_unknown: warn to go on unchecked.")
    if module.params["on_unknown"] == "fail":
        module.fail_json(msg=message, principal=principal, missing=[])
    module.warn(message)
    module.exit_json(changed=False, principal=principal, missing=[])


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            operations=dict(type="list", elements="str", required=True),
            deployment_name=dict(type="str", required=True),
            config_bucket=dict(type="str", default=""),
            principal_arn=dict(type="str", default=""),
            on_unknown=dict(type="str", choices=["fail", "warn"], default="fail"),
        ),
        supports_check_mode=True,
    )
    try:
        identity = caller(retries.client(module, "sts"))
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)
    account, partition = identity["Account"], identity["Arn"].split(":")[1]
    principal = module.params["principal_arn"] or principal_arn(identity["Arn"])
    document = policy(module.params["operations"], module.params["deployment_name"], account, module.region, partition,
                      config_bucket=module.params["config_bucket"] or None)
    actions = sorted({action for statement in document["Statement"] for action in statement["Action"]})
    iam = retries.client(module, "iam")
    missing = set()
    try:
        for request in simulations(document):
            denied = simulate(iam, principal, request)
            if denied is None:
                unknown(module, principal, actions)
            missing.update(denied)
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)
    if missing:
        module.fail_json(
            msg=(f"{principal} may not perform {len(missing)} of the {len(actions)} actions a deployment of this collection may need: "
                 f"{', '.join(sorted(missing))}. Nothing was changed. Grant them (the llmops.litellm_ecs.deployer_policy "
                 "role creates the whole policy as a managed policy; docs/deployer-policy.json shows it), then run again."),
            principal=principal, missing=sorted(missing))
    module.exit_json(changed=False, principal=principal, checked=len(actions), missing=[])


if __name__ == "__main__":
    main()
