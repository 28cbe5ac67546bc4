"""The ecs_run_task module against moto in-process, with the emulator's fidelity patches applied.

moto moves a task RUNNING -> DEACTIVATING -> STOPPING -> DEPROVISIONING -> STOPPED, one step per DescribeTasks;
the ``ecs_run_task`` patch runs Fargate tasks whose containers set no memory and settles a stopped task with the
exit code its ``localaws:exit-code`` tag names (default 0). A task that never stops is made with moto's state
manager. The clock is fake: no test sleeps.
"""

from __future__ import annotations

import json

import boto3
import pytest
from localaws import patches
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.moto_api import state_manager

from ansible_collections.llmops.litellm_ecs.plugins.modules import ecs_run_task
from module_runner import refuse
from module_runner import run_module
from fake_clock import FakeClock

REGION = "us-east-1"
AWSLOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/litellm", "awslogs-region": REGION,
                                               "awslogs-stream-prefix": "litellm"}}
MIGRATE = {"containerOverrides": [{"name": "litellm", "command": ["python", "litellm/proxy/prisma_migration.py"]}]}


@pytest.fixture(name="clock")
def fixture_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ecs_run_task, "time", fake)
    return fake


@pytest.fixture(name="aws")
def fixture_aws(monkeypatch, clock, mocked_aws):  # pylint: disable=unused-argument
    """A cluster, the Fargate task definition litellm:1 (no container memory, awslogs), a subnet and a group."""
    monkeypatch.delenv(patches.EXIT_CODE_ENV, raising=False)
    patches.apply_all()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # as amazon.aws.ec2_vpc_net sets it
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="litellm")
    ecs.register_task_definition(
        family="litellm", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
        containerDefinitions=[{"name": "litellm", "image": "ghcr.io/berriai/litellm:main-stable", "essential": True,
                               "logConfiguration": AWSLOGS}])
    return {"ecs": ecs, "network": {"subnets": [subnet], "security_groups": [group]}}


def run(capsys, aws, check_mode=False, **args):
    args.setdefault("cluster", "litellm")
    args.setdefault("task_definition", "litellm")
    args.setdefault("network_configuration", aws["network"])
    return run_module(ecs_run_task.main, capsys, check_mode=check_mode, **args)


def tasks(aws):
    return [arn for status in ("RUNNING", "STOPPED")
            for arn in aws["ecs"].list_tasks(cluster="litellm", desiredStatus=status)["taskArns"]]


def test_task_that_exits_0_succeeds(aws, capsys, clock):
    result = run(capsys, aws, overrides=MIGRATE, tags={"Purpose": "migration"})
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    task = result["task"]
    assert (task["last_status"], task["stop_code"], task["started_by"]) == ("STOPPED", "EssentialContainerExited", "llmops/litellm_ecs")
    assert task["containers"] == [{"name": "litellm", "last_status": "STOPPED", "exit_code": 0, "reason": None}]
    assert task["tags"] == {"Purpose": "migration"}
    assert task["task_definition"].endswith(":task-definition/litellm:1")
    assert result["container_name"] == "litellm"
    assert result["log_stream"] == {"group": "/ecs/litellm", "stream": f"litellm/litellm/{task['id']}", "region": REGION}
    assert "exited with code 0" in result["msg"]
    assert result["request"]["overrides"] == MIGRATE
    (described,) = aws["ecs"].describe_tasks(cluster="litellm", tasks=[task["arn"]])["tasks"]
    assert described["overrides"]["containerOverrides"][0]["command"] == MIGRATE["containerOverrides"][0]["command"]
    assert described["launchType"] == "FARGATE"
    # Polled at once, then after 1 s, 2 s, ... (doubling up to wait_sleep) until the task stopped.
    assert clock.sleeps and clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0][:len(clock.sleeps)]
    assert len(tasks(aws)) == 1  # exactly one task


