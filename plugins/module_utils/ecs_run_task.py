# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One-off ECS tasks: the RunTask request, the container that decides, and how a stopped task ended.

Plain functions (no Ansible, no boto3 needed): the module's options become one ``RunTask`` request, the task
definition tells which container's exit code decides success and where its log stream is, and a stopped task
(the waiter's ``task_stopped`` predicate tells it from one still running) is judged by that container's exit
code. The messages say what failed and what to do next.

Two guards make a run safe to repeat: ``exclusive`` waits (the collection's ``Waiter``, judging by ``family_idle``)
until no other task of the same family is left running, and ``once`` skips a revision whose own tag records a
success; ``success_record`` writes that record and ``recorded_success`` reads it back.
"""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import task_id
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import network_request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import strategy_request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import ECS_STOPPED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Verdict
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import short_task_definition

# RunTask startedBy: "Up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and
# underscores (_) are allowed" (Amazon ECS API reference, RunTask).
STARTED_BY = re.compile(r"^[A-Za-z0-9_/-]{1,128}$")
# ECS tag keys: "1-128 Unicode characters ... letters, numbers, and spaces representable in UTF-8, and the following
# characters: + - = . _ : / @"; the aws: prefix is reserved (Amazon ECS API reference, Tag).
TAG_KEY = re.compile(r"^[\w +=.:/@-]{1,128}$")
# The tag with which once records a success on the task definition revision that succeeded.
ONCE_TAG = "llmops:succeeded-at"
# ListTasks filters by one desired status at a time: RUNNING (pending and running tasks) and STOPPED (tasks told to
# stop, whose containers may still be running until they are STOPPED themselves).
DESIRED_STATUSES = ("RUNNING", "STOPPED")


class RunTaskError(ValueError):
    """A module input or a task definition the module cannot work with; the message says what to do."""


# --- the request ---------------------------------------------------------------------------------------


def run_request(params, task_definition_arn):
    """The ``RunTask`` keyword arguments (one task) for the module's options and the resolved task definition."""
    if not STARTED_BY.match(params["started_by"] or ""):
        raise RunTaskError(
            f"started_by {params['started_by']!r} is not a valid startedBy: ECS allows 1 to 128 letters, digits, hyphens (-), "
            f"forward slashes (/) and underscores (_). Change started_by."
        )
    request = {
        "cluster": params["cluster"],
        "taskDefinition": task_definition_arn,
        "count": 1,
        "startedBy": params["started_by"],
    }
    if params.get("capacity_provider_strategy"):
        request["capacityProviderStrategy"] = strategy_request(params["capacity_provider_strategy"])
    else:
        request["launchType"] = params.get("launch_type") or "FARGATE"
    network = params.get("network_configuration")
    if network is not None:
        if not network.get("subnets"):
            raise RunTaskError("network_configuration.subnets must name at least one subnet (Fargate tasks need awsvpc networking).")
        request["networkConfiguration"] = network_request(
            {
                "subnets": sorted(set(network["subnets"])),
                "security_groups": sorted(set(network["security_groups"])) if network.get("security_groups") is not None else None,
                "assign_public_ip": bool(network.get("assign_public_ip")),
            }
        )
    if params.get("overrides"):
        request["overrides"] = params["overrides"]
    if params.get("tags"):
        request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"], "key", "value")
    return request


def check_once_tag(key):
    """Refuse a ``once_tag`` ECS would refuse as a tag key, before anything runs."""
    if not TAG_KEY.match(key or "") or key.lower().startswith("aws:"):
        raise RunTaskError(
            f"once_tag {key!r} is not a valid ECS tag key: 1 to 128 letters, digits, spaces and + - = . _ : / @, not "
            f"starting with aws:. Change once_tag."
        )


# --- the task definition ---------------------------------------------------------------------------------


def decisive_container(task_definition, container_name=None):
    """The container definition whose exit code decides success.

    ``container_name`` when given (it must exist); otherwise the only container, or the only essential one (ECS
    counts a container as essential unless ``essential`` is false).
    """
    containers = task_definition.get("containerDefinitions") or []
    names = ", ".join(str(container.get("name")) for container in containers) or "none"
    family = f"{task_definition.get('family')}:{task_definition.get('revision')}"
    if container_name:
        found = next((container for container in containers if container.get("name") == container_name), None)
        if found is None:
            raise RunTaskError(
                f"The task definition {family} has no container named {container_name} (its containers: {names}). "
                f"Set container_name to the container whose exit code decides success."
            )
        return found
    if len(containers) == 1:
        return containers[0]
    essential = [container for container in containers if container.get("essential", True) is not False]
    if len(essential) == 1:
        return essential[0]
    raise RunTaskError(
        f"The task definition {family} has {len(essential)} essential containers ({names}); the module cannot tell whose "
        f"exit code decides success. Set container_name."
    )


def log_stream(container_definition, task_arn):
    """Where an ``awslogs`` container logs: ``{group, stream, region}``; None without awslogs or a stream prefix.

    ECS names the stream ``<prefix>/<container>/<task-id>`` (Amazon ECS Developer Guide, "Using the awslogs log
    driver"); without ``awslogs-stream-prefix`` (allowed on EC2 only) the stream name is not predictable.
    """
    configuration = (container_definition or {}).get("logConfiguration") or {}
    options = configuration.get("options") or {}
    if configuration.get("logDriver") != "awslogs" or not options.get("awslogs-group") or not options.get("awslogs-stream-prefix"):
        return None
    return {
        "group": options["awslogs-group"],
        "stream": f"{options['awslogs-stream-prefix']}/{container_definition.get('name')}/{task_id(task_arn)}",
        "region": options.get("awslogs-region"),
    }


def family_revision(task_definition):
    """``family:revision`` of a task definition description."""
    return f"{task_definition.get('family')}:{task_definition.get('revision')}"


# --- once per revision -----------------------------------------------------------------------------------


def success_record(when, revision):
    """The value of the ``once`` tag for a success at ``when`` (a datetime) of ``revision`` (``family:revision``).

    The revision is part of the value because a tag does not stay on its revision: a new revision can be registered
    with the tags of the latest one (as ``ecs_task_definition`` does without ``tags`` or with ``purge_tags=false``),
    and a record copied so must not pass for a success of the new revision.
    """
    return f"{timestamp(when)} {revision}"


def recorded_success(tags, key, revision):
    """When ``revision`` (``family:revision``) last succeeded, as its tag ``key`` records it; None without a record of its own.

    A value naming another revision (copied with the tags of an earlier one) or without a revision records nothing.
    """
    parts = str((tags or {}).get(key) or "").split()
    if len(parts) == 2 and parts[1] == revision:
        return parts[0]
    return None


# --- exclusive runs --------------------------------------------------------------------------------------


def family_of(task_definition_arn):
    """``arn:...:task-definition/family:3`` -> ``family``."""
    return (short_task_definition(task_definition_arn) or "").rsplit(":", 1)[0] or None


def still_running(tasks, family):
    """The tasks of ``family`` that are not STOPPED yet (pending, running or being stopped), oldest first."""
    found = [task for task in tasks or [] if task and task.get("lastStatus") != ECS_STOPPED
             and family_of(task.get("taskDefinitionArn")) == family]
    return sorted(found, key=lambda task: (timestamp(task.get("createdAt")) or "", task.get("taskArn") or ""))


def running_text(task):
    """One running task for a message: its ARN, revision, status, who started it and when."""
    created = timestamp(task.get("createdAt"))
    facts = [short_task_definition(task.get("taskDefinitionArn")), task.get("lastStatus"),
             f"started by {task['startedBy']}" if task.get("startedBy") else "no startedBy", f"created {created}" if created else None]
    return f"{task.get('taskArn')} ({', '.join(str(fact) for fact in facts if fact)})"


def family_idle(tasks):
    """No other task of a task definition family is left running (``tasks``: those ``still_running`` returned).

    A readiness predicate for ``Waiter``; READY or WAITING, never FAILED (a task that runs on ends by itself or is stopped).
    """
    if not tasks:
        return Verdict(READY, "no other task of the family is running")
    others = f" and {len(tasks) - 1} more" if len(tasks) > 1 else ""
    return Verdict(WAITING, f"{running_text(tasks[0])}{others} is still running")


def busy_message(tasks, family, cluster, timeout, elapsed):
    """Another task of the family still ran at the end of the budget: which, that nothing was started, what to do."""
    first = tasks[0]
    others = "; also " + "; ".join(running_text(task) for task in tasks[1:]) if len(tasks) > 1 else ""
    return (
        f"Another task of the task definition family {family} is still running in cluster {cluster}: {running_text(first)}"
        f"{others}. With exclusive the module waits until none is left; it waited {elapsed:.0f} s of wait_timeout "
        f"({timeout} s) and started no task. What to do: let that task finish and run again, raise wait_timeout if it "
        f"only needs longer, or, if it hangs, stop it with 'aws ecs stop-task --cluster {cluster} --task {task_id(first.get('taskArn'))}'."
    )


# --- judging ---------------------------------------------------------------------------------------------


def container_of(task, name):
    """The task's container called ``name`` (None when the task reports none)."""
    return next((container for container in (task or {}).get("containers") or [] if container.get("name") == name), None)


def _stop_text(task):
    text = task.get("stoppedReason") or "no reason given"
    if task.get("stopCode"):
        text += f" [stop code {task['stopCode']}]"
    return text


def _log_text(log):
    if not log:
        return "the container's logs (its task definition has no awslogs configuration with a stream prefix)"
    where = f" in region {log['region']}" if log.get("region") else ""
    return f"the container's log stream {log['stream']} in log group {log['group']}{where}"


def judge_stopped(task, container_name, log=None):
    """How a STOPPED task ended: ``(True, summary)`` when ``container_name`` exited 0, else ``(False, message)``."""
    ident = f"The one-off ECS task {task_id(task.get('taskArn'))} ({short_task_definition(task.get('taskDefinitionArn'))})"
    container = container_of(task, container_name)
    code = (container or {}).get("exitCode")
    reason = (container or {}).get("reason")
    if code == 0:
        return True, f"{ident} stopped and its container {container_name} exited with code 0."
    if code is None:
        detail = f" (container reason: {reason})" if reason else ""
        return False, (
            f"{ident} stopped before its container {container_name} ran to an exit code: {_stop_text(task)}{detail}. "
            f"The task failed to start or was stopped. What to do: fix what the reason names (an image that cannot be "
            f"pulled: its name, tag and the registry access of the execution role or network path; a secret that cannot "
            f"be read: the execution role's permissions) and run again."
        )
    detail = f" (container reason: {reason})" if reason else ""
    return False, (
        f"{ident} failed: its container {container_name} exited with code {code}{detail}; task stopped reason: "
        f"{_stop_text(task)}. What to do: read {_log_text(log)}, fix the cause and run again."
    )


def timeout_message(task, cluster, timeout, elapsed, reason, log=None):
    """The task did not stop within the budget: what it was doing, that it is left running, and how to stop it."""
    ident = task_id(task.get("taskArn"))
    return (
        f"The one-off ECS task {ident} ({short_task_definition(task.get('taskDefinitionArn'))}) in cluster {cluster} did "
        f"not stop within {timeout} s (waited {elapsed:.0f} s): {reason}. The task is left running and may still finish; "
        f"see {_log_text(log)}. Stop it with 'aws ecs stop-task --cluster {cluster} --task {ident}', or raise wait_timeout "
        f"(now {timeout}) if it only needs longer."
    )


def failures_message(failures, cluster, task_definition):
    """RunTask started no task: each failure's reason and resource, and what to do."""
    lines = []
    for failure in failures or []:
        text = failure.get("reason") or "no reason given"
        if failure.get("detail"):
            text += f" ({failure['detail']})"
        if failure.get("arn"):
            text += f" for {failure['arn']}"
        lines.append(text)
    return (
        f"RunTask started no task of {short_task_definition(task_definition)} in cluster {cluster}: "
        f"{'; '.join(lines) or 'no task and no failure returned'}. What to do: check that the cluster has capacity for the "
        f"launch type or capacity provider strategy (and that the providers are associated with it), that the subnets and "
        f"security groups exist, and run again."
    )


# --- results ---------------------------------------------------------------------------------------------


def describe_task(task):
    """The documented view of a task (``{}`` for None)."""
    if not task:
        return {}
    view = {
        "arn": task.get("taskArn"),
        "id": task_id(task.get("taskArn")),
        "task_definition": task.get("taskDefinitionArn"),
        "last_status": task.get("lastStatus"),
        "desired_status": task.get("desiredStatus"),
        "stopped_reason": task.get("stoppedReason") or None,
        "stop_code": task.get("stopCode"),
        "started_by": task.get("startedBy"),
        "created_at": timestamp(task.get("createdAt")),
        "stopped_at": timestamp(task.get("stoppedAt")),
        "containers": [
            {
                "name": container.get("name"),
                "last_status": container.get("lastStatus"),
                "exit_code": container.get("exitCode"),
                "reason": container.get("reason"),
            }
            for container in task.get("containers") or []
        ],
        "tags": read_tags(task.get("tags")),
    }
    return view
