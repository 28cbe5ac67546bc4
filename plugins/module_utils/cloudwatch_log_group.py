# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparing a CloudWatch Logs log group with its desired retention, KMS key and tags (no AWS needed)."""

from __future__ import annotations

import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp

# The values PutRetentionPolicy accepts for retentionInDays (CloudWatch Logs API reference).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
NEVER_EXPIRE = 0
KMS_KEY_ARN = re.compile(r"^arn:[^:]+:kms:[^:]+:[0-9]{12}:key/[^/]+$")


def retention_error(retention_days):
    """Why ``retention_days`` cannot be used, or None when it can (None itself means: not managed)."""
    if retention_days is None or retention_days == NEVER_EXPIRE or retention_days in RETENTION_DAYS:
        return None
    accepted = ", ".join(str(days) for days in RETENTION_DAYS)
    return (f"retention_days={retention_days} is not a retention CloudWatch Logs accepts. Use one of {accepted}, "
            f"or {NEVER_EXPIRE} to keep the log events forever. Nothing was changed.")


def kms_key_error(kms_key_arn):
    """Why ``kms_key_arn`` cannot be used, or None when it can ("" means no key, None not managed)."""
    if not kms_key_arn or KMS_KEY_ARN.match(kms_key_arn):
        return None
    return (f"kms_key_arn={kms_key_arn!r} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID). CloudWatch Logs "
            "takes only the key's ARN, not its id or an alias; or use an empty string for no key. Nothing was changed.")


def group_arn(group):
    """The log group's ARN without the trailing ``:*``, the form the tagging calls take."""
    arn = group.get("logGroupArn") or group.get("arn") or ""
    return arn[:-2] if arn.endswith(":*") else arn


def pick_group(groups, name):
    """The entry of a DescribeLogGroups page named exactly ``name`` (a prefix query returns its neighbours too)."""
    return next((group for group in groups or [] if group.get("logGroupName") == name), None)


def comparable(group, tags):
    """The managed part of a DescribeLogGroups entry and its tags, for comparison and diff mode."""
    if not group:
        return {}
    return {
        "name": group["logGroupName"],
        "retention_days": group.get("retentionInDays") or NEVER_EXPIRE,
        "kms_key_arn": group.get("kmsKeyId") or "",
        "tags": dict(tags or {}),
    }


def desired(before, name, retention_days=None, kms_key_arn=None, tags=None, purge_tags=True):
    """The managed part as it should be: ``before`` ({} for a missing group) with every managed option applied.

    An option set to None is not managed and keeps its current value (for a new group: no retention policy,
    no key, no tags). Tags are compared the way amazon.aws does (``tag_changes``): values as text, ``aws:`` keys never purged.
    """
    after = dict(before) if before else {"name": name, "retention_days": NEVER_EXPIRE, "kms_key_arn": "", "tags": {}}
    if retention_days is not None:
        after["retention_days"] = retention_days
    if kms_key_arn is not None:
        after["kms_key_arn"] = kms_key_arn
    after["tags"] = tag_changes(after["tags"], tags, purge_tags).after
    return after


def changes(before, after):
    """What to call to get from ``before`` to ``after`` (both from ``comparable``/``desired`` of one group).

    Returns a dict that holds only what differs: ``retention_days`` (0: delete the policy), ``kms_key_arn``
    ("": disassociate), ``tags_to_set`` (dict) and ``tags_to_unset`` (list).
    """
    todo = {}
    for key in ("retention_days", "kms_key_arn"):
        if before.get(key) != after[key]:
            todo[key] = after[key]
    tags = tag_changes(before.get("tags"), after["tags"])
    if tags.to_set:
        todo["tags_to_set"] = tags.to_set
    if tags.to_unset:
        todo["tags_to_unset"] = tags.to_unset
    return todo


def output(group, tags):
    """The module's ``log_group`` return value for a DescribeLogGroups entry and its tags ({} when none)."""
    if not group:
        return {}
    result = comparable(group, tags)
    result.update({
        "arn": group_arn(group),
        "stored_bytes": group.get("storedBytes", 0),
        "creation_time": timestamp(group.get("creationTime")),
    })
    return result


def predicted(group, tags, after):
    """The ``log_group`` return value as it would be after the changes (check mode): ``after`` over what is known."""
    result = output(group, tags) if group else {"stored_bytes": 0}
    result.update(after)
    return result
