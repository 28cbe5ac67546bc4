"""The waiter: the poll loop and its budget, the registry of readiness predicates, check mode, and each predicate."""

from __future__ import annotations

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import waiter as utils
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import TIMEOUT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Verdict
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Waiter
from ecs_readings import TD1
from ecs_readings import TD2
from ecs_readings import deployment
from ecs_readings import service
from fake_clock import FakeClock

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
    assert utils.service_steady(service(), "ecs-svc/1").state == READY
    assert utils.service_steady(service()).state == READY  # no id: the PRIMARY deployment


def test_api_without_rollout_state_is_judged_by_counts():
    assert utils.service_steady(service([deployment(rollout=None)])).state == READY
    assert utils.service_steady(service([deployment(rollout=None)], running=1)).state == WAITING


@pytest.mark.parametrize("item, expected", [
    (service([deployment(rollout="IN_PROGRESS")]), "is IN_PROGRESS; 2 of 2 tasks running"),
    (service(running=1), "1 of 2 tasks running, 1 pending"),
    (service([deployment("ecs-svc/2", td=TD2, rollout="IN_PROGRESS"), deployment(status="ACTIVE")]), "older deployments are still draining"),
    (service([deployment("ecs-svc/2", td=TD2), deployment(status="ACTIVE")]), "ecs-svc/1 (ACTIVE)"),
])
def test_unfinished_rollouts_are_waited_for(item, expected):
    deployment_id = item["deployments"][0]["id"]
    verdict = utils.service_steady(item, deployment_id)
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
    verdict = utils.service_steady(item, deployment_id)
    assert verdict.state == FAILED
    assert expected in verdict.reason


def test_a_failed_older_deployment_does_not_fail_the_new_one():
    item = service([deployment("ecs-svc/2", td=TD2, rollout="IN_PROGRESS"), deployment(status="ACTIVE", rollout="FAILED")])
    assert utils.service_steady(item, "ecs-svc/2").state == WAITING


def test_service_inactive():
    assert utils.service_inactive(None).state == READY
    assert utils.service_inactive(service(status="INACTIVE")).state == READY
    assert utils.service_inactive(service(status="DRAINING")).state == WAITING


def test_task_stopped():
    assert utils.task_stopped({"lastStatus": "STOPPED"}).state == READY
    running = utils.task_stopped({"lastStatus": "RUNNING", "desiredStatus": "RUNNING"})
    assert running == (WAITING, "the task is RUNNING (desired status RUNNING)")
    assert utils.task_stopped(None).state == FAILED


def test_mount_targets_are_ready_when_all_are_available_and_fail_on_error():
    assert utils.mount_targets_available([]).state == WAITING
    assert utils.mount_targets_available([{"MountTargetId": "a", "LifeCycleState": "available"}]).state == READY
    waiting = utils.mount_targets_available([{"MountTargetId": "a", "LifeCycleState": "available"},
                                             {"MountTargetId": "b", "LifeCycleState": "creating"}])
    assert waiting.state == WAITING and "b (creating)" in waiting.reason
    assert utils.mount_targets_available([{"MountTargetId": "a", "LifeCycleState": "error"}]).state == FAILED


def test_mount_targets_deleted():
    assert utils.mount_targets_deleted([]).state == READY
    assert utils.mount_targets_deleted([{"MountTargetId": "a", "LifeCycleState": "deleting"}]) == (WAITING, "1 mount targets still being deleted")


def test_file_system_available():
    assert utils.file_system_available({"LifeCycleState": "available"}).state == READY
    assert utils.file_system_available({"LifeCycleState": "creating"}).state == WAITING
    assert utils.file_system_available(None).state == FAILED


@pytest.mark.parametrize("state, expected", [
    ("available", READY), ("creating", WAITING), ("updating", WAITING), ("error", FAILED), ("deleting", FAILED), (None, WAITING),
])
def test_access_point_available(state, expected):
    assert utils.access_point_available({"LifeCycleState": state} if state else None).state == expected


def test_file_system_deleted():
    assert utils.file_system_deleted(None).state == READY
    assert utils.file_system_deleted({"LifeCycleState": "deleting"}) == (WAITING, "the file system is deleting")


def test_deleted():
    assert utils.deleted(None).state == READY
    assert utils.deleted("DependencyViolation: resource sg-1 has a dependent object") == (
        WAITING, "DependencyViolation: resource sg-1 has a dependent object")


def test_access_point_deleted():
    assert utils.access_point_deleted(None).state == READY
    assert utils.access_point_deleted({"LifeCycleState": "deleted"}).state == READY
    assert utils.access_point_deleted({"LifeCycleState": "deleting"}).state == WAITING


@pytest.mark.parametrize("status, expected", [
    ("available", READY), ("creating", WAITING), ("modifying", WAITING), ("snapshotting", WAITING),
    ("create-failed", FAILED), ("deleting", FAILED), (None, FAILED),
])
def test_replication_group_available(status, expected):
    assert utils.replication_group_available({"Status": status} if status else None).state == expected


def test_replication_group_available_says_why_it_waits_or_failed():
    assert utils.replication_group_available({"Status": "creating"}) == (WAITING, "the replication group is creating")
    assert utils.replication_group_available(None) == (FAILED, "the replication group is gone")


def test_replication_group_deleted():
    assert utils.replication_group_deleted(None).state == READY
    assert utils.replication_group_deleted({"Status": "deleting"}) == (WAITING, "the replication group is deleting")


# --- the registry and check mode -------------------------------------------------------------------------


def test_every_predicate_is_registered_by_name():
    assert set(utils.PREDICATES) == {"service_steady", "service_inactive", "task_stopped", "mount_targets_available",
                                     "mount_targets_deleted", "file_system_available", "file_system_deleted", "access_point_available",
                                     "access_point_deleted", "deleted", "replication_group_available", "replication_group_deleted"}
    assert utils.PREDICATES["task_stopped"] is utils.task_stopped


def test_waiter_for_judges_by_the_named_predicate_with_its_arguments():
    clock = FakeClock()
    readings = iter([service([deployment(rollout="IN_PROGRESS")]), service()])
    outcome = utils.waiter_for("service_steady", lambda: next(readings), clock=clock, sleep=clock.sleep,
                               deployment_id="ecs-svc/1").wait(timeout=60, interval=5)
    assert (outcome.state, outcome.polls, clock.sleeps) == (READY, 2, [5])
    assert "is steady" in outcome.reason


def test_check_mode_waits_for_nothing_and_reads_nothing():
    def fetch():
        raise AssertionError("check mode must not read")

    outcome = utils.waiter_for("service_steady", fetch, check_mode=True).wait(timeout=60, interval=5)
    assert (outcome.state, outcome.value, outcome.polls, outcome.elapsed) == (READY, None, 0, 0.0)


def test_an_unknown_predicate_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="no readiness predicate 'steady'; known: access_point_available"):
        utils.waiter_for("steady", dict)
