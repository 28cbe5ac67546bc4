"""ecs_run_task module_utils, the guards: the record of a revision's success (once) and the family's running tasks (exclusive)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_run_task as utils
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import TIMEOUT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Waiter
from fake_clock import FakeClock

TD6 = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm-migrations:6"
TD7 = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm-migrations:7"
PROXY = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7"
WHEN = datetime.datetime(2025, 1, 31, 13, 2, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


def task(name, status="RUNNING", definition=TD7, minute=0, started_by="llmops/litellm_ecs"):
    return {"taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/litellm/{name}", "taskDefinitionArn": definition, "lastStatus": status,
            "startedBy": started_by, "createdAt": datetime.datetime(2025, 1, 31, 12, minute, tzinfo=datetime.timezone.utc)}


# --- once ------------------------------------------------------------------------------------------------


def test_a_success_record_names_its_time_in_utc_and_its_revision():
    record = utils.success_record(WHEN, "litellm-migrations:7")
    assert record == "2025-01-31T12:02:10Z litellm-migrations:7"
    assert utils.recorded_success({utils.ONCE_TAG: record}, utils.ONCE_TAG, "litellm-migrations:7") == "2025-01-31T12:02:10Z"


@pytest.mark.parametrize("tags", [
    None,
    {},
    {"other": "2025-01-31T12:02:10Z litellm-migrations:7"},  # another key
    {utils.ONCE_TAG: "2025-01-31T12:02:10Z litellm-migrations:6"},  # copied from an earlier revision
    {utils.ONCE_TAG: "2025-01-31T12:02:10Z"},  # no revision: could have been copied
    {utils.ONCE_TAG: ""},
])
def test_no_record_of_its_own_is_no_success(tags):
    assert utils.recorded_success(tags, utils.ONCE_TAG, "litellm-migrations:7") is None


@pytest.mark.parametrize("key", ["llmops:succeeded-at", "migrated at", "a/b@c=d+e.f_g-h", "x" * 128])
def test_once_tag_accepts_what_ecs_accepts(key):
    utils.check_once_tag(key)


@pytest.mark.parametrize("key", ["", "aws:done", "AWS:done", "x" * 129, "a,b", "semi;colon"])
def test_once_tag_refuses_what_ecs_refuses(key):
    with pytest.raises(utils.RunTaskError, match="not a valid ECS tag key"):
        utils.check_once_tag(key)


def test_family_revision():
    assert utils.family_revision({"family": "litellm-migrations", "revision": 7}) == "litellm-migrations:7"
    assert utils.family_of(TD7) == "litellm-migrations"
    assert utils.family_of(None) is None


# --- exclusive -------------------------------------------------------------------------------------------


def test_still_running_keeps_the_familys_unstopped_tasks_oldest_first():
    tasks = [task("late", minute=5), task("done", status="STOPPED"), task("proxy", definition=PROXY), None,
             task("early", status="PENDING", definition=TD6, minute=1), task("stopping", status="DEACTIVATING", minute=3)]
    kept = utils.still_running(tasks, "litellm-migrations")
    assert [t["taskArn"].rsplit("/", 1)[-1] for t in kept] == ["early", "stopping", "late"]
    assert utils.still_running([], "litellm-migrations") == []


def test_family_idle_is_ready_without_a_running_task_and_names_the_oldest_otherwise():
    assert utils.family_idle([]) == (READY, "no other task of the family is running")
    verdict = utils.family_idle([task("a", started_by="operator"), task("b", minute=2)])
    assert verdict.state == WAITING
    assert verdict.reason == ("arn:aws:ecs:us-east-1:123456789012:task/litellm/a (litellm-migrations:7, RUNNING, started by operator, created "
                              "2025-01-31T12:00:00Z) and 1 more is still running")


def test_the_waiter_judging_by_family_idle_waits_until_the_family_is_idle_or_the_budget_is_spent():
    clock = FakeClock()
    readings = iter([[task("a")], [task("a", status="DEPROVISIONING")], []])
    outcome = Waiter(lambda: next(readings), utils.family_idle, clock=clock, sleep=clock.sleep).wait(timeout=60, interval=1, backoff=2.0)
    assert (outcome.state, outcome.polls, clock.sleeps) == (READY, 3, [1, 2])
    clock = FakeClock()
    outcome = Waiter(lambda: [task("a")], utils.family_idle, clock=clock, sleep=clock.sleep).wait(timeout=10, interval=4)
    assert (outcome.state, outcome.value, clock.sleeps) == (TIMEOUT, [task("a")], [4, 4, 2])


def test_busy_message_names_the_running_task_the_family_and_what_to_do():
    message = utils.busy_message([task("a", started_by="operator"), task("b", minute=2)], "litellm-migrations", "litellm", 900, 900.4)
    assert message.startswith("Another task of the task definition family litellm-migrations is still running in cluster litellm: "
                              "arn:aws:ecs:us-east-1:123456789012:task/litellm/a (litellm-migrations:7, RUNNING, started by operator, created "
                              "2025-01-31T12:00:00Z); also arn:aws:ecs:us-east-1:123456789012:task/litellm/b ")
    assert "it waited 900 s of wait_timeout (900 s) and started no task" in message
    assert "raise wait_timeout" in message
    assert "aws ecs stop-task --cluster litellm --task a'" in message
    lone = utils.busy_message([dict(task("c"), startedBy=None, createdAt=None)], "litellm-migrations", "litellm", 60, 60)
    assert "(litellm-migrations:7, RUNNING, no startedBy)." in lone