def test_non_zero_exit_code_fails_with_the_code_the_reasons_and_the_log_stream(aws, capsys):
    result = run(capsys, aws, tags={patches.EXIT_CODE_TAG: "1"})
    assert result["failed"] is True
    assert result["changed"] is True
    message = result["msg"]
    task_id = result["task"]["id"]
    assert f"The one-off ECS task {task_id} (litellm:1) failed: its container litellm exited with code 1" in message
    assert "task stopped reason: Essential container in task exited [stop code EssentialContainerExited]" in message
    assert f"log stream litellm/litellm/{task_id} in log group /ecs/litellm" in message
    assert result["task"]["containers"][0]["exit_code"] == 1


def test_task_that_never_started_fails_with_the_stopped_reason(aws, capsys):
    result = run(capsys, aws, tags={patches.EXIT_CODE_TAG: "none"})
    assert result["failed"] is True
    assert "stopped before its container litellm ran to an exit code: CannotPullContainerError" in result["msg"]
    assert "[stop code TaskFailedToStart]" in result["msg"]
    assert result["task"]["containers"][0]["exit_code"] is None


@pytest.fixture(name="never_stops")
def fixture_never_stops():
    """moto's state manager keeps every ECS task RUNNING (it advances a task only after 10**9 describes)."""
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    yield
    state_manager.unset_transition("ecs::task")


def test_task_that_never_stops_fails_at_the_budget_and_is_left_running(aws, capsys, clock, never_stops):  # pylint: disable=unused-argument
    result = run(capsys, aws, wait_timeout=60, wait_sleep=20)
    assert result["failed"] is True
    assert result["changed"] is True
    task_id = result["task"]["id"]
    message = result["msg"]
    assert f"{task_id} (litellm:1) in cluster litellm did not stop within 60 s (waited 60 s): the task is RUNNING" in message
    assert "The task is left running" in message
    assert f"aws ecs stop-task --cluster litellm --task {task_id}" in message
    assert "raise wait_timeout (now 60)" in message
    # Pauses double from 1 s up to wait_sleep; the budget is total (the last pause is cut to it); no real sleeping.
    assert clock.sleeps == [1, 2, 4, 8, 16, 20, 9]
    assert result["seconds"] == 60
    assert result["task"]["last_status"] == "RUNNING"


def test_without_wait_the_module_returns_once_the_task_started(aws, capsys, clock, never_stops):  # pylint: disable=unused-argument
    result = run(capsys, aws, wait=False)
    assert (result["changed"], result.get("failed", False)) == (True, False)
    assert result["task"]["last_status"] == "RUNNING"
    assert clock.sleeps == []


def test_check_mode_runs_nothing(aws, capsys, clock):
    result = run(capsys, aws, check_mode=True, overrides=MIGRATE)
    assert result["changed"] is True
    assert result["task"] == {}
    assert result["request"]["taskDefinition"].endswith(":task-definition/litellm:1")
    assert result["request"]["overrides"] == MIGRATE
    assert result["container_name"] == "litellm"
    assert tasks(aws) == []
    assert clock.sleeps == []
    # A play in check mode creates nothing: a cluster it would create first is reported, not failed; a real run fails.
    missing = run(capsys, aws, check_mode=True, cluster="missing")
    assert missing.get("failed") is not True and missing["changed"] is True
    assert "the ECS cluster missing does not exist yet" in missing["msg"]
    assert run(capsys, aws, cluster="missing")["failed"] is True
    # A play in check mode registers nothing: a task definition it would register first is not there yet.
    new = run(capsys, aws, check_mode=True, task_definition="litellm-migrations")
    assert new.get("failed") is not True and new["changed"] is True
    assert "litellm-migrations does not exist yet" in new["msg"] and tasks(aws) == []
    unknown = run(capsys, aws, task_definition="litellm-migrations")
    assert unknown["failed"] is True and "does not exist in region" in unknown["msg"]


