#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_service
short_description: Manage an Amazon ECS service on Fargate and wait until its deployment is steady
version_added: 0.1.0
description:
  - Creates, updates or deletes a replica ECS service with the rolling-update (C(ECS)) deployment controller,
    and waits until its deployment has reached a steady state.
  - The service is identified by O(name) within O(cluster). When it does not exist (or is C(INACTIVE)) it is
    created. When it exists, every setting the module manages is compared with what C(DescribeServices)
    reports, normalised (the order of subnets, security groups, load balancers and capacity providers does
    not matter, and ECS's defaults count as set), and one C(UpdateService) call changes all that differ -
    O(deployment_configuration) and O(network_configuration) included. Options that are not set are not
    managed and keep whatever the service has; in particular, without O(desired_count) the module leaves the
    count to Application Auto Scaling.
  - B(Settings that cannot change in place.) ECS cannot change the launch type of a service, and the module
    does not switch a service between a launch type and a capacity provider strategy (ECS allows only some of
    these transitions, each moves the tasks onto other capacity, and the way back differs). In both cases the
    module fails before changing anything and says so; delete the service (O(state=absent)) and run again to
    recreate it, accepting that its tasks stop meanwhile.
  - B(Waiting.) With O(wait=true) the module polls C(DescribeServices) until the deployment it started (or,
    when nothing changed, the current one) is steady - the service is C(ACTIVE), has exactly one deployment,
    that one is C(PRIMARY) with C(rolloutState=COMPLETED), and as many tasks run as are desired. It fails
    at once when the deployment fails (C(rolloutState=FAILED), set by the deployment circuit breaker) or is
    replaced (a circuit breaker rollback makes the previous task definition C(PRIMARY) again), and fails when
    O(wait_timeout) is spent. Its message then gives the verdict, the service's latest events (repeats once, with a
    count) and, for the service's latest stopped tasks, their stopped reason and their containers' exit codes and
    reasons (each distinct reason once, with a count). These are worded as M(llmops.litellm_ecs.ecs_service_diagnostics)
    words them (one renderer makes both messages), so a C(rescue) asks that module only for what this message does not
    say - the target health and the log lines - with its O(llmops.litellm_ecs.ecs_service_diagnostics#module:sections).
  - With O(state=absent) the service is scaled to 0 tasks, deleted, and (with O(wait=true)) waited for until
    it is C(INACTIVE).
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description:
      - Name of the service, unique within O(cluster).
    type: str
    required: true
  cluster:
    description:
      - Name or ARN of the ECS cluster the service runs in.
    type: str
    default: default
  state:
    description:
      - Whether the service should exist.
    type: str
    choices: [present, absent]
    default: present
  task_definition:
    description:
      - The task definition the service runs, as an ARN, as C(family:revision), or as a family alone (its latest
        C(ACTIVE) revision). The module resolves it to an ARN with C(DescribeTaskDefinition) and compares ARNs.
      - Required with O(state=present).
      - A new value starts a new deployment.
    type: str
  desired_count:
    description:
      - How many tasks the service keeps running.
      - When not set, a new service is created with one task, and an existing service keeps its current count
        (which Application Auto Scaling may be managing).
    type: int
  scaled_externally:
    description:
      - Whether Application Auto Scaling (or anything else) manages the count of an existing service. With V(true),
        O(desired_count) is used only when the service is created; an existing service keeps its current count, so a
        run does not undo the autoscaler's work.
    type: bool
    default: false
  launch_type:
    description:
      - The launch type of the service. Only C(FARGATE) is supported.
      - When neither O(launch_type) nor O(capacity_provider_strategy) is set, a new service uses C(FARGATE) and
        an existing one keeps what it has.
      - Cannot be changed on an existing service; see the description.
    type: str
    choices: [FARGATE]
  capacity_provider_strategy:
    description:
      - The capacity provider strategy of the service, instead of O(launch_type), for example C(FARGATE) and
        C(FARGATE_SPOT). The providers must be associated with the cluster.
      - Changing it starts a new deployment (C(forceNewDeployment)). Switching between a launch type and a
        strategy is refused; see the description.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Name of the capacity provider, for example C(FARGATE_SPOT).
        type: str
        required: true
      weight:
        description: Relative share of the tasks placed with this provider.
        type: int
        default: 0
      base:
        description: How many tasks, at least, run with this provider.
        type: int
        default: 0
  platform_version:
    description:
      - The Fargate platform version, for example C(LATEST) or C(1.4.0). When not set, ECS uses C(LATEST) for a
        new service and an existing service keeps its version.
    type: str
  network_configuration:
    description:
      - The awsvpc network configuration of the tasks. Fargate requires it for a new service.
      - Subnets and security groups are compared as sets. A change starts a new deployment.
    type: dict
    suboptions:
      subnets:
        description: IDs of the subnets the tasks are placed in.
        type: list
        elements: str
        required: true
      security_groups:
        description:
          - IDs (not names) of the security groups of the tasks' network interfaces.
          - When not set, a new service gets the VPC's default security group and an existing one keeps its groups.
        type: list
        elements: str
      assign_public_ip:
        description:
          - Whether the tasks get a public IP address (needed in a public subnet without a NAT gateway to pull
            images). When not set, a new service gets none and an existing one keeps its setting.
        type: bool
  load_balancers:
    description:
      - The target groups the service registers its tasks with. An empty list removes them all.
      - When not set, a new service has none and an existing one keeps its load balancers.
    type: list
    elements: dict
    suboptions:
      target_group_arn:
        description: ARN of the target group (its load balancer must have a listener forwarding to it).
        type: str
        required: true
      container_name:
        description: Name of the container, in the task definition, that receives the traffic.
        type: str
        required: true
      container_port:
        description: The container port that receives the traffic.
        type: int
        required: true
  health_check_grace_period_seconds:
    description:
      - How long ECS ignores failing load balancer health checks of a newly started task, in seconds. Give a
        slow-starting container (LiteLLM loading its configuration, say) enough time here.
    type: int
  deployment_configuration:
    description:
      - How a deployment replaces tasks. Suboptions that are not set keep the service's current value (for a new
        service, ECS's default).
    type: dict
    suboptions:
      minimum_healthy_percent:
        description: Lower limit, in percent of O(desired_count), of running healthy tasks during a deployment (ECS default 100).
        type: int
      maximum_percent:
        description: Upper limit, in percent of O(desired_count), of running or pending tasks during a deployment (ECS default 200).
        type: int
      deployment_circuit_breaker:
        description:
          - The deployment circuit breaker. When enabled, ECS marks a deployment whose tasks keep failing to start
            as failed (C(rolloutState=FAILED)), and the module stops waiting at once.
        type: dict
        suboptions:
          enable:
            description: Whether the circuit breaker watches deployments.
            type: bool
            required: true
          rollback:
            description: Whether ECS rolls a failed deployment back to the last completed one.
            type: bool
            default: false
  enable_execute_command:
    description:
      - Whether C(ECS Exec) (C(aws ecs execute-command)) is enabled for the tasks. The task role then needs the
        C(ssmmessages) permissions. Takes effect for tasks started afterwards.
    type: bool
  propagate_tags:
    description:
      - Whether tasks get the tags of the task definition, of the service, or none.
    type: str
    choices: [TASK_DEFINITION, SERVICE, NONE]
  wait:
    description:
      - Wait until the deployment is steady (O(state=present)) or the service is C(INACTIVE) (O(state=absent)).
      - With O(state=present) the module waits also when it changed nothing, so a run after an interrupted or
        failed rollout reports whether the service is healthy now.
      - Before a new service or a new task definition starts tasks, it also waits until every EFS file system the task
        definition mounts has its mount targets available (they take a minute or two on AWS, so they can be created
        without waiting and become available while the rest of a deployment goes on); a task started before would fail
        to mount the volume. This counts against O(wait_timeout) too.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds the module may wait in all, for every wait of one run together.
    type: int
    default: 600
  wait_sleep:
    description:
      - The longest pause between two polls while waiting, in seconds. Pauses start at one second and double up to it,
        so a quick change is seen within a second or two and a long one is polled at most this often.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module calls no API that changes anything (it only describes the service, its cluster
        and the task definition), reports what it would change, and does not wait.
  diff_mode:
    support: full
    description:
      - Reports the managed settings and the tags before and after.
  idempotent:
    support: full
    description:
      - A second run with the same options changes nothing.
notes:
  - Requires C(ecs:DescribeServices), C(ecs:DescribeTaskDefinition), C(ecs:CreateService), C(ecs:UpdateService),
    C(ecs:DeleteService), C(ecs:TagResource), C(ecs:UntagResource), and for the failure report C(ecs:ListTasks) and
    C(ecs:DescribeTasks). Passing the task roles needs C(iam:PassRole).
  - Tagging a service needs the account's long ARN format for services (the default for accounts since 2021).
  - The module manages replica services with the C(ECS) deployment controller; blue/green (C(CODE_DEPLOY)) and
    external deployments, service discovery, Service Connect and placement settings are not managed.
  - With O(state=present) the module fails, in check mode too, when the cluster or the task definition does not
    exist.
seealso:
  - module: community.aws.ecs_service
  - module: community.aws.ecs_taskdefinition
  - name: Amazon ECS services
    description: The Amazon ECS developer guide.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html
  - name: Deployment circuit breaker
    description: How ECS detects and rolls back failed deployments.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Run the LiteLLM proxy behind its target group and wait until it is steady
  llmops.litellm_ecs.ecs_service:
    name: litellm
    cluster: litellm
    task_definition: "{{ task_definition.taskdefinition.taskDefinitionArn }}"
    desired_count: 2
    launch_type: FARGATE
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ service_security_group_id }}"]
      assign_public_ip: false
    load_balancers:
      - target_group_arn: "{{ target_group.target_group_arn }}"
        container_name: litellm
        container_port: 4000
    health_check_grace_period_seconds: 120
    deployment_configuration:
      minimum_healthy_percent: 100
      maximum_percent: 200
      deployment_circuit_breaker:
        enable: true
        rollback: true
    propagate_tags: SERVICE
    tags:
      Project: litellm
    wait_timeout: 900
  register: litellm_service

