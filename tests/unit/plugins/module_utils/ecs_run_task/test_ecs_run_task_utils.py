"""ecs_run_task module_utils: the RunTask request, the deciding container, log streams, verdicts and messages."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_run_task as utils

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/litellm/0f4c3d6e"
AWSLOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/litellm", "awslogs-region": "eu-west-1",
                                               "awslogs-stream-prefix": "litellm"}}


def params(**extra):
    base = dict(cluster="litellm", launch_type="FARGATE", capacity_provider_strategy=None, network_configuration=None,
                overrides=None, started_by="llmops/litellm_ecs", tags=None)
    base.update(extra)
    return base


def definition(*containers):
    return {"family": "litellm", "revision": 7, "taskDefinitionArn": TD, "containerDefinitions": list(containers)}


def stopped(code=0, reason=None, stopped_reason="Essential container in task exited", stop_code="EssentialContainerExited"):
    container = {"name": "litellm", "lastStatus": "STOPPED"}
    if code is not None:
        container["exitCode"] = code
    if reason:
        container["reason"] = reason
    return {"taskArn": TASK, "taskDefinitionArn": TD, "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
            "stoppedReason": stopped_reason, "stopCode": stop_code, "containers": [container], "tags": [{"key": "a", "value": "b"}]}


def test_request_for_fargate_with_network_overrides_and_tags():
    overrides = {"containerOverrides": [{"name": "litellm", "command": ["migrate"]}]}
    request = utils.run_request(
        params(network_configuration={"subnets": ["subnet-b", "subnet-a", "subnet-b"], "security_groups": ["sg-1"],
                                      "assign_public_ip": None},
               overrides=overrides, tags={"Purpose": "migration", "n": 1}),
        TD)
    assert request == {
        "cluster": "litellm", "taskDefinition": TD, "count": 1, "startedBy": "llmops/litellm_ecs", "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                                         "assignPublicIp": "DISABLED"}},
        "overrides": overrides,
        "tags": [{"key": "Purpose", "value": "migration"}, {"key": "n", "value": "1"}],
    }


def test_request_with_capacity_provider_strategy_has_no_launch_type():
    strategy = [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    request = utils.run_request(params(capacity_provider_strategy=strategy,
                                       network_configuration={"subnets": ["s"], "assign_public_ip": True}), TD)
    assert request["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    assert "launchType" not in request
    assert request["networkConfiguration"]["awsvpcConfiguration"] == {"subnets": ["s"], "assignPublicIp": "ENABLED"}


@pytest.mark.parametrize("started_by", ["llmops.litellm_ecs", "", "x" * 129, "has space"])
def test_request_refuses_a_started_by_ecs_rejects(started_by):
    with pytest.raises(utils.RunTaskError, match="not a valid startedBy"):
        utils.run_request(params(started_by=started_by), TD)


def test_request_needs_a_subnet():
    with pytest.raises(utils.RunTaskError, match="at least one subnet"):
        utils.run_request(params(network_configuration={"subnets": []}), TD)


def test_decisive_container_is_the_only_or_the_only_essential_one():
    app = {"name": "litellm"}
    sidecar = {"name": "log-router", "essential": False}
    assert utils.decisive_container(definition(app)) is app
    assert utils.decisive_container(definition(sidecar, app)) is app  # essential unless essential: false
    assert utils.decisive_container(definition(sidecar, app), "log-router") is sidecar
    with pytest.raises(utils.RunTaskError, match=r"has 2 essential containers \(litellm, other\).*Set container_name"):
        utils.decisive_container(definition(app, {"name": "other", "essential": True}))
    with pytest.raises(utils.RunTaskError, match=r"litellm:7 has no container named migrate \(its containers: litellm\)"):
        utils.decisive_container(definition(app), "migrate")


def test_log_stream_follows_the_awslogs_naming():
    container = {"name": "litellm", "logConfiguration": AWSLOGS}
    assert utils.log_stream(container, TASK) == {"group": "/ecs/litellm", "stream": "litellm/litellm/0f4c3d6e", "region": "eu-west-1"}
    no_prefix = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/litellm"}}
    assert utils.log_stream({"name": "litellm", "logConfiguration": no_prefix}, TASK) is None
    assert utils.log_stream({"name": "litellm", "logConfiguration": {"logDriver": "splunk"}}, TASK) is None
    assert utils.log_stream({"name": "litellm"}, TASK) is None


def test_exit_code_zero_succeeds():
    ok, message = utils.judge_stopped(stopped(0), "litellm")
    assert ok is True
    assert "0f4c3d6e (litellm:7) stopped and its container litellm exited with code 0" in message


def test_non_zero_exit_code_fails_with_reasons_and_log_stream():
    log = utils.log_stream({"name": "litellm", "logConfiguration": AWSLOGS}, TASK)
    ok, message = utils.judge_stopped(stopped(1, reason="OutOfMemoryError: Container killed due to memory usage"), "litellm", log)
    assert ok is False
    assert "its container litellm exited with code 1 (container reason: OutOfMemoryError: Container killed" in message
    assert "task stopped reason: Essential container in task exited [stop code EssentialContainerExited]" in message
    assert "read the container's log stream litellm/litellm/0f4c3d6e in log group /ecs/litellm in region eu-west-1" in message
    without_log = utils.judge_stopped(stopped(2), "litellm")[1]
    assert "exited with code 2;" in without_log
    assert "no awslogs configuration" in without_log


def test_no_exit_code_means_the_task_failed_to_start():
    reason = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref x: not found"
    ok, message = utils.judge_stopped(stopped(None, reason=reason, stopped_reason=reason, stop_code="TaskFailedToStart"), "litellm")
    assert ok is False
    assert "stopped before its container litellm ran to an exit code: CannotPullContainerError" in message
    assert "[stop code TaskFailedToStart]" in message
    assert "image that cannot be pulled" in message
    # A task without the deciding container (or without containers at all) failed too, not succeeded.
    assert utils.judge_stopped(dict(stopped(0), containers=[]), "litellm")[0] is False


def test_timeout_message_says_the_task_is_left_running_and_how_to_stop_it():
    task = {"taskArn": TASK, "taskDefinitionArn": TD, "lastStatus": "RUNNING"}
    message = utils.timeout_message(task, "litellm", 900, 901.2, "the task is RUNNING (desired status RUNNING)")
    assert "0f4c3d6e (litellm:7) in cluster litellm did not stop within 900 s (waited 901 s): the task is RUNNING" in message
    assert "The task is left running" in message
    assert "aws ecs stop-task --cluster litellm --task 0f4c3d6e" in message
    assert "raise wait_timeout (now 900)" in message


def test_failures_message_lists_every_failure():
    failures = [{"arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/x", "reason": "RESOURCE:MEMORY"},
                {"reason": "AGENT", "detail": "agent disconnected"}]
    message = utils.failures_message(failures, "litellm", TD)
    assert message.startswith("RunTask started no task of litellm:7 in cluster litellm: RESOURCE:MEMORY for arn:aws:ecs:")
    assert "AGENT (agent disconnected)" in message
    assert "no task and no failure returned" in utils.failures_message([], "litellm", TD)


def test_describe_task():
    when = datetime.datetime(2025, 1, 31, 13, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    view = utils.describe_task(dict(stopped(1), createdAt=when))
    assert (view["created_at"], view["stopped_at"]) == ("2025-01-31T12:00:00Z", None)
    assert (view["id"], view["last_status"], view["stop_code"], view["tags"]) == ("0f4c3d6e", "STOPPED", "EssentialContainerExited", {"a": "b"})
    assert view["containers"] == [{"name": "litellm", "last_status": "STOPPED", "exit_code": 1, "reason": None}]
    assert utils.describe_task(None) == {}
