# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one renderer of what explains a failing ECS service, as plain functions (no Ansible, no boto3 needed).

Two messages quote the same things: the ``ecs_service`` module's failure message after a rollout that did not
become steady (its verdict, the service events, the stopped tasks) and the ``ecs_service_diagnostics`` module's
message (the service and its deployments, the stopped tasks, the target health, the service events, the last log
lines). Both are built here, from the same functions, so each section reads the same in both, and a rescue that
prints both asks the diagnostics only for the sections the rollout's message did not render (``SECTIONS``,
``ROLLOUT_SECTIONS`` and the diagnostics' ``sections`` option): the combined text says nothing twice.

A report is a list of ``Paragraph`` - a head line and item lines - rendered by ``render``: paragraphs separated by
blank lines, every line masked (``text.mask``) and cut to ``LINE_CHARS``, times as ``text.timestamp`` writes them,
and, when a length is given, the longest paragraphs shortened first until the text fits.
"""

from __future__ import annotations

import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import short_task_definition

# The sections of a report, in the order the diagnostics render them.
SERVICE = "service"
STOPPED_TASKS = "stopped_tasks"
TARGETS = "targets"
EVENTS = "events"
LOG_LINES = "log_lines"
SECTIONS = (SERVICE, STOPPED_TASKS, TARGETS, EVENTS, LOG_LINES)
# What the ecs_service module's message after a rollout that did not become steady renders besides its verdict (which
# says what the service section would: the deployment and the task counts).
ROLLOUT_SECTIONS = (EVENTS, STOPPED_TASKS)

# How many event groups and stopped tasks a report shows, unless told otherwise.
EVENT_LIMIT = 10
STOPPED_TASK_LIMIT = 5
# The longest line a report shows (a log line or an event); the results keep them whole.
LINE_CHARS = 400
ELLIPSIS = "..."

# Task ids in event messages (32 hex digits on AWS, a UUID in the emulator): events that differ only there repeat.
_TASK_IDS = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b")


def task_id(arn):
    """``arn:...:task/cluster/abc`` -> ``abc`` (None without an ARN)."""
    return (arn or "").rsplit("/", 1)[-1] or None


def clip(text, limit=LINE_CHARS):
    """``text`` cut to ``limit`` characters, the cut marked with ``...``."""
    return text if len(text) <= limit else text[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


# --- paragraphs ------------------------------------------------------------------------------------------


class Paragraph:
    """A head line and its item lines (masked, cut); when the text is too long, items go first, from ``trim`` ("end"/"start")."""

    def __init__(self, head, lines=None, trim="end"):
        self.head = mask(head).strip()
        self.lines = [clip(mask(line)) for line in lines or []]
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


def render(paragraphs, max_chars=None):
    """The paragraphs (None ones left out) as one text, of at most ``max_chars`` characters when given.

    While too long, the paragraph with the most item lines loses one (its oldest log line, its last event or task),
    marked ``(N more omitted)``; the text itself is cut as the last resort.
    """
    paragraphs = [paragraph for paragraph in paragraphs if paragraph is not None]

    def text():
        return "\n\n".join(paragraph.render() for paragraph in paragraphs)

    rendered = text()
    if max_chars is None:
        return rendered
    while len(rendered) > max_chars:
        longest = max(paragraphs, key=lambda paragraph: len(paragraph.lines), default=None)
        if longest is None or not longest.lines:
            break
        longest.drop()
        rendered = text()
    return clip(rendered, max_chars)


# --- the service and its deployments -------------------------------------------------------------------


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


def service_paragraph(name, cluster, service, missing=None):
    """The service's status and task counts (or why it could not be read), and a line for each deployment."""
    if not service:
        return Paragraph(f"ECS service {name} in cluster {cluster}: {missing or 'not found'}.")
    head = (f"ECS service {name} in cluster {cluster}: {service.get('status')}, {service.get('runningCount', 0)} of "
            f"{service.get('desiredCount', 0)} tasks running, {service.get('pendingCount', 0)} pending.")
    return Paragraph(head, [deployment_line(deployment) for deployment in service.get("deployments") or []])


# --- service events ------------------------------------------------------------------------------------


def event_groups(events, limit=EVENT_LIMIT):
    """The service's events (newest first) with repeats folded: ``[{created_at, message, count}]``, at most ``limit``.

    Events whose messages differ only in task ids count as repeats; each group shows its newest event.
    """
    groups = {}
    for event in events or []:
        key = _TASK_IDS.sub("*", event.get("message") or "")
        if key in groups:
            groups[key]["count"] += 1
        else:
            groups[key] = {"created_at": timestamp(event.get("createdAt")), "message": event.get("message") or "", "count": 1}
    return list(groups.values())[:limit]


