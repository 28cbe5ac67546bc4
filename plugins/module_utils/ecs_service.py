# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS service settings, comparison, requests and readiness, as plain functions (no Ansible, no boto3 needed).

A service description from ``DescribeServices`` is reduced to the settings the module manages, in one
normalised, snake_cased shape (sorted subnets and security groups, load balancers and capacity providers in
a stable order, ECS's defaults filled in), so that equal settings compare equal whatever their spelling.
The module's options are merged onto the current settings (an option that is not set keeps what the service
has), the differences become one ``UpdateService`` request, and a readiness judge tells a steady deployment
from one still rolling out and from one that failed.
"""

from __future__ import annotations

import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Verdict

# ECS's own defaults for a rolling-update (ECS controller) service (DeploymentConfiguration, API reference).
DEFAULT_DEPLOYMENT = {
    "minimum_healthy_percent": 100,
    "maximum_percent": 200,
    "deployment_circuit_breaker": {"enable": False, "rollback": False},
}

# The settings the module manages, in the order the diff shows them.
MANAGED = (
    "task_definition",
    "desired_count",
    "launch_type",
    "capacity_provider_strategy",
    "platform_version",
    "network_configuration",
    "load_balancers",
    "health_check_grace_period_seconds",
    "deployment_configuration",
    "enable_execute_command",
    "propagate_tags",
)

# How many events and stopped tasks a failure message and the result show.
EVENT_LIMIT = 10
STOPPED_TASK_LIMIT = 5


class ServiceError(ValueError):
    """A module input or an AWS state the module cannot work with; the message says what to do."""


# --- normalised settings ------------------------------------------------------------------------------


def network_settings(network):
    """``networkConfiguration`` -> ``{subnets, security_groups, assign_public_ip}`` (sorted); None when absent."""
    vpc = (network or {}).get("awsvpcConfiguration")
    if not vpc:
        return None
    return {
        "subnets": sorted(vpc.get("subnets") or []),
        "security_groups": sorted(vpc.get("securityGroups") or []),
        "assign_public_ip": vpc.get("assignPublicIp", "DISABLED") == "ENABLED",
    }


def strategy_settings(strategy):
    """``capacityProviderStrategy`` -> a list sorted by provider, weight and base 0 when absent; None when empty."""
    if not strategy:
        return None
    return sorted(
        (
            {
                "capacity_provider": item["capacityProvider"],
                "weight": item.get("weight") or 0,
                "base": item.get("base") or 0,
            }
            for item in strategy
        ),
        key=lambda item: item["capacity_provider"],
    )


def load_balancer_settings(load_balancers):
    """``loadBalancers`` -> a list of ``{target_group_arn, container_name, container_port}`` in a stable order."""
    items = [
        {
            "target_group_arn": item.get("targetGroupArn"),
            "container_name": item.get("containerName"),
            "container_port": item.get("containerPort"),
        }
        for item in load_balancers or []
    ]
    return sorted(items, key=lambda item: (str(item["target_group_arn"]), str(item["container_name"]), item["container_port"] or 0))


def deployment_settings(configuration):
    """``deploymentConfiguration`` -> the managed part of it, ECS's defaults filled in."""
    configuration = configuration or {}
    breaker = configuration.get("deploymentCircuitBreaker") or {}
    return {
        "minimum_healthy_percent": configuration.get("minimumHealthyPercent", DEFAULT_DEPLOYMENT["minimum_healthy_percent"]),
        "maximum_percent": configuration.get("maximumPercent", DEFAULT_DEPLOYMENT["maximum_percent"]),
        "deployment_circuit_breaker": {
            "enable": bool(breaker.get("enable", False)),
            "rollback": bool(breaker.get("rollback", False)),
        },
    }


def tag_dict(tags):
    """ECS's ``[{"key": k, "value": v}]`` -> ``{k: v}``."""
    return {tag["key"]: tag.get("value", "") for tag in tags or []}


def settings_of(service):
    """The managed settings of a ``DescribeServices`` service, normalised."""
    return {
        "task_definition": service.get("taskDefinition"),
        "desired_count": service.get("desiredCount"),
        "launch_type": service.get("launchType") or None,
        "capacity_provider_strategy": strategy_settings(service.get("capacityProviderStrategy")),
        "platform_version": service.get("platformVersion"),
        "network_configuration": network_settings(service.get("networkConfiguration")),
        "load_balancers": load_balancer_settings(service.get("loadBalancers")),
        "health_check_grace_period_seconds": service.get("healthCheckGracePeriodSeconds"),
        "deployment_configuration": deployment_settings(service.get("deploymentConfiguration")),
        "enable_execute_command": bool(service.get("enableExecuteCommand", False)),
        "propagate_tags": service.get("propagateTags") or "NONE",
    }


