#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_service_scaling
short_description: Scale an ECS service's desired count with Application Auto Scaling target-tracking policies
version_added: 0.1.0
description:
  - Registers the desired count of an Amazon ECS service (C(ecs:service:DesiredCount) of resource
    C(service/<cluster>/<service>)) as an Application Auto Scaling scalable target with a minimum and a maximum,
    and manages its target-tracking scaling policies on the service's average CPU or memory utilisation, or on
    the number of load balancer requests per target.
  - The scalable target is registered only when it does not exist or its O(min_capacity) or O(max_capacity)
    differ. A policy is put only when it does not exist or its settings differ from O(policies) after
    normalising both (numbers compared as numbers, the cooldowns and C(DisableScaleIn) AWS assumes when a policy
    does not set them filled in).
  - Unlike C(community.aws.application_autoscaling_policy), it makes no change at all in check mode, and
    O(state=absent) deletes the policies B(and) deregisters the scalable target.
author:
  - llmops maintainers (!UNKNOWN)
options:
  cluster:
    description:
      - Name (not ARN) of the ECS cluster the service runs in.
    type: str
    required: true
  service:
    description:
      - Name (not ARN) of the ECS service whose desired count is scaled.
      - The service must exist when the scalable target is registered; AWS refuses to register a missing service.
    type: str
    required: true
  state:
    description:
      - Whether the service is scaled by Application Auto Scaling.
      - V(absent) deletes every scaling policy of the service (target tracking and others) and deregisters the
        scalable target; the service keeps its current desired count.
    type: str
    choices: [present, absent]
    default: present
  min_capacity:
    description:
      - The least number of tasks Application Auto Scaling scales the service in to. 0 or more.
      - Required with O(state=present).
    type: int
  max_capacity:
    description:
      - The greatest number of tasks Application Auto Scaling scales the service out to. At least O(min_capacity).
      - Required with O(state=present).
    type: int
  policies:
    description:
      - The target-tracking scaling policies of the service, identified by O(policies[].name).
      - When not set, the service's policies are not managed (only the scalable target is). An empty list, with
        O(purge_policies=true), deletes every target-tracking policy of the service.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the policy, unique among the service's scaling policies.
        type: str
        required: true
      metric:
        description:
          - The predefined metric the policy keeps at O(policies[].target_value).
          - V(cpu) is C(ECSServiceAverageCPUUtilization) and V(memory) is C(ECSServiceAverageMemoryUtilization),
            both in percent of the service's reserved CPU or memory.
          - V(alb_requests) is C(ALBRequestCountPerTarget), the requests per minute each task of the service receives
            through a target group; it requires O(policies[].resource_label).
        type: str
        required: true
        choices: [cpu, memory, alb_requests]
      target_value:
        description:
          - The value of the metric the policy keeps the service at, greater than 0 (a percentage for V(cpu) and
            V(memory), requests per target for V(alb_requests)).
        type: float
        required: true
      resource_label:
        description:
          - Required with O(policies[].metric=alb_requests), and allowed only with it. Identifies the target group, as
            C(app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>) - the
            part after C(loadbalancer/) of the load balancer's ARN, C(/), and the part from C(targetgroup/) of the
            target group's ARN.
        type: str
      scale_in_cooldown:
        description:
          - Seconds after a scale-in before another scale-in may start.
          - The module's default; AWS's default for ECS services is also 300.
        type: int
        default: 300
      scale_out_cooldown:
        description:
          - Seconds after a scale-out during which a further scale-out needs a larger breach.
          - The module's default of 60 lets a service under load grow sooner than AWS's default for ECS services (300),
            which applies to policies that set no cooldown (for example ones created elsewhere) when they are compared.
        type: int
        default: 60
      disable_scale_in:
        description:
          - Whether the policy never scales in (another policy, or a person, then has to).
        type: bool
        default: false
  purge_policies:
    description:
      - Whether target-tracking policies of the service that O(policies) does not list are deleted.
      - Step scaling policies are never purged; O(state=absent) deletes them too.
      - Has no effect when O(policies) is not set.
    type: bool
    default: true
notes:
  - Requires C(application-autoscaling:DescribeScalableTargets), C(application-autoscaling:RegisterScalableTarget),
    C(application-autoscaling:DeregisterScalableTarget), C(application-autoscaling:DescribeScalingPolicies),
    C(application-autoscaling:PutScalingPolicy) and C(application-autoscaling:DeleteScalingPolicy); registering an ECS
    service also needs C(ecs:DescribeServices) and C(ecs:UpdateService), and target-tracking policies need
    C(cloudwatch:DescribeAlarms), C(cloudwatch:PutMetricAlarm) and C(cloudwatch:DeleteAlarms) for the alarms
    Application Auto Scaling creates for them.
  - The service-linked role C(AWSServiceRoleForApplicationAutoScaling_ECSService) is created by AWS on the first
    registration of an ECS service in the account; that registration needs C(iam:CreateServiceLinkedRole) (for
    C(ecs.application-autoscaling.amazonaws.com)). The module passes no role.
  - Application Auto Scaling changes the service's desired count; leave C(desired_count) unset in the module that
    manages the service (for example M(llmops.litellm_ecs.ecs_service)), or every run resets it.
  - In check mode only C(DescribeScalableTargets) and C(DescribeScalingPolicies) are called, so a service that does
    not exist yet is not noticed until a real run registers it.
