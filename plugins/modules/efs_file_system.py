#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: efs_file_system
short_description: Manage an Amazon EFS file system with its mount targets, without waiting for them unless asked
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon EFS file system, found by its creation token O(name) (also its C(Name) tag),
    with one mount target per subnet in O(targets).
  - With O(wait=false) the module returns as soon as the mount targets are requested, so that the minute or two AWS
    takes to make them available overlaps with what follows (llmops.litellm_ecs.ecs_service waits for them before
    it starts tasks that mount the file system). The file system itself is always waited for, since mount targets can
    only be added to an available one.
  - Unlike M(community.aws.efs), it has a check mode, uses the current tagging API (C(ListTagsForResource),
    C(TagResource)), changes a mount target's security groups in place, and polls from one second up instead of every
    five seconds.
  - Encryption, the KMS key and the performance mode are fixed when a file system is created; a different value is
    reported as a warning.
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description: The file system's creation token and C(Name) tag.
    type: str
    required: true
  state:
    description: Whether the file system should exist. V(absent) deletes its mount targets, then it.
    type: str
    choices: [present, absent]
    default: present
  encrypt:
    description: Encrypt the data at rest (set at creation).
    type: bool
    default: true
  kms_key_id:
    description: The KMS key that encrypts it (set at creation); empty for the account's C(aws/elasticfilesystem) key.
    type: str
  performance_mode:
    description: The performance mode (set at creation).
    type: str
    choices: [generalPurpose, maxIO]
    default: generalPurpose
  throughput_mode:
    description: The throughput mode; when not set, not managed.
    type: str
    choices: [bursting, provisioned, elastic]
  provisioned_throughput_in_mibps:
    description: With O(throughput_mode=provisioned), the throughput in MiB/s.
    type: float
  targets:
    description: The mount targets, one per subnet (and so per availability zone); others are deleted. When not set, not managed.
    type: list
    elements: dict
    suboptions:
      subnet_id:
        description: The subnet.
        type: str
        required: true
      security_groups:
        description: The mount target's security groups.
        type: list
        elements: str
  wait:
    description: Wait until every mount target is available (and, with O(state=absent), until the file system is gone).
    type: bool
    default: true
  wait_timeout:
    description: How long every wait of one run may take together, in seconds.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes no change; reports what would change and returns the file system as it is.
  diff_mode:
    support: full
    description: Shows the throughput, the mount targets' subnets and groups, and the tags before and after.
  idempotent:
    support: full
    description: A file system that matches is not written to.
seealso:
  - module: community.aws.efs
  - module: llmops.litellm_ecs.efs_access_point
"""

EXAMPLES = r"""
- name: An encrypted file system with a mount target in two zones; do not wait for them
  llmops.litellm_ecs.efs_file_system:
    name: litellm-config
    throughput_mode: bursting
    targets:
      - {subnet_id: subnet-0123456789abcdef0, security_groups: [sg-0123456789abcdef0]}
      - {subnet_id: subnet-0fedcba9876543210, security_groups: [sg-0123456789abcdef0]}
    tags:
      litellm-deployment: litellm
    wait: false

- name: Delete it with its mount targets
  llmops.litellm_ecs.efs_file_system:
    name: litellm-config
    state: absent
"""

RETURN = r"""
file_system:
  description: The file system as it is after the run (in check mode, as it is); empty when absent.
  returned: always
  type: dict
  contains:
    file_system_id:
      description: The file system's id.
      type: str
      sample: fs-0123456789abcdef0
    arn:
      description: The file system's ARN.
      type: str
    name:
      description: Its C(Name) tag.
      type: str
    life_cycle_state:
      description: C(creating), C(available), ...
      type: str
    encrypted:
      description: Whether it is encrypted at rest.
      type: bool
    kms_key_id:
      description: The key that encrypts it.
      type: str
    performance_mode:
      description: The performance mode.
      type: str
    throughput_mode:
      description: The throughput mode.
      type: str
    provisioned_throughput_in_mibps:
      description: The provisioned throughput, in provisioned mode.
      type: float
    tags:
      description: Its tags.
      type: dict
    mount_targets:
      description: Its mount targets (C(mount_target_id), C(subnet_id), C(availability_zone), C(life_cycle_state), C(security_groups)).
      type: list
      elements: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import describe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import fixed_setting_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import target_plan
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import throughput_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import waiter_for

# The longest pause between two polls: EFS takes seconds for a file system and a minute or two for a mount target.
LONGEST_PAUSE = 10


