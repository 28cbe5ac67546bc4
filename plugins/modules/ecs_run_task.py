#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_run_task
short_description: Run a one-off Amazon ECS task and wait until it has stopped with exit code 0
version_added: 0.1.0
description:
  - Starts B(one) task of a task definition with C(RunTask) (on Fargate by default), for example LiteLLM's database
    migrations - the proxy image with a migration command - that must finish before the service is updated.
  - B(Waiting.) With O(wait=true) the module polls C(DescribeTasks) until the task is C(STOPPED), within
    O(wait_timeout) seconds in all. It succeeds when the container that decides (O(container_name)) exited with
    code 0. It fails, saying what failed and what to do, when that container exited with another code (quoting the
    code, the container's reason, the task's stopped reason and stop code, and the container's C(awslogs) log
    stream), when the task stopped without an exit code (it failed to start, for example with
    C(CannotPullContainerError)), when C(RunTask) started no task (quoting its C(failures)), and when the budget is
    spent - the task is then left running, and the message says how to stop it.
  - B(Not idempotent.) Every run starts a task and reports C(changed=true); the playbook decides when a task should
    run. A role gates it with a condition, for example runs the migration task only when the task definition changed
    (a new image or a new configuration), with a C(when) on the registered result of the task that registers it.
author:
  - llmops maintainers (!UNKNOWN)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster the task runs in.
    type: str
    default: default
  task_definition:
    description:
      - The task definition to run, as an ARN, as C(family:revision), or as a family alone (its latest C(ACTIVE)
        revision). The module resolves it to an ARN with C(DescribeTaskDefinition) and runs that revision.
    type: str
    required: true
  launch_type:
    description:
      - The launch type of the task. Only C(FARGATE) is supported.
      - Used when O(capacity_provider_strategy) is not set.
    type: str
    choices: [FARGATE]
    default: FARGATE
  capacity_provider_strategy:
    description:
      - The capacity provider strategy of the task, instead of O(launch_type), for example C(FARGATE_SPOT). The
        providers must be associated with the cluster.
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
  network_configuration:
    description:
      - The awsvpc network configuration of the task, as for the service (see M(llmops.litellm_ecs.ecs_service)).
        Fargate requires it.
    type: dict
    suboptions:
      subnets:
        description: IDs of the subnets the task may be placed in.
        type: list
        elements: str
        required: true
      security_groups:
        description:
          - IDs (not names) of the security groups of the task's network interface. When not set, ECS uses the VPC's
            default security group.
        type: list
        elements: str
      assign_public_ip:
        description:
          - Whether the task gets a public IP address (needed in a public subnet without a NAT gateway to pull images).
        type: bool
        default: false
  overrides:
    description:
      - The C(overrides) of C(RunTask), in the API's own camelCase shape, passed as they are, for example
        C(containerOverrides) with a container's C(name), C(command) and C(environment).
      - They are returned in RV(request), so pass secrets through the task definition's C(secrets), not here.
    type: dict
  started_by:
    description:
      - The C(startedBy) value of the task, shown by ECS and usable as a C(ListTasks) filter.
      - ECS allows up to 128 letters, digits, hyphens, forward slashes and underscores (no dots); the module checks
        this before it runs anything.
    type: str
    default: llmops/litellm_ecs
  container_name:
    description:
      - The container whose exit code decides success.
      - When not set, the task definition's only container, or its only essential container. A task definition with
        several essential containers needs it.
    type: str
  wait:
    description:
      - Wait until the task has stopped, and judge its exit code.
      - With O(wait=false) the module returns once the task was started, and succeeds whatever the task does later.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds the module may wait for the task to stop, counted from the start of the run.
    type: int
    default: 900
  wait_sleep:
    description:
      - The longest pause between two polls while waiting, in seconds. Pauses start at one second and double up to it,
        so a quick change is seen within a second or two and a long one is polled at most this often.
    type: int
    default: 10
  tags:
    description:
      - Tags of the task, as a dict. ECS does not copy the task definition's tags to the task unless told to, which
        this module does not do.
    type: dict
    aliases: ['resource_tags']
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module only reads (the cluster and the task definition), reports C(changed=true) and, in
        RV(request), what it would run; it starts no task.
  diff_mode:
    support: none
    description:
      - A one-off task has no before and after to show; the module returns no diff.
  idempotent:
    support: none
    description:
      - Every run starts a task. Gate the module with a condition, for example only when the task definition changed.
