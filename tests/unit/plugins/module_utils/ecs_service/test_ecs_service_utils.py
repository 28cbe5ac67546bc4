"""ecs_service module_utils: normalised settings, requests, results, and the failure message of a rollout."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_service as utils
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import TIMEOUT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Outcome
from ecs_readings import TD1
from ecs_readings import TD2
from ecs_readings import deployment
from ecs_readings import service


# --- settings and requests -------------------------------------------------------------------------------


def test_settings_are_normalised():
    settings = utils.settings_of(service(capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 3},
                                                                   {"capacityProvider": "FARGATE", "base": 1, "weight": 1}]))
    assert settings["network_configuration"] == {"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1", "sg-2"],
                                                 "assign_public_ip": False}
    assert settings["capacity_provider_strategy"] == [{"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                                                      {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0}]
    # ECS's defaults count as set when the API leaves them out.
    bare = utils.settings_of({"taskDefinition": TD1, "desiredCount": 1})
    assert bare["deployment_configuration"] == utils.DEFAULT_DEPLOYMENT
    assert (bare["enable_execute_command"], bare["propagate_tags"], bare["load_balancers"]) == (False, "NONE", [])


def params(**options):
    base = {key: None for key in ("desired_count", "launch_type", "capacity_provider_strategy", "platform_version",
                                  "network_configuration", "load_balancers", "health_check_grace_period_seconds",
                                  "deployment_configuration", "enable_execute_command", "propagate_tags")}
    base.update(options)
    return base


def test_unset_options_keep_the_current_settings():
    current = utils.settings_of(service(desiredCount=5))
    wanted = utils.wanted_settings(params(), TD1, current)
    assert utils.differences(current, wanted) == []
    assert wanted["desired_count"] == 5


def test_order_of_subnets_and_groups_does_not_matter():
    current = utils.settings_of(service())
    wanted = utils.wanted_settings(params(network_configuration={"subnets": ["subnet-b", "subnet-a"], "security_groups": ["sg-1", "sg-2"],
                                                                 "assign_public_ip": False}), TD1, current)
    assert utils.differences(current, wanted) == []


def test_changes_become_one_update_request():
    current = utils.settings_of(service())
    wanted = utils.wanted_settings(params(
        desired_count=3,
        network_configuration={"subnets": ["subnet-a"], "security_groups": None, "assign_public_ip": None},
        deployment_configuration={"minimum_healthy_percent": None, "maximum_percent": 150,
                                  "deployment_circuit_breaker": {"enable": True, "rollback": True}},
        load_balancers=[{"target_group_arn": "tg", "container_name": "app", "container_port": 4000}],
    ), TD2, current)
    changed = utils.differences(current, wanted)
    assert changed == ["task_definition", "desired_count", "network_configuration", "load_balancers", "deployment_configuration"]
    request = utils.update_request("litellm", "c", wanted, changed)
    assert request == {
        "cluster": "c", "service": "litellm", "taskDefinition": TD2, "desiredCount": 3,
        # Security groups and public IP were not set: the service keeps its own.
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"], "securityGroups": ["sg-1", "sg-2"],
                                                         "assignPublicIp": "DISABLED"}},
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 150,
                                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        "loadBalancers": [{"targetGroupArn": "tg", "containerName": "app", "containerPort": 4000}],
    }


def test_new_capacity_provider_strategy_forces_a_new_deployment():
    current = utils.settings_of(service(launchType=None, capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}]))
    wanted = utils.wanted_settings(params(capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]),
                                   TD1, current)
    request = utils.update_request("litellm", "c", wanted, utils.differences(current, wanted))
    assert request["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    assert request["forceNewDeployment"] is True
    assert utils.launch_conflict("litellm", current, wanted) is None


def test_create_request_uses_the_defaults_and_the_options():
    wanted = utils.wanted_settings(params(network_configuration={"subnets": ["subnet-a"], "security_groups": ["sg-1"],
                                                                 "assign_public_ip": True}), TD1)
    request = utils.create_request("litellm", "c", wanted, {"team": "llm"})
    assert request["launchType"] == "FARGATE" and "capacityProviderStrategy" not in request
    assert request["desiredCount"] == 1
    assert request["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"
    assert request["tags"] == [{"key": "team", "value": "llm"}]
    assert "healthCheckGracePeriodSeconds" not in request and "platformVersion" not in request


@pytest.mark.parametrize("current, options, expected", [
    (service(), {"capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]},
     "runs with launch type FARGATE; this module does not switch a service to capacity provider strategy FARGATE_SPOT"),
    (service(launchType=None, capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}]), {"launch_type": "FARGATE"},
     "runs with capacity provider strategy FARGATE (weight 1, base 0); this module does not switch a service to launch type FARGATE"),
    (service(launchType="EC2"), {"launch_type": "FARGATE"}, "ECS cannot change the launch type"),
])
def test_launch_type_switches_are_refused(current, options, expected):
    settings = utils.settings_of(current)
    message = utils.launch_conflict("litellm", settings, utils.wanted_settings(params(**options), TD1, settings))
    assert expected in message
    assert "state: absent" in message


def test_impossible_deployment_limits_are_rejected():
    with pytest.raises(utils.ServiceError, match="maximum_percent"):
        utils.wanted_settings(params(deployment_configuration={"minimum_healthy_percent": 100, "maximum_percent": 50,
                                                               "deployment_circuit_breaker": None}), TD1)


# --- results and messages --------------------------------------------------------------------------------

WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def test_describe_snake_cases_and_trims():
    events = [{"id": str(i), "createdAt": WHEN, "message": f"event {i}"} for i in range(30)]
    result = utils.describe(service(events=events, tags=[{"key": "a", "value": "1"}]))
    assert result["tags"] == {"a": "1"}
    assert len(result["events"]) == utils.EVENT_LIMIT
    assert result["events"][0] == {"id": "0", "created_at": "2025-01-02T03:04:05Z", "message": "event 0"}
    assert (result["desired_count"], result["running_count"]) == (2, 2)  # numbers are not taken for times
    assert result["deployment_configuration"]["deployment_circuit_breaker"] == {"enable": False, "rollback": False}


def test_failure_message_quotes_events_and_stopped_tasks():
    item = service([deployment(rollout="IN_PROGRESS")], running=0,
                   events=[{"createdAt": WHEN, "message": "(service litellm) has started 2 tasks: (task abc)."}])
    tasks = [{
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/abc", "taskDefinitionArn": TD1, "stoppedAt": WHEN,
        "stoppedReason": "Task failed ELB health checks in (target-group tg)", "stopCode": "ServiceSchedulerInitiated",
        "containers": [{"name": "app", "exitCode": 137, "reason": "OutOfMemoryError: Container killed due to memory usage"},
                       {"name": "sidecar"}],
    }]
    outcome = Outcome(TIMEOUT, item, "deployment ecs-svc/1 of app:1 is IN_PROGRESS", 300.0, 31)
    message = utils.failure_message("litellm", "c", outcome, 300, item, tasks)
    assert "did not reach a steady state within 300 s" in message
    assert "Service events, newest first:\n  - 2025-01-02T03:04:05Z (service litellm) has started 2 tasks: (task abc)." in message
    assert ("Stopped tasks (latest 1), by reason:\n  - task abc (app:1) stopped 2025-01-02T03:04:05Z: Task failed ELB health checks "
            "in (target-group tg) [ServiceSchedulerInitiated]; container app: exit code 137, OutOfMemoryError: Container killed due to "
            "memory usage") in message
    assert "raise wait_timeout (now 300)" in message
    failed = utils.failure_message("litellm", "c", Outcome(FAILED, item, "circuit breaker", 5.0, 2), 300, item, [])
    assert "will not reach a steady state: circuit breaker." in failed
    assert "Stopped tasks: none found." in failed and "raise wait_timeout" not in failed
    assert "Service events: none." in utils.failure_message("litellm", "c", outcome, 300, service(), [])
