"""The diagnostics' plain functions on canned AWS answers: folding, target health, log settings, masking, fitting."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_service_diagnostics as diag

WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/litellm-tg/0123456789abcdef"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:3"


def task(task_id, minutes, reason="Essential container in task exited", code="EssentialContainerExited", exit_code=1, container_reason=None):
    return {
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/litellm/{task_id}", "taskDefinitionArn": TD,
        "stoppedAt": WHEN + datetime.timedelta(minutes=minutes), "stoppedReason": reason, "stopCode": code,
        "containers": [{"name": "litellm", "exitCode": exit_code, "reason": container_reason, "lastStatus": "STOPPED"}],
    }


def test_repeated_events_are_folded_with_a_count_newest_first():
    ids = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", "00000000000000000000000000000001"]
    events = [
        {"createdAt": WHEN + datetime.timedelta(minutes=10 - i),
         "message": f"(service litellm) (task {task_id}) (port 4000) is unhealthy in (target-group {TG}) due to (reason Request timed out)."}
        for i, task_id in enumerate(ids)
    ] + [{"createdAt": WHEN, "message": "(service litellm) has reached a steady state."}] * 2
    groups = diag.event_groups(events, limit=10)
    assert [group["count"] for group in groups] == [3, 2]
    assert ids[0] in groups[0]["message"]  # the newest of the group is the one shown
    assert groups[0]["created_at"] == "2025-01-02T03:14:05+00:00"
    assert groups[0]["line"].startswith("2025-01-02 03:14:05 (service litellm) (task 0123")
    assert len(diag.event_groups(events, limit=1)) == 1
    message = diag.compose("litellm", "c", service={"status": "ACTIVE"}, events=groups)
    assert "due to (reason Request timed out). (x3)" in message
    assert "has reached a steady state. (x2)" in message


def test_stopped_tasks_are_grouped_by_reason_with_exit_codes():
    tasks = [
        task("a", 1), task("b", 3), task("c", 2, reason="Task failed ELB health checks in (target-group tg)",
                                         code="ServiceSchedulerInitiated", exit_code=137,
                                         container_reason="OutOfMemoryError: Container killed due to memory usage"),
    ]
    groups = diag.stopped_task_groups(tasks, limit=5)
    lines = [diag.stopped_task_line(*group) for group in groups]
    assert lines[0] == ("2 tasks: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1 "
                        "(latest: task b (litellm:3) at 2025-01-02 03:07:05)")
    assert lines[1] == ("task c (litellm:3) stopped 2025-01-02 03:06:05: Task failed ELB health checks in (target-group tg) "
                        "[ServiceSchedulerInitiated]; container litellm: exit code 137, OutOfMemoryError: Container killed due to memory usage")
    assert len(diag.stopped_task_groups(tasks, limit=1)) == 1  # only the newest (b)
    entry = diag.stopped_task_entry(tasks[2])
    assert entry["task_id"] == "c" and entry["task_definition"] == "litellm:3" and entry["stopped_at"] == "2025-01-02T03:06:05+00:00"
    assert entry["containers"] == [{"name": "litellm", "exit_code": 137, "last_status": "STOPPED",
                                    "reason": "OutOfMemoryError: Container killed due to memory usage"}]


def test_unhealthy_targets_show_their_reasons_and_healthy_ones_are_only_counted():
    def unhealthy(ip, reason, description):
        return {"Target": {"Id": ip, "Port": 4000}, "TargetHealth": {"State": "unhealthy", "Reason": reason, "Description": description}}

    descriptions = [
        unhealthy("10.0.1.5", "Target.Timeout", "Request timed out"),
        unhealthy("10.0.2.9", "Target.Timeout", "Request timed out"),
        unhealthy("10.0.1.7", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"),
        {"Target": {"Id": "10.0.3.3", "Port": 4000}, "TargetHealth": {"State": "healthy"}},
    ]
    entries = diag.target_entries(TG, descriptions)
    assert entries[0] == {"target_group_arn": TG, "id": "10.0.1.5", "port": 4000, "availability_zone": None,
                          "state": "unhealthy", "reason": "Target.Timeout", "description": "Request timed out"}
    head, lines = diag.target_paragraph(TG, entries)
    assert head == "Target group litellm-tg: 3 of 4 targets not healthy, 1 healthy:"
    assert lines == ["2 unhealthy: Target.Timeout - Request timed out (10.0.1.5:4000, 10.0.2.9:4000)",
                     "1 unhealthy: Target.ResponseCodeMismatch - Health checks failed with these codes: [503] (10.0.1.7:4000)"]
    assert "10.0.3.3" not in head + "".join(lines)
    assert diag.target_paragraph(TG, entries[3:]) == ("Target group litellm-tg: all 1 targets healthy.", [])
    assert diag.target_paragraph(TG, [])[0].startswith("Target group litellm-tg: no targets registered")
    message = diag.compose("litellm", "c", service={"status": "ACTIVE"}, targets=[(TG, entries)])
    assert "Target.ResponseCodeMismatch - Health checks failed with these codes: [503]" in message


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
    assert [line["message"] for line in lines] == ["line 1 Bearer ***", "line 2 Bearer ***"]
    assert lines[0]["timestamp"] == "2025-01-02T03:04:05.001000+00:00" and lines[0]["stream"] == "s"
    assert diag.public_log_lines(lines)[0] == {"stream": "s", "timestamp": "2025-01-02T03:04:05.001000+00:00", "message": "line 1 Bearer ***"}
    assert diag.log_line_entries("s", events, limit=0) == []


@pytest.mark.parametrize("text, secret", [
    ("Incorrect API key provided: sk-proj-AbC123_xyz-789", "AbC123_xyz-789"),
    ("x-api-key sk-ant-api03-secretvalue", "secretvalue"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
    ("aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"),
    ("DATABASE_URL=postgresql://admin:s3cr3t@db:5432/litellm", "s3cr3t"),
    ('{"master_key": "my-own-master-value", "port": 4000}', "my-own-master-value"),
    ("LITELLM_SALT_KEY=saltsaltsalt", "saltsaltsalt"),
    ("password=hunter2", "hunter2"),
])
def test_keys_are_masked(text, secret):
    assert secret not in diag.mask(text)
    assert "***" in diag.mask(text)


def test_masking_keeps_ordinary_text():
    text = ("Task stopped: ResourceInitializationError: unable to pull secrets or registry auth: secret "
            "arn:aws:secretsmanager:us-east-1:1:secret:litellm-master-AbCd, tokens used: 12, skipped 3 tasks")
    assert diag.mask(text) == text


def test_fit_drops_the_longest_parts_first_and_never_exceeds_the_limit():
    logs = diag.Paragraph("Logs:", [f"log {i:02d} " + "x" * 40 for i in range(30)], trim="start")
    reasons = diag.Paragraph("Stopped tasks:", ["exit code 1"])
    text = diag.fit([diag.Paragraph("Context."), reasons, logs], 600)
    assert len(text) <= 600
    assert "exit code 1" in text and "log 29 " in text and "log 00 " not in text
    assert "more omitted)" in text
    assert text.index("more omitted)") < text.index("log 29 ")  # the marker stands where lines were left out
    cut = diag.fit([diag.Paragraph("y" * 1000)], 200)
    assert len(cut) == 200 and cut.endswith("...")
    long_line = diag.Paragraph("h", ["z" * 5000])
    assert len(long_line.lines[0]) == diag.LINE_CHARS


def test_compose_without_a_service_and_with_notes():
    message = diag.compose("gone", "c", missing="not found (MISSING)", notes=["log lines: AccessDeniedException: no"],
                           context="The gate failed: key sk-1234abcd rejected.")
    assert message.splitlines()[0] == "The gate failed: key sk-*** rejected."
    assert "ECS service gone in cluster c: not found (MISSING)." in message
    assert "Stopped tasks" not in message  # nothing to say about tasks of a service that is not there
    assert message.endswith("Not available:\n  - log lines: AccessDeniedException: no")


def test_deployment_line_has_state_reason_and_counts():
    line = diag.deployment_line({"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": TD, "rolloutState": "FAILED",
                                 "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
                                 "runningCount": 0, "desiredCount": 2, "pendingCount": 1, "failedTasks": 4})
    assert line == ("deployment ecs-svc/1 (litellm:3): PRIMARY, rollout FAILED (ECS deployment circuit breaker: tasks failed "
                    "to start.), 0 running of 2 desired, 1 pending, 4 failed")
    assert diag.deployments_of({"deployments": [{"id": "d", "failedTasks": 4, "createdAt": WHEN}]}) == [
        {"id": "d", "failed_tasks": 4, "created_at": "2025-01-02T03:04:05+00:00"}]
