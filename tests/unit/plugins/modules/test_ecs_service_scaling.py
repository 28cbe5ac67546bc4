"""The ecs_service_scaling module against moto in-process: target and policies, idempotence, check mode, purge, absent."""

from __future__ import annotations

import botocore.client
import boto3
import pytest
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.core.exceptions import JsonRESTError

from ansible_collections.llmops.litellm_ecs.plugins.modules import ecs_service_scaling
from module_runner import run_module

REGION = "us-east-1"
RID = "service/litellm/proxy"
CPU = {"name": "cpu", "metric": "cpu", "target_value": 70}
MEMORY = {"name": "memory", "metric": "memory", "target_value": 80}
MUTATING = {"RegisterScalableTarget", "DeregisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy"}


@pytest.fixture(name="aas")
def fixture_aas(mocked_aws):  # pylint: disable=unused-argument
    """An ECS service to scale (moto, like AWS, registers only an existing service), and the autoscaling client."""
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="litellm")
    ecs.register_task_definition(family="proxy", containerDefinitions=[{"name": "proxy", "image": "litellm", "memory": 512}])
    ecs.create_service(cluster="litellm", serviceName="proxy", taskDefinition="proxy", desiredCount=1)
    return boto3.client("application-autoscaling", region_name=REGION)


@pytest.fixture(name="api_calls")
def fixture_api_calls(monkeypatch):
    """Every AWS operation called in this process (by the module or the test), in order."""
    calls = []
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def record(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return calls


def run(capsys, check_mode=False, diff=False, **args):
    args.setdefault("cluster", "litellm")
    args.setdefault("service", "proxy")
    if args.get("state", "present") == "present":
        args.setdefault("min_capacity", 1)
        args.setdefault("max_capacity", 4)
    return run_module(ecs_service_scaling.main, capsys, check_mode=check_mode, diff=diff, **args)


def targets(aas):
    return aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[RID])["ScalableTargets"]


def policies(aas):
    found = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=RID)["ScalingPolicies"]
    return {policy["PolicyName"]: policy["TargetTrackingScalingPolicyConfiguration"] for policy in found}


def test_creates_the_target_and_cpu_and_memory_policies(aas, capsys):
    result = run(capsys, policies=[CPU, MEMORY])
    assert result["changed"] is True
    [target] = targets(aas)
    assert (target["ScalableDimension"], target["MinCapacity"], target["MaxCapacity"]) == ("ecs:service:DesiredCount", 1, 4)
    found = policies(aas)
    assert found["cpu"]["PredefinedMetricSpecification"] == {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert found["cpu"]["TargetValue"] == 70.0
    assert (found["cpu"]["ScaleInCooldown"], found["cpu"]["ScaleOutCooldown"], found["cpu"]["DisableScaleIn"]) == (300, 60, False)
    assert found["memory"]["PredefinedMetricSpecification"] == {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}
    assert found["memory"]["TargetValue"] == 80.0
    assert result["scalable_target"] == {"resource_id": RID, "scalable_dimension": "ecs:service:DesiredCount", "min_capacity": 1, "max_capacity": 4}
    assert [(policy["name"], policy["metric"], policy["target_value"]) for policy in result["policies"]] == [("cpu", "cpu", 70.0), ("memory", "memory", 80.0)]
    assert all(policy["arn"] for policy in result["policies"])
    assert len(result["changes"]) == 3


def test_second_run_changes_nothing_and_calls_nothing_that_changes(aas, capsys, api_calls):
    run(capsys, policies=[CPU, MEMORY])
    api_calls.clear()
    result = run(capsys, policies=[CPU, MEMORY])
    assert result["changed"] is False
    assert result["changes"] == []
    assert not MUTATING & set(api_calls)
    assert sorted(policies(aas)) == ["cpu", "memory"]


def test_changed_target_value_check_mode_first_then_applied(aas, capsys, api_calls):
    run(capsys, policies=[CPU, MEMORY])
    lower = dict(CPU, target_value=60)
    api_calls.clear()
    checked = run(capsys, check_mode=True, diff=True, policies=[lower, MEMORY])
    assert checked["changed"] is True
    assert checked["changes"] == ["update policy cpu: target_value 70.0 -> 60.0"]
    assert checked["diff"]["before"]["policies"]["cpu"]["target_value"] == 70.0
    assert checked["diff"]["after"]["policies"]["cpu"]["target_value"] == 60.0
    assert not MUTATING & set(api_calls), api_calls
    assert policies(aas)["cpu"]["TargetValue"] == 70.0  # upstream application_autoscaling_policy changes it here

    applied = run(capsys, policies=[lower, MEMORY])
    assert applied["changed"] is True
    assert policies(aas)["cpu"]["TargetValue"] == 60.0
    assert run(capsys, policies=[lower, MEMORY])["changed"] is False


def test_check_mode_on_nothing_registers_nothing(aas, capsys, api_calls):
    api_calls.clear()
    result = run(capsys, check_mode=True, diff=True, policies=[CPU])
    assert result["changed"] is True
    assert result["scalable_target"]["min_capacity"] == 1
    assert result["policies"][0]["arn"] is None
    assert result["diff"]["before"] == {"scalable_target": {}, "policies": {}}
    assert set(api_calls) <= {"DescribeScalableTargets", "DescribeScalingPolicies"}
    assert targets(aas) == []
    assert policies(aas) == {}


def test_min_max_change_is_registered(aas, capsys):
    run(capsys, policies=[CPU])
    result = run(capsys, diff=True, min_capacity=2, max_capacity=8, policies=[CPU])
    assert result["changed"] is True
    assert result["changes"] == [f"update scalable target {RID}: min_capacity 1 -> 2, max_capacity 4 -> 8"]
    assert result["diff"]["before"]["scalable_target"]["max_capacity"] == 4
    assert result["diff"]["after"]["scalable_target"]["max_capacity"] == 8
    [target] = targets(aas)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 8)
    assert list(policies(aas)) == ["cpu"]