# --- what the options ask for ---------------------------------------------------------------------------


def _strategy_option(strategy):
    return sorted(
        (
            {"capacity_provider": item["capacity_provider"], "weight": item.get("weight") or 0, "base": item.get("base") or 0}
            for item in strategy
        ),
        key=lambda item: item["capacity_provider"],
    )


def _network_option(option, current):
    """The network settings ``option`` asks for; security groups and public IP not set keep their current values."""
    current = current or {}
    security_groups = option.get("security_groups")
    assign_public_ip = option.get("assign_public_ip")
    return {
        "subnets": sorted(set(option["subnets"])),
        "security_groups": sorted(set(security_groups)) if security_groups is not None else current.get("security_groups"),
        "assign_public_ip": bool(assign_public_ip) if assign_public_ip is not None else bool(current.get("assign_public_ip", False)),
    }


def _deployment_option(option, current):
    """The deployment configuration ``option`` asks for; what it does not set keeps its current value."""
    wanted = {
        "minimum_healthy_percent": current["minimum_healthy_percent"],
        "maximum_percent": current["maximum_percent"],
        "deployment_circuit_breaker": dict(current["deployment_circuit_breaker"]),
    }
    for key in ("minimum_healthy_percent", "maximum_percent"):
        if option.get(key) is not None:
            wanted[key] = option[key]
    breaker = option.get("deployment_circuit_breaker")
    if breaker is not None:
        wanted["deployment_circuit_breaker"] = {"enable": bool(breaker["enable"]), "rollback": bool(breaker.get("rollback"))}
    if wanted["maximum_percent"] < wanted["minimum_healthy_percent"]:
        raise ServiceError(
            f"deployment_configuration.maximum_percent ({wanted['maximum_percent']}) is below minimum_healthy_percent "
            f"({wanted['minimum_healthy_percent']}): ECS could not run a deployment. Raise maximum_percent or lower "
            f"minimum_healthy_percent.")
    return wanted


def creation_defaults(task_definition_arn):
    """The settings of a service created without any of the optional options (ECS's defaults, Fargate)."""
    return {
        "task_definition": task_definition_arn,
        "desired_count": 1,
        "launch_type": "FARGATE",
        "capacity_provider_strategy": None,
        "platform_version": None,
        "network_configuration": None,
        "load_balancers": [],
        "health_check_grace_period_seconds": None,
        "deployment_configuration": deployment_settings(None),
        "enable_execute_command": False,
        "propagate_tags": "NONE",
    }


def wanted_settings(params, task_definition_arn, current=None):
    """The settings the service should have: ``current`` (or the creation defaults) with every set option applied.

    ``params`` are the module's options; ``task_definition_arn`` is O(task_definition) resolved to its ARN.
    """
    wanted = dict(current) if current else creation_defaults(task_definition_arn)
    wanted["task_definition"] = task_definition_arn
    if params.get("desired_count") is not None and not (current and params.get("scaled_externally")):
        if params["desired_count"] < 0:
            raise ServiceError(f"desired_count must be 0 or more, got {params['desired_count']}.")
        wanted["desired_count"] = params["desired_count"]
    if params.get("launch_type"):
        wanted["launch_type"], wanted["capacity_provider_strategy"] = params["launch_type"], None
    if params.get("capacity_provider_strategy"):
        wanted["launch_type"], wanted["capacity_provider_strategy"] = None, _strategy_option(params["capacity_provider_strategy"])
    for key in ("platform_version", "health_check_grace_period_seconds", "enable_execute_command", "propagate_tags"):
        if params.get(key) is not None:
            wanted[key] = params[key]
    if params.get("network_configuration") is not None:
        if not params["network_configuration"].get("subnets"):
            raise ServiceError("network_configuration.subnets must name at least one subnet (Fargate tasks need awsvpc networking).")
        wanted["network_configuration"] = _network_option(params["network_configuration"], wanted["network_configuration"])
    if params.get("load_balancers") is not None:
        wanted["load_balancers"] = load_balancer_settings(
            [
                {"targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"], "containerPort": lb["container_port"]}
                for lb in params["load_balancers"]
            ]
        )
    if params.get("deployment_configuration") is not None:
        wanted["deployment_configuration"] = _deployment_option(params["deployment_configuration"], wanted["deployment_configuration"])
    return wanted


