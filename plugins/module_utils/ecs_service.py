# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS service settings, comparison, requests and readiness, as plain functions (no Ansible, no boto3 needed).

A service description from ``DescribeServices`` is reduced to the settings the module manages, in one
normalised, snake_cased shape (sorted subnets and security groups, load balancers and capacity providers in
a stable order, ECS's defaults filled in), so that equal settings compare equal whatever their spelling.
The module's options are merged onto the current settings (an option that is not set keeps what the service
has), the differences become one ``UpdateService`` request, and a rollout that does not become steady (the
waiter's ``service_steady`` predicate) is reported with ``module_utils/ecs_report.py``, the renderer the
``ecs_service_diagnostics`` module uses too.
"""

from __future__ import annotations

import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import EVENT_LIMIT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import STOPPED_TASK_LIMIT
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import Paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import event_groups
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import events_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import render
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import stopped_tasks_paragraph
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags

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
        request["tags"] = ansible_dict_to_boto3_tag_list(tags, "key", "value")
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


# --- results and messages ----------------------------------------------------------------------------


def _plain(value):
    """Datetimes as ``text.timestamp`` writes them, recursively (module results are JSON)."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return timestamp(value)
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
    tags = read_tags(service.pop("tags", None))
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


def failure_message(name, cluster, outcome, timeout, service, stopped_tasks):
    """Why the service is not steady: the verdict, its latest events and its stopped tasks' reasons, and what to do.

    The events and the stopped tasks are ``ecs_report``'s sections (``ROLLOUT_SECTIONS``), worded as the diagnostics
    word them, so the diagnostics a rescue adds can leave them out. ``stopped_tasks`` None (they could not be read)
    leaves their section out.
    """
    if outcome.state == FAILED:
        verdict = f"The ECS service {name} in cluster {cluster} will not reach a steady state: {outcome.reason}."
    else:
        verdict = (f"The ECS service {name} in cluster {cluster} did not reach a steady state within {timeout} s "
                   f"(waited {outcome.elapsed:.0f} s): {outcome.reason}.")
    advice = ("What to do: read the events and the stopped tasks' reasons above, and the containers' logs (the log "
              "configuration of the task definition); fix the task definition, image, secrets or health check and run again")
    if outcome.state != FAILED:
        advice += f", or raise wait_timeout (now {timeout}) if the service only needs longer to start"
    return render([
        Paragraph(verdict),
        events_paragraph(event_groups((service or {}).get("events"), EVENT_LIMIT)),
        stopped_tasks_paragraph(stopped_tasks, STOPPED_TASK_LIMIT) if stopped_tasks is not None else None,
        Paragraph(advice + "."),
    ])
