"""ecs_service and waiter module_utils: normalised settings, requests, the readiness judge, messages, the waiter."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_service as utils
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import TIMEOUT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Outcome
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Verdict
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Waiter
from fake_clock import FakeClock

TD1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1"
TD2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:2"


def deployment(id_="ecs-svc/1", status="PRIMARY", td=TD1, rollout="COMPLETED", **extra):
    item = {"id": id_, "status": status, "taskDefinition": td, "desiredCount": 2, "runningCount": 2, "pendingCount": 0}
    if rollout is not None:
        item["rolloutState"] = rollout
        item["rolloutStateReason"] = f"ECS deployment {id_} {rollout.lower()}."
    item.update(extra)
    return item


def service(deployments=None, running=2, desired=2, status="ACTIVE", **extra):
    item = {
        "serviceName": "litellm", "status": status, "taskDefinition": TD1, "desiredCount": desired, "runningCount": running,
        "pendingCount": desired - running, "launchType": "FARGATE",
        "deployments": deployments if deployments is not None else [deployment()],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-2", "sg-1"],
                                                         "assignPublicIp": "DISABLED"}},
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                                    "maximumPercent": 200, "minimumHealthyPercent": 100},
        "loadBalancers": [], "enableExecuteCommand": False, "propagateTags": "NONE", "platformVersion": "LATEST",
    }
    item.update(extra)
    return item


# --- the waiter ------------------------------------------------------------------------------------------


def test_waiter_answers_at_once_when_ready():
    clock = FakeClock()
    outcome = Waiter(lambda: "x", lambda value: True, clock=clock, sleep=clock.sleep).wait(timeout=60, interval=5)
    assert (outcome.state, outcome.value, outcome.polls, clock.sleeps) == (READY, "x", 1, [])


def test_waiter_polls_until_ready():
    clock = FakeClock()
    values = iter([1, 2, 3])
    outcome = Waiter(lambda: next(values), lambda value: value == 3, clock=clock, sleep=clock.sleep).wait(timeout=60, interval=5)
    assert (outcome.state, outcome.value, outcome.polls, outcome.elapsed) == (READY, 3, 3, 10)


def test_waiter_keeps_to_its_budget_and_cuts_the_last_sleep():
    clock = FakeClock()
    outcome = Waiter(lambda: None, lambda value: Verdict(WAITING, "still starting"), clock=clock, sleep=clock.sleep).wait(
        timeout=25, interval=10)
    assert (outcome.state, outcome.reason) == (TIMEOUT, "still starting")
    assert clock.sleeps == [10, 10, 5]
    assert (outcome.elapsed, outcome.polls) == (25, 4)  # a last poll at the end of the budget


def test_waiter_stops_at_once_on_failure():
    clock = FakeClock()
    verdicts = iter([Verdict(WAITING), Verdict(FAILED, "circuit breaker")])
    outcome = Waiter(lambda: None, lambda value: next(verdicts), clock=clock, sleep=clock.sleep).wait(timeout=600, interval=10)
    assert (outcome.state, outcome.reason, clock.sleeps) == (FAILED, "circuit breaker", [10])


def test_waiter_with_no_budget_polls_once():
    clock = FakeClock()
    outcome = Waiter(lambda: None, lambda value: False, clock=clock, sleep=clock.sleep).wait(timeout=0, interval=10)
    assert (outcome.state, outcome.polls, clock.sleeps) == (TIMEOUT, 1, [])


def test_budget_is_shared():
    clock = FakeClock()
    budget = Budget(30, clock=clock)
    clock.sleep(20)
    assert (budget.elapsed(), budget.remaining()) == (20, 10)
    clock.sleep(20)
    assert budget.remaining() == 0


# --- the readiness judge ---------------------------------------------------------------------------------


def test_steady_service_is_ready():
    assert utils.steady_verdict(service(), "ecs-svc/1").state == READY
    assert utils.steady_verdict(service()).state == READY  # no id: the PRIMARY deployment


def test_api_without_rollout_state_is_judged_by_counts():
    assert utils.steady_verdict(service([deployment(rollout=None)])).state == READY
    assert utils.steady_verdict(service([deployment(rollout=None)], running=1)).state == WAITING


@pytest.mark.parametrize("item, expected", [
    (service([deployment(rollout="IN_PROGRESS")]), "is IN_PROGRESS; 2 of 2 tasks running"),
    (service(running=1), "1 of 2 tasks running, 1 pending"),
    (service([deployment("ecs-svc/2", td=TD2, rollout="IN_PROGRESS"), deployment(status="ACTIVE")]), "older deployments are still draining"),
    (service([deployment("ecs-svc/2", td=TD2), deployment(status="ACTIVE")]), "ecs-svc/1 (ACTIVE)"),
])
def test_unfinished_rollouts_are_waited_for(item, expected):
    deployment_id = item["deployments"][0]["id"]
    verdict = utils.steady_verdict(item, deployment_id)
    assert verdict.state == WAITING
    assert expected in verdict.reason


@pytest.mark.parametrize("item, deployment_id, expected", [
    (None, "ecs-svc/1", "no longer exists"),
    (service(status="DRAINING"), "ecs-svc/1", "DRAINING"),
    (service([deployment(rollout="FAILED", rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")]),
     "ecs-svc/1", "app:1 failed: ECS deployment circuit breaker: tasks failed to start."),
    # Rollback: our deployment (app:2) is gone, the previous task definition is PRIMARY again.
    (service([deployment("ecs-svc/1", td=TD1)]), "ecs-svc/2", "ecs-svc/2 is gone and ecs-svc/1 of app:1 is PRIMARY"),
    # Rollback in progress: ours is ACTIVE (not FAILED yet), another is PRIMARY.
    (service([deployment("ecs-svc/3", td=TD1, rollout="IN_PROGRESS"),
              deployment("ecs-svc/2", status="ACTIVE", td=TD2, rollout="IN_PROGRESS")]),
     "ecs-svc/2", "is ACTIVE, and ecs-svc/3 of app:1 is PRIMARY"),
])
def test_failed_rollouts_end_the_wait(item, deployment_id, expected):
    verdict = utils.steady_verdict(item, deployment_id)
    assert verdict.state == FAILED
    assert expected in verdict.reason


def test_a_failed_older_deployment_does_not_fail_the_new_one():
    item = service([deployment("ecs-svc/2", td=TD2, rollout="IN_PROGRESS"), deployment(status="ACTIVE", rollout="FAILED")])
    assert utils.steady_verdict(item, "ecs-svc/2").state == WAITING


def test_inactive_verdict():
    assert utils.inactive_verdict(None).state == READY
    assert utils.inactive_verdict(service(status="INACTIVE")).state == READY
    assert utils.inactive_verdict(service(status="DRAINING")).state == WAITING


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
    assert result["events"][0] == {"id": "0", "created_at": "2025-01-02T03:04:05+00:00", "message": "event 0"}
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
    assert "2025-01-02 03:04:05 (service litellm) has started 2 tasks: (task abc)." in message
    assert ("task abc (app:1) stopped 2025-01-02 03:04:05: Task failed ELB health checks in (target-group tg) "
            "[ServiceSchedulerInitiated]; container app: exit code 137, OutOfMemoryError: Container killed due to memory usage") in message
    assert "raise wait_timeout (now 300)" in message
    failed = utils.failure_message("litellm", "c", Outcome(FAILED, item, "circuit breaker", 5.0, 2), 300, item, [])
    assert "will not reach a steady state: circuit breaker." in failed
    assert "Stopped tasks: none found." in failed and "raise wait_timeout" not in failed


def test_stopped_tasks_newest_first_and_limited():
    tasks = [{"taskArn": f"t/{i}", "stoppedAt": WHEN + datetime.timedelta(minutes=i), "stoppedReason": "x"} for i in range(8)]
    lines = utils.stopped_task_lines(tasks)
    assert len(lines) == utils.STOPPED_TASK_LIMIT
    assert lines[0].startswith("task 7 ")