def differences(current, wanted):
    """The names of the managed settings that differ, in ``MANAGED`` order."""
    return [key for key in MANAGED if current.get(key) != wanted.get(key)]


def launch_conflict(name, current, wanted):
    """Why the service cannot get ``wanted`` in place (a message), or None.

    Switching between a launch type and a capacity provider strategy is refused: ECS allows only some of
    these transitions in place, each starts a new deployment onto other capacity, and the way back differs
    from the way there. The module leaves the decision (and the downtime of recreating) to the operator.
    """
    if current.get("launch_type") and wanted.get("capacity_provider_strategy"):
        there = f"capacity provider strategy {_strategy_text(wanted['capacity_provider_strategy'])}"
        here = f"launch type {current['launch_type']}"
    elif current.get("capacity_provider_strategy") and wanted.get("launch_type"):
        there = f"launch type {wanted['launch_type']}"
        here = f"capacity provider strategy {_strategy_text(current['capacity_provider_strategy'])}"
    elif current.get("launch_type") and wanted.get("launch_type") and current["launch_type"] != wanted["launch_type"]:
        return (
            f"The ECS service {name} runs with launch type {current['launch_type']}, and ECS cannot change the launch type "
            f"of a service (UpdateService has no launchType). Delete the service (state: absent) and run again to "
            f"recreate it with launch type {wanted['launch_type']} - its tasks stop meanwhile."
        )
    else:
        return None
    return (
        f"The ECS service {name} runs with {here}; this module does not switch a service to {there} in place. "
        f"Either keep the current setting (set launch_type or capacity_provider_strategy to match it, or leave both "
        f"unset), or delete the service (state: absent) and run again to recreate it - its tasks stop meanwhile."
    )


def _strategy_text(strategy):
    return ", ".join(f"{item['capacity_provider']} (weight {item['weight']}, base {item['base']})" for item in strategy)


# --- API requests ------------------------------------------------------------------------------------


def network_request(settings):
    vpc = {"subnets": list(settings["subnets"]), "assignPublicIp": "ENABLED" if settings["assign_public_ip"] else "DISABLED"}
    if settings.get("security_groups") is not None:
        vpc["securityGroups"] = list(settings["security_groups"])
    return {"awsvpcConfiguration": vpc}


def deployment_request(settings):
    breaker = settings["deployment_circuit_breaker"]
    return {
        "minimumHealthyPercent": settings["minimum_healthy_percent"],
        "maximumPercent": settings["maximum_percent"],
        "deploymentCircuitBreaker": {"enable": breaker["enable"], "rollback": breaker["rollback"]},
    }


def strategy_request(strategy):
    return [{"capacityProvider": item["capacity_provider"], "weight": item["weight"], "base": item["base"]} for item in strategy or []]


def load_balancers_request(load_balancers):
    return [
        {"targetGroupArn": item["target_group_arn"], "containerName": item["container_name"], "containerPort": item["container_port"]}
        for item in load_balancers
    ]


def create_request(name, cluster, wanted, tags):
    """The ``CreateService`` keyword arguments for the ``wanted`` settings and ``tags`` (a dict)."""
    request = {
        "cluster": cluster,
        "serviceName": name,
        "taskDefinition": wanted["task_definition"],
        "desiredCount": wanted["desired_count"],
        "deploymentConfiguration": deployment_request(wanted["deployment_configuration"]),
        "enableExecuteCommand": wanted["enable_execute_command"],
        "propagateTags": wanted["propagate_tags"],
        "schedulingStrategy": "REPLICA",
    }
    if wanted["capacity_provider_strategy"]:
        request["capacityProviderStrategy"] = strategy_request(wanted["capacity_provider_strategy"])
    else:
        request["launchType"] = wanted["launch_type"]
    if wanted["platform_version"] is not None:
        request["platformVersion"] = wanted["platform_version"]
    if wanted["network_configuration"] is not None:
        request["networkConfiguration"] = network_request(wanted["network_configuration"])
    if wanted["load_balancers"]:
        request["loadBalancers"] = load_balancers_request(wanted["load_balancers"])
    if wanted["health_check_grace_period_seconds"] is not None:
        request["healthCheckGracePeriodSeconds"] = wanted["health_check_grace_period_seconds"]
    if tags:
        request["tags"] = [{"key": key, "value": str(value)} for key, value in tags.items()]
    return request