def test_unlisted_policy_is_purged(aas, capsys):
    run(capsys, policies=[CPU, MEMORY])
    result = run(capsys, policies=[CPU])
    assert result["changed"] is True
    assert result["changes"] == ["delete target-tracking policy memory (ECSServiceAverageMemoryUtilization at 80.0), not in policies"]
    assert list(policies(aas)) == ["cpu"]


def test_unlisted_policy_is_kept_without_purge_and_when_policies_are_not_given(aas, capsys):
    run(capsys, policies=[CPU, MEMORY])
    assert run(capsys, policies=[CPU], purge_policies=False)["changed"] is False
    assert run(capsys)["changed"] is False
    assert sorted(policies(aas)) == ["cpu", "memory"]


def test_absent_removes_policies_and_target(aas, capsys, api_calls):
    run(capsys, policies=[CPU, MEMORY])
    api_calls.clear()
    checked = run(capsys, check_mode=True, diff=True, state="absent")
    assert checked["changed"] is True
    assert checked["diff"]["after"] == {"scalable_target": {}, "policies": {}}
    assert not MUTATING & set(api_calls)
    assert len(targets(aas)) == 1

    result = run(capsys, state="absent")
    assert result["changed"] is True
    assert result["changes"][-1] == f"deregister scalable target {RID} (ecs:service:DesiredCount)"
    assert (result["scalable_target"], result["policies"]) == ({}, [])
    assert policies(aas) == {}
    assert targets(aas) == []


def test_absent_twice_changes_nothing(aas, capsys):
    run(capsys, policies=[CPU])
    assert run(capsys, state="absent")["changed"] is True
    second = run(capsys, state="absent")
    assert second["changed"] is False
    assert second["changes"] == []


def test_alb_requests_without_resource_label_fails_before_any_call(aas, capsys, api_calls):
    api_calls.clear()
    result = run(capsys, policies=[{"name": "requests", "metric": "alb_requests", "target_value": 1000}])
    assert result["failed"] is True
    assert "resource_label" in result["msg"]
    assert "alb_requests" in result["msg"]
    assert api_calls == []
    assert targets(aas) == []


def test_alb_requests_with_resource_label_is_put(aas, capsys):
    label = "app/litellm/0123456789abcdef/targetgroup/litellm/fedcba9876543210"
    policy = {"name": "requests", "metric": "alb_requests", "target_value": 1000, "resource_label": label}
    assert run(capsys, policies=[policy])["changed"] is True
    spec = policies(aas)["requests"]["PredefinedMetricSpecification"]
    assert spec == {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label}
    assert run(capsys, policies=[policy])["changed"] is False


def test_min_greater_than_max_fails_naming_the_options(aas, capsys, api_calls):
    api_calls.clear()
    result = run(capsys, min_capacity=5, max_capacity=2, policies=[CPU])
    assert result["failed"] is True
    assert "min_capacity" in result["msg"] and "max_capacity" in result["msg"]
    assert api_calls == []


def test_missing_service_fails_with_what_to_do(aas, capsys):
    result = run(capsys, service="nope")
    assert result["failed"] is True
    assert "must exist" in result["msg"]


@pytest.fixture(name="answer")
def fixture_answer(monkeypatch):
    """``answer("put_scaling_policy", "AccessDeniedException")``: every later call of that moto operation fails with that code."""

    def answer(operation, code):
        def failing(*args, **kwargs):
            raise JsonRESTError(code, f"{code} answer")

        monkeypatch.setattr(ApplicationAutoscalingBackend, operation, failing)

    return answer


def test_a_failure_after_the_registration_reports_the_change(aas, capsys, answer):
    answer("put_scaling_policy", "AccessDeniedException")
    result = run(capsys, policies=[CPU])
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(f"Failed to put the scaling policy cpu of {RID}")
    assert result["error"]["code"] == "AccessDeniedException"
    assert len(targets(aas)) == 1


def test_a_policy_deleted_meanwhile_is_not_an_error(aas, capsys, answer):
    run(capsys, policies=[CPU, MEMORY])
    answer("delete_scaling_policy", "ObjectNotFoundException")
    result = run(capsys, policies=[CPU])
    assert result["changed"] is True
    assert "failed" not in result