notes:
  - Requires C(ecs:DescribeTaskDefinition), C(ecs:RunTask), C(ecs:DescribeTasks), C(ecs:TagResource) with O(tags),
    and in check mode C(ecs:DescribeClusters). Passing the task's roles needs C(iam:PassRole).
  - The module fails, in check mode too, when the task definition does not exist.
  - ECS reports a stopped task for at least an hour; a task stopped longer ago is no longer described.
seealso:
  - module: llmops.litellm_ecs.ecs_service
  - module: community.aws.ecs_task
  - name: Amazon ECS stopped task errors
    description: What the stopped reasons and stop codes of ECS tasks mean.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html
  - name: Using the awslogs log driver
    description: How ECS names the log streams of a task's containers.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register the LiteLLM task definition
  community.aws.ecs_taskdefinition:
    family: litellm
    # ...
  register: litellm_task_definition

- name: Run the database migrations with the new image before the service is updated
  llmops.litellm_ecs.ecs_run_task:
    cluster: litellm
    task_definition: "{{ litellm_task_definition.taskdefinition.taskDefinitionArn }}"
    container_name: litellm
    overrides:
      containerOverrides:
        - name: litellm
          command: ["python", "litellm/proxy/prisma_migration.py"]
          environment:
            - name: DISABLE_SCHEMA_UPDATE
              value: "false"
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ service_security_group_id }}"]
    wait_timeout: 900
  when: litellm_task_definition is changed
  register: litellm_migration

- name: Show where the migration logged
  ansible.builtin.debug:
    msg: "{{ litellm_migration.log_stream.group }} / {{ litellm_migration.log_stream.stream }}"
  when: litellm_migration.log_stream is defined and litellm_migration.log_stream

- name: Start a task on Fargate Spot and do not wait for it
  llmops.litellm_ecs.ecs_run_task:
    cluster: litellm
    task_definition: litellm-report
    capacity_provider_strategy:
      - capacity_provider: FARGATE_SPOT
        weight: 1
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
    wait: false
    tags:
      Purpose: report
"""

RETURN = r"""
task:
  description:
    - The task as C(DescribeTasks) last reported it. Empty in check mode and when no task was started.
  returned: always
  type: dict
  contains:
    arn:
      description: The task's ARN.
      type: str
      returned: when a task was started
      sample: arn:aws:ecs:us-east-1:123456789012:task/litellm/0f4c3d6e8a1b4c2d9e7f6a5b4c3d2e1f
    id:
      description: The task's id (the last part of its ARN).
      type: str
      returned: when a task was started
      sample: 0f4c3d6e8a1b4c2d9e7f6a5b4c3d2e1f
    task_definition:
      description: ARN of the task definition the task runs.
      type: str
      returned: when a task was started
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7
    last_status:
      description: The task's last status, C(STOPPED) once it has ended.
      type: str
      returned: when a task was started
      sample: STOPPED
    desired_status:
      description: The task's desired status.
      type: str
      returned: when a task was started
      sample: STOPPED
    stopped_reason:
      description: Why the task stopped, as ECS says it.
      type: str
      returned: when a task was started
      sample: Essential container in task exited
    stop_code:
      description: ECS's stop code, for example C(EssentialContainerExited) or C(TaskFailedToStart).
      type: str
      returned: when a task was started
      sample: EssentialContainerExited
    started_by:
      description: The task's C(startedBy).
      type: str
      returned: when a task was started
      sample: llmops/litellm_ecs
    created_at:
      description: When the task was created (ISO 8601, UTC).
      type: str
      returned: when a task was started
      sample: "2025-01-31T12:00:00Z"
    stopped_at:
      description: When the task stopped (ISO 8601, UTC).
      type: str
      returned: when a task was started
      sample: "2025-01-31T12:02:10Z"
    containers:
      description: The task's containers.
      type: list
      elements: dict
      returned: when a task was started
      contains:
        name:
          description: The container's name.
          type: str
          sample: litellm
        last_status:
          description: The container's last status.
          type: str
          sample: STOPPED
        exit_code:
          description: The container's exit code; null while it runs and when it never ran.
          type: int
          sample: 0
        reason:
          description: Why the container stopped, when ECS gives a reason.
          type: str
          sample: "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
    tags:
      description: The task's tags, as a dict.
      type: dict
      returned: when a task was started
      sample: {"Purpose": "migration"}
