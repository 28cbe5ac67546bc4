# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Application Auto Scaling of an ECS service's desired count, as plain functions (no Ansible, no boto3 needed).

The scalable target (``ecs:service:DesiredCount`` of ``service/<cluster>/<service>``) and its target-tracking
policies, as ``DescribeScalableTargets`` and ``DescribeScalingPolicies`` report them, are reduced to one
normalised shape (floats as floats, the cooldowns and ``DisableScaleIn`` AWS assumes when they are not set
filled in), so that equal settings compare equal whatever their spelling. A plan says which calls would make
AWS match the options - and nothing more - with a human-readable line for each, and the before/after views for
diff mode.
"""

from __future__ import annotations

import math
import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.specs import repeated

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
TARGET_TRACKING = "TargetTrackingScaling"

# The module's metric choices and the predefined metric types of Application Auto Scaling they stand for.
METRICS = {
    "cpu": "ECSServiceAverageCPUUtilization",
    "memory": "ECSServiceAverageMemoryUtilization",
    "alb_requests": "ALBRequestCountPerTarget",
}
METRIC_NAMES = {metric_type: name for name, metric_type in METRICS.items()}

# What Application Auto Scaling assumes for an ECS service when a policy does not set them
# (TargetTrackingScalingPolicyConfiguration, Application Auto Scaling API reference): 300 s both ways.
AWS_DEFAULT_SCALE_IN_COOLDOWN = 300
AWS_DEFAULT_SCALE_OUT_COOLDOWN = 300
MAX_COOLDOWN = 31536000  # one year, the API's upper bound

# ECS: "up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens".
ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
# app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>
RESOURCE_LABEL = re.compile(r"^app/[^/]+/[^/]+/targetgroup/[^/]+/[^/]+$")

# The settings of a policy that are compared, in the order a change line names them.
COMPARED = ("policy_type", "metric_type", "resource_label", "target_value", "scale_in_cooldown", "scale_out_cooldown", "disable_scale_in")


class ScalingError(ValueError):
    """Options the module cannot work with; the message names the options and says what to do."""


def resource_id(cluster, service):
    return f"service/{cluster}/{service}"


# --- validation (before any AWS call) -------------------------------------------------------------------


def _policy_errors(index, policy):
    name = policy.get("name") or f"#{index + 1}"
    where = f"policies[{index}] ({name})"
    errors = []
    metric = policy.get("metric")
    label = policy.get("resource_label")
    if metric == "alb_requests":
        if not label:
            errors.append(
                f"{where}: metric=alb_requests requires resource_label, the target group's label "
                f"app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id> "
                f"(the ends of the load balancer's and the target group's ARNs, joined with '/')."
            )
        elif not RESOURCE_LABEL.match(label):
            errors.append(
                f"{where}: resource_label {label!r} is not app/<load-balancer-name>/<load-balancer-id>/targetgroup/"
                f"<target-group-name>/<target-group-id>."
            )
    elif label:
        errors.append(f"{where}: resource_label applies only to metric=alb_requests, not to metric={metric}; remove it.")
    target_value = policy.get("target_value")
    if target_value is None or not math.isfinite(float(target_value)) or float(target_value) <= 0:
        errors.append(f"{where}: target_value must be a number greater than 0, got {target_value!r}.")
    for option in ("scale_in_cooldown", "scale_out_cooldown"):
        value = policy.get(option)
        if value is not None and not 0 <= value <= MAX_COOLDOWN:
            errors.append(f"{where}: {option} must be between 0 and {MAX_COOLDOWN} seconds, got {value}.")
    return errors


def validate(params):
    """Raise ScalingError naming every option that is wrong; return None when all are fine."""
    errors = []
    for option in ("cluster", "service"):
        if not ECS_NAME.match(params.get(option) or ""):
            errors.append(
                f"{option} must be the ECS {option}'s name (up to 255 letters, digits, '_' and '-'), not an ARN; "
                f"got {params.get(option)!r}."
            )
    if params.get("state", "present") == "present":
        low, high = params.get("min_capacity"), params.get("max_capacity")
        if low is None or high is None:
            errors.append("min_capacity and max_capacity are required with state=present.")
        else:
            if low < 0:
                errors.append(f"min_capacity must be 0 or more, got {low}.")
            if low > high:
                errors.append(f"min_capacity ({low}) must not be greater than max_capacity ({high}).")
        duplicates = repeated(policy.get("name") for policy in params.get("policies") or [])
        if duplicates:
            errors.append(f"policies names must be unique; given more than once: {', '.join(duplicates)}.")
        for index, policy in enumerate(params.get("policies") or []):
            errors.extend(_policy_errors(index, policy))
    if errors:
        raise ScalingError(" ".join(errors))


# --- normalised shapes ---------------------------------------------------------------------------------


def target_settings(target):
    """A ``DescribeScalableTargets`` entry -> ``{resource_id, scalable_dimension, min_capacity, max_capacity}``; {} when None."""
    if not target:
        return {}
    return {
        "resource_id": target["ResourceId"],
        "scalable_dimension": target.get("ScalableDimension", DIMENSION),
        "min_capacity": target.get("MinCapacity"),
        "max_capacity": target.get("MaxCapacity"),
    }


def policy_settings(policy):
    """A ``DescribeScalingPolicies`` entry -> the module's shape, AWS's defaults filled in (``arn`` included)."""
    settings = {
        "name": policy["PolicyName"],
        "arn": policy.get("PolicyARN"),
        "policy_type": policy.get("PolicyType"),
        "metric": None,
        "metric_type": None,
        "resource_label": None,
        "target_value": None,
        "scale_in_cooldown": None,
        "scale_out_cooldown": None,
        "disable_scale_in": None,
    }
    configuration = policy.get("TargetTrackingScalingPolicyConfiguration")
    if settings["policy_type"] != TARGET_TRACKING or configuration is None:
        return settings
    predefined = configuration.get("PredefinedMetricSpecification") or {}
    metric_type = predefined.get("PredefinedMetricType")
    target_value = configuration.get("TargetValue")
    settings.update(
        metric=METRIC_NAMES.get(metric_type),
        metric_type=metric_type if predefined else "custom",
        resource_label=predefined.get("ResourceLabel") or None,
        target_value=float(target_value) if target_value is not None else None,
        scale_in_cooldown=int(configuration.get("ScaleInCooldown", AWS_DEFAULT_SCALE_IN_COOLDOWN)),
        scale_out_cooldown=int(configuration.get("ScaleOutCooldown", AWS_DEFAULT_SCALE_OUT_COOLDOWN)),
        disable_scale_in=bool(configuration.get("DisableScaleIn", False)),
    )
    return settings


def wanted_policy(option):
    """One item of the ``policies`` option -> the module's shape (``arn`` unknown)."""
    scale_in = option.get("scale_in_cooldown")
    scale_out = option.get("scale_out_cooldown")
    return {
        "name": option["name"],
        "arn": None,
        "policy_type": TARGET_TRACKING,
        "metric": option["metric"],
        "metric_type": METRICS[option["metric"]],
        "resource_label": option.get("resource_label") or None,
        "target_value": float(option["target_value"]),
        "scale_in_cooldown": AWS_DEFAULT_SCALE_IN_COOLDOWN if scale_in is None else int(scale_in),
        "scale_out_cooldown": AWS_DEFAULT_SCALE_OUT_COOLDOWN if scale_out is None else int(scale_out),
        "disable_scale_in": bool(option.get("disable_scale_in")),
    }


