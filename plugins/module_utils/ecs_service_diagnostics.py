# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Why an ECS service is not serving, as plain functions (no Ansible, no boto3 needed).

The module ``ecs_service_diagnostics`` reads the service, its stopped tasks, its target groups' target health
and the proxy's last log lines; the functions here reduce each of these to the documented result and compose
one compact failure text that shows only what is relevant (no healthy targets, repeated events and stop reasons
once with a count), masks anything that looks like a key, and never exceeds a length.

The wording of events and stopped tasks is shared with the ``ecs_service`` module's own failure report
(``event_line``, ``stop_reason`` and friends in ``module_utils/ecs_service.py``).
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import deployment_summary
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import event_line
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import newest_tasks
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import short_task_definition
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import stop_reason
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import task_id
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import when_text

DEFAULT_CONTAINER = "litellm"
# The longest line the message shows (a log line or an event); the result keeps them whole.
LINE_CHARS = 400
# The shortest max_chars that still leaves room for a head line.
MIN_MAX_CHARS = 200
ELLIPSIS = "..."

# Anything that looks like a credential, and what replaces it.
SECRET_PATTERNS = (
    # LiteLLM and OpenAI style keys: sk-..., sk-proj-..., sk-ant-...
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{3,}"), "sk-***"),
    # Authorization headers and the like.
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]{3,}", re.IGNORECASE), r"\1 ***"),
    # AWS access key ids.
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), r"\1***"),
    # Passwords in URLs (postgresql://user:password@host).
    (re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^:/\s@]+:)[^@\s/]+@"), r"\1***@"),
    # key=value, key: value and "key": "value" for names that hold secrets (not ARNs such as ...:secret:name).
    (re.compile(r"(?i)\b((?:[a-z_]*_)?(?:api[_-]?key|master[_-]?key|salt[_-]?key|secret(?:[_-]?(?:access[_-]?)?key)?|password|passwd|token)"
                r"(?:\s*=\s*[\"']?|[\"']?\s*:\s+[\"']?|[\"']\s*:\s*[\"']?))([^\s\"',;}]+)"), r"\1***"),
)

# Task ids in event messages (32 hex digits on AWS, a UUID in the emulator): events that differ only there repeat.
_TASK_IDS = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b")