def test_run_task_failures_are_reported(aws, capsys, monkeypatch):
    failure = {"arn": "arn:aws:ecs:us-east-1:123456789012:cluster/litellm", "reason": "Capacity is unavailable at this time."}
    monkeypatch.setattr(EC2ContainerServiceResponse, "run_task", lambda self: ActionResult({"tasks": [], "failures": [failure]}))
    result = run(capsys, aws, capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}])
    assert result["failed"] is True
    assert result["msg"].startswith("RunTask started no task of litellm:1 in cluster litellm: Capacity is unavailable at this time. for ")
    assert result["failures"] == [failure]
    assert result["request"]["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]


def test_inputs_are_checked_before_anything_runs(aws, capsys):
    result = run(capsys, aws, container_name="migrate")
    assert result["failed"] is True and "has no container named migrate" in result["msg"]
    result = run(capsys, aws, task_definition="nope:3")
    assert result["failed"] is True and "The task definition nope:3 does not exist" in result["msg"]
    result = run(capsys, aws, started_by="llmops.litellm_ecs")
    assert result["failed"] is True and "not a valid startedBy" in result["msg"]
    result = run(capsys, aws, cluster="missing")
    assert result["failed"] is True and "The ECS cluster missing does not exist" in result["msg"]
    assert tasks(aws) == []


def test_a_refused_run_task_says_what_failed_with_the_request(aws, capsys, monkeypatch):
    def refused(self):  # pylint: disable=unused-argument
        raise JsonRESTError("AccessDeniedException", "User is not authorized to perform ecs:RunTask")

    monkeypatch.setattr(EC2ContainerServiceResponse, "run_task", refused)
    result = run(capsys, aws)
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to run a task of arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:1 in cluster litellm: ")
    assert result["error"]["code"] == "AccessDeniedException"
    assert result["request"]["taskDefinition"].endswith(":task-definition/litellm:1") and result["container_name"] == "litellm"
    assert tasks(aws) == []


# --- exclusive: one task of the family at a time ---------------------------------------------------------


@pytest.fixture(name="calls")
def fixture_calls(monkeypatch):
    """The RunTask and TagResource calls moto answers, each with the last status of every task of the cluster then."""
    made = []
    for action in ("run_task", "tag_resource"):
        real = getattr(EC2ContainerServiceResponse, action)

        def record(self, real=real, action=action):
            statuses = {arn: task.last_status for arn, task in self.ecs_backend.tasks.get("litellm", {}).items()}
            made.append((action, statuses))
            return real(self)

        monkeypatch.setattr(EC2ContainerServiceResponse, action, record)
    return made


def actions(calls):
    """The names of the calls ``calls`` recorded, in order."""
    return [call[0] for call in calls]


def start_other(aws, started_by="operator"):
    """A task of the family litellm that someone else started, as a deployment running at the same time would."""
    network = {"awsvpcConfiguration": {"subnets": aws["network"]["subnets"], "securityGroups": aws["network"]["security_groups"]}}
    (task,) = aws["ecs"].run_task(cluster="litellm", taskDefinition="litellm", launchType="FARGATE", startedBy=started_by,
                                  networkConfiguration=network)["tasks"]
    return task["taskArn"]


def test_exclusive_waits_until_the_running_task_of_the_family_stopped_then_runs(aws, capsys, clock, calls):
    other = start_other(aws)
    calls.clear()
    result = run(capsys, aws, exclusive=True)
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    assert result["waited_for"] == [other]
    (run_task,) = [statuses for action, statuses in calls if action == "run_task"]
    assert run_task == {other: "STOPPED"}  # the module's own RunTask came only once the other task had stopped
    assert len(clock.sleeps) >= 2  # polled, paused, ... until the other task stopped
    assert result["task"]["arn"] != other and result["task"]["containers"][0]["exit_code"] == 0
    assert len(tasks(aws)) == 2


def test_exclusive_does_not_wait_when_no_task_of_the_family_runs(aws, capsys, clock, calls):
    aws["ecs"].register_task_definition(
        family="other", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "other", "image": "busybox", "essential": True}])
    network = {"awsvpcConfiguration": {"subnets": aws["network"]["subnets"], "securityGroups": aws["network"]["security_groups"]}}
    aws["ecs"].run_task(cluster="litellm", taskDefinition="other", launchType="FARGATE", networkConfiguration=network)
    result = run(capsys, aws, exclusive=True, wait=False)
    assert (result["changed"], result["waited_for"]) == (True, [])
    assert clock.sleeps == []  # another family's task is no reason to wait


