"""The cloudwatch_metric_alarms module against moto in-process: one call for a set, idempotence, check mode, removal."""

from __future__ import annotations

import boto3
import pytest
from moto.cloudwatch.exceptions import ResourceNotFound
from moto.cloudwatch.models import CloudWatchBackend

from ansible_collections.llmops.litellm_ecs.plugins.modules import cloudwatch_metric_alarms
from module_runner import run_module

REGION = "us-east-1"


@pytest.fixture(name="cloudwatch")
def fixture_cloudwatch(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("cloudwatch", region_name=REGION)


def alarm(name, threshold=80.0, **extra):
    return dict({"name": name, "namespace": "AWS/ECS", "metric_name": "CPUUtilization", "dimensions": {"ClusterName": "c", "ServiceName": "s"},
                 "statistic": "Average", "comparison": "GreaterThanThreshold", "threshold": threshold, "period": 60,
                 "evaluation_periods": 5, "datapoints_to_alarm": 3, "description": f"{name} alarm"}, **extra)


def run(capsys, alarms, **args):
    return run_module(cloudwatch_metric_alarms.main, capsys, alarms=alarms, **args)


def names(cloudwatch):
    return sorted(item["AlarmName"] for item in cloudwatch.describe_alarms()["MetricAlarms"])


def test_creates_every_alarm_and_returns_their_arns(cloudwatch, capsys):
    result = run(capsys, [alarm("a"), alarm("b", extended_statistic="p95", statistic=None)])
    assert result["changed"] is True
    assert names(cloudwatch) == ["a", "b"]
    described = {item["AlarmName"]: item for item in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert result["alarms"]["a"]["arn"] == described["a"]["AlarmArn"]
    assert described["b"]["ExtendedStatistic"] == "p95" and described["a"]["DatapointsToAlarm"] == 3


def test_second_run_changes_nothing_and_a_changed_threshold_rewrites_that_alarm_only(cloudwatch, capsys):
    run(capsys, [alarm("a"), alarm("b")])
    assert run(capsys, [alarm("a"), alarm("b")])["changed"] is False
    result = run(capsys, [alarm("a", threshold=90.0), alarm("b")], _ansible_diff=True)
    assert [name for name, item in result["alarms"].items() if item["changed"]] == ["a"]
    assert result["diff"]["before"]["a"]["Threshold"] == 80.0 and result["diff"]["after"]["a"]["Threshold"] == 90.0
    assert {item["AlarmName"]: item["Threshold"] for item in cloudwatch.describe_alarms()["MetricAlarms"]} == {"a": 90.0, "b": 80.0}


def test_absent_alarms_are_deleted_and_missing_ones_are_not_a_change(cloudwatch, capsys):
    run(capsys, [alarm("a"), alarm("b")])
    result = run(capsys, [alarm("a"), {"name": "b", "state": "absent"}, {"name": "never", "state": "absent"}])
    assert result["alarms"]["b"] == {"changed": True, "exists": False, "arn": ""}
    assert result["alarms"]["never"]["changed"] is False
    assert names(cloudwatch) == ["a"]


def test_check_mode_changes_nothing(cloudwatch, capsys):
    result = run(capsys, [alarm("a")], _ansible_check_mode=True)
    assert result["changed"] is True and result["alarms"]["a"]["arn"] == ""
    assert names(cloudwatch) == []
    run(capsys, [alarm("a")])
    assert run(capsys, [{"name": "a", "state": "absent"}], _ansible_check_mode=True)["changed"] is True
    assert names(cloudwatch) == ["a"]


def test_bad_specs_fail_before_any_call(cloudwatch, capsys):
    result = run(capsys, [alarm("a", datapoints_to_alarm=9)])
    assert result["failed"] is True and "alarms[a].datapoints_to_alarm is 9" in result["msg"]
    assert names(cloudwatch) == []


def test_a_failure_after_a_put_reports_the_change(cloudwatch, capsys, monkeypatch):
    run(capsys, [alarm("a"), alarm("b")])

    def refuse(*args, **kwargs):
        raise ResourceNotFound("The alarm b was not found")

    monkeypatch.setattr(CloudWatchBackend, "delete_alarms", refuse)
    result = run(capsys, [alarm("a", threshold=90.0), {"name": "b", "state": "absent"}])
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("Failed to delete the alarms b")
    assert result["error"]["code"] == "ResourceNotFound"
    assert {item["AlarmName"]: item["Threshold"] for item in cloudwatch.describe_alarms()["MetricAlarms"]} == {"a": 90.0, "b": 80.0}