log_stream:
  description:
    - Where the deciding container logs, when its task definition uses the C(awslogs) driver with a stream prefix.
      Null otherwise, and in check mode.
  returned: always
  type: dict
  contains:
    group:
      description: The log group.
      type: str
      sample: /ecs/litellm
    stream:
      description: The log stream, C(<prefix>/<container>/<task id>).
      type: str
      sample: litellm/litellm/0f4c3d6e8a1b4c2d9e7f6a5b4c3d2e1f
    region:
      description: The region of the log group, when the log configuration names one.
      type: str
      sample: us-east-1
container_name:
  description: The container whose exit code decided success.
  returned: always
  type: str
  sample: litellm
request:
  description: The C(RunTask) parameters the module sent, or in check mode would send.
  returned: always
  type: dict
  sample: {"cluster": "litellm", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7", "count": 1,
           "launchType": "FARGATE", "startedBy": "llmops/litellm_ecs"}
failures:
  description: The C(failures) C(RunTask) returned when it started no task, as ECS gives them.
  returned: when RunTask started no task
  type: list
  elements: dict
  sample: [{"arn": "arn:aws:ecs:us-east-1:123456789012:cluster/litellm", "reason": "Capacity is unavailable at this time."}]
seconds:
  description: How many seconds the run took, starting the task and waiting for it included.
  returned: always
  type: float
  sample: 74.2
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import RunTaskError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import decisive_container
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import describe_task
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import failures_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import judge_stopped
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import log_stream
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import run_request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import timeout_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import waiter_for
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off