def test_exclusive_fails_naming_the_task_still_running_at_the_budget(aws, capsys, clock, calls, never_stops):  # pylint: disable=unused-argument
    other = start_other(aws)
    calls.clear()
    result = run(capsys, aws, exclusive=True, wait_timeout=30, wait_sleep=10)
    assert result["failed"] is True
    assert result["changed"] is False
    message = result["msg"]
    assert message.startswith(f"Another task of the task definition family litellm is still running in cluster litellm: {other} "
                              f"(litellm:1, RUNNING, started by operator")  # moto 5.2.5 gives a task no createdAt
    assert "waited 30 s of wait_timeout (30 s) and started no task" in message
    assert f"aws ecs stop-task --cluster litellm --task {other.rsplit('/', 1)[-1]}" in message
    assert result["waited_for"] == [other]
    assert result["task"] == {}
    assert calls == []  # no RunTask
    assert tasks(aws) == [other]
    assert sum(clock.sleeps) == 30


# --- once: a revision runs until it has succeeded once ---------------------------------------------------

TD1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:1"


def once_tags(aws, arn=TD1):
    return {tag["key"]: tag["value"] for tag in aws["ecs"].list_tags_for_resource(resourceArn=arn)["tags"]}


def test_once_records_the_success_on_the_revision_and_the_next_run_skips(aws, capsys, calls):
    result = run(capsys, aws, once=True, exclusive=True)
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    done_at = result["done_at"]
    assert done_at == result["task"]["stopped_at"]  # when the task stopped, on ECS's clock
    assert once_tags(aws) == {"llmops:succeeded-at": f"{done_at} litellm:1"}
    assert actions(calls) == ["run_task", "tag_resource"]

    again = run(capsys, aws, once=True, exclusive=True)
    assert again.get("failed") is not True, again.get("msg")
    assert (again["changed"], again["done_at"], again["task"], again["request"]) == (False, done_at, {}, {})
    assert f"litellm:1 already ran to success at {done_at} (its tag llmops:succeeded-at); it is not run again" in again["msg"]
    assert len(tasks(aws)) == 1  # no second task
    assert actions(calls) == ["run_task", "tag_resource"]


def test_once_skips_a_revision_tagged_as_done(aws, capsys, calls):
    aws["ecs"].tag_resource(resourceArn=TD1, tags=[{"key": "migrated", "value": "2025-01-31T12:00:00Z litellm:1"}])
    calls.clear()
    result = run(capsys, aws, once=True, once_tag="migrated")
    assert (result["changed"], result["done_at"]) == (False, "2025-01-31T12:00:00Z")
    assert "already ran to success at 2025-01-31T12:00:00Z" in result["msg"] and "Set force=true" in result["msg"]
    assert tasks(aws) == [] and calls == []
    # Without once the record means nothing: the task runs.
    assert run(capsys, aws, once_tag="migrated")["changed"] is True


def test_once_runs_a_new_revision_that_carries_the_record_of_an_earlier_one(aws, capsys):
    record = "2025-01-31T12:00:00Z litellm:1"
    aws["ecs"].tag_resource(resourceArn=TD1, tags=[{"key": "llmops:succeeded-at", "value": record}])
    # A new revision registered with the latest one's tags, as ecs_task_definition does with purge_tags=false.
    definition = aws["ecs"].describe_task_definition(taskDefinition="litellm", include=["TAGS"])
    new = aws["ecs"].register_task_definition(
        family="litellm", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
        containerDefinitions=[dict(definition["taskDefinition"]["containerDefinitions"][0], image="ghcr.io/berriai/litellm:v2")],
        tags=definition["tags"])["taskDefinition"]["taskDefinitionArn"]
    assert once_tags(aws, new) == {"llmops:succeeded-at": record}
    result = run(capsys, aws, once=True)
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and result["task"]["task_definition"] == new
    assert once_tags(aws, new) == {"llmops:succeeded-at": f"{result['done_at']} litellm:2"}