seealso:
  - module: community.aws.application_autoscaling_policy
  - module: llmops.litellm_ecs.ecs_service
  - name: Target tracking scaling policies for Amazon ECS
    description: The Amazon ECS developer guide.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html
  - name: Service-linked roles for Application Auto Scaling
    description: Which role AWS creates on the first registration.
    link: https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description:
      - Only describes the scalable target and the policies, and reports in C(changed) and RV(changes) what a real run
        would do; nothing is registered, put, deleted or deregistered.
  diff_mode:
    support: full
    description:
      - Shows the scalable target's capacities and the policies' settings before and after.
  idempotent:
    support: full
    description:
      - A second run with the same options makes no call that changes anything and reports C(changed=false).
"""

EXAMPLES = r"""
- name: Two to ten LiteLLM tasks, kept at 70 % CPU and 80 % memory
  llmops.litellm_ecs.ecs_service_scaling:
    cluster: litellm
    service: litellm
    min_capacity: 2
    max_capacity: 10
    policies:
      - name: litellm-cpu
        metric: cpu
        target_value: 70
      - name: litellm-memory
        metric: memory
        target_value: 80
        scale_in_cooldown: 600

- name: Scale on requests per task through the ALB's target group
  llmops.litellm_ecs.ecs_service_scaling:
    cluster: litellm
    service: litellm
    min_capacity: 2
    max_capacity: 10
    policies:
      - name: litellm-requests
        metric: alb_requests
        target_value: 1000
        # app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>, built from the two ARNs
        resource_label: >-
          {{ (alb.load_balancer_arn.split(':loadbalancer/') | last) ~ '/'
             ~ (target_group.target_group_arn.split(':') | last) }}

- name: Change only the capacities, leaving the policies as they are
  llmops.litellm_ecs.ecs_service_scaling:
    cluster: litellm
    service: litellm
    min_capacity: 1
    max_capacity: 4

- name: Stop scaling the service (policies deleted, scalable target deregistered)
  llmops.litellm_ecs.ecs_service_scaling:
    cluster: litellm
    service: litellm
    state: absent
"""

RETURN = r"""
scalable_target:
  description:
    - The scalable target after the run; in check mode, as it would be. Empty when it does not exist (or would not).
  returned: always
  type: dict
  contains:
    resource_id:
      description: The Application Auto Scaling resource id of the service.
      type: str
      returned: when the target exists
      sample: service/litellm/litellm
    scalable_dimension:
      description: The scaled dimension.
      type: str
      returned: when the target exists
      sample: ecs:service:DesiredCount
    min_capacity:
      description: The least number of tasks.
      type: int
      returned: when the target exists
      sample: 2
    max_capacity:
      description: The greatest number of tasks.
      type: int
      returned: when the target exists
      sample: 10
