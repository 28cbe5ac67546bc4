"""ecs_service_scaling module_utils: validation, normalisation with AWS's defaults, plans for present and absent."""

from __future__ import annotations

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import ecs_service_scaling as utils

RID = "service/litellm/proxy"
LABEL = "app/litellm/0123456789abcdef/targetgroup/litellm/fedcba9876543210"


def params(**extra):
    base = {"cluster": "litellm", "service": "proxy", "state": "present", "min_capacity": 1, "max_capacity": 4, "policies": None}
    base.update(extra)
    return base


def option(name="cpu", metric="cpu", target_value=70.0, **extra):
    item = {"name": name, "metric": metric, "target_value": target_value, "resource_label": None,
            "scale_in_cooldown": 300, "scale_out_cooldown": 60, "disable_scale_in": False}
    item.update(extra)
    return item


def aws_policy(name="cpu", metric_type="ECSServiceAverageCPUUtilization", target_value=70.0, policy_type="TargetTrackingScaling", **configuration):
    configuration = dict({"TargetValue": target_value, "PredefinedMetricSpecification": {"PredefinedMetricType": metric_type}}, **configuration)
    policy = {"PolicyName": name, "PolicyARN": f"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x:resource/ecs/{RID}:policyName/{name}",
              "ResourceId": RID, "PolicyType": policy_type}
    if policy_type == "TargetTrackingScaling":
        policy["TargetTrackingScalingPolicyConfiguration"] = configuration
    else:
        policy["StepScalingPolicyConfiguration"] = {"AdjustmentType": "ChangeInCapacity"}
    return policy


TARGET = {"resource_id": RID, "scalable_dimension": utils.DIMENSION, "min_capacity": 1, "max_capacity": 4}


# --- validation ------------------------------------------------------------------------------------------


def test_valid_options_pass():
    assert utils.validate(params(policies=[option(), option("req", "alb_requests", 1000, resource_label=LABEL)])) is None


@pytest.mark.parametrize("extra, words", [
    ({"min_capacity": 5, "max_capacity": 2}, ["min_capacity (5)", "max_capacity (2)"]),
    ({"min_capacity": -1}, ["min_capacity must be 0 or more"]),
    ({"max_capacity": None}, ["min_capacity and max_capacity are required"]),
    ({"policies": [option("req", "alb_requests", 1000)]}, ["policies[0] (req)", "alb_requests requires resource_label"]),
    ({"policies": [option("req", "alb_requests", 1000, resource_label="targetgroup/litellm/1")]}, ["resource_label 'targetgroup/litellm/1'"]),
    ({"policies": [option(resource_label=LABEL)]}, ["resource_label applies only to metric=alb_requests"]),
    ({"policies": [option(target_value=0)]}, ["target_value must be a number greater than 0"]),
    ({"policies": [option(scale_in_cooldown=-5)]}, ["scale_in_cooldown must be between 0"]),
    ({"policies": [option(), option(metric="memory")]}, ["given more than once: cpu"]),
    ({"cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/litellm"}, ["cluster must be the ECS cluster's name"]),
    ({"service": "a/b"}, ["service must be the ECS service's name"]),
])
def test_invalid_options_are_named(extra, words):
    with pytest.raises(utils.ScalingError) as error:
        utils.validate(params(**extra))
    for word in words:
        assert word in str(error.value)


def test_absent_needs_no_capacities():
    assert utils.validate(params(state="absent", min_capacity=None, max_capacity=None)) is None


def test_every_error_is_reported_at_once():
    with pytest.raises(utils.ScalingError) as error:
        utils.validate(params(min_capacity=5, max_capacity=2, policies=[option("req", "alb_requests", 1000)]))
    assert "min_capacity (5)" in str(error.value) and "resource_label" in str(error.value)


# --- normalisation -----------------------------------------------------------------------------------------


def test_aws_defaults_fill_in_what_the_policy_does_not_set():
    settings = utils.policy_settings(aws_policy(target_value=70))
    assert (settings["scale_in_cooldown"], settings["scale_out_cooldown"], settings["disable_scale_in"]) == (300, 300, False)
    assert settings["target_value"] == 70.0 and isinstance(settings["target_value"], float)
    assert settings["metric"] == "cpu"


def test_a_policy_without_cooldowns_equals_options_with_aws_defaults():
    wanted = utils.wanted_policy(option(target_value=70, scale_out_cooldown=300))
    assert utils.policy_differences(utils.policy_settings(aws_policy(target_value=70)), wanted) == []


def test_module_default_scale_out_cooldown_differs_from_aws_default():
    wanted = utils.wanted_policy(option())
    assert utils.policy_differences(utils.policy_settings(aws_policy()), wanted) == ["scale_out_cooldown"]


def test_integer_and_float_target_values_compare_equal():
    current = utils.policy_settings(aws_policy(target_value=70, ScaleInCooldown=300, ScaleOutCooldown=60))
    assert utils.policy_differences(current, utils.wanted_policy(option(target_value=70.0))) == []
    assert utils.policy_differences(current, utils.wanted_policy(option(target_value=70.5))) == ["target_value"]


