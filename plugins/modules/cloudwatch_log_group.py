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
      description: When the group was created, in milliseconds since the epoch.
      type: int
      returned: when the group exists
      sample: 1718000000000
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

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


def describe(client, module, name):
    """The DescribeLogGroups entry named exactly ``name`` and its tags, or (None, {})."""
    kwargs = dict(logGroupNamePrefix=name)
    group = None
    try:
        while True:
            page = client.describe_log_groups(aws_retry=True, **kwargs)
            group = pick_group(page.get("logGroups"), name)
            if group or not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe the log group {name}")
    if not group:
        return None, {}
    try:
        tags = client.list_tags_for_resource(resourceArn=group_arn(group), aws_retry=True).get("tags", {})
    except is_boto3_error_code("AccessDeniedException") as e:
        if module.params["tags"] is not None:
            module.fail_json_aws(e, msg=f"Not allowed to list the tags of the log group {name}; grant logs:ListTagsForResource or leave tags unset")
        module.warn(f"Not allowed to list the tags of the log group {name} (logs:ListTagsForResource); they are returned empty")
        tags = {}
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to list the tags of the log group {name}")
    return group, tags


def create(client, module, after):
    name = after["name"]
    kwargs = dict(logGroupName=name)
    if after["kms_key_arn"]:
        kwargs["kmsKeyId"] = after["kms_key_arn"]
    if after["tags"]:
        kwargs["tags"] = after["tags"]
    try:
        client.create_log_group(aws_retry=True, **kwargs)
    except BOTO_ERRORS as e:
        hint = f"; check that the key policy lets logs.{module.region}.amazonaws.com use the key" if after["kms_key_arn"] else ""
        module.fail_json_aws(e, msg=f"Failed to create the log group {name}{hint}")
    if after["retention_days"] != NEVER_EXPIRE:
        try:
            client.put_retention_policy(logGroupName=name, retentionInDays=after["retention_days"], aws_retry=True)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Created the log group {name} but failed to set its retention to {after['retention_days']} days; run again")


def update(client, module, group, todo):
    name = group["logGroupName"]
    step = "set the retention of"
    try:
        if "retention_days" in todo:
            if todo["retention_days"] == NEVER_EXPIRE:
                step = "delete the retention policy of"
                client.delete_retention_policy(logGroupName=name, aws_retry=True)
            else:
                client.put_retention_policy(logGroupName=name, retentionInDays=todo["retention_days"], aws_retry=True)
        if "kms_key_arn" in todo:
            if todo["kms_key_arn"]:
                step = f"associate the KMS key (check that its key policy lets logs.{module.region}.amazonaws.com use it) with"
                client.associate_kms_key(logGroupName=name, kmsKeyId=todo["kms_key_arn"], aws_retry=True)
            else:
                step = "disassociate the KMS key from"
                client.disassociate_kms_key(logGroupName=name, aws_retry=True)
        if "tags_to_unset" in todo:
            step = "remove tags from"
            client.untag_resource(resourceArn=group_arn(group), tagKeys=todo["tags_to_unset"], aws_retry=True)
        if "tags_to_set" in todo:
            step = "tag"
            client.tag_resource(resourceArn=group_arn(group), tags=todo["tags_to_set"], aws_retry=True)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to {step} the log group {name}")


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
    params = module.params
    name = params["name"]
    if params["state"] == "present":
        for error in (retention_error(params["retention_days"]), kms_key_error(params["kms_key_arn"])):
            if error:
                module.fail_json(msg=error)

    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    group, tags = describe(client, module, name)
    before = comparable(group, tags)

    if params["state"] == "absent":
        result = dict(changed=bool(group), log_group={})
        if module._diff:
            result["diff"] = dict(before=before, after={})
        if group and not module.check_mode:
            try:
                client.delete_log_group(logGroupName=name, aws_retry=True)
            except is_boto3_error_code("ResourceNotFoundException"):
                pass  # deleted meanwhile: the wish is met
            except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(e, msg=f"Failed to delete the log group {name}")
        module.exit_json(**result)

    after = desired(before, name, params["retention_days"], params["kms_key_arn"], params["tags"], params["purge_tags"])
    todo = changes(before, after) if group else {"create": True}
    result = dict(changed=bool(todo))
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    if todo and not module.check_mode:
        if group:
            update(client, module, group, todo)
        else:
            create(client, module, after)
        group, tags = describe(client, module, name)
        if not group:
            module.fail_json(msg=f"The log group {name} was created but DescribeLogGroups does not list it yet; run again")
        result["log_group"] = output(group, tags)
    else:
        result["log_group"] = predicted(group, tags, after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