class FileSystem:
    """One run over one file system."""

    def __init__(self, module):
        self.module, self.params = module, module.params
        self.name = module.params["name"]
        self.client = retries.client(module, "efs")
        self.budget = Budget(module.params["wait_timeout"], clock=time.monotonic)
        self.changed = False

    @AWSErrors.common_error_handler("{what} the EFS file system {self.name}")
    def call(self, what, action, **kwargs):
        """Make a change (in check mode, only count it); ``what`` (the EFS file system ...) names it in the error."""
        answer = {} if self.module.check_mode else action(**kwargs)
        self.changed = True
        return answer

    @AWSErrors.common_error_handler("describe the EFS file system {self.name}")
    def find(self):
        found = self.client.describe_file_systems(CreationToken=self.name)["FileSystems"]
        return next((item for item in found if item.get("LifeCycleState") != "deleted"), None)

    @AWSErrors.list_error_handler("describe the mount targets of the EFS file system {self.name}", default_value=(), missing=("FileSystemNotFound",))
    def targets(self, file_system_id):
        if not file_system_id:
            return []
        targets = self.client.describe_mount_targets(FileSystemId=file_system_id)["MountTargets"]
        for target in targets:
            if "SecurityGroups" not in target:
                target["SecurityGroups"] = self.client.describe_mount_target_security_groups(MountTargetId=target["MountTargetId"])["SecurityGroups"]
        return targets

    @AWSErrors.common_error_handler("list the tags of the EFS file system {self.name}")
    def tags(self, file_system_id):
        return read_tags(self.client.list_tags_for_resource(ResourceId=file_system_id)["Tags"])

    def wait(self, fetch, predicate, what):
        outcome = waiter_for(predicate, fetch, check_mode=self.module.check_mode, clock=time.monotonic, sleep=time.sleep).wait(
            timeout=self.budget.remaining(), **backing_off(LONGEST_PAUSE))
        if not outcome.ready:
            self.module.fail_json(msg=f"The EFS file system {self.name}: {what} did not happen within {self.params['wait_timeout']} s "
                                      f"({outcome.reason}). Run again to continue, or raise wait_timeout.", changed=self.changed)
        return outcome.value

    def tag_plan(self, current):
        """How the ``current`` tags change: C(Name) is always the name, the others are managed when tags are given."""
        tags = self.params["tags"]
        return tag_changes(current, dict(tags or {}, Name=self.name), self.params["purge_tags"] and tags is not None)

    def create(self, tags):
        kwargs = dict(CreationToken=self.name, PerformanceMode=self.params["performance_mode"], Encrypted=self.params["encrypt"],
                      Tags=ansible_dict_to_boto3_tag_list(tags))
        if self.params["kms_key_id"]:
            kwargs["KmsKeyId"] = self.params["kms_key_id"]
        if self.params["throughput_mode"]:
            kwargs["ThroughputMode"] = self.params["throughput_mode"]
            if self.params["throughput_mode"] == "provisioned" and self.params["provisioned_throughput_in_mibps"]:
                kwargs["ProvisionedThroughputInMibps"] = self.params["provisioned_throughput_in_mibps"]
        created = self.call("create", self.client.create_file_system, **kwargs)
        if self.module.check_mode:
            return None
        return self.wait(lambda: self.describe_one(created["FileSystemId"]), "file_system_available", "becoming available")

    @AWSErrors.list_error_handler("describe the EFS file system {self.name}", missing=("FileSystemNotFound",))
    def describe_one(self, file_system_id):
        return self.client.describe_file_systems(FileSystemId=file_system_id)["FileSystems"][0]

    def present(self):
        before = self.find()
        before_targets = self.targets(before["FileSystemId"]) if before else []
        before_tags = self.tags(before["FileSystemId"]) if before else {}
        found = before
        tags = self.tag_plan(before_tags)
        if found:
            for line in fixed_setting_changes(self.params, found):
                self.module.warn(f"The EFS file system {self.name} keeps its setting: {line}; EFS fixes it at creation "
                                 "(a new file system with the data copied over would be needed).")
            if found.get("LifeCycleState") != "available" and not self.module.check_mode:
                found = self.wait(lambda: self.describe_one(before["FileSystemId"]), "file_system_available", "becoming available")
            todo = throughput_changes(self.params, found)
            if todo:
                self.call("update the throughput of", self.client.update_file_system, FileSystemId=found["FileSystemId"], **todo)
            if tags.to_unset:
                self.call("untag", self.client.untag_resource, ResourceId=found["FileSystemId"], TagKeys=tags.to_unset)
            if tags.to_set:
                self.call("tag", self.client.tag_resource, ResourceId=found["FileSystemId"], Tags=ansible_dict_to_boto3_tag_list(tags.to_set))
        else:
            found = self.create(tags.after)
        file_system_id = (found or {}).get("FileSystemId", "")
        if self.params["targets"] is not None:
            self.sync_targets(file_system_id, before_targets)
        if self.module.check_mode or not file_system_id:
            result = dict(changed=self.changed, file_system=describe(before, before_tags, before_targets))
        else:
            if self.params["wait"]:
                targets = self.wait(lambda: self.targets(file_system_id), "mount_targets_available", "every mount target becoming available")
            else:
                targets = self.targets(file_system_id)
            after = self.describe_one(file_system_id) if self.changed else found
            result = dict(changed=self.changed, file_system=describe(after, self.tags(file_system_id) if self.changed else before_tags, targets))
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": self.comparable(before_tags, before_targets, before), "after": self.comparable_wanted(before, tags.after)}
        self.module.exit_json(**result)

    def sync_targets(self, file_system_id, current):
        to_create, to_delete, to_regroup = target_plan(current, self.params["targets"])
        for target in to_delete:
            self.call(f"delete the mount target in {target['SubnetId']} of", self.client.delete_mount_target, MountTargetId=target["MountTargetId"])
        if to_delete and not self.module.check_mode:
            self.wait(lambda: [t for t in self.targets(file_system_id) if t["MountTargetId"] in {d["MountTargetId"] for d in to_delete}],
                      "mount_targets_deleted", "the removed mount targets going")
        for target in to_create:
            kwargs = dict(FileSystemId=file_system_id, SubnetId=target["subnet_id"])
            if target["security_groups"]:
                kwargs["SecurityGroups"] = target["security_groups"]
            self.call(f"create a mount target in {target['subnet_id']} for", self.client.create_mount_target, **kwargs)
        for item in to_regroup:
            self.call(f"change the security groups of the mount target in {item['target']['SubnetId']} of",
                      self.client.modify_mount_target_security_groups, MountTargetId=item["target"]["MountTargetId"],
                      SecurityGroups=item["security_groups"])

    def comparable(self, tags, targets, found):
        if not found:
            return {}
        return {"throughput_mode": found.get("ThroughputMode"), "provisioned_throughput_in_mibps": found.get("ProvisionedThroughputInMibps"),
                "mount_targets": {target["SubnetId"]: sorted(target.get("SecurityGroups") or []) for target in targets},
                "tags": dict(tags or {})}

    def comparable_wanted(self, found, tags):
        found = found or {}
        targets = self.params["targets"]
        return {"throughput_mode": self.params["throughput_mode"] or found.get("ThroughputMode"),
                "provisioned_throughput_in_mibps": (self.params["provisioned_throughput_in_mibps"]
                                                    if self.params["throughput_mode"] == "provisioned" else found.get("ProvisionedThroughputInMibps")),
                "mount_targets": {target["subnet_id"]: sorted(target.get("security_groups") or []) for target in targets} if targets is not None else None,
                "tags": tags}

    def absent(self):
        found = self.find()
        if not found:
            self.module.exit_json(changed=False, file_system={})
        file_system_id = found["FileSystemId"]
        targets = self.targets(file_system_id)
        for target in targets:
            self.call(f"delete the mount target in {target['SubnetId']} of", self.client.delete_mount_target, MountTargetId=target["MountTargetId"])
        if not self.module.check_mode:
            self.wait(lambda: self.targets(file_system_id), "mount_targets_deleted", "every mount target going")
        self.call("delete", self.client.delete_file_system, FileSystemId=file_system_id)
        if self.params["wait"] and not self.module.check_mode:
            self.wait(self.find, "file_system_deleted", "the file system going")
        result = dict(changed=True, file_system={})
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": self.comparable(self.tags(file_system_id), targets, found), "after": {}}
        self.module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            encrypt=dict(type="bool", default=True),
            kms_key_id=dict(type="str", no_log=False),  # a key id or ARN, not a secret
            performance_mode=dict(type="str", choices=["generalPurpose", "maxIO"], default="generalPurpose"),
            throughput_mode=dict(type="str", choices=["bursting", "provisioned", "elastic"]),
            provisioned_throughput_in_mibps=dict(type="float"),
            targets=dict(type="list", elements="dict", options=dict(
                subnet_id=dict(type="str", required=True),
                security_groups=dict(type="list", elements="str"),
            )),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["throughput_mode"] == "provisioned" and not params["provisioned_throughput_in_mibps"]:
        module.fail_json(msg="throughput_mode=provisioned needs provisioned_throughput_in_mibps (1 or more). Nothing was changed.")
    run = FileSystem(module)
    try:
        (run.absent if params["state"] == "absent" else run.present)()
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", run.changed)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
