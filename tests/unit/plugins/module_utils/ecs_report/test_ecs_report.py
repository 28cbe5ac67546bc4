"""The one renderer of a failing service's report: each section's wording, masking, fitting, and no section twice."""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_report as report
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import failure_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import compose
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import target_entries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import TIMEOUT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Outcome

ROOT = Path(__file__).resolve().parents[5]
WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/litellm-tg/0123456789abcdef"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:3"


def task(task_id, minutes, reason="Essential container in task exited", code="EssentialContainerExited", exit_code=1, container_reason=None):
    return {
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/litellm/{task_id}", "taskDefinitionArn": TD,
        "stoppedAt": WHEN + datetime.timedelta(minutes=minutes), "stoppedReason": reason, "stopCode": code,
        "containers": [{"name": "litellm", "exitCode": exit_code, "reason": container_reason, "lastStatus": "STOPPED"}],
    }


def unhealthy(ip, reason, description):
    return {"Target": {"Id": ip, "Port": 4000}, "TargetHealth": {"State": "unhealthy", "Reason": reason, "Description": description}}


# --- the sections ----------------------------------------------------------------------------------------


def test_repeated_events_are_folded_with_a_count_newest_first():
    ids = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", "00000000000000000000000000000001"]
    events = [
        {"createdAt": WHEN + datetime.timedelta(minutes=10 - i),
         "message": f"(service litellm) (task {task_id}) (port 4000) is unhealthy in (target-group {TG}) due to (reason Request timed out)."}
        for i, task_id in enumerate(ids)
    ] + [{"createdAt": WHEN, "message": "(service litellm) has reached a steady state."}] * 2
    groups = report.event_groups(events, limit=10)
    assert [group["count"] for group in groups] == [3, 2]
    assert ids[0] in groups[0]["message"]  # the newest of the group is the one shown
    assert groups[0]["created_at"] == "2025-01-02T03:14:05Z"
    assert len(report.event_groups(events, limit=1)) == 1
    text = report.events_paragraph(groups).render()
    assert text.startswith("Service events, newest first:\n  - 2025-01-02T03:14:05Z (service litellm) (task 0123")
    assert "due to (reason Request timed out). (x3)" in text
    assert "has reached a steady state. (x2)" in text
    assert report.events_paragraph([]).render() == "Service events: none."


def test_stopped_tasks_are_grouped_by_reason_with_exit_codes():
    tasks = [
        task("a", 1), task("b", 3), task("c", 2, reason="Task failed ELB health checks in (target-group tg)",
                                         code="ServiceSchedulerInitiated", exit_code=137,
                                         container_reason="OutOfMemoryError: Container killed due to memory usage"),
    ]
    text = report.stopped_tasks_paragraph(tasks).render()
    assert text.splitlines() == [
        "Stopped tasks (latest 3), by reason:",
        "  - 2 tasks: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1 "
        "(latest: task b (litellm:3) at 2025-01-02T03:07:05Z)",
        "  - task c (litellm:3) stopped 2025-01-02T03:06:05Z: Task failed ELB health checks in (target-group tg) "
        "[ServiceSchedulerInitiated]; container litellm: exit code 137, OutOfMemoryError: Container killed due to memory usage",
    ]
    assert report.stopped_tasks_paragraph(tasks, limit=1, total=40).head == "Stopped tasks (latest 1 of 40), by reason:"
    assert report.stopped_tasks_paragraph([]).render() == "Stopped tasks: none found."
    # One line a task, newest first, for results.
    assert [line.split(" ")[1] for line in report.stopped_task_lines(tasks)] == ["b", "c", "a"]
    assert len(report.stopped_task_lines([task(str(i), i) for i in range(8)])) == report.STOPPED_TASK_LIMIT


