#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_log_group
short_description: Manage a CloudWatch Logs log group with its retention, KMS key and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon CloudWatch Logs log group.
  - Each managed setting (retention, KMS key, tags) is compared with the group and changed only when it differs;
    an option that is not set is not managed.
  - Unlike M(amazon.aws.cloudwatchlogs_log_group), it changes nothing in check mode, accepts every retention
    CloudWatch Logs accepts (and never deletes the group over one it does not), changes the KMS key of an
    existing group, and returns the group as it would be in check mode.
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description: The log group's name.
    type: str
    required: true
    aliases: [log_group_name]
  state:
    description: Whether the log group should exist.
    type: str
    choices: [present, absent]
    default: present
  retention_days:
    description:
      - How many days CloudWatch Logs keeps the log events.
      - One of V(1), V(3), V(5), V(7), V(14), V(30), V(60), V(90), V(120), V(150), V(180), V(365), V(400),
        V(545), V(731), V(1096), V(1827), V(2192), V(2557), V(2922), V(3288) or V(3653), the values
        C(PutRetentionPolicy) accepts; any other value fails before any change is made.
      - V(0) keeps the log events forever (the retention policy is deleted).
      - When not set, the retention is not managed; a new group keeps its events forever.
    type: int
  kms_key_arn:
    description:
      - The ARN of the KMS key that encrypts the log data (not a key id or an alias).
      - The key policy must allow the C(logs.<region>.amazonaws.com) service principal to use the key.
      - An empty string removes the key from the group.
      - When not set, the key is not managed.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes no change; reports what would change and returns the group as it would be.
  diff_mode:
    support: full
    description: Shows the name, retention, KMS key and tags before and after.
  idempotent:
    support: full
    description: A log group that matches is not touched.
seealso:
  - module: amazon.aws.cloudwatchlogs_log_group
    description: >-
      The amazon.aws module (10.1.2) changes the retention even in check mode, deletes the log group when
      given a retention missing from its outdated list (such as 2192) and ignores a changed KMS key.
"""

EXAMPLES = r"""
- name: The proxy's log group, events kept 30 days
  llmops.litellm_ecs.cloudwatch_log_group:
    name: /ecs/litellm
    retention_days: 30
    tags:
      team: platform

- name: Six years of retention, encrypted with a customer managed key
  llmops.litellm_ecs.cloudwatch_log_group:
    name: /ecs/litellm-audit
    retention_days: 2192
    kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

- name: Keep the events forever and remove the key
  llmops.litellm_ecs.cloudwatch_log_group:
    name: /ecs/litellm-audit
    retention_days: 0
    kms_key_arn: ""

- name: Delete the log group
  llmops.litellm_ecs.cloudwatch_log_group:
    name: /ecs/litellm
    state: absent
"""

RETURN = r"""
log_group:
  description:
    - The log group as it is after the run (in check mode, as it would be); empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The log group's name.
      type: str
      returned: when the group exists or would be created
      sample: /ecs/litellm
    arn:
      description: The log group's ARN, without the trailing C(:*).
      type: str
      returned: when the group exists
      sample: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/litellm
    retention_days:
      description: How many days the log events are kept; V(0) when they never expire.
      type: int
      returned: when the group exists or would be created
      sample: 30
    kms_key_arn:
      description: The ARN of the KMS key that encrypts the log data; an empty string when there is none.
      type: str
      returned: when the group exists or would be created
      sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    tags:
      description: The log group's tags.
      type: dict
      returned: when the group exists or would be created
      sample: {team: platform}
    stored_bytes:
      description: How many bytes of log events the group stores (V(0) for a group created in check mode).
      type: int
      returned: when the group exists or would be created
      sample: 0
    creation_time:
      description: When the group was created, ISO 8601 in UTC to the second.
      type: str
      returned: when the group exists
      sample: "2024-06-10T06:13:20Z"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import NEVER_EXPIRE
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import desired
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import group_arn
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import kms_key_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import output
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import pick_group
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import predicted
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import retention_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code


