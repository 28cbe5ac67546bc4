# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: aws_regions
short_description: The AWS regions where a service has an endpoint, as botocore knows them
version_added: 0.1.0
description:
  - Returns the names of the regions, in every partition (C(aws), C(aws-cn), C(aws-us-gov), ...), where the service has
    an endpoint in botocore's endpoint data, as botocore's C(get_available_regions) lists them for each partition. It
    reads files installed with botocore on the controller and calls nothing.
  - A region newer than the installed botocore is missing from the list; upgrade botocore to see it.
  - Returns an empty list when botocore is not installed on the controller, so that a check can tell "unknown" from
    "not a region".
positional: ""
options:
  _input:
    description: The service's endpoint prefix, for instance C(ecs).
    type: string
    required: true
author:
  - llmops maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Refuse a region ECS does not serve
  ansible.builtin.assert:
    that:
      - __regions | length == 0 or litellm_aws_region in __regions
    fail_msg: "litellm_aws_region '{{ litellm_aws_region }}' is not one of {{ __regions | join(', ') }}"
  vars:
    __regions: "{{ 'ecs' | llmops.litellm_ecs.aws_regions }}"
"""

RETURN = r"""
_value:
  description: The region names, sorted; empty when botocore is not installed on the controller.
  type: list
  elements: string
"""

from ansible.errors import AnsibleFilterError

try:
    import botocore.session
except ImportError:  # pragma: no cover - botocore comes with the AWS modules' requirements
    botocore = None


def aws_regions(service):
    """The regions of every partition where ``service`` has an endpoint in botocore's data ([] without botocore)."""
    if not isinstance(service, str) or not service:
        raise AnsibleFilterError(f"aws_regions expects a service name such as 'ecs', not {service!r}")
    if botocore is None:
        return []
    session = botocore.session.get_session()
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions(service, partition_name=partition))
    return sorted(regions)


class FilterModule:
    """The aws_regions filter."""

    def filters(self):
        return {"aws_regions": aws_regions}
