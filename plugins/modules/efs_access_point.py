#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: efs_access_point
short_description: Manage an Amazon EFS access point, identified by its Name tag
version_added: 0.1.0
description:
  - Creates, replaces, re-tags or deletes an access point of an Amazon EFS file system.
  - The access point is identified by its C(Name) tag within the file system O(file_system_id). The module
    lists the file system's access points and manages the one whose C(Name) tag is O(name). Access points
    that are being deleted are ignored. When several live access points of the file system carry the same
    name the module fails and names them, rather than guess.
  - B(Access points are immutable except for their tags.) When O(posix_user) or O(root_directory) differ
    from those of the existing access point, the module B(replaces) it - it deletes the access point and
    creates a new one, which has a new ID and ARN - and returns RV(replaced=true). Clients that mount the
    old access point (for example ECS task definitions referencing its ID) must be updated, and running
    tasks that mount it lose access. An access point in the C(error) state is replaced too.
  - Tags are updated in place with C(TagResource) and C(UntagResource); the access point keeps its ID.
  - The C(Name) tag is always set to O(name).
author:
  - llmops maintainers (!UNKNOWN)
options:
  file_system_id:
    description:
      - ID of the EFS file system the access point belongs to, for example C(fs-0123456789abcdef0).
      - With O(state=present) the file system must exist and be C(available); with O(state=absent) a
        missing file system means there is no access point to delete.
    type: str
    required: true
  name:
    description:
      - Name of the access point, that is the value of its C(Name) tag, unique among the file system's
        access points.
    type: str
    required: true
  state:
    description:
      - Whether the access point should exist.
    type: str
    choices: [present, absent]
    default: present
  posix_user:
    description:
      - The POSIX identity that NFS clients using the access point act as, whatever their own identity.
      - When not set the access point enforces no identity; an existing access point that enforces one
        is then replaced.
      - Changing it replaces the access point.
    type: dict
    suboptions:
      uid:
        description: POSIX user ID, 0 to 4294967295.
        type: int
        required: true
      gid:
        description: POSIX group ID, 0 to 4294967295.
        type: int
        required: true
      secondary_gids:
        description:
          - Secondary POSIX group IDs, at most 16. Their order does not matter.
        type: list
        elements: int
  root_directory:
    description:
      - The directory of the file system that the access point exposes as the root to its clients.
      - Changing it replaces the access point.
    type: dict
    suboptions:
      path:
        description:
          - Absolute path of the directory, C(/) or up to four directories without a trailing slash
            (for example C(/litellm/data)).
        type: str
        default: /
      creation_info:
        description:
          - Owner and permissions with which EFS creates O(root_directory.path) when a client first
            connects and the directory does not exist yet. Without it, mounting fails when the directory
            does not exist.
          - EFS ignores it when the directory exists already.
        type: dict
        suboptions:
          owner_uid:
            description: POSIX user ID that owns the directory.
            type: int
            required: true
          owner_gid:
            description: POSIX group ID that owns the directory.
            type: int
            required: true
          permissions:
            description:
              - The directory's mode as a B(quoted) string of 3 or 4 octal digits, for example V('0755').
              - Numbers are rejected, because YAML reads an unquoted V(0755) as the number 493.
            type: raw
            required: true
  wait:
    description:
      - Wait until a created access point is C(available), and until a deleted one is gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait in all, when O(wait=true).
    type: int
    default: 120
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module calls no API that changes anything and reports what it would change,
        including RV(replaced).
  diff_mode:
    support: full
    description:
      - Reports the access point's settings and tags before and after.
  idempotent:
    support: full
    description:
      - A second run with the same options changes nothing.
notes:
  - Requires C(elasticfilesystem:DescribeAccessPoints), C(elasticfilesystem:DescribeFileSystems),
    C(elasticfilesystem:CreateAccessPoint), C(elasticfilesystem:DeleteAccessPoint),
    C(elasticfilesystem:TagResource) and C(elasticfilesystem:UntagResource).
  - With O(state=present) the module fails, in check mode too, when the file system does not exist. Create
    it first, for example with M(community.aws.efs).
  - When O(tags) is not set and the access point is replaced, the new access point gets the old one's tags.
