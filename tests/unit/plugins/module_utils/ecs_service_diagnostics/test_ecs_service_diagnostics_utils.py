"""The diagnostics' plain functions on canned AWS answers: result views, log settings, error notes, and the sections."""

from __future__ import annotations

import datetime

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_service_diagnostics as diag
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError

WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/litellm-tg/0123456789abcdef"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:3"


def task(task_id, minutes, reason="Essential container in task exited", code="EssentialContainerExited", exit_code=1, container_reason=None):
    return {
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/litellm/{task_id}", "taskDefinitionArn": TD,
        "stoppedAt": WHEN + datetime.timedelta(minutes=minutes), "stoppedReason": reason, "stopCode": code,
        "containers": [{"name": "litellm", "exitCode": exit_code, "reason": container_reason, "lastStatus": "STOPPED"}],
    }


def test_stopped_task_entry_is_the_documented_view():
    entry = diag.stopped_task_entry(task("c", 2, exit_code=137, container_reason="OutOfMemoryError: Container killed due to memory usage"))
    assert entry["task_id"] == "c" and entry["task_definition"] == "litellm:3" and entry["stopped_at"] == "2025-01-02T03:06:05Z"
    assert entry["containers"] == [{"name": "litellm", "exit_code": 137, "last_status": "STOPPED",
                                    "reason": "OutOfMemoryError: Container killed due to memory usage"}]


def test_target_entries_are_the_documented_view():
    entries = diag.target_entries(TG, [{"Target": {"Id": "10.0.1.5", "Port": 4000},
                                        "TargetHealth": {"State": "unhealthy", "Reason": "Target.Timeout", "Description": "Request timed out"}}])
    assert entries == [{"target_group_arn": TG, "id": "10.0.1.5", "port": 4000, "availability_zone": None,
                        "state": "unhealthy", "reason": "Target.Timeout", "description": "Request timed out"}]


def test_log_settings_come_from_the_named_container_or_the_first_awslogs_one():
    def container(name, driver="awslogs", group="/ecs/x", prefix="p"):
        return {"name": name, "logConfiguration": {"logDriver": driver, "options": {"awslogs-group": group, "awslogs-stream-prefix": prefix}}}

    definition = {"containerDefinitions": [container("init", driver="json-file"), container("sidecar", group="/side"),
                                           container("litellm", group="/ecs/litellm", prefix="proxy")]}
    assert diag.log_settings(definition) == {"container": "litellm", "group": "/ecs/litellm", "prefix": "proxy"}
    assert diag.log_settings(definition, "other") == {"container": "sidecar", "group": "/side", "prefix": "p"}
    assert diag.log_settings({"containerDefinitions": [container("litellm", driver="splunk")]}) == {
        "container": "litellm", "group": None, "prefix": None}
    assert diag.log_settings({"containerDefinitions": []}) is None
    assert diag.stream_name("proxy", "litellm", "arn:aws:ecs:us-east-1:1:task/c/abc123") == "proxy/litellm/abc123"


def test_log_lines_are_the_latest_oldest_first_and_masked():
    events = [{"timestamp": 1735787045000 + i, "message": f"line {i} Bearer abc.def-{i}\n"} for i in (2, 0, 1)]
    lines = diag.log_line_entries("s", events, limit=2)
    assert lines == [{"stream": "s", "timestamp": "2025-01-02T03:04:05Z", "message": "line 1 Bearer ***"},
                     {"stream": "s", "timestamp": "2025-01-02T03:04:05Z", "message": "line 2 Bearer ***"}]
    assert diag.log_line_entries("s", events, limit=0) == []


def test_error_notes_give_aws_code_and_message():
    class Refused(Exception):
        response = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized to perform logs:GetLogEvents"}}

    assert diag.error_note(AnsibleAWSError(message="Failed to read", exception=Refused())) == (
        "AccessDeniedException: not authorized to perform logs:GetLogEvents")
    assert diag.error_note(AnsibleAWSError(message="Failed to read", exception=ValueError("endpoint unreachable"))) == "endpoint unreachable"


def test_compose_without_a_service_and_with_notes():
    message = diag.compose("gone", "c", missing="not found (MISSING)", notes=["log lines: AccessDeniedException: no"],
                           context="The gate failed: key sk-1234abcd rejected.")
    assert message.splitlines()[0] == "The gate failed: key sk-*** rejected."
    assert "ECS service gone in cluster c: not found (MISSING)." in message
    assert "Stopped tasks" not in message  # nothing to say about tasks of a service that is not there
    assert message.endswith("Not available:\n  - log lines: AccessDeniedException: no")


def test_compose_shows_only_the_sections_asked_for_in_their_order():
    service = {"status": "ACTIVE", "desiredCount": 2, "events": [], "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY"}]}
    parts = dict(service=service, stopped_tasks=[task("a", 1)], events=[{"created_at": None, "message": "event", "count": 1}],
                 targets=[(TG, [])], log_lines=[{"timestamp": None, "message": "log"}], log_source="g s", notes=["a note"])
    everything = diag.compose("litellm", "c", **parts)
    heads = [paragraph.splitlines()[0] for paragraph in everything.split("\n\n")]
    assert [head.split(" ")[0] for head in heads] == ["ECS", "Stopped", "Target", "Service", "Last", "Not"]
    some = diag.compose("litellm", "c", sections=["log_lines", "targets"], context="ctx", **parts)
    assert [paragraph.splitlines()[0].split(" ")[0] for paragraph in some.split("\n\n")] == ["ctx", "Target", "Last", "Not"]
    assert "Stopped tasks" not in diag.compose("litellm", "c", stopped_task_limit=0, **parts)


def test_deployments_are_the_documented_view():
    assert diag.deployments_of({"deployments": [{"id": "d", "failedTasks": 4, "createdAt": WHEN}]}) == [
        {"id": "d", "failed_tasks": 4, "created_at": "2025-01-02T03:04:05Z"}]