def _same(key, current, wanted):
    if key == "target_value" and current is not None and wanted is not None:
        return math.isclose(float(current), float(wanted), rel_tol=1e-9, abs_tol=0.0)
    return current == wanted


def policy_differences(current, wanted):
    """The compared settings in which ``current`` differs from ``wanted`` (both in the module's shape)."""
    return [key for key in COMPARED if not _same(key, current.get(key), wanted.get(key))]


def put_request(rid, wanted):
    """The ``PutScalingPolicy`` arguments for a wanted policy."""
    metric = {"PredefinedMetricType": wanted["metric_type"]}
    if wanted["resource_label"]:
        metric["ResourceLabel"] = wanted["resource_label"]
    return {
        "PolicyName": wanted["name"],
        "ServiceNamespace": NAMESPACE,
        "ResourceId": rid,
        "ScalableDimension": DIMENSION,
        "PolicyType": TARGET_TRACKING,
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": wanted["target_value"],
            "PredefinedMetricSpecification": metric,
            "ScaleInCooldown": wanted["scale_in_cooldown"],
            "ScaleOutCooldown": wanted["scale_out_cooldown"],
            "DisableScaleIn": wanted["disable_scale_in"],
        },
    }


def register_request(rid, min_capacity, max_capacity):
    return {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": rid,
        "ScalableDimension": DIMENSION,
        "MinCapacity": min_capacity,
        "MaxCapacity": max_capacity,
    }


def delete_request(rid, name):
    return {"PolicyName": name, "ServiceNamespace": NAMESPACE, "ResourceId": rid, "ScalableDimension": DIMENSION}


def deregister_request(rid):
    return {"ServiceNamespace": NAMESPACE, "ResourceId": rid, "ScalableDimension": DIMENSION}