seealso:
  - module: community.aws.efs
  - name: Working with Amazon EFS access points
    description: The Amazon EFS user guide.
    link: https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the LiteLLM data access point exists
  llmops.litellm_ecs.efs_access_point:
    file_system_id: "{{ efs.efs.file_system_id }}"
    name: litellm-data
    posix_user:
      uid: 1000
      gid: 1000
    root_directory:
      path: /litellm/data
      creation_info:
        owner_uid: 1000
        owner_gid: 1000
        permissions: "0750"
    tags:
      Project: litellm
  register: data_access_point

- name: Show its ID (an ECS task definition's EFS volume refers to it)
  ansible.builtin.debug:
    msg: "{{ data_access_point.access_point.access_point_id }}"

- name: Add a tag without touching the others (the access point keeps its ID)
  llmops.litellm_ecs.efs_access_point:
    file_system_id: fs-0123456789abcdef0
    name: litellm-data
    posix_user:
      uid: 1000
      gid: 1000
    root_directory:
      path: /litellm/data
      creation_info:
        owner_uid: 1000
        owner_gid: 1000
        permissions: "0750"
    tags:
      CostCenter: ml
    purge_tags: false

- name: Delete the access point
  llmops.litellm_ecs.efs_access_point:
    file_system_id: fs-0123456789abcdef0
    name: litellm-data
    state: absent
"""

RETURN = r"""
access_point:
  description:
    - The access point. Empty when O(state=absent), and in check mode when it would be created or replaced.
  returned: always
  type: dict
  contains:
    access_point_id:
      description: The access point's ID.
      type: str
      returned: when the access point exists
      sample: fsap-0123456789abcdef0
    access_point_arn:
      description: The access point's ARN.
      type: str
      returned: when the access point exists
      sample: arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0
    file_system_id:
      description: ID of the file system the access point belongs to.
      type: str
      returned: when the access point exists
      sample: fs-0123456789abcdef0
    name:
      description: The access point's name (its C(Name) tag).
      type: str
      returned: when the access point exists
      sample: litellm-data
    owner_id:
      description: ID of the AWS account that owns the access point.
      type: str
      returned: when the access point exists and AWS reports it
      sample: "123456789012"
    posix_user:
      description: The enforced POSIX identity; V(null) when the access point enforces none.
      type: dict
      returned: when the access point exists
      contains:
        uid:
          description: POSIX user ID.
          type: int
          returned: when set
          sample: 1000
        gid:
          description: POSIX group ID.
          type: int
          returned: when set
          sample: 1000
        secondary_gids:
          description: Secondary POSIX group IDs, sorted.
          type: list
          elements: int
          returned: when set
          sample: []
    root_directory:
      description: The directory exposed as the root.
      type: dict
      returned: when the access point exists
      contains:
        path:
          description: Path of the directory.
          type: str
          returned: always
          sample: /litellm/data
        creation_info:
          description: Owner and permissions used to create the directory; V(null) when not set.
          type: dict
          returned: always
          contains:
            owner_uid:
              description: Owner's POSIX user ID.
              type: int
              returned: when set
              sample: 1000
            owner_gid:
              description: Owner's POSIX group ID.
              type: int
              returned: when set
              sample: 1000
            permissions:
              description: Mode as four octal digits.
              type: str
              returned: when set
              sample: "0750"
    tags:
      description: The access point's tags, C(Name) included.
      type: dict
      returned: when the access point exists
      sample: {"Name": "litellm-data", "Project": "litellm"}
    life_cycle_state:
      description: The access point's life cycle state, C(available) once it can be used.
      type: str
      returned: when the access point exists
      sample: available
replaced:
  description: Whether the access point was (or, in check mode, would be) deleted and created anew because
    O(posix_user) or O(root_directory) differed. Its ID and ARN change when it is replaced.
  returned: always
  type: bool
  sample: false
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import AccessPointError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import build_posix_user
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import build_root_directory
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import describe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import desired_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import diff_view
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import needs_replacement
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import pick_access_point
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import settings_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import waiter_for

POLL_INTERVAL = 2


def missing_file_system(module, file_system_id):
    module.fail_json(
        msg=(
            f"The EFS file system {file_system_id} does not exist in region {module.region}. Create the file "
            "system first (for example with community.aws.efs), or correct file_system_id and region."
        ),
    )


@AWSErrors.common_error_handler("list the access points of the EFS file system {file_system_id}")
def find_access_point(module, client, file_system_id, name):
    """The access point named ``name``; None when it (or the whole file system) does not exist."""
    try:
        paginator = client.get_paginator("describe_access_points")
        access_points = paginator.paginate(FileSystemId=file_system_id).build_full_result()["AccessPoints"]
    except is_boto3_error_code("FileSystemNotFound"):
        if module.params["state"] == "absent":
            return None
        missing_file_system(module, file_system_id)
    return pick_access_point(access_points, name, file_system_id)


@AWSErrors.common_error_handler("describe the EFS file system {file_system_id}")
def check_file_system(module, client, file_system_id):
    """Fail, saying what to do, unless the file system exists and is available (CreateAccessPoint needs both)."""
    try:
        file_systems = client.describe_file_systems(FileSystemId=file_system_id)["FileSystems"]
    except is_boto3_error_code("FileSystemNotFound"):
        file_systems = []
    if not file_systems:
        missing_file_system(module, file_system_id)
    state = file_systems[0].get("LifeCycleState")
    if state != "available":
        module.fail_json(
            msg=(
                f"The EFS file system {file_system_id} is {state}, not available: EFS creates access points only on "
                "an available file system. Wait for it (community.aws.efs with wait: true) and run again."
            ),
        )


@AWSErrors.list_error_handler("describe the EFS access point {access_point_id}", missing=("AccessPointNotFound",))
def get_access_point(client, access_point_id):
    """The access point with this ID, or None when it does not exist (any more)."""
    found = client.describe_access_points(AccessPointId=access_point_id)["AccessPoints"]
    return found[0] if found else None


def wait_for(module, client, predicate, access_point_id, budget):
    """How the wait for the access point to be as the readiness ``predicate`` says ended, within what is left of ``budget``."""
    return waiter_for(predicate, lambda: get_access_point(client, access_point_id), check_mode=module.check_mode,
                      clock=time.monotonic, sleep=time.sleep).wait(timeout=budget.remaining(), **backing_off(POLL_INTERVAL))


@AWSErrors.deletion_error_handler("delete the EFS access point {access_point_id}", missing=("AccessPointNotFound",))
def request_deletion(client, access_point_id):
    """True once EFS accepted the deletion; False when the access point is gone already."""
    client.delete_access_point(AccessPointId=access_point_id)
    return True


def delete_access_point(module, client, access_point, budget):
    access_point_id = access_point["AccessPointId"]
    if not request_deletion(client, access_point_id) or not module.params["wait"]:
        return
    outcome = wait_for(module, client, "access_point_deleted", access_point_id, budget)
    if not outcome.ready:
        module.fail_json(
            msg=(
                f"The EFS access point {access_point_id} was deleted but still exists ({outcome.reason}) "
                f"after {outcome.elapsed:.0f}s. Run again later, or raise wait_timeout (now {module.params['wait_timeout']})."
            ),
            changed=True,
        )


@AWSErrors.common_error_handler("create the EFS access point {tags[Name]} on {file_system_id}")
def create_access_point(module, client, file_system_id, posix_user, root_directory, tags, budget):
    request = {
        # One token for every retry of this call: EFS then creates one access point, not one per attempt.
        "ClientToken": str(uuid.uuid4()),
        "FileSystemId": file_system_id,
        "RootDirectory": root_directory,
        "Tags": ansible_dict_to_boto3_tag_list({k: v for k, v in tags.items() if not k.startswith("aws:")}),
    }
    if posix_user:
        request["PosixUser"] = posix_user
    try:
        created = client.create_access_point(**request)
    except is_boto3_error_code("FileSystemNotFound"):
        missing_file_system(module, file_system_id)
    except is_boto3_error_code("AccessPointLimitExceeded") as e:  # pylint: disable=duplicate-except
        raise AnsibleAWSError(
            message=f"The EFS file system {file_system_id} has as many access points as EFS allows; delete unused ones.", exception=e) from e
    created.pop("ResponseMetadata", None)
    if not module.params["wait"]:
        return created
    access_point_id = created["AccessPointId"]
    outcome = wait_for(module, client, "access_point_available", access_point_id, budget)
    last = outcome.value
    if outcome.ready:
        return last
    if not last:
        problem = "disappeared while being created"
    elif outcome.state == FAILED:
        problem = f"is {last.get('LifeCycleState')} instead of available; the next run replaces it"
    else:
        problem = (f"is still {last.get('LifeCycleState')} after {outcome.elapsed:.0f}s; run again later or raise wait_timeout "
                   f"(now {module.params['wait_timeout']})")
    module.fail_json(
        msg=f"The EFS access point {access_point_id} ({tags['Name']}) {problem}.",
        access_point=describe(last),
        changed=True,
    )


@AWSErrors.common_error_handler("update the tags of the EFS access point {access_point_id}")
def update_tags(client, access_point_id, changes):
    if changes.to_unset:
        client.untag_resource(ResourceId=access_point_id, TagKeys=changes.to_unset)
    if changes.to_set:
        client.tag_resource(ResourceId=access_point_id, Tags=ansible_dict_to_boto3_tag_list(changes.to_set))


def run(module):
    file_system_id = module.params["file_system_id"]
    name = module.params["name"]
    state = module.params["state"]
    tags = module.params["tags"]
    posix_user = build_posix_user(module.params["posix_user"])
    root_directory = build_root_directory(module.params["root_directory"])
    wanted_tags = desired_tags(name, tags)

    client = retries.client(module, "efs")
    budget = Budget(module.params["wait_timeout"], clock=time.monotonic)
    existing = find_access_point(module, client, file_system_id, name)
    current_tags = read_tags(existing.get("Tags")) if existing else {}
    before = diff_view(file_system_id, name, settings_of(existing), current_tags) if existing else {}
    result = dict(changed=False, replaced=False, access_point={})

    if state == "absent":
        if existing:
            result["changed"] = True
            if not module.check_mode:
                delete_access_point(module, client, existing, budget)
        if module._diff:
            result["diff"] = dict(before=before, after={})
        module.exit_json(**result)

    wanted = settings(posix_user, root_directory)
    # Tags the access point ends up with: with tags not set, the existing ones (a replacement keeps them).
    changes = tag_changes(current_tags, wanted_tags, module.params["purge_tags"] and tags is not None)
    if module._diff:
        result["diff"] = dict(before=before, after=diff_view(file_system_id, name, wanted, changes.after))
    replace = bool(existing) and bool(needs_replacement(existing, wanted))

    if existing and not replace:
        if changes:
            result["changed"] = True
            if module.check_mode:
                existing = dict(existing, Tags=ansible_dict_to_boto3_tag_list(changes.after))
            else:
                update_tags(client, existing["AccessPointId"], changes)
                existing = get_access_point(client, existing["AccessPointId"]) or existing
        result["access_point"] = describe(existing)
        module.exit_json(**result)

    result.update(changed=True, replaced=bool(existing))
    # Also in check mode: a missing or unusable file system is reported, not predicted away.
    check_file_system(module, client, file_system_id)
    if module.check_mode:
        module.exit_json(**result)
    if existing:
        delete_access_point(module, client, existing, budget)
    created = create_access_point(module, client, file_system_id, posix_user, root_directory, changes.after, budget)
    result["access_point"] = describe(created)
    module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            file_system_id=dict(type="str", required=True),
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            posix_user=dict(
                type="dict",
                options=dict(
                    uid=dict(type="int", required=True),
                    gid=dict(type="int", required=True),
                    secondary_gids=dict(type="list", elements="int"),
                ),
            ),
            root_directory=dict(
                type="dict",
                options=dict(
                    path=dict(type="str", default="/"),
                    creation_info=dict(
                        type="dict",
                        options=dict(
                            owner_uid=dict(type="int", required=True),
                            owner_gid=dict(type="int", required=True),
                            permissions=dict(type="raw", required=True),
                        ),
                    ),
                ),
            ),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    try:
        run(module)
    except AccessPointError as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