def mask(text):
    """``text`` with everything that looks like a key, token or password replaced by ``***``."""
    text = str(text or "")
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def clip(text, limit=LINE_CHARS):
    """``text`` cut to ``limit`` characters, the cut marked with ``...``."""
    return text if len(text) <= limit else text[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


def iso(value):
    """A datetime (or a CloudWatch Logs timestamp in milliseconds) as an ISO 8601 string; None stays None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = datetime.datetime.fromtimestamp(value / 1000.0, tz=datetime.timezone.utc)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _short_when(value):
    """A datetime or milliseconds timestamp as ``YYYY-MM-DD HH:MM:SS``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = datetime.datetime.fromtimestamp(value / 1000.0, tz=datetime.timezone.utc)
    return when_text(value)


def error_text(code, message):
    """An AWS error as ``Code: message`` (either may be missing)."""
    return ": ".join(part for part in (code, message) if part) or "unknown error"


# --- events ------------------------------------------------------------------------------------------


def event_groups(events, limit):
    """The service's events (newest first) with repeats folded: ``[{created_at, message, count}]``, at most ``limit``.

    Events whose messages differ only in task ids count as repeats; each group shows its newest event.
    """
    groups = {}
    for event in events or []:
        key = _TASK_IDS.sub("*", event.get("message") or "")
        if key in groups:
            groups[key]["count"] += 1
        else:
            groups[key] = {"event": event, "count": 1}
    return [
        {"created_at": iso(group["event"].get("createdAt")), "message": group["event"].get("message") or "", "count": group["count"],
         "line": event_line(group["event"])}
        for group in list(groups.values())[:limit]
    ]


# --- deployments -------------------------------------------------------------------------------------


def deployment_line(deployment):
    """One deployment as a line: id, task definition, status, rollout state and reason, task counts."""
    parts = [deployment.get("status") or "UNKNOWN"]
    if deployment.get("rolloutState"):
        rollout = f"rollout {deployment['rolloutState']}"
        if deployment.get("rolloutStateReason"):
            rollout += f" ({deployment['rolloutStateReason']})"
        parts.append(rollout)
    parts.append(f"{deployment.get('runningCount', 0)} running of {deployment.get('desiredCount', 0)} desired")
    parts.append(f"{deployment.get('pendingCount', 0)} pending")
    parts.append(f"{deployment.get('failedTasks', 0)} failed")
    return f"deployment {deployment.get('id')} ({short_task_definition(deployment.get('taskDefinition'))}): {', '.join(parts)}"


def deployments_of(service):
    """The documented view of every deployment of the service."""
    return [deployment_summary(deployment) for deployment in (service or {}).get("deployments") or []]


# --- stopped tasks -----------------------------------------------------------------------------------


def stopped_task_entry(task):
    """The documented view of one stopped task."""
    return {
        "task_arn": task.get("taskArn"),
        "task_id": task_id(task.get("taskArn")),
        "task_definition": short_task_definition(task.get("taskDefinitionArn")),
        "stopped_at": iso(task.get("stoppedAt")),
        "stopped_reason": task.get("stoppedReason"),
        "stop_code": task.get("stopCode"),
        "containers": [
            {"name": container.get("name"), "exit_code": container.get("exitCode"), "reason": container.get("reason"),
             "last_status": container.get("lastStatus")}
            for container in task.get("containers") or []
        ],
    }


def stopped_task_groups(tasks, limit):
    """The latest ``limit`` stopped tasks grouped by the same reason: ``[(reason, count, newest task)]``, newest first."""
    groups = {}
    for task in newest_tasks(tasks, limit):
        reason = stop_reason(task)
        if reason in groups:
            groups[reason][1] += 1
        else:
            groups[reason] = [reason, 1, task]
    return [tuple(group) for group in groups.values()]


def stopped_task_line(reason, count, task):
    """One group of stopped tasks as a line."""
    which = f"task {task_id(task.get('taskArn'))} ({short_task_definition(task.get('taskDefinitionArn'))})"
    when = when_text(task.get("stoppedAt"))
    if count > 1:
        return f"{count} tasks: {reason} (latest: {which}{' at ' + when if when else ''})"
    return f"{which}{' stopped ' + when if when else ''}: {reason}"


# --- targets -----------------------------------------------------------------------------------------


def target_group_name(arn):
    """``arn:...:targetgroup/name/0123abcd`` -> ``name``."""
    parts = (arn or "").split(":")[-1].split("/")
    return parts[1] if len(parts) >= 2 else (arn or "")


def target_entries(target_group_arn, descriptions):
    """``DescribeTargetHealth``'s ``TargetHealthDescriptions`` -> the documented target entries."""
    entries = []
    for item in descriptions or []:
        target, health = item.get("Target") or {}, item.get("TargetHealth") or {}
        entries.append({
            "target_group_arn": target_group_arn,
            "id": target.get("Id"),
            "port": target.get("Port"),
            "availability_zone": target.get("AvailabilityZone"),
            "state": health.get("State"),
            "reason": health.get("Reason"),
            "description": health.get("Description"),
        })
    return entries


def target_paragraph(target_group_arn, entries):
    """(head, lines) for one target group: the targets that are not healthy, grouped by state and reason."""
    name = target_group_name(target_group_arn)
    if not entries:
        return (f"Target group {name}: no targets registered (the tasks never registered, or were deregistered).", [])
    healthy = [entry for entry in entries if entry.get("state") == "healthy"]
    others = [entry for entry in entries if entry.get("state") != "healthy"]
    if not others:
        return (f"Target group {name}: all {len(healthy)} targets healthy.", [])
    groups = {}
    for entry in others:
        key = (entry.get("state"), entry.get("reason"), entry.get("description"))
        groups.setdefault(key, []).append(f"{entry.get('id')}:{entry.get('port')}" if entry.get("port") else str(entry.get("id")))
    lines = []
    for (state, reason, description), targets in groups.items():
        why = " - ".join(part for part in (reason, description) if part)
        shown = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
        lines.append(f"{len(targets)} {state}{': ' + why if why else ''} ({shown})")
    head = f"Target group {name}: {len(others)} of {len(entries)} targets not healthy"
    return (head + (f", {len(healthy)} healthy:" if healthy else ":"), lines)


# --- logs --------------------------------------------------------------------------------------------


def log_settings(task_definition, container_name=DEFAULT_CONTAINER):
    """Where a task of ``task_definition`` logs: ``{container, group, prefix}`` of its awslogs configuration.

    The container is ``container_name`` when the task definition has it, else the first container logging with
    the ``awslogs`` driver. Values the definition does not give are None; None altogether without any container.
    """
    containers = (task_definition or {}).get("containerDefinitions") or []
    chosen = next((item for item in containers if item.get("name") == container_name), None)
    if chosen is None:
        chosen = next((item for item in containers if (item.get("logConfiguration") or {}).get("logDriver") == "awslogs"), None)
    if chosen is None:
        return None
    configuration = chosen.get("logConfiguration") or {}
    options = configuration.get("options") or {} if configuration.get("logDriver") == "awslogs" else {}
    return {"container": chosen.get("name"), "group": options.get("awslogs-group"), "prefix": options.get("awslogs-stream-prefix")}


def stream_name(prefix, container, task):
    """The awslogs stream of one container of one task: ``<prefix>/<container>/<task-id>``."""
    return f"{prefix}/{container}/{task_id(task)}"


def log_line_entries(stream, events, limit):
    """``GetLogEvents``' events -> the documented log lines (the latest ``limit``, oldest first, keys masked)."""
    ordered = sorted(events or [], key=lambda event: event.get("timestamp") or 0)
    ordered = ordered[-limit:] if limit > 0 else []
    return [{"stream": stream, "timestamp": iso(event.get("timestamp")), "message": mask(event.get("message") or "").rstrip(),
             "_when": _short_when(event.get("timestamp"))} for event in ordered]


# --- the message -------------------------------------------------------------------------------------


class Paragraph:
    """A head line and its item lines; when the message is too long, items go first, from ``trim`` ("end"/"start")."""

    def __init__(self, head, lines=None, trim="end"):
        self.head = head
        self.lines = [clip(line) for line in lines or []]
        self.trim = trim
        self.omitted = 0

    def render(self):
        lines = [f"  - {line}" if self.trim == "end" else f"  {line}" for line in self.lines]
        if self.omitted:
            marker = f"  ({self.omitted} more omitted)"
            lines = lines + [marker] if self.trim == "end" else [marker] + lines
        return "\n".join([self.head] + lines)

    def drop(self):
        if self.trim == "end":
            self.lines.pop()
        else:
            self.lines.pop(0)
        self.omitted += 1


def fit(paragraphs, max_chars):
    """The paragraphs as one text of at most ``max_chars`` characters.

    While too long, the paragraph with the most item lines loses one (its oldest log line, its last event or
    task), marked ``(N more omitted)``; the text itself is cut as the last resort.
    """
    paragraphs = [paragraph for paragraph in paragraphs if paragraph is not None]

    def text():
        return "\n\n".join(paragraph.render() for paragraph in paragraphs)

    rendered = text()
    while len(rendered) > max_chars:
        longest = max(paragraphs, key=lambda paragraph: len(paragraph.lines), default=None)
        if longest is None or not longest.lines:
            break
        longest.drop()
        rendered = text()
    return clip(rendered, max_chars)


def service_head(name, cluster, service, missing=None):
    """The first line about the service: its status and task counts, or why it could not be read."""
    if not service:
        return f"ECS service {name} in cluster {cluster}: {missing or 'not found'}."
    return (f"ECS service {name} in cluster {cluster}: {service.get('status')}, {service.get('runningCount', 0)} of "
            f"{service.get('desiredCount', 0)} tasks running, {service.get('pendingCount', 0)} pending.")


def compose(name, cluster, service=None, missing=None, events=None, stopped_groups=None, stopped_total=0,
            targets=None, log_lines=None, log_source=None, notes=None, context=None, max_chars=4000):
    """The diagnostics message: context, service and deployments, stopped tasks, unhealthy targets, events, log lines, notes.

    ``targets`` is a list of ``(target_group_arn, entries)``; ``log_source`` says where ``log_lines`` come from.
    """
    paragraphs = []
    if context:
        paragraphs.append(Paragraph(mask(context).strip()))
    paragraphs.append(Paragraph(service_head(name, cluster, service, missing),
                                [deployment_line(d) for d in (service or {}).get("deployments") or []]))
    if stopped_groups:
        shown = sum(group[1] for group in stopped_groups)
        head = f"Stopped tasks (latest {shown}{f' of {stopped_total}' if stopped_total > shown else ''}), by reason:"
        paragraphs.append(Paragraph(head, [stopped_task_line(*group) for group in stopped_groups]))
    elif service:
        paragraphs.append(Paragraph("Stopped tasks: none found."))
    for arn, entries in targets or []:
        head, lines = target_paragraph(arn, entries)
        paragraphs.append(Paragraph(head, lines))
    if events:
        lines = [event["line"] + (f" (x{event['count']})" if event["count"] > 1 else "") for event in events]
        paragraphs.append(Paragraph("Service events, newest first:", lines))
    if log_lines:
        lines = [f"{line['_when']} {line['message']}" for line in log_lines]
        paragraphs.append(Paragraph(f"Last {len(log_lines)} log lines of {log_source}:", lines, trim="start"))
    if notes:
        paragraphs.append(Paragraph("Not available:", [mask(note) for note in notes]))
    return fit(paragraphs, max_chars)


def public_log_lines(entries):
    """The log lines without the message-only fields."""
    return [{key: value for key, value in entry.items() if not key.startswith("_")} for entry in entries]


def public_events(groups):
    """The event groups without the message-only fields."""
    return [{key: value for key, value in group.items() if key != "line"} for group in groups]
