"""The cloudwatch_log_group module against moto in-process: retention, KMS key, tags, check mode, idempotence."""

from __future__ import annotations

import re

import boto3
import pytest
from moto.core.exceptions import JsonRESTError
from moto.logs.models import LogsBackend
from moto.logs.responses import LogsResponse

from ansible_collections.llmops.litellm_ecs.plugins.modules import cloudwatch_log_group
from module_runner import run_module

REGION = "us-east-1"
NAME = "/ecs/litellm"
ARN = f"arn:aws:logs:{REGION}:123456789012:log-group:{NAME}"


def _associate_kms_key(self):
    group = self.logs_backend.groups[self._get_param("logGroupName")]
    group.kms_key_id = self._get_param("kmsKeyId")
    return ""


def _disassociate_kms_key(self):
    self.logs_backend.groups[self._get_param("logGroupName")].kms_key_id = None
    return ""


@pytest.fixture(name="logs")
def fixture_logs(mocked_aws, monkeypatch):  # pylint: disable=unused-argument
    # moto 5.2.5 does not implement AssociateKmsKey/DisassociateKmsKey (CloudWatch Logs API reference: they set
    # and remove the group's kmsKeyId, which DescribeLogGroups then returns). Served here for this test only.
    monkeypatch.setattr(LogsResponse, "associate_kms_key", _associate_kms_key, raising=False)
    monkeypatch.setattr(LogsResponse, "disassociate_kms_key", _disassociate_kms_key, raising=False)
    return boto3.client("logs", region_name=REGION)


@pytest.fixture(name="key_arn")
def fixture_key_arn(logs):  # pylint: disable=unused-argument
    return boto3.client("kms", region_name=REGION).create_key(Description="logs")["KeyMetadata"]["Arn"]


@pytest.fixture(name="refuse")
def fixture_refuse(monkeypatch):
    """``refuse("put_retention_policy")``: every later call of that moto operation fails with AccessDeniedException."""

    def refuse(operation):
        def denied(*args, **kwargs):
            raise JsonRESTError("AccessDeniedException", f"not allowed to {operation}")

        monkeypatch.setattr(LogsBackend, operation, denied)

    return refuse


def run(capsys, check_mode=False, diff=False, **args):
    if "log_group_name" not in args:
        args.setdefault("name", NAME)
    return run_module(cloudwatch_log_group.main, capsys, check_mode=check_mode, diff=diff, **args)


def described(logs, name=NAME):
    groups = [group for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if group["logGroupName"] == name]
    return groups[0] if groups else None


def tags_of(logs, name=NAME):
    return logs.list_tags_for_resource(resourceArn=f"arn:aws:logs:{REGION}:123456789012:log-group:{name}")["tags"]