def _comparable(policy):
    """A policy without its ARN (which may change on update), for diff mode."""
    return {key: value for key, value in policy.items() if key not in ("name", "arn")}


def diff_view(target, policies):
    """The managed state for diff mode: the target's capacities and the policies by name."""
    return {
        "scalable_target": {key: target[key] for key in ("resource_id", "min_capacity", "max_capacity")} if target else {},
        "policies": {policy["name"]: _comparable(policy) for policy in policies},
    }


def _describe_policy(policy):
    if policy["policy_type"] != TARGET_TRACKING:
        return f"{policy['policy_type']} policy"
    label = f" of {policy['resource_label']}" if policy["resource_label"] else ""
    return f"{policy['metric_type']}{label} at {policy['target_value']}"


# --- plans ---------------------------------------------------------------------------------------------


class Plan:
    """What one run would do: the API requests in order, a line per action, and the state before and after."""

    def __init__(self, rid, target, policies):
        self.resource_id = rid
        self.before_target = target
        self.before_policies = sorted(policies, key=lambda policy: policy["name"])
        self.after_target = target
        self.after_policies = list(self.before_policies)
        self.register = None
        self.puts = []
        self.deletes = []
        self.deregister = None
        self.changes = []

    @property
    def changed(self):
        return bool(self.register or self.puts or self.deletes or self.deregister)

    def diff(self):
        return {"before": diff_view(self.before_target, self.before_policies), "after": diff_view(self.after_target, self.after_policies)}


def plan_present(rid, target, policies, min_capacity, max_capacity, wanted, purge):
    """The plan for ``state=present``.

    ``target`` and ``policies`` are in the module's shape (``target_settings``, ``policy_settings``); ``wanted`` is a
    list of ``wanted_policy`` items, or None when the policies are not managed.
    """
    plan = Plan(rid, target, policies)
    if not target:
        plan.register = register_request(rid, min_capacity, max_capacity)
        plan.after_target = {"resource_id": rid, "scalable_dimension": DIMENSION, "min_capacity": min_capacity, "max_capacity": max_capacity}
        plan.changes.append(f"register scalable target {rid} ({DIMENSION}) with min_capacity {min_capacity}, max_capacity {max_capacity}")
    elif (target["min_capacity"], target["max_capacity"]) != (min_capacity, max_capacity):
        plan.register = register_request(rid, min_capacity, max_capacity)
        plan.after_target = dict(target, min_capacity=min_capacity, max_capacity=max_capacity)
        plan.changes.append(
            f"update scalable target {rid}: min_capacity {target['min_capacity']} -> {min_capacity}, "
            f"max_capacity {target['max_capacity']} -> {max_capacity}"
        )
    if wanted is None:
        return plan

    current = {policy["name"]: policy for policy in policies}
    after = {}
    for policy in wanted:
        existing = current.get(policy["name"])
        if existing is None:
            plan.puts.append(put_request(rid, policy))
            plan.changes.append(f"create target-tracking policy {policy['name']} ({_describe_policy(policy)})")
            after[policy["name"]] = policy
            continue
        different = policy_differences(existing, policy)
        if different:
            plan.puts.append(put_request(rid, policy))
            details = ", ".join(f"{key} {existing.get(key)} -> {policy.get(key)}" for key in different)
            plan.changes.append(f"update policy {policy['name']}: {details}")
            after[policy["name"]] = dict(policy, arn=existing["arn"])
        else:
            after[policy["name"]] = existing
    wanted_names = {policy["name"] for policy in wanted}
    for policy in plan.before_policies:
        if policy["name"] in wanted_names:
            continue
        if purge and policy["policy_type"] == TARGET_TRACKING:
            plan.deletes.append(delete_request(rid, policy["name"]))
            plan.changes.append(f"delete target-tracking policy {policy['name']} ({_describe_policy(policy)}), not in policies")
        else:
            after[policy["name"]] = policy
    plan.after_policies = sorted(after.values(), key=lambda policy: policy["name"])
    return plan


def plan_absent(rid, target, policies):
    """The plan for ``state=absent``: delete every scaling policy of the resource, then deregister the target."""
    plan = Plan(rid, target, policies)
    for policy in plan.before_policies:
        plan.deletes.append(delete_request(rid, policy["name"]))
        plan.changes.append(f"delete {policy['policy_type'] or 'scaling'} policy {policy['name']}")
    if target:
        plan.deregister = deregister_request(rid)
        plan.changes.append(f"deregister scalable target {rid} ({DIMENSION})")
    plan.after_target = {}
    plan.after_policies = []
    return plan