policies:
  description:
    - The scaling policies of the service after the run, by name; in check mode, as they would be. Empty with
      O(state=absent).
    - Step scaling and customised-metric policies the module leaves alone are listed too, with only RV(policies[].name),
      RV(policies[].arn) and RV(policies[].policy_type) meaningful.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The policy's name.
      type: str
      returned: always
      sample: litellm-cpu
    arn:
      description: The policy's ARN; V(null) in check mode for a policy that would be created.
      type: str
      returned: always
      sample: "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:6d8972f3:resource/ecs/service/litellm/litellm:policyName/litellm-cpu"
    policy_type:
      description: C(TargetTrackingScaling) or C(StepScaling).
      type: str
      returned: always
      sample: TargetTrackingScaling
    metric:
      description: The module's name of the metric (V(cpu), V(memory), V(alb_requests)); V(null) for other metrics.
      type: str
      returned: always
      sample: cpu
    metric_type:
      description: The predefined metric type, C(custom) for a customised metric.
      type: str
      returned: always
      sample: ECSServiceAverageCPUUtilization
    resource_label:
      description: The target group label of an V(alb_requests) policy.
      type: str
      returned: always
      sample: app/litellm/0123456789abcdef/targetgroup/litellm/fedcba9876543210
    target_value:
      description: The value the policy keeps the metric at.
      type: float
      returned: always
      sample: 70.0
    scale_in_cooldown:
      description: Seconds between scale-ins (AWS's default filled in when the policy sets none).
      type: int
      returned: always
      sample: 300
    scale_out_cooldown:
      description: Seconds of scale-out cooldown (AWS's default filled in when the policy sets none).
      type: int
      returned: always
      sample: 60
    disable_scale_in:
      description: Whether the policy never scales in.
      type: bool
      returned: always
      sample: false
changes:
  description: What the run did (in check mode, would do), one line per API call that changes something.
  returned: always
  type: list
  elements: str
  sample:
    - "register scalable target service/litellm/litellm (ecs:service:DesiredCount) with min_capacity 2, max_capacity 10"
    - "update policy litellm-cpu: target_value 70.0 -> 60.0"
    - "delete target-tracking policy old-cpu (ECSServiceAverageCPUUtilization at 50.0), not in policies"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import DIMENSION
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import NAMESPACE
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import ScalingError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import plan_absent
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import plan_present
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import policy_settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import resource_id
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import target_settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import validate
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_scaling import wanted_policy
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error

MISSING = ("ObjectNotFoundException",)


class Scaling:
    """The Application Auto Scaling calls on one service; ``written`` tells a later failure that something was already changed."""

    def __init__(self, module, client):
        self.module, self.client = module, client
        self.cluster, self.service = module.params["cluster"], module.params["service"]
        self.resource_id = resource_id(self.cluster, self.service)
        self.written = False

    @AWSErrors.common_error_handler("describe the Application Auto Scaling target and policies of {self.resource_id}")
    def describe(self):
        """The scalable target and the scaling policies of the service, in the module's shape."""
        rid = self.resource_id
        targets = self.client.get_paginator("describe_scalable_targets").paginate(
            ServiceNamespace=NAMESPACE, ResourceIds=[rid], ScalableDimension=DIMENSION).build_full_result()["ScalableTargets"]
        policies = self.client.get_paginator("describe_scaling_policies").paginate(
            ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION).build_full_result()["ScalingPolicies"]
        target = next((item for item in targets if item.get("ResourceId") == rid), None)
        # Keep only this resource's policies: a filter on the resource id need not be an exact match.
        return target_settings(target), [policy_settings(policy) for policy in policies if policy.get("ResourceId") == rid]

    @AWSErrors.common_error_handler(
        "register {self.resource_id} as a scalable target. The ECS service {self.service} must exist and be ACTIVE in cluster "
        "{self.cluster} (create it first, or correct cluster and service), and the first registration in an account needs "
        "iam:CreateServiceLinkedRole")
    def register(self, request):
        self.client.register_scalable_target(**request)
        self.written = True

    @AWSErrors.common_error_handler("put the scaling policy {request[PolicyName]} of {self.resource_id}")
    def put_policy(self, request):
        self.client.put_scaling_policy(**request)
        self.written = True

    @AWSErrors.deletion_error_handler("delete the scaling policy {request[PolicyName]} of {self.resource_id}", missing=MISSING)
    def delete_policy(self, request):
        self.client.delete_scaling_policy(**request)
        self.written = True
        return True

    @AWSErrors.deletion_error_handler("deregister the scalable target {self.resource_id}", missing=MISSING)
    def deregister(self, request):
        self.client.deregister_scalable_target(**request)
        self.written = True
        return True

    def apply(self, plan):
        """Make the plan's calls, in order: register, put, delete, deregister (what is already gone is no error)."""
        if plan.register:
            self.register(plan.register)
        for request in plan.puts:
            self.put_policy(request)
        for request in plan.deletes:
            self.delete_policy(request)
        if plan.deregister:
            self.deregister(plan.deregister)

    def ensure(self):
        """The module's result: the plan for the options, made unless in check mode."""
        params = self.module.params
        target, policies = self.describe()
        if params["state"] == "absent":
            plan = plan_absent(self.resource_id, target, policies)
        else:
            wanted = None if params["policies"] is None else [wanted_policy(option) for option in params["policies"]]
            plan = plan_present(self.resource_id, target, policies, params["min_capacity"], params["max_capacity"], wanted,
                                params["purge_policies"])
        result = dict(changed=plan.changed, changes=plan.changes)
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = plan.diff()
        if plan.changed and not self.module.check_mode:
            self.apply(plan)
            target, policies = self.describe()
            result.update(scalable_target=target, policies=sorted(policies, key=lambda policy: policy["name"]))
        else:
            result.update(scalable_target=plan.after_target or {}, policies=plan.after_policies)
        return result


def main():
    policy = dict(
        name=dict(type="str", required=True),
        metric=dict(type="str", required=True, choices=["cpu", "memory", "alb_requests"]),
        target_value=dict(type="float", required=True),
        resource_label=dict(type="str"),
        scale_in_cooldown=dict(type="int", default=300),
        scale_out_cooldown=dict(type="int", default=60),
        disable_scale_in=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            service=dict(type="str", required=True),
            min_capacity=dict(type="int"),
            max_capacity=dict(type="int"),
            policies=dict(type="list", elements="dict", options=policy),
            purge_policies=dict(type="bool", default=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["min_capacity", "max_capacity"])],
        supports_check_mode=True,
    )
    try:
        validate(module.params)
    except ScalingError as e:
        module.fail_json(msg=str(e))

    scaling = Scaling(module, retries.client(module, "application-autoscaling"))
    try:
        module.exit_json(**scaling.ensure())
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", scaling.written)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
