"""Comparing a log group with its wish, without AWS."""

from __future__ import annotations

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import RETENTION_DAYS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import desired
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import group_arn
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import kms_key_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import output
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import pick_group
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import predicted
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_log_group import retention_error

ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/litellm"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GROUP = {"logGroupName": "/ecs/litellm", "arn": f"{ARN}:*", "retentionInDays": 30, "storedBytes": 12, "creationTime": 1718000000000}


def test_accepted_retentions_are_the_api_reference_list():
    assert RETENTION_DAYS == (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


@pytest.mark.parametrize("days", [None, 0, *RETENTION_DAYS])
def test_accepted_retentions_pass(days):
    assert retention_error(days) is None


@pytest.mark.parametrize("days", [2, 1095, 4000, -1])
def test_other_retentions_name_the_option_and_the_accepted_values(days):
    message = retention_error(days)
    assert f"retention_days={days}" in message
    assert "1, 3, 5, 7, 14, 30" in message and "2192" in message and "3653" in message
    assert "0 to keep the log events forever" in message


@pytest.mark.parametrize("arn", [None, "", KEY, "arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234"])
def test_kms_key_arns_pass(arn):
    assert kms_key_error(arn) is None


@pytest.mark.parametrize("arn", ["alias/logs", "1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:123456789012:alias/logs"])
def test_key_ids_and_aliases_are_refused(arn):
    assert "kms_key_arn" in kms_key_error(arn)


def test_group_arn_drops_the_wildcard():
    assert group_arn(GROUP) == ARN
    assert group_arn({"logGroupArn": ARN, "arn": f"{ARN}:*"}) == ARN


def test_pick_group_wants_the_exact_name():
    neighbour = dict(GROUP, logGroupName="/ecs/litellm-proxy")
    assert pick_group([neighbour], "/ecs/litellm") is None
    assert pick_group([GROUP, neighbour], "/ecs/litellm") is GROUP
    assert pick_group(None, "/ecs/litellm") is None


def test_comparable_fills_never_expire_and_no_key():
    assert comparable({"logGroupName": "g"}, None) == {"name": "g", "retention_days": 0, "kms_key_arn": "", "tags": {}}
    assert comparable(None, {}) == {}


def test_unmanaged_options_keep_their_values():
    before = comparable(dict(GROUP, kmsKeyId=KEY), {"team": "llm"})
    after = desired(before, "/ecs/litellm")
    assert after == before
    assert changes(before, after) == {}


def test_new_group_defaults():
    assert desired({}, "g") == {"name": "g", "retention_days": 0, "kms_key_arn": "", "tags": {}}


def test_retention_and_key_changes():
    before = comparable(dict(GROUP, kmsKeyId=KEY), {})
    assert changes(before, desired(before, "g", retention_days=2192)) == {"retention_days": 2192}
    assert changes(before, desired(before, "g", retention_days=0)) == {"retention_days": 0}
    assert changes(before, desired(before, "g", kms_key_arn="")) == {"kms_key_arn": ""}
    assert changes(before, desired(before, "g", retention_days=30, kms_key_arn=KEY)) == {}


def test_tags_purged_except_aws_reserved():
    before = comparable(GROUP, {"team": "llm", "env": "dev", "aws:cloudformation:stack-name": "s"})
    after = desired(before, "g", tags={"team": "platform", "cost": 1})
    assert after["tags"] == {"team": "platform", "cost": "1", "aws:cloudformation:stack-name": "s"}
    assert changes(before, after) == {"tags_to_set": {"team": "platform", "cost": "1"}, "tags_to_unset": ["env"]}


def test_tags_not_purged():
    before = comparable(GROUP, {"team": "llm", "env": "dev"})
    after = desired(before, "g", tags={"team": "llm"}, purge_tags=False)
    assert after["tags"] == {"team": "llm", "env": "dev"}
    assert changes(before, after) == {}


def test_output():
    assert output(GROUP, {"team": "llm"}) == {
        "name": "/ecs/litellm", "arn": ARN, "retention_days": 30, "kms_key_arn": "", "tags": {"team": "llm"},
        "stored_bytes": 12, "creation_time": "2024-06-10T06:13:20Z",
    }
    assert output(None, {}) == {}


def test_predicted_overlays_the_wish():
    after = desired(comparable(GROUP, {}), "/ecs/litellm", retention_days=90)
    assert predicted(GROUP, {}, after)["retention_days"] == 90
    assert predicted(GROUP, {}, after)["arn"] == ARN
    new = predicted(None, {}, desired({}, "g", retention_days=7))
    assert new == {"name": "g", "retention_days": 7, "kms_key_arn": "", "tags": {}, "stored_bytes": 0}