class TaskRunner:
    """One run of the module: the ECS client, the options, and the time budget."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.client = retries.client(module, "ecs")
        self.budget = Budget(module.params["wait_timeout"], clock=time.monotonic)
        self.result = dict(changed=False, task={}, log_stream=None, container_name=None, request={}, seconds=0.0)

    def fail(self, msg, **extra):
        self.result.update(extra, seconds=round(self.budget.elapsed(), 1))
        self.module.fail_json(msg=msg, **self.result)

    def exit(self, **extra):
        self.result.update(extra, seconds=round(self.budget.elapsed(), 1))
        self.module.exit_json(**self.result)

    def missing_cluster(self):
        self.fail(
            f"The ECS cluster {self.cluster} does not exist in region {self.module.region}. Create it first (for example "
            f"with llmops.litellm_ecs.ecs_cluster), or correct cluster and region."
        )

    # --- reading -------------------------------------------------------------------------------------

    @AWSErrors.common_error_handler("describe the task definition {name}")
    def task_definition(self, name):
        try:
            return self.client.describe_task_definition(taskDefinition=name)["taskDefinition"]
        except is_boto3_error_code("ClientException"):
            self.fail(
                f"The task definition {name} does not exist in region {self.module.region}. Register it first (for example "
                f"with community.aws.ecs_taskdefinition), or correct task_definition (an ARN, family:revision or a family)."
            )
        return None

    @AWSErrors.common_error_handler("describe the ECS cluster {self.cluster}")
    def check_cluster(self):
        clusters = self.client.describe_clusters(clusters=[self.cluster])["clusters"]
        if not any(cluster.get("status") == "ACTIVE" for cluster in clusters):
            self.missing_cluster()

    @AWSErrors.common_error_handler("describe the ECS task {arn}")
    def describe(self, arn):
        tasks = self.client.describe_tasks(cluster=self.cluster, tasks=[arn], include=["TAGS"])["tasks"]
        return tasks[0] if tasks else None

    # --- running -------------------------------------------------------------------------------------

    @AWSErrors.common_error_handler("run a task of {request[taskDefinition]} in cluster {self.cluster}")
    def start(self, request):
        # One token for every retry of this call: ECS then starts one task, not one per attempt.
        try:
            response = self.client.run_task(clientToken=str(uuid.uuid4()), **request)
        except is_boto3_error_code("ClusterNotFoundException"):
            self.missing_cluster()
        tasks = response.get("tasks") or []
        if not tasks:
            self.fail(failures_message(response.get("failures"), self.cluster, request["taskDefinition"]),
                      failures=response.get("failures") or [])
        return tasks[0]

    def run(self):
        params = self.params
        definition = self.task_definition(params["task_definition"])
        try:
            container = decisive_container(definition, params["container_name"])
            request = run_request(params, definition["taskDefinitionArn"])
        except RunTaskError as e:
            self.fail(str(e))
        self.result.update(container_name=container.get("name"), request=request, changed=True)
        if self.module.check_mode:
            self.check_cluster()
            self.exit()

        task = self.start(request)
        log = log_stream(container, task.get("taskArn"))
        self.result.update(task=describe_task(task), log_stream=log)
        if not params["wait"]:
            self.exit()

        arn = task["taskArn"]
        waiter = waiter_for("task_stopped", lambda: self.describe(arn), check_mode=self.module.check_mode, clock=time.monotonic, sleep=time.sleep)
        outcome = waiter.wait(timeout=self.budget.remaining(), **backing_off(params["wait_sleep"]))
        last = outcome.value or task
        self.result["task"] = describe_task(outcome.value) or self.result["task"]
        if outcome.state == FAILED:
            self.fail(f"Lost track of the one-off ECS task {arn} in cluster {self.cluster}: {outcome.reason}. Look it up in "
                      f"the ECS console or with 'aws ecs describe-tasks', and run again if it did not finish.")
        if not outcome.ready:
            self.fail(timeout_message(last, self.cluster, params["wait_timeout"], self.budget.elapsed(), outcome.reason, log))
        ok, message = judge_stopped(last, container.get("name"), log)
        if not ok:
            self.fail(message)
        self.exit(msg=message)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", default="default"),
            task_definition=dict(type="str", required=True),
            launch_type=dict(type="str", choices=["FARGATE"], default="FARGATE"),
            capacity_provider_strategy=dict(
                type="list",
                elements="dict",
                options=dict(
                    capacity_provider=dict(type="str", required=True),
                    weight=dict(type="int", default=0),
                    base=dict(type="int", default=0),
                ),
            ),
            network_configuration=dict(
                type="dict",
                options=dict(
                    subnets=dict(type="list", elements="str", required=True),
                    security_groups=dict(type="list", elements="str"),
                    assign_public_ip=dict(type="bool", default=False),
                ),
            ),
            overrides=dict(type="dict"),
            started_by=dict(type="str", default="llmops/litellm_ecs"),
            container_name=dict(type="str"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=900),
            wait_sleep=dict(type="int", default=10),
            tags=dict(type="dict", aliases=["resource_tags"]),
        ),
        supports_check_mode=True,
    )
    if module.params["wait_timeout"] < 0 or module.params["wait_sleep"] < 1:
        module.fail_json(msg="wait_timeout must be 0 or more and wait_sleep 1 or more (seconds).")
    runner = TaskRunner(module)
    try:
        runner.run()
    except AnsibleAWSError as e:
        # What the run got to (the task it started, the request) goes with the failure, as with every other one.
        e.kwargs = {**runner.result, "seconds": round(runner.budget.elapsed(), 1), **e.kwargs}
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