- name: Show the deployment that is now running
  ansible.builtin.debug:
    msg: "{{ litellm_service.deployment.task_definition }} is {{ litellm_service.deployment.rollout_state }}"

- name: Run on Fargate Spot, at least one task on regular Fargate
  llmops.litellm_ecs.ecs_service:
    name: litellm-batch
    cluster: litellm
    task_definition: litellm:7
    capacity_provider_strategy:
      - capacity_provider: FARGATE
        base: 1
        weight: 1
      - capacity_provider: FARGATE_SPOT
        weight: 3
    network_configuration:
      subnets: "{{ private_subnet_ids }}"

- name: Delete the service (scaled to 0 first), waiting until it is INACTIVE
  llmops.litellm_ecs.ecs_service:
    name: litellm
    cluster: litellm
    state: absent
"""

RETURN = r"""
service:
  description:
    - The service as C(DescribeServices) reports it, snake_cased, with its tags as a dict and only its latest ten
      events. Empty when O(state=absent), and in check mode when the service would be created. In check mode an
      existing service is shown as it is, before the changes.
  returned: always
  type: dict
  contains:
    service_name:
      description: The service's name.
      type: str
      returned: when the service exists
      sample: litellm
    service_arn:
      description: The service's ARN.
      type: str
      returned: when the service exists
      sample: arn:aws:ecs:us-east-1:123456789012:service/litellm/litellm
    cluster_arn:
      description: ARN of the cluster.
      type: str
      returned: when the service exists
      sample: arn:aws:ecs:us-east-1:123456789012:cluster/litellm
    status:
      description: C(ACTIVE), C(DRAINING) or C(INACTIVE).
      type: str
      returned: when the service exists
      sample: ACTIVE
    task_definition:
      description: ARN of the task definition the service runs.
      type: str
      returned: when the service exists
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7
    desired_count:
      description: How many tasks the service keeps running.
      type: int
      returned: when the service exists
      sample: 2
    running_count:
      description: How many tasks are running.
      type: int
      returned: when the service exists
      sample: 2
    pending_count:
      description: How many tasks are starting.
      type: int
      returned: when the service exists
      sample: 0
    launch_type:
      description: The launch type; absent when the service uses a capacity provider strategy.
      type: str
      returned: when the service uses a launch type
      sample: FARGATE
    capacity_provider_strategy:
      description: The capacity provider strategy.
      type: list
      elements: dict
      returned: when the service uses one
      sample: [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    platform_version:
      description: The Fargate platform version.
      type: str
      returned: when the service exists and ECS reports it
      sample: LATEST
    network_configuration:
      description: The awsvpc network configuration.
      type: dict
      returned: when the service has one
      sample: {"awsvpc_configuration": {"subnets": ["subnet-0123"], "security_groups": ["sg-0123"], "assign_public_ip": "DISABLED"}}
    load_balancers:
      description: The target groups the tasks are registered with.
      type: list
      elements: dict
      returned: when the service exists
      sample: [{"target_group_arn": "arn:aws:elasticloadbalancing:...", "container_name": "litellm", "container_port": 4000}]
    health_check_grace_period_seconds:
      description: The health check grace period, in seconds.
      type: int
      returned: when set
      sample: 120
    deployment_configuration:
      description: The deployment configuration.
      type: dict
      returned: when the service exists
      sample: {"minimum_healthy_percent": 100, "maximum_percent": 200, "deployment_circuit_breaker": {"enable": true, "rollback": true}}
    deployments:
      description: The service's deployments; one, C(PRIMARY), once the service is steady.
      type: list
      elements: dict
      returned: when the service exists
    events:
      description: The latest ten service events, newest first.
      type: list
      elements: dict
      returned: when the service exists
      sample: [{"id": "a1b2", "created_at": "2025-01-01T12:00:00Z", "message": "(service litellm) has reached a steady state."}]
    enable_execute_command:
      description: Whether ECS Exec is enabled.
      type: bool
      returned: when the service exists
      sample: false
    propagate_tags:
      description: Where tasks get their tags from.
      type: str
      returned: when the service exists
      sample: SERVICE
    tags:
      description: The service's tags.
      type: dict
      returned: when the service exists
      sample: {"Project": "litellm"}
deployment:
  description:
    - The deployment the module waited for - the one it started, or the current C(PRIMARY) one when it changed
      nothing. Empty when O(state=absent) and when no service exists.
  returned: always
  type: dict
  contains:
    id:
      description: The deployment's ID.
      type: str
      returned: when there is a deployment
      sample: ecs-svc/1234567890123456789
    status:
      description: C(PRIMARY) for the newest deployment, C(ACTIVE) for one being replaced.
      type: str
      returned: when there is a deployment
      sample: PRIMARY
    task_definition:
      description: ARN of the task definition the deployment runs.
      type: str
      returned: when there is a deployment
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7
    rollout_state:
      description: C(COMPLETED), C(IN_PROGRESS) or C(FAILED).
      type: str
      returned: when ECS reports it
      sample: COMPLETED
    rollout_state_reason:
      description: Why the deployment is in its rollout state.
      type: str
      returned: when ECS reports it
      sample: ECS deployment ecs-svc/1234567890123456789 completed.
    desired_count:
      description: How many tasks the deployment should run.
      type: int
      returned: when there is a deployment
      sample: 2
    running_count:
      description: How many of its tasks run.
      type: int
      returned: when there is a deployment
      sample: 2
    pending_count:
      description: How many of its tasks are starting.
      type: int
      returned: when there is a deployment
      sample: 0
    failed_tasks:
      description: How many of its tasks failed to start.
      type: int
      returned: when ECS reports it
      sample: 0
stopped_tasks:
  description:
    - When the service did not become steady, why its latest stopped tasks stopped (one line each, with the
      containers' exit codes and reasons). The failure message has the same reasons, each distinct one once.
    - Returned only with the failure message that renders the service events and the stopped tasks, so a C(rescue)
      can tell whether to ask M(llmops.litellm_ecs.ecs_service_diagnostics) for them again.
  returned: on failure to reach a steady state
  type: list
  elements: str
  sample:
    - "task 0a1b2c (litellm:7) stopped 2025-01-01T12:00:00Z: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1"
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import stopped_task_lines
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import ServiceError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import create_request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import deployment_summary
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import describe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import diff_view
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import differences
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import failure_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import launch_conflict
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import settings_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import update_request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import wanted_settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import primary_deployment
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import waiter_for
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off


class ServiceManager:
    """One run of the module: the ECS client, the options, and the time budget of every wait."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.cluster = module.params["cluster"]
        self.client = retries.client(module, "ecs")
        self.budget = Budget(module.params["wait_timeout"], clock=time.monotonic)

    # --- reading -------------------------------------------------------------------------------------

    def missing_cluster(self):
        self.module.fail_json(
            msg=(
                f"The ECS cluster {self.cluster} does not exist in region {self.module.region}. Create it first (for "
                f"example with llmops.litellm_ecs.ecs_cluster), or correct cluster and region."
            ),
        )

    @AWSErrors.common_error_handler("describe the ECS service {self.name} in cluster {self.cluster}")
    def get(self):
        """The service (with its tags), or None when it does not exist or is INACTIVE."""
        try:
            found = self.client.describe_services(cluster=self.cluster, services=[self.name], include=["TAGS"])
        except is_boto3_error_code("ClusterNotFoundException"):
            if self.params["state"] == "absent":
                return None
            self.missing_cluster()
        services = [service for service in found.get("services") or [] if service.get("status") != "INACTIVE"]
        return services[0] if services else None

    @AWSErrors.common_error_handler("describe the task definition {task_definition}")
    def resolve_task_definition(self, task_definition):
        """The task definition ``task_definition`` names (ARN, family:revision or family), as DescribeTaskDefinition gives it."""
        try:
            found = self.client.describe_task_definition(taskDefinition=task_definition)
        except is_boto3_error_code("ClientException"):
            self.module.fail_json(
                msg=(
                    f"The task definition {task_definition} does not exist in region {self.module.region}. Register it first "
                    f"(for example with community.aws.ecs_taskdefinition), or correct task_definition (an ARN, family:revision "
                    f"or a family)."
                ),
            )
        return found["taskDefinition"]

    @AWSErrors.common_error_handler("list the stopped tasks of the ECS service {self.name}")
    def read_stopped_tasks(self):
        arns = self.client.list_tasks(cluster=self.cluster, serviceName=self.name, desiredStatus="STOPPED", maxResults=100)["taskArns"]
        if not arns:
            return []
        return self.client.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"]

    def stopped_tasks(self):
        """The service's stopped tasks, described; None when they could not be read (a failure here must not hide the real one)."""
        try:
            return self.read_stopped_tasks()
        except AnsibleAWSError as e:
            self.module.warn(f"{e}; the failure report leaves them out.")
            return None

    # --- waiting -------------------------------------------------------------------------------------

    def wait(self, predicate, **arguments):
        waiter = waiter_for(predicate, self.get, check_mode=self.module.check_mode, clock=time.monotonic, sleep=time.sleep, **arguments)
        return waiter.wait(timeout=self.budget.remaining(), **backing_off(self.params["wait_sleep"]))

    def wait_for_mount_targets(self, definition):
        """Tasks mount their EFS volumes as they start: wait until each file system has its mount targets available."""
        file_systems = sorted({volume["efsVolumeConfiguration"]["fileSystemId"] for volume in definition.get("volumes") or []
                               if volume.get("efsVolumeConfiguration")})
        if not file_systems:
            return
        efs = retries.client(self.module, "efs")
        for file_system in file_systems:
            outcome = waiter_for("mount_targets_available", lambda file_system=file_system: self.mount_targets(efs, file_system),
                                 check_mode=self.module.check_mode, clock=time.monotonic, sleep=time.sleep).wait(
                timeout=self.budget.remaining(), **backing_off(self.params["wait_sleep"]))
            if not outcome.ready:
                self.module.fail_json(
                    msg=(f"The EFS file system {file_system}, which the task definition {definition['taskDefinitionArn']} mounts, has no "
                         f"available mount targets after {outcome.elapsed:.0f} s ({outcome.reason}); tasks started now could not mount "
                         f"it. Nothing was changed in the ECS service {self.name}. Check the file system's mount targets, then run again, "
                         f"or raise wait_timeout (now {self.params['wait_timeout']})."),
                    changed=self.changed,
                )

    @AWSErrors.common_error_handler("describe the mount targets of {file_system}, which the task definition mounts")
    def mount_targets(self, efs, file_system):
        return efs.describe_mount_targets(FileSystemId=file_system)["MountTargets"]

    def wait_steady(self, deployment_id):
        outcome = self.wait("service_steady", deployment_id=deployment_id)
        if outcome.ready:
            return outcome.value
        service = outcome.value
        tasks = self.stopped_tasks()
        deployment = next((d for d in (service or {}).get("deployments") or [] if d.get("id") == deployment_id), None)
        report = dict(service=describe(service), deployment=deployment_summary(deployment or primary_deployment(service)))
        if tasks is not None:
            # Only what was read: without it a rescue asks the diagnostics for the stopped tasks again.
            report["stopped_tasks"] = stopped_task_lines(tasks)
        self.module.fail_json(
            msg=failure_message(self.name, self.cluster, outcome, self.params["wait_timeout"], service, tasks),
            changed=self.changed,
            **report,
        )
        return None

    def wait_inactive(self, what):
        outcome = self.wait("service_inactive")
        if not outcome.ready:
            self.module.fail_json(
                msg=(
                    f"The ECS service {self.name} in cluster {self.cluster} {what} but is not INACTIVE after "
                    f"{outcome.elapsed:.0f} s: {outcome.reason}. Its tasks are still stopping; run again later, or raise "
                    f"wait_timeout (now {self.params['wait_timeout']})."
                ),
                changed=self.changed,
                service=describe(outcome.value),
            )

    # --- changing ------------------------------------------------------------------------------------

    # Whether a call that changes the service has gone through: a failure after it reports changed=true.
    changed = False

    @AWSErrors.common_error_handler("create the ECS service {self.name} in cluster {self.cluster}")
    def create(self, wanted, tags):
        request = create_request(self.name, self.cluster, wanted, tags)
        # One token for every retry of this call: ECS then creates one service, not fail on the second attempt.
        request["clientToken"] = str(uuid.uuid4())
        service = self.client.create_service(**request)["service"]
        self.changed = True
        return service

    @AWSErrors.common_error_handler("update the ECS service {self.name} in cluster {self.cluster}")
    def update(self, request):
        service = self.client.update_service(**request)["service"]
        self.changed = True
        return service

    @AWSErrors.common_error_handler("update the tags of the ECS service {self.name}")
    def update_tags(self, arn, tags):
        if tags.to_unset:
            self.client.untag_resource(resourceArn=arn, tagKeys=list(tags.to_unset))
            self.changed = True
        if tags.to_set:
            self.client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags.to_set, "key", "value"))
            self.changed = True

    @AWSErrors.deletion_error_handler("delete the ECS service {self.name} in cluster {self.cluster}", missing=("ServiceNotFoundException",))
    def delete(self, service):
        if service.get("desiredCount", 0) > 0:
            self.client.update_service(cluster=self.cluster, service=self.name, desiredCount=0)
            self.changed = True
        self.client.delete_service(cluster=self.cluster, service=self.name)
        self.changed = True
        return True

    # --- the two states ------------------------------------------------------------------------------

    def absent(self):
        existing = self.get()
        result = dict(changed=False, service={}, deployment={})
        if self.module._diff:
            before = diff_view(self.name, self.cluster, settings_of(existing), read_tags(existing.get("tags"))) if existing else {}
            result["diff"] = dict(before=before, after={})
        if existing and existing.get("status") == "ACTIVE":
            result["changed"] = True
            if not self.module.check_mode:
                self.delete(existing)
                if self.params["wait"]:
                    self.wait_inactive("was deleted")
        elif existing and self.params["wait"] and not self.module.check_mode:
            self.wait_inactive("is being deleted")
        self.module.exit_json(**result)

    def present(self):
        params = self.params
        definition = self.resolve_task_definition(params["task_definition"])
        task_definition = definition["taskDefinitionArn"]
        existing = self.get()
        if existing and existing.get("status") != "ACTIVE" and not self.module.check_mode:
            # DRAINING: a deleted service whose tasks are still stopping. ECS creates a service of the same name
            # only once it is INACTIVE.
            if not params["wait"]:
                self.module.fail_json(
                    msg=(
                        f"The ECS service {self.name} is {existing.get('status')}: it was deleted and its tasks are still "
                        f"stopping, and ECS creates a service of that name only once it is INACTIVE. Run again later, or "
                        f"with wait: true."
                    ),
                )
            self.wait_inactive("is being deleted")
            existing = None
        if existing and existing.get("status") != "ACTIVE":
            existing = None  # check mode: it would be created once it is gone

        current = settings_of(existing) if existing else None
        try:
            wanted = wanted_settings(params, task_definition, current)
        except ServiceError as e:
            self.module.fail_json(msg=str(e))
        if existing:
            conflict = launch_conflict(self.name, current, wanted)
            if conflict:
                self.module.fail_json(msg=conflict)

        current_tags = read_tags(existing.get("tags")) if existing else {}
        tags = tag_changes(current_tags, params["tags"], params["purge_tags"])
        changed_settings = differences(current, wanted) if existing else list(wanted)

        result = dict(changed=not existing or bool(changed_settings) or bool(tags))
        if self.module._diff:
            before = diff_view(self.name, self.cluster, current, current_tags) if existing else {}
            result["diff"] = dict(before=before, after=diff_view(self.name, self.cluster, wanted, tags.after))
        if self.module.check_mode:
            result.update(service=describe(existing), deployment=deployment_summary(primary_deployment(existing)))
            self.module.exit_json(**result)

        if params["wait"] and (not existing or "task_definition" in changed_settings):
            self.wait_for_mount_targets(definition)
        if not existing:
            service = self.create(wanted, tags.after)
        else:
            service = existing
            # Tags first: with propagate_tags SERVICE the tasks of the new deployment get the service's tags at launch.
            if tags:
                self.update_tags(existing["serviceArn"], tags)
            if changed_settings:
                service = self.update(update_request(self.name, self.cluster, wanted, changed_settings))
        tracked = primary_deployment(service)
        deployment_id = tracked.get("id") if tracked else None

        if params["wait"]:
            service = self.wait_steady(deployment_id)
        elif result["changed"]:
            service = self.get() or service
        deployment = next((d for d in service.get("deployments") or [] if d.get("id") == deployment_id), None)
        result.update(service=describe(service), deployment=deployment_summary(deployment or primary_deployment(service)))
        self.module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            cluster=dict(type="str", default="default"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            task_definition=dict(type="str"),
            desired_count=dict(type="int"),
            scaled_externally=dict(type="bool", default=False),
            launch_type=dict(type="str", choices=["FARGATE"]),
            capacity_provider_strategy=dict(
                type="list",
                elements="dict",
                options=dict(
                    capacity_provider=dict(type="str", required=True),
                    weight=dict(type="int", default=0),
                    base=dict(type="int", default=0),
                ),
            ),
            platform_version=dict(type="str"),
            network_configuration=dict(
                type="dict",
                options=dict(
                    subnets=dict(type="list", elements="str", required=True),
                    security_groups=dict(type="list", elements="str"),
                    assign_public_ip=dict(type="bool"),
                ),
            ),
            load_balancers=dict(
                type="list",
                elements="dict",
                options=dict(
                    target_group_arn=dict(type="str", required=True),
                    container_name=dict(type="str", required=True),
                    container_port=dict(type="int", required=True),
                ),
            ),
            health_check_grace_period_seconds=dict(type="int"),
            deployment_configuration=dict(
                type="dict",
                options=dict(
                    minimum_healthy_percent=dict(type="int"),
                    maximum_percent=dict(type="int"),
                    deployment_circuit_breaker=dict(
                        type="dict",
                        options=dict(
                            enable=dict(type="bool", required=True),
                            rollback=dict(type="bool", default=False),
                        ),
                    ),
                ),
            ),
            enable_execute_command=dict(type="bool"),
            propagate_tags=dict(type="str", choices=["TASK_DEFINITION", "SERVICE", "NONE"]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            wait_sleep=dict(type="int", default=10),
        ),
        mutually_exclusive=[("launch_type", "capacity_provider_strategy")],
        required_if=[("state", "present", ["task_definition"])],
        supports_check_mode=True,
    )
    if module.params["wait_timeout"] < 0 or module.params["wait_sleep"] < 1:
        module.fail_json(msg="wait_timeout must be 0 or more and wait_sleep 1 or more (seconds).")
    manager = ServiceManager(module)
    try:
        if module.params["state"] == "absent":
            manager.absent()
        else:
            manager.present()
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", manager.changed)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
