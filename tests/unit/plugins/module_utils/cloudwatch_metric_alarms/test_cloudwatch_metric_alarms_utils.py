"""Metric alarms compared on what PutMetricAlarm sets, without AWS."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import batches
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import spec_errors

SPEC = {"name": "a", "state": "present", "namespace": "AWS/ECS", "metric_name": "CPUUtilization",
        "dimensions": {"ServiceName": "s", "ClusterName": "c"}, "statistic": "Average", "comparison": "GreaterThanThreshold",
        "threshold": 80, "period": 60, "evaluation_periods": 5, "datapoints_to_alarm": 3, "treat_missing_data": "missing",
        "alarm_actions": ["arn:b", "arn:a"]}


def test_request_is_what_put_metric_alarm_takes():
    params = request(SPEC)
    assert params["Dimensions"] == [{"Name": "ClusterName", "Value": "c"}, {"Name": "ServiceName", "Value": "s"}]
    assert params["Threshold"] == 80.0 and params["Statistic"] == "Average" and "ExtendedStatistic" not in params
    assert params["DatapointsToAlarm"] == 3 and params["ActionsEnabled"] is True
    assert request(dict(SPEC, statistic=None, extended_statistic="p95"))["ExtendedStatistic"] == "p95"


def test_a_described_alarm_equals_its_request_whatever_its_state_and_order():
    described = dict(request(SPEC), AlarmArn="arn:aws:cloudwatch:us-east-1:1:alarm:a", StateValue="ALARM",
                     Dimensions=[{"Name": "ServiceName", "Value": "s"}, {"Name": "ClusterName", "Value": "c"}],
                     AlarmActions=["arn:a", "arn:b"], Threshold=80, OKActions=[], InsufficientDataActions=[])
    assert comparable(described) == comparable(request(SPEC))
    assert comparable(dict(described, Threshold=90.0)) != comparable(request(SPEC))
    assert comparable(None) == {}


def test_an_alarm_without_missing_data_setting_counts_as_missing():
    described = request(SPEC)
    del described["TreatMissingData"]
    assert comparable(described) == comparable(request(SPEC))


def test_spec_errors_name_the_alarm_and_the_field():
    errors = spec_errors([dict(SPEC, statistic=None), dict(SPEC, name="b", datapoints_to_alarm=9, metric_name=None),
                          dict(SPEC, name="c", comparison="Bigger"), {"name": "gone", "state": "absent"}])
    assert "alarms[a]: give exactly one of statistic and extended_statistic (such as p95)" in errors
    assert "alarms[b].metric_name is required for an alarm that should exist" in errors
    assert any(error.startswith("alarms[b].datapoints_to_alarm is 9") for error in errors)
    assert any(error.startswith("alarms[c].comparison is 'Bigger'") for error in errors)
    assert not any("gone" in error for error in errors)
    assert spec_errors([SPEC, dict(SPEC)])[0] == "alarms: the name 'a' is given more than once"


def test_names_go_in_batches_of_a_hundred_that_read_as_a_list():
    names = [f"alarm-{index}" for index in range(201)]
    assert [len(batch) for batch in batches(names)] == [100, 100, 1]
    assert [name for batch in batches(names) for name in batch] == names
    assert batches([]) == []
    assert f"the alarms {batches(['a', 'b'])[0]}" == "the alarms a, b"
