#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: iam_service_linked_role
short_description: Ensure an IAM service-linked role exists for an AWS service
version_added: 0.1.0
description:
  - Ensures that the service-linked role of an AWS service (for example C(ecs.amazonaws.com)) exists,
    creating it with C(CreateServiceLinkedRole) when it does not.
  - The role is found by its service path C(/aws-service-role/<service>/), not by its name, so an
    existing role is recognised whatever its name (the name's spelling differs between services and
    emulators).
  - A service-linked role is shared by the whole account and may be in use by other deployments, so this
    module never deletes one.
author:
  - llmops maintainers (!UNKNOWN)
options:
  aws_service_name:
    description:
      - The service principal the role is linked to, for example C(ecs.amazonaws.com).
    type: str
    default: ecs.amazonaws.com
  custom_suffix:
    description:
      - Suffix of the role name, for services that allow several service-linked roles.
      - When set, only a role whose name ends with C(_<custom_suffix>) is accepted as existing.
      - ECS does not accept a suffix.
    type: str
  description:
    description:
      - Description of the role, used only when the role is created.
    type: str
attributes:
  check_mode:
    support: full
    description: In check mode a missing role is reported as C(changed) and is not created.
  diff_mode:
    support: none
    description: The module reports no diff.
  idempotent:
    support: full
    description: An existing role is never changed.
notes:
  - Requires C(iam:ListRoles) and C(iam:CreateServiceLinkedRole).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the ECS service-linked role exists
  llmops.litellm_ecs.iam_service_linked_role:
    aws_service_name: ecs.amazonaws.com
  register: ecs_slr

- name: Show its ARN
  ansible.builtin.debug:
    msg: "{{ ecs_slr.role.arn }}"
"""

RETURN = r"""
role:
  description:
    - The service-linked role. Empty in check mode when the role does not exist yet.
  returned: always
  type: dict
  contains:
    arn:
      description: The role's ARN.
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS
    role_name:
      description: The role's name.
      type: str
      returned: when the role exists
      sample: AWSServiceRoleForECS
    path:
      description: The role's path.
      type: str
      returned: when the role exists
      sample: /aws-service-role/ecs.amazonaws.com/
    role_id:
      description: The role's unique id.
      type: str
      returned: when the role exists
      sample: AROAEXAMPLEID
    create_date:
      description: When the role was created (ISO 8601, UTC).
      type: str
      returned: when the role exists
      sample: "2026-11-29T12:00:00Z"
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.service_linked_role import pick_role
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.service_linked_role import service_role_path
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp


def describe(role):
    """The documented subset of a role, snake_cased."""
    if not role:
        return {}
    keep = ("Arn", "RoleName", "Path", "RoleId")
    result = camel_dict_to_snake_dict({key: role[key] for key in keep if key in role})
    if role.get("CreateDate"):
        result["create_date"] = timestamp(role["CreateDate"])
    return result


@AWSErrors.common_error_handler("list the service-linked roles of {service}")
def find_role(client, service, suffix):
    paginator = client.get_paginator("list_roles")
    roles = paginator.paginate(PathPrefix=service_role_path(service)).build_full_result()["Roles"]
    return pick_role(roles, service, suffix)


@AWSErrors.common_error_handler(
    "create the service-linked role of {service}. The caller needs iam:CreateServiceLinkedRole; an administrator can also "
    "create it once with 'aws iam create-service-linked-role --aws-service-name {service}'.")
def create_role(client, service, suffix, description):
    kwargs = {"AWSServiceName": service}
    if suffix:
        kwargs["CustomSuffix"] = suffix
    if description:
        kwargs["Description"] = description
    return client.create_service_linked_role(**kwargs)["Role"]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            aws_service_name=dict(type="str", default="ecs.amazonaws.com"),
            custom_suffix=dict(type="str"),
            description=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    service = module.params["aws_service_name"]
    suffix = module.params["custom_suffix"]
    client = retries.client(module, "iam")
    try:
        role = find_role(client, service, suffix)
        if role:
            module.exit_json(changed=False, role=describe(role))
        if module.check_mode:
            module.exit_json(changed=True, role={})
        role = create_role(client, service, suffix, module.params["description"])
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)
    module.exit_json(changed=True, role=describe(role))


if __name__ == "__main__":
    main()