def update_request(name, cluster, wanted, changed):
    """The ``UpdateService`` keyword arguments that give the service the ``changed`` settings of ``wanted``."""
    request = {"cluster": cluster, "service": name}
    simple = {
        "task_definition": "taskDefinition",
        "desired_count": "desiredCount",
        "platform_version": "platformVersion",
        "health_check_grace_period_seconds": "healthCheckGracePeriodSeconds",
        "enable_execute_command": "enableExecuteCommand",
        "propagate_tags": "propagateTags",
    }
    for key, api in simple.items():
        if key in changed:
            request[api] = wanted[key]
    if "network_configuration" in changed:
        request["networkConfiguration"] = network_request(wanted["network_configuration"])
    if "deployment_configuration" in changed:
        request["deploymentConfiguration"] = deployment_request(wanted["deployment_configuration"])
    if "load_balancers" in changed:
        request["loadBalancers"] = load_balancers_request(wanted["load_balancers"])  # [] removes them all
    if "capacity_provider_strategy" in changed:
        request["capacityProviderStrategy"] = strategy_request(wanted["capacity_provider_strategy"])
        request["forceNewDeployment"] = True  # ECS applies a new strategy only with a new deployment
    return request


# --- readiness ---------------------------------------------------------------------------------------


def primary_deployment(service):
    """The service's PRIMARY deployment (None when it has none)."""
    return next((d for d in (service or {}).get("deployments") or [] if d.get("status") == "PRIMARY"), None)


def short_task_definition(arn):
    """``arn:...:task-definition/family:3`` -> ``family:3``."""
    return (arn or "").rsplit("/", 1)[-1] or None


def steady_verdict(service, deployment_id=None):
    """Readiness judge: is the rollout of deployment ``deployment_id`` (default: the PRIMARY one) over?

    READY: the service is ACTIVE with exactly one deployment, that one, PRIMARY, its ``rolloutState``
    COMPLETED (when the API reports one), and as many tasks running as desired. FAILED (no point waiting):
    the service is gone or being deleted, the deployment's ``rolloutState`` is FAILED (the circuit breaker
    stopped it), or the deployment was replaced - a circuit-breaker rollback or another update made another
    deployment PRIMARY. WAITING otherwise, with what is still missing.
    """
    if not service:
        return Verdict(FAILED, "the service no longer exists")
    if service.get("status") != "ACTIVE":
        return Verdict(FAILED, f"the service is {service.get('status')} (being deleted)")
    deployments = service.get("deployments") or []
    primary = primary_deployment(service)
    ours = next((d for d in deployments if d.get("id") == deployment_id), None) if deployment_id else primary
    if ours is None:
        if primary is None:
            return Verdict(WAITING, "the service has no PRIMARY deployment yet")
        return Verdict(
            FAILED,
            f"deployment {deployment_id} is gone and {primary.get('id')} of {short_task_definition(primary.get('taskDefinition'))} "
            f"is PRIMARY instead (a circuit breaker rollback, or another update of the service)",
        )
    what = f"deployment {ours.get('id')} of {short_task_definition(ours.get('taskDefinition'))}"
    if ours.get("rolloutState") == "FAILED":
        return Verdict(FAILED, f"{what} failed: {ours.get('rolloutStateReason') or 'no reason given'}")
    if ours.get("status") != "PRIMARY":
        return Verdict(
            FAILED,
            f"{what} is {ours.get('status')}, and {primary.get('id') if primary else 'no deployment'} of "
            f"{short_task_definition((primary or {}).get('taskDefinition'))} is PRIMARY (a circuit breaker rollback, or "
            f"another update of the service)",
        )
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    tasks = f"{running} of {desired} tasks running, {service.get('pendingCount', 0)} pending"
    if len(deployments) != 1:
        others = ", ".join(f"{d.get('id')} ({d.get('status')})" for d in deployments if d is not ours)
        return Verdict(WAITING, f"{what} is rolling out; older deployments are still draining: {others}; {tasks}")
    if "rolloutState" in ours and ours["rolloutState"] != "COMPLETED":
        return Verdict(WAITING, f"{what} is {ours['rolloutState']}; {tasks}")
    if running != desired:
        return Verdict(WAITING, f"{what}: {tasks}")
    return Verdict(READY, f"{what} is steady: {tasks}")