def test_once_with_force_runs_a_recorded_revision_and_records_it_again(aws, capsys):
    aws["ecs"].tag_resource(resourceArn=TD1, tags=[{"key": "llmops:succeeded-at", "value": "2025-01-31T12:00:00Z litellm:1"}])
    result = run(capsys, aws, once=True, force=True)
    assert result["changed"] is True and len(tasks(aws)) == 1
    assert result["done_at"] != "2025-01-31T12:00:00Z"
    assert once_tags(aws) == {"llmops:succeeded-at": f"{result['done_at']} litellm:1"}


def test_once_records_nothing_after_a_failed_exit_code(aws, capsys, calls):
    result = run(capsys, aws, once=True, tags={patches.EXIT_CODE_TAG: "3"})
    assert result["failed"] is True
    assert "exited with code 3" in result["msg"]
    assert result["done_at"] is None
    assert once_tags(aws) == {}
    assert actions(calls) == ["run_task"]  # no TagResource
    # The next run tries again.
    assert run(capsys, aws, once=True)["changed"] is True
    assert len(tasks(aws)) == 2


def test_once_waits_for_the_running_task_and_skips_when_that_run_recorded_the_revision(aws, capsys, clock, calls, monkeypatch):
    other = start_other(aws)
    calls.clear()
    sleep = clock.sleep

    def sleep_while_the_other_run_records(seconds):
        # The deployment that started the other task records its success while this one waits.
        if not clock.sleeps:
            aws["ecs"].tag_resource(resourceArn=TD1, tags=[{"key": "llmops:succeeded-at", "value": "2025-01-31T12:00:00Z litellm:1"}])
        sleep(seconds)

    monkeypatch.setattr(clock, "sleep", sleep_while_the_other_run_records)
    result = run(capsys, aws, once=True, exclusive=True)
    assert result.get("failed") is not True, result.get("msg")
    assert (result["changed"], result["done_at"], result["waited_for"]) == (False, "2025-01-31T12:00:00Z", [other])
    assert actions(calls) == ["tag_resource"]  # the other run's record; no RunTask
    assert tasks(aws) == [other]


def test_once_warns_and_succeeds_when_the_record_is_refused(aws, capsys, monkeypatch):
    refusals = refuse(monkeypatch, "ecs", "TagResource", "AccessDeniedException")
    result = run(capsys, aws, once=True)
    assert refusals == ["AccessDeniedException"]
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and result["done_at"] is None
    warnings = json.dumps(result["warnings"])  # plain strings before ansible-core 2.19
    assert f"Failed to record the success on the task definition {TD1} (tag llmops:succeeded-at): " in warnings
    assert "AccessDeniedException" in warnings and "allow ecs:TagResource" in warnings
    assert once_tags(aws) == {}


def test_once_needs_wait(aws, capsys):
    result = run(capsys, aws, once=True, wait=False)
    assert result["failed"] is True and result["msg"].startswith("once needs wait=true")
    result = run(capsys, aws, once=True, once_tag="aws:done")
    assert result["failed"] is True and "not a valid ECS tag key" in result["msg"]
    assert tasks(aws) == []


def test_check_mode_with_once_and_exclusive_starts_nothing_and_tags_nothing(aws, capsys, clock, calls, never_stops):  # pylint: disable=unused-argument
    other = start_other(aws)
    calls.clear()
    result = run(capsys, aws, check_mode=True, once=True, exclusive=True)
    assert result.get("failed") is not True, result.get("msg")
    assert (result["changed"], result["waited_for"], result["done_at"]) == (True, [other], None)
    assert result["request"]["taskDefinition"] == TD1
    assert result["msg"] == "Check mode: a task of litellm:1 would run in cluster litellm once the tasks of litellm running now (1) have stopped."
    assert calls == [] and clock.sleeps == []
    aws["ecs"].tag_resource(resourceArn=TD1, tags=[{"key": "llmops:succeeded-at", "value": "2025-01-31T12:00:00Z litellm:1"}])
    calls.clear()
    done = run(capsys, aws, check_mode=True, once=True, exclusive=True)
    assert (done["changed"], done["done_at"]) == (False, "2025-01-31T12:00:00Z")
    assert calls == [] and tasks(aws) == [other]