def test_creates_with_retention_and_tags(logs, capsys):
    result = run(capsys, retention_days=30, tags={"team": "llm"})
    assert result["changed"] is True
    assert described(logs)["retentionInDays"] == 30
    assert tags_of(logs) == {"team": "llm"}
    group = result["log_group"]
    assert group["name"] == NAME
    assert group["arn"] == ARN
    assert group["retention_days"] == 30
    assert group["kms_key_arn"] == ""
    assert group["tags"] == {"team": "llm"}
    assert group["stored_bytes"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", group["creation_time"])


def test_second_run_changes_nothing(logs, capsys):
    run(capsys, retention_days=30, tags={"team": "llm"})
    result = run(capsys, retention_days=30, tags={"team": "llm"}, diff=True)
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_unset_options_are_not_managed(logs, capsys):
    run(capsys, retention_days=30, tags={"team": "llm"})
    result = run(capsys)
    assert result["changed"] is False
    assert result["log_group"]["retention_days"] == 30
    assert described(logs)["retentionInDays"] == 30
    assert tags_of(logs) == {"team": "llm"}


def test_retention_change_is_applied(logs, capsys):
    run(capsys, retention_days=30)
    result = run(capsys, retention_days=90)
    assert result["changed"] is True
    assert result["log_group"]["retention_days"] == 90
    assert described(logs)["retentionInDays"] == 90


def test_retention_change_in_check_mode_changes_nothing(logs, capsys):
    # amazon.aws 10.1.2 cloudwatchlogs_log_group calls PutRetentionPolicy here despite --check.
    run(capsys, retention_days=30)
    result = run(capsys, check_mode=True, diff=True, retention_days=90)
    assert result["changed"] is True
    assert result["diff"]["before"]["retention_days"] == 30
    assert result["diff"]["after"]["retention_days"] == 90
    assert result["log_group"]["retention_days"] == 90
    assert result["log_group"]["arn"] == ARN
    assert described(logs)["retentionInDays"] == 30


@pytest.mark.parametrize("days", [1096, 2192, 2557, 2922, 3288])
def test_retentions_missing_upstream_are_applied(logs, capsys, days):
    # amazon.aws 10.1.2 deletes the log group for these values, then fails.
    run(capsys, retention_days=30, tags={"team": "llm"})
    result = run(capsys, retention_days=days)
    assert result["changed"] is True
    group = described(logs)
    assert group is not None
    assert group["retentionInDays"] == days
    assert tags_of(logs) == {"team": "llm"}


def test_invalid_retention_fails_before_any_call(logs, capsys):
    result = run(capsys, retention_days=2)
    assert result["failed"] is True
    assert "retention_days=2" in result["msg"]
    assert "2192" in result["msg"]
    assert described(logs) is None


def test_invalid_retention_leaves_an_existing_group_alone(logs, capsys):
    run(capsys, retention_days=30)
    result = run(capsys, retention_days=1095)
    assert result["failed"] is True
    assert "retention_days" in result["msg"]
    assert described(logs)["retentionInDays"] == 30


def test_retention_zero_removes_the_policy(logs, capsys):
    run(capsys, retention_days=30)
    result = run(capsys, retention_days=0)
    assert result["changed"] is True
    assert result["log_group"]["retention_days"] == 0
    assert "retentionInDays" not in described(logs)
    assert run(capsys, retention_days=0)["changed"] is False


def test_kms_key_is_associated_and_disassociated(logs, capsys, key_arn):
    run(capsys, retention_days=30)
    result = run(capsys, kms_key_arn=key_arn)
    assert result["changed"] is True
    assert result["log_group"]["kms_key_arn"] == key_arn
    assert described(logs)["kmsKeyId"] == key_arn
    assert run(capsys, kms_key_arn=key_arn)["changed"] is False

    result = run(capsys, kms_key_arn="")
    assert result["changed"] is True
    assert result["log_group"]["kms_key_arn"] == ""
    assert "kmsKeyId" not in described(logs)
    assert run(capsys, kms_key_arn="")["changed"] is False
    assert described(logs)["retentionInDays"] == 30


def test_kms_key_change_in_check_mode_changes_nothing(logs, capsys, key_arn):
    run(capsys)
    result = run(capsys, check_mode=True, kms_key_arn=key_arn)
    assert result["changed"] is True
    assert result["log_group"]["kms_key_arn"] == key_arn
    assert "kmsKeyId" not in described(logs)


def test_creates_with_a_kms_key(logs, capsys, key_arn):
    assert run(capsys, kms_key_arn=key_arn)["changed"] is True
    assert described(logs)["kmsKeyId"] == key_arn
    assert run(capsys, kms_key_arn=key_arn)["changed"] is False


def test_a_key_alias_is_refused_before_any_call(logs, capsys):
    result = run(capsys, kms_key_arn="alias/logs")
    assert result["failed"] is True
    assert "kms_key_arn" in result["msg"]
    assert described(logs) is None


def test_tags_are_purged(logs, capsys):
    run(capsys, tags={"team": "llm", "env": "dev"})
    assert run(capsys, tags={"team": "platform"}, purge_tags=False)["changed"] is True
    assert tags_of(logs) == {"team": "platform", "env": "dev"}
    result = run(capsys, tags={"team": "platform"}, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["tags"] == {"team": "platform", "env": "dev"}
    assert result["diff"]["after"]["tags"] == {"team": "platform"}
    assert tags_of(logs) == {"team": "platform"}
    assert run(capsys, tags={})["changed"] is True
    assert tags_of(logs) == {}


def test_a_group_named_with_the_same_prefix_is_not_mistaken(logs, capsys):
    logs.create_log_group(logGroupName=f"{NAME}-proxy")
    logs.put_retention_policy(logGroupName=f"{NAME}-proxy", retentionInDays=7)
    assert run(capsys, retention_days=30)["changed"] is True
    assert described(logs)["retentionInDays"] == 30
    assert run(capsys, name="/ecs/lit", state="absent")["changed"] is False
    assert described(logs, f"{NAME}-proxy")["retentionInDays"] == 7


def test_absent_deletes(logs, capsys):
    run(capsys, retention_days=30)
    result = run(capsys, state="absent", check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["retention_days"] == 30
    assert described(logs) is not None
    assert run(capsys, state="absent")["changed"] is True
    assert described(logs) is None
    assert run(capsys, state="absent")["changed"] is False


def test_check_mode_create_creates_nothing(logs, capsys, key_arn):
    result = run(capsys, check_mode=True, diff=True, log_group_name=NAME, retention_days=2192, kms_key_arn=key_arn, tags={"team": "llm"})
    assert result["changed"] is True
    expected = {"name": NAME, "retention_days": 2192, "kms_key_arn": key_arn, "tags": {"team": "llm"}}
    assert result["diff"] == {"before": {}, "after": expected}
    assert {key: result["log_group"][key] for key in expected} == expected
    assert logs.describe_log_groups()["logGroups"] == []


@pytest.mark.parametrize("operation, changed, message", [
    ("create_log_group", False, f"Failed to create the log group {NAME}"),
    ("put_retention_policy", True, f"Failed to set the retention of the log group {NAME} to 30 days"),
])
def test_a_failure_reports_whether_the_group_was_changed(logs, capsys, refuse, operation, changed, message):
    refuse(operation)
    result = run(capsys, retention_days=30)
    assert result["failed"] is True
    assert result["changed"] is changed
    assert result["msg"].startswith(message)
    assert result["error"]["code"] == "AccessDeniedException"
    assert (described(logs) is not None) is changed


def test_tags_that_may_not_be_listed(logs, capsys, refuse):
    run(capsys, retention_days=30, tags={"team": "llm"})
    refuse("list_tags_for_resource")
    result = run(capsys, retention_days=30)
    assert result["changed"] is False
    assert result["log_group"]["tags"] == {}
    assert "logs:ListTagsForResource" in " ".join(str(warning) for warning in result["warnings"])
    result = run(capsys, retention_days=30, tags={"team": "llm"})
    assert result["failed"] is True
    assert result["msg"].startswith(f"Not allowed to list the tags of the log group {NAME}; grant logs:ListTagsForResource or leave tags unset")