class LogGroup:
    """The calls on one log group; ``written`` tells a later failure that the group was already changed."""

    def __init__(self, module, client):
        self.module, self.client = module, client
        self.name = module.params["name"]
        self.written = False

    @AWSErrors.common_error_handler("describe the log group {self.name}")
    def find(self):
        """The DescribeLogGroups entry named exactly ``name``, or None."""
        for page in self.client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=self.name):
            group = pick_group(page.get("logGroups"), self.name)
            if group:
                return group
        return None

    @AWSErrors.common_error_handler("list the tags of the log group {self.name}")
    def tags(self, group):
        try:
            return self.client.list_tags_for_resource(resourceArn=group_arn(group)).get("tags", {})
        except is_boto3_error_code("AccessDeniedException") as e:
            if self.module.params["tags"] is not None:
                raise AnsibleAWSError(
                    message=f"Not allowed to list the tags of the log group {self.name}; grant logs:ListTagsForResource or leave tags unset",
                    exception=e) from e
            self.module.warn(f"Not allowed to list the tags of the log group {self.name} (logs:ListTagsForResource); they are returned empty")
            return {}

    def read(self):
        """The group and its tags, or (None, {})."""
        group = self.find()
        return (group, self.tags(group)) if group else (None, {})

    @AWSErrors.common_error_handler("{step} the log group {self.name}{detail}")
    def change(self, step, action, detail="", **kwargs):
        """One client call that changes the group (``Failed to <step> the log group <name><detail>`` when it fails)."""
        action(**kwargs)
        self.written = True

    @AWSErrors.deletion_error_handler("delete the log group {self.name}", missing=("ResourceNotFoundException",))
    def delete(self):
        """Delete the group; one deleted meanwhile meets the wish."""
        self.client.delete_log_group(logGroupName=self.name)
        self.written = True
        return True

    def create(self, after):
        kwargs = dict(logGroupName=self.name)
        if after["kms_key_arn"]:
            kwargs.update(kmsKeyId=after["kms_key_arn"], detail=f"; check that the key policy lets logs.{self.module.region}.amazonaws.com use the key")
        if after["tags"]:
            kwargs["tags"] = after["tags"]
        self.change("create", self.client.create_log_group, **kwargs)
        if after["retention_days"] != NEVER_EXPIRE:
            self.set_retention(after["retention_days"])

    def set_retention(self, days):
        if days == NEVER_EXPIRE:
            self.change("delete the retention policy of", self.client.delete_retention_policy, logGroupName=self.name)
        else:
            self.change("set the retention of", self.client.put_retention_policy, detail=f" to {days} days", logGroupName=self.name, retentionInDays=days)

    def update(self, group, todo):
        if "retention_days" in todo:
            self.set_retention(todo["retention_days"])
        if todo.get("kms_key_arn"):
            step = f"associate the KMS key (check that its key policy lets logs.{self.module.region}.amazonaws.com use it) with"
            self.change(step, self.client.associate_kms_key, logGroupName=self.name, kmsKeyId=todo["kms_key_arn"])
        elif "kms_key_arn" in todo:
            self.change("disassociate the KMS key from", self.client.disassociate_kms_key, logGroupName=self.name)
        # The tagging calls take the group's ARN, not its name.
        if "tags_to_unset" in todo:
            self.change("remove tags from", self.client.untag_resource, resourceArn=group_arn(group), tagKeys=todo["tags_to_unset"])
        if "tags_to_set" in todo:
            self.change("tag", self.client.tag_resource, resourceArn=group_arn(group), tags=todo["tags_to_set"])

    def absent(self):
        """The module's result for ``state=absent``: the group deleted."""
        group, tags = self.read()
        result = dict(changed=bool(group), log_group={})
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=comparable(group, tags), after={})
        if group and not self.module.check_mode:
            self.delete()
        return result

    def present(self):
        """The module's result for ``state=present``: the group created or changed as the options say."""
        params = self.module.params
        group, tags = self.read()
        before = comparable(group, tags)
        after = desired(before, self.name, params["retention_days"], params["kms_key_arn"], params["tags"], params["purge_tags"])
        todo = changes(before, after) if group else {"create": True}
        result = dict(changed=bool(todo))
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=before, after=after)
        if not todo or self.module.check_mode:
            result["log_group"] = predicted(group, tags, after)
            return result
        if group:
            self.update(group, todo)
        else:
            self.create(after)
        group, tags = self.read()
        if not group:
            self.module.fail_json(msg=f"The log group {self.name} was created but DescribeLogGroups does not list it yet; run again", changed=True)
        result["log_group"] = output(group, tags)
        return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True, aliases=["log_group_name"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            retention_days=dict(type="int"),
            kms_key_arn=dict(type="str", no_log=False),  # an ARN, not a secret
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if module.params["state"] == "present":
        for error in (retention_error(module.params["retention_days"]), kms_key_error(module.params["kms_key_arn"])):
            if error:
                module.fail_json(msg=error)

    log_group = LogGroup(module, retries.client(module, "logs"))
    try:
        module.exit_json(**(log_group.present() if module.params["state"] == "present" else log_group.absent()))
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", log_group.written)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