def events_paragraph(groups):
    """The event groups, newest first, one line each: ``<when> <message>``, and ``(xN)`` for a repeated one."""
    if not groups:
        return Paragraph("Service events: none.")
    lines = [f"{group['created_at'] or ''} {group['message']}".strip() + (f" (x{group['count']})" if group["count"] > 1 else "")
             for group in groups]
    return Paragraph("Service events, newest first:", lines)


# --- stopped tasks -------------------------------------------------------------------------------------


def newest_tasks(tasks, limit=STOPPED_TASK_LIMIT):
    """The ``limit`` tasks that stopped last, newest first."""
    return sorted(tasks or [], key=lambda task: str(timestamp(task.get("stoppedAt") or task.get("createdAt")) or ""), reverse=True)[:limit]


def stop_reason(task):
    """Why one task stopped: its reason and stop code, and each container's exit code and reason."""
    stop = task.get("stoppedReason") or "no reason given"
    if task.get("stopCode"):
        stop += f" [{task['stopCode']}]"
    containers = []
    for container in task.get("containers") or []:
        parts = []
        if container.get("exitCode") is not None:
            parts.append(f"exit code {container['exitCode']}")
        if container.get("reason"):
            parts.append(container["reason"])
        if parts:
            containers.append(f"container {container.get('name')}: {', '.join(parts)}")
    return stop + (f"; {'; '.join(containers)}" if containers else "")


def stopped_task_groups(tasks, limit=STOPPED_TASK_LIMIT):
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
    """One group of stopped tasks (or one task, ``count`` 1) as a line."""
    which = f"task {task_id(task.get('taskArn'))} ({short_task_definition(task.get('taskDefinitionArn'))})"
    when = timestamp(task.get("stoppedAt"))
    if count > 1:
        return f"{count} tasks: {reason} (latest: {which}{' at ' + when if when else ''})"
    return f"{which}{' stopped ' + when if when else ''}: {reason}"


def stopped_task_lines(tasks, limit=STOPPED_TASK_LIMIT):
    """Why each of the latest stopped tasks stopped, one line a task, newest first (for results)."""
    return [stopped_task_line(stop_reason(task), 1, task) for task in newest_tasks(tasks, limit)]


def stopped_tasks_paragraph(tasks, limit=STOPPED_TASK_LIMIT, total=None):
    """The latest ``limit`` of the stopped ``tasks``, each distinct reason once with a count; ``total`` tasks stopped in all."""
    groups = stopped_task_groups(tasks, limit)
    if not groups:
        return Paragraph("Stopped tasks: none found.")
    shown = sum(group[1] for group in groups)
    total = len(tasks) if total is None else total
    head = f"Stopped tasks (latest {shown}{f' of {total}' if total > shown else ''}), by reason:"
    return Paragraph(head, [stopped_task_line(*group) for group in groups])


# --- target health -------------------------------------------------------------------------------------


def target_group_name(arn):
    """``arn:...:targetgroup/name/0123abcd`` -> ``name``."""
    parts = (arn or "").split(":")[-1].split("/")
    return parts[1] if len(parts) >= 2 else (arn or "")


def targets_paragraph(target_group_arn, entries):
    """One target group: its targets that are not healthy, grouped by state and reason; healthy ones only counted.

    ``entries`` are the documented target entries (``state``, ``reason``, ``description``, ``id``, ``port``).
    """
    name = target_group_name(target_group_arn)
    if not entries:
        return Paragraph(f"Target group {name}: no targets registered (the tasks never registered, or were deregistered).")
    healthy = [entry for entry in entries if entry.get("state") == "healthy"]
    others = [entry for entry in entries if entry.get("state") != "healthy"]
    if not others:
        return Paragraph(f"Target group {name}: all {len(healthy)} targets healthy.")
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
    return Paragraph(head + (f", {len(healthy)} healthy:" if healthy else ":"), lines)


# --- log lines -----------------------------------------------------------------------------------------


def log_paragraph(lines, source):
    """The log lines (``{timestamp, message}``, oldest first) of ``source``; when too long, the oldest go first."""
    return Paragraph(f"Last {len(lines)} log lines of {source}:",
                     [f"{line.get('timestamp') or ''} {line.get('message') or ''}".strip() for line in lines], trim="start")