def test_unhealthy_targets_show_their_reasons_and_healthy_ones_are_only_counted():
    entries = target_entries(TG, [
        unhealthy("10.0.1.5", "Target.Timeout", "Request timed out"),
        unhealthy("10.0.2.9", "Target.Timeout", "Request timed out"),
        unhealthy("10.0.1.7", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"),
        {"Target": {"Id": "10.0.3.3", "Port": 4000}, "TargetHealth": {"State": "healthy"}},
    ])
    paragraph = report.targets_paragraph(TG, entries)
    assert paragraph.head == "Target group litellm-tg: 3 of 4 targets not healthy, 1 healthy:"
    assert paragraph.lines == ["2 unhealthy: Target.Timeout - Request timed out (10.0.1.5:4000, 10.0.2.9:4000)",
                               "1 unhealthy: Target.ResponseCodeMismatch - Health checks failed with these codes: [503] (10.0.1.7:4000)"]
    assert "10.0.3.3" not in paragraph.render()
    assert report.targets_paragraph(TG, entries[3:]).render() == "Target group litellm-tg: all 1 targets healthy."
    assert report.targets_paragraph(TG, []).render().startswith("Target group litellm-tg: no targets registered")


def test_service_paragraph_has_state_counts_and_each_deployment():
    deployment = {"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": TD, "rolloutState": "FAILED",
                  "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
                  "runningCount": 0, "desiredCount": 2, "pendingCount": 1, "failedTasks": 4}
    text = report.service_paragraph("litellm", "c", {"status": "ACTIVE", "desiredCount": 2, "pendingCount": 1,
                                                     "deployments": [deployment]}).render()
    assert text == ("ECS service litellm in cluster c: ACTIVE, 0 of 2 tasks running, 1 pending.\n"
                    "  - deployment ecs-svc/1 (litellm:3): PRIMARY, rollout FAILED (ECS deployment circuit breaker: tasks failed "
                    "to start.), 0 running of 2 desired, 1 pending, 4 failed")
    assert report.service_paragraph("gone", "c", None, "not found (MISSING)").render() == "ECS service gone in cluster c: not found (MISSING)."


def test_log_lines_are_shown_oldest_first_with_their_time():
    lines = [{"timestamp": "2025-01-02T03:04:05Z", "message": "first"}, {"timestamp": "2025-01-02T03:04:06Z", "message": "second"}]
    assert report.log_paragraph(lines, "/ecs/litellm s").render() == (
        "Last 2 log lines of /ecs/litellm s:\n  2025-01-02T03:04:05Z first\n  2025-01-02T03:04:06Z second")


# --- masking and fitting ---------------------------------------------------------------------------------


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
def test_every_line_of_a_report_is_masked(text, secret):
    rendered = report.render([report.Paragraph(f"Context: {text}", [text])])
    assert secret not in rendered
    assert rendered.count("***") == 2


def test_masking_keeps_ordinary_text():
    text = ("Task stopped: ResourceInitializationError: unable to pull secrets or registry auth: secret "
            "arn:aws:secretsmanager:us-east-1:1:secret:litellm-master-AbCd, tokens used: 12, skipped 3 tasks")
    assert report.Paragraph("h", [text]).lines == [text]


def test_render_drops_the_longest_parts_first_and_never_exceeds_the_limit():
    logs = report.Paragraph("Logs:", [f"log {i:02d} " + "x" * 40 for i in range(30)], trim="start")
    reasons = report.Paragraph("Stopped tasks:", ["exit code 1"])
    text = report.render([report.Paragraph("Context."), reasons, None, logs], 600)
    assert len(text) <= 600
    assert "exit code 1" in text and "log 29 " in text and "log 00 " not in text
    assert "more omitted)" in text
    assert text.index("more omitted)") < text.index("log 29 ")  # the marker stands where lines were left out
    cut = report.render([report.Paragraph("y" * 1000)], 200)
    assert len(cut) == 200 and cut.endswith("...")
    assert len(report.Paragraph("h", ["z" * 5000]).lines[0]) == report.LINE_CHARS
    assert len(report.render([report.Paragraph("h", ["z" * 300] * 30)])) > 9000  # no limit given: everything


# --- one report, no section twice ------------------------------------------------------------------------


def failing_service():
    events = [{"createdAt": WHEN + datetime.timedelta(minutes=2 - i), "message": f"(service litellm) has started 2 tasks: (task {i:032x})."}
              for i in range(2)] + [{"createdAt": WHEN, "message": "(service litellm) is unable to consistently start tasks successfully."}]
    deployment = {"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": TD, "rolloutState": "IN_PROGRESS",
                  "runningCount": 0, "desiredCount": 2, "pendingCount": 0, "failedTasks": 2}
    return {"status": "ACTIVE", "desiredCount": 2, "runningCount": 0, "pendingCount": 0, "deployments": [deployment], "events": events}


def rescue_sections():
    """The sections the ecs_service role's rescue asks for after a rollout that did not become steady."""
    tasks = yaml.safe_load((ROOT / "roles" / "ecs_service" / "tasks" / "service.yml").read_text())
    rescue = next(item["rescue"] for item in tasks if "rescue" in item)
    diagnostics = next(step["llmops.litellm_ecs.ecs_service_diagnostics"] for step in rescue
                       if "llmops.litellm_ecs.ecs_service_diagnostics" in step)
    return tuple(ast.literal_eval(re.search(r"\[[^]]*\]", diagnostics["sections"]).group(0)))


def test_the_rescue_asks_only_for_what_the_rollout_message_does_not_say():
    asked = rescue_sections()
    assert asked == (report.TARGETS, report.LOG_LINES)
    # The rollout's verdict says what the service section would; its events and stopped tasks are ROLLOUT_SECTIONS.
    assert set(asked).isdisjoint(report.ROLLOUT_SECTIONS + (report.SERVICE,))
    assert set(asked) | set(report.ROLLOUT_SECTIONS) | {report.SERVICE} == set(report.SECTIONS)


def test_the_rollout_message_and_the_rescue_diagnostics_together_say_nothing_twice():
    service = failing_service()
    tasks = [task("a", 1), task("b", 2)]
    outcome = Outcome(TIMEOUT, service, "deployment ecs-svc/1 of litellm:3 is IN_PROGRESS; 0 of 2 tasks running, 0 pending", 600.0, 70)
    rollout = failure_message("litellm", "c", outcome, 600, service, tasks)
    parts = dict(service=service, events=report.event_groups(service["events"]), stopped_tasks=tasks,
                 targets=[(TG, target_entries(TG, [unhealthy("10.0.1.5", "Target.Timeout", "Request timed out")]))],
                 log_lines=[{"timestamp": "2025-01-02T03:04:05Z", "message": "ValueError: bad config"}], log_source="/ecs/litellm s")
    diagnostics = compose("litellm", "c", sections=rescue_sections(), **parts)
    combined = rollout + "\n\n" + diagnostics
    lines = [line.strip() for line in combined.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), combined
    for head in ("did not reach a steady state", "Service events", "Stopped tasks", "Target group litellm-tg", "log lines of"):
        assert combined.count(head) == 1, head
    assert "(service litellm) has started 2 tasks" in rollout and "(x2)" in rollout
    assert "2 tasks: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1" in rollout
    # The gate's rescue asks for everything, worded as the rollout words it.
    everything = compose("litellm", "c", context="The post-deploy gate failed.", **parts)
    assert report.events_paragraph(parts["events"]).render() in everything and report.events_paragraph(parts["events"]).render() in rollout
    assert report.stopped_tasks_paragraph(tasks).render() in everything and report.stopped_tasks_paragraph(tasks).render() in rollout
    for head in ("ECS service litellm in cluster c: ACTIVE", "Target group litellm-tg", "Last 1 log lines of /ecs/litellm s:"):
        assert head in everything