def test_custom_metric_and_step_scaling_policies_never_equal_a_wanted_policy():
    custom = aws_policy()
    custom["TargetTrackingScalingPolicyConfiguration"] = {"TargetValue": 70.0, "CustomizedMetricSpecification": {"MetricName": "x"}}
    assert utils.policy_settings(custom)["metric_type"] == "custom"
    assert "metric_type" in utils.policy_differences(utils.policy_settings(custom), utils.wanted_policy(option()))
    step = utils.policy_settings(aws_policy(policy_type="StepScaling"))
    assert step["policy_type"] == "StepScaling" and step["target_value"] is None
    assert "policy_type" in utils.policy_differences(step, utils.wanted_policy(option()))


def test_put_request_shape():
    request = utils.put_request(RID, utils.wanted_policy(option("req", "alb_requests", 1000, resource_label=LABEL, disable_scale_in=True)))
    assert request == {
        "PolicyName": "req", "ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 1000.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": LABEL},
            "ScaleInCooldown": 300, "ScaleOutCooldown": 60, "DisableScaleIn": True,
        },
    }


def test_target_settings():
    assert utils.target_settings(None) == {}
    described = {"ResourceId": RID, "ScalableDimension": utils.DIMENSION, "MinCapacity": 1, "MaxCapacity": 4, "ServiceNamespace": "ecs"}
    assert utils.target_settings(described) == TARGET


# --- plans -------------------------------------------------------------------------------------------------


def current(*policies):
    return [utils.policy_settings(policy) for policy in policies]


def wanted(*options):
    return [utils.wanted_policy(item) for item in options]


def test_nothing_exists_registers_and_puts():
    plan = utils.plan_present(RID, {}, [], 1, 4, wanted(option(), option("memory", "memory", 80)), True)
    assert plan.changed
    assert plan.register == {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": utils.DIMENSION, "MinCapacity": 1, "MaxCapacity": 4}
    assert [request["PolicyName"] for request in plan.puts] == ["cpu", "memory"]
    assert plan.diff()["before"] == {"scalable_target": {}, "policies": {}}
    assert plan.diff()["after"]["policies"]["memory"]["target_value"] == 80.0
    assert plan.changes[0].startswith("register scalable target service/litellm/proxy")


def test_matching_state_plans_nothing():
    existing = current(aws_policy(ScaleInCooldown=300, ScaleOutCooldown=60, DisableScaleIn=False))
    plan = utils.plan_present(RID, TARGET, existing, 1, 4, wanted(option()), True)
    assert not plan.changed
    assert plan.changes == []
    assert plan.diff()["before"] == plan.diff()["after"]


def test_capacity_change_registers_again_only():
    existing = current(aws_policy(ScaleOutCooldown=60))
    plan = utils.plan_present(RID, TARGET, existing, 2, 4, wanted(option()), True)
    assert plan.register["MinCapacity"] == 2 and not plan.puts and not plan.deletes
    assert plan.changes == [f"update scalable target {RID}: min_capacity 1 -> 2, max_capacity 4 -> 4"]


def test_changed_policy_is_put_and_keeps_its_arn_in_the_prediction():
    existing = current(aws_policy(ScaleOutCooldown=60))
    plan = utils.plan_present(RID, TARGET, existing, 1, 4, wanted(option(target_value=60)), True)
    assert [request["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] for request in plan.puts] == [60.0]
    assert plan.changes == ["update policy cpu: target_value 70.0 -> 60.0"]
    assert plan.after_policies[0]["arn"] == existing[0]["arn"]


def test_purge_deletes_unlisted_target_tracking_but_not_step_scaling():
    existing = current(aws_policy(ScaleOutCooldown=60), aws_policy("old", "ECSServiceAverageMemoryUtilization", 50),
                       aws_policy("step", policy_type="StepScaling"))
    plan = utils.plan_present(RID, TARGET, existing, 1, 4, wanted(option()), True)
    assert [request["PolicyName"] for request in plan.deletes] == ["old"]
    assert [policy["name"] for policy in plan.after_policies] == ["cpu", "step"]


def test_without_purge_or_without_policies_nothing_is_deleted():
    existing = current(aws_policy(ScaleOutCooldown=60), aws_policy("old", "ECSServiceAverageMemoryUtilization", 50))
    assert not utils.plan_present(RID, TARGET, existing, 1, 4, wanted(option()), False).changed
    assert not utils.plan_present(RID, TARGET, existing, 1, 4, None, True).changed


def test_empty_policies_with_purge_deletes_every_target_tracking_policy():
    existing = current(aws_policy(), aws_policy("old", "ECSServiceAverageMemoryUtilization", 50))
    plan = utils.plan_present(RID, TARGET, existing, 1, 4, [], True)
    assert sorted(request["PolicyName"] for request in plan.deletes) == ["cpu", "old"]


def test_absent_deletes_every_policy_then_deregisters():
    existing = current(aws_policy(), aws_policy("step", policy_type="StepScaling"))
    plan = utils.plan_absent(RID, TARGET, existing)
    assert [request["PolicyName"] for request in plan.deletes] == ["cpu", "step"]
    assert plan.deregister == {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": utils.DIMENSION}
    assert plan.changes[-1] == f"deregister scalable target {RID} (ecs:service:DesiredCount)"
    assert plan.diff()["after"] == {"scalable_target": {}, "policies": {}}


def test_absent_when_nothing_exists_plans_nothing():
    plan = utils.plan_absent(RID, {}, [])
    assert not plan.changed and plan.changes == []