def inactive_verdict(service):
    """Readiness judge for a deletion: the service is gone or INACTIVE."""
    if not service or service.get("status") == "INACTIVE":
        return Verdict(READY, "the service is INACTIVE")
    return Verdict(WAITING, f"the service is {service.get('status')}, {service.get('runningCount', 0)} tasks still running")


# --- results and messages ----------------------------------------------------------------------------


def _plain(value):
    """Datetimes as ISO 8601 strings, recursively (module results are JSON)."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def describe(service):
    """The documented, snake_cased view of a service (``{}`` for None); tags as a dict, the latest events only."""
    if not service:
        return {}
    service = dict(service)
    service.pop("ResponseMetadata", None)
    tags = tag_dict(service.pop("tags", None))
    service["events"] = (service.get("events") or [])[:EVENT_LIMIT]
    result = camel_dict_to_snake_dict(_plain(service))
    result["tags"] = tags
    return result


def deployment_summary(deployment):
    """The documented view of one deployment (``{}`` for None)."""
    if not deployment:
        return {}
    keys = ("id", "status", "taskDefinition", "rolloutState", "rolloutStateReason", "desiredCount", "runningCount",
            "pendingCount", "failedTasks", "createdAt", "updatedAt")
    return camel_dict_to_snake_dict(_plain({key: deployment[key] for key in keys if key in deployment}))


def diff_view(name, cluster, settings, tags):
    """What the diff shows of a service: its managed settings and tags."""
    view = {"name": name, "cluster": cluster}
    view.update({key: settings.get(key) for key in MANAGED})
    view["tags"] = dict(sorted((tags or {}).items()))
    return view


def when_text(value):
    """A datetime as ``YYYY-MM-DD HH:MM:SS`` (anything else as a string, None as ``""``)."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value or "")


def event_line(event):
    """One service event as ``<when> <message>``."""
    return f"{when_text(event.get('createdAt'))} {event.get('message', '')}".strip()


def event_lines(service, limit=EVENT_LIMIT):
    """The service's latest events, newest first, one line each."""
    return [event_line(event) for event in ((service or {}).get("events") or [])[:limit]]


def task_id(arn):
    """``arn:...:task/cluster/abc`` -> ``abc``."""
    return (arn or "").rsplit("/", 1)[-1]


def newest_tasks(tasks, limit=STOPPED_TASK_LIMIT):
    """The ``limit`` tasks that stopped last, newest first."""
    return sorted(tasks or [], key=lambda task: when_text(task.get("stoppedAt") or task.get("createdAt")), reverse=True)[:limit]


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


def stopped_task_lines(tasks, limit=STOPPED_TASK_LIMIT):
    """Why the latest stopped tasks stopped: reason, stop code, and each container's exit code and reason."""
    return [
        f"task {task_id(task.get('taskArn'))} ({short_task_definition(task.get('taskDefinitionArn'))}) stopped "
        f"{when_text(task.get('stoppedAt'))}: {stop_reason(task)}"
        for task in newest_tasks(tasks, limit)
    ]


def _sentence(text):
    return text if text.endswith(".") else text + "."


def failure_message(name, cluster, outcome, timeout, service, stopped_tasks):
    """Why the service is not steady, with its latest events and its stopped tasks' reasons, and what to do."""
    if outcome.state == FAILED:
        head = f"The ECS service {name} in cluster {cluster} will not reach a steady state: {outcome.reason}."
    else:
        head = (f"The ECS service {name} in cluster {cluster} did not reach a steady state within {timeout} s "
                f"(waited {outcome.elapsed:.0f} s): {outcome.reason}.")
    parts = [head]
    events = event_lines(service)
    parts.append(_sentence("Latest service events, newest first: " + (" | ".join(events) if events else "none")))
    stopped = stopped_task_lines(stopped_tasks)
    parts.append(_sentence("Stopped tasks: " + (" | ".join(stopped) if stopped else "none found")))
    advice = ("What to do: read the events and the stopped tasks' reasons above, and the containers' logs (the log "
              "configuration of the task definition); fix the task definition, image, secrets or health check and run again")
    if outcome.state != FAILED:
        advice += f", or raise wait_timeout (now {timeout}) if the service only needs longer to start"
    parts.append(advice + ".")
    return " ".join(parts)
