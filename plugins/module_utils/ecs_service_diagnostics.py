# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Why an ECS service is not serving, as plain functions (no Ansible, no boto3 needed).

The module ``ecs_service_diagnostics`` reads the service, its stopped tasks, its target groups' target health
and the proxy's last log lines; the functions here reduce each of these to the documented result and choose the
sections of one compact failure text. The text itself is rendered by ``module_utils/ecs_report.py``, the renderer
the ``ecs_service`` module's failure message uses too: it shows only what is relevant (no healthy targets, repeated
events and stop reasons once with a count), masks anything that looks like a key, and never exceeds a length.
"""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import EVENTS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import LOG_LINES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import SECTIONS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import SERVICE
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import STOPPED_TASKS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import TARGETS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import Paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import events_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import log_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import render
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import service_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import stopped_tasks_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import targets_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import task_id
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import deployment_summary
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import short_task_definition

DEFAULT_CONTAINER = "litellm"
# The shortest max_chars that still leaves room for a head line.
MIN_MAX_CHARS = 200


def error_note(error):
    """The note for an ``AnsibleAWSError``: AWS's code and message (``AccessDeniedException: ...``), else its text."""
    details = (getattr(error.exception, "response", None) or {}).get("Error") or {}
    if details:
        return ": ".join(part for part in (details.get("Code"), details.get("Message")) if part) or "unknown error"
    return str(error.exception or error)


# --- the parts -----------------------------------------------------------------------------------------


def deployments_of(service):
    """The documented view of every deployment of the service."""
    return [deployment_summary(deployment) for deployment in (service or {}).get("deployments") or []]


def stopped_task_entry(task):
    """The documented view of one stopped task."""
    return {
        "task_arn": task.get("taskArn"),
        "task_id": task_id(task.get("taskArn")),
        "task_definition": short_task_definition(task.get("taskDefinitionArn")),
        "stopped_at": timestamp(task.get("stoppedAt")),
        "stopped_reason": task.get("stoppedReason"),
        "stop_code": task.get("stopCode"),
        "containers": [
            {"name": container.get("name"), "exit_code": container.get("exitCode"), "reason": container.get("reason"),
             "last_status": container.get("lastStatus")}
            for container in task.get("containers") or []
        ],
    }


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
    return [{"stream": stream, "timestamp": timestamp(event.get("timestamp")), "message": mask(event.get("message") or "").rstrip()}
            for event in ordered]


# --- the message ---------------------------------------------------------------------------------------


def compose(name, cluster, service=None, missing=None, events=None, stopped_tasks=None, stopped_task_limit=5,
            stopped_total=None, targets=None, log_lines=None, log_source=None, notes=None, context=None, max_chars=4000,
            sections=SECTIONS):
    """The diagnostics message: context, then the ``sections`` asked for, then notes, in ``ecs_report``'s wording.

    The sections, in this order: the service and its deployments, the latest ``stopped_task_limit`` of the stopped
    tasks by reason, the targets that are not healthy, the event groups, the log lines (``log_source`` says where they
    come from). ``targets`` is a list of ``(target_group_arn, entries)``.
    """
    paragraphs = []
    if context:
        paragraphs.append(Paragraph(context))
    if SERVICE in sections:
        paragraphs.append(service_paragraph(name, cluster, service, missing))
    if STOPPED_TASKS in sections and (service or stopped_tasks) and stopped_task_limit > 0:
        paragraphs.append(stopped_tasks_paragraph(stopped_tasks, stopped_task_limit, stopped_total))
    if TARGETS in sections:
        paragraphs.extend(targets_paragraph(arn, entries) for arn, entries in targets or [])
    if EVENTS in sections and events:
        paragraphs.append(events_paragraph(events))
    if LOG_LINES in sections and log_lines:
        paragraphs.append(log_paragraph(log_lines, log_source))
    if notes:
        paragraphs.append(Paragraph("Not available:", notes))
    return render(paragraphs, max_chars)
