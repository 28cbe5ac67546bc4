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
  - B(One at a time.) With O(exclusive=true) the module first waits, within the same O(wait_timeout), until no other
    task of the task definition's family is left in the cluster that has not C(STOPPED) (pending, running, or told to
    stop but not stopped yet), whoever started it; it fails naming the task still running at the end of the budget,
    and starts nothing then. ECS has no lock, so two runs that look at the same instant can both start; the check
    narrows the window of a parallel run, it does not close it (LiteLLM's Prisma migrations take a database lock too).
  - B(Once per revision.) With O(once=true) a run that succeeded is recorded on the task definition revision itself,
    with the tag O(once_tag) (C(TagResource)) whose value is the time the task stopped and the revision,
    C(2025-01-31T12:00:00Z litellm-migrations:7); a revision that carries its own record is not run again (C(changed=false),
    RV(done_at) says when it succeeded). A revision registered later - a new image, new settings - has no record of its
    own and runs; so does one whose last run failed. O(force=true) runs a recorded revision anyway (and records it again).
  - B(Not idempotent) without O(once) - every run starts a task and reports C(changed=true), and the playbook decides when
    a task should run.
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
      - The C(startedBy) value of the task, shown by ECS and usable as a C(ListTasks) filter; the message of
        O(exclusive) names it for the task it waited for.
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
  exclusive:
    description:
      - Before starting, wait until no other task of the same task definition family (any revision, whoever started
        it) is pending or running in the cluster (C(ListTasks) by family and C(DescribeTasks)); fail, naming the
        task still running and starting nothing, when one is left at the end of O(wait_timeout).
      - With O(once), a revision whose success was recorded while the module waited (by the run it waited for) is not
        run again.
    type: bool
    default: false
  once:
    description:
      - Run the task definition revision until it has succeeded once. A revision that carries a record of its own
        success in the tag O(once_tag) is not run (C(changed=false)); after a run whose deciding container exited
        with code 0 the module records the success there. A failed run records nothing, so the next run tries again.
      - Overrides are not part of what is recorded; running the same revision with another command needs another
        O(once_tag).
      - Needs O(wait=true), as the module records only a success it has seen.
    type: bool
    default: false
  once_tag:
    description:
      - The key of the tag in which O(once) records a success on the revision. Its value is the time the task stopped
        (ISO 8601, UTC) and the revision (C(family:revision)), so a record copied to a new revision with the tags of
        an earlier one counts for nothing. To mark a revision as done by hand, give it that value.
    type: str
    default: llmops:succeeded-at
  force:
    description:
      - With O(once), run the revision even when it carries a record of its own success, and record it again.
    type: bool
    default: false
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
      - In check mode the module only reads (the cluster, the task definition and its tags, and with O(exclusive) the
        family's tasks), reports in RV(request) what it would run and in RV(waited_for) what it would wait for, and
        C(changed=true), or C(changed=false) when O(once) finds the revision done; it starts no task and tags nothing.
      - A cluster or task definition that does not exist yet (the play would create it first) is reported in the message, not failed.
  diff_mode:
    support: none
    description:
      - A one-off task has no before and after to show; the module returns no diff.
  idempotent:
    support: partial
    description:
      - With O(once) a revision runs until it has succeeded once, then reports C(changed=false). Without it every run
        starts a task.
notes:
  - Requires C(ecs:DescribeTaskDefinition), C(ecs:RunTask), C(ecs:DescribeTasks), C(ecs:TagResource) on the task with
    O(tags) and on the task definition with O(once), C(ecs:ListTasks) with O(exclusive), and in check mode
    C(ecs:DescribeClusters). Passing the task's roles needs C(iam:PassRole).
  - When recording a success fails (for example C(ecs:TagResource) is denied on the task definition), the module warns
    and succeeds; the next run with O(once) runs the revision again.
  - A module that registers the task definition must not remove the O(once_tag) tag, for example
    M(llmops.litellm_ecs.ecs_task_definition) with O(llmops.litellm_ecs.ecs_task_definition#module:purge_tags=false).
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

- name: Run the migrations once per revision of their own task definition, never two at a time
  llmops.litellm_ecs.ecs_run_task:
    cluster: litellm
    task_definition: litellm-migrations:4
    container_name: migrations
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
    exclusive: true
    once: true
    force: "{{ rerun_migrations | default(false) }}"
  register: litellm_migration

- name: Say when the revision's migrations succeeded
  ansible.builtin.debug:
    msg: "Migrated at {{ litellm_migration.done_at }}"

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
  description:
    - The C(RunTask) parameters the module sent, or in check mode would send. Empty when O(once) found the revision done.
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
done_at:
  description:
    - With O(once), when the revision succeeded (ISO 8601, UTC), as its O(once_tag) tag records it - the earlier success
      when the run was skipped, the new one after a run that succeeded and was recorded. Null when there is no record.
  returned: always
  type: str
  sample: "2025-01-31T12:02:10Z"
waited_for:
  description:
    - With O(exclusive), the ARNs of the other tasks of the family the module found running and waited for; in check
      mode, those running now, which a real run would wait for.
  returned: always
  type: list
  elements: str
  sample: ["arn:aws:ecs:us-east-1:123456789012:task/litellm/5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"]
seconds:
  description: How many seconds the run took, waiting for other tasks, starting the task and waiting for it included.
  returned: always
  type: float
  sample: 74.2
"""

import datetime
import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import DESIRED_STATUSES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import ONCE_TAG
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import RunTaskError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import busy_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import check_once_tag
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import decisive_container
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import describe_task
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import failures_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import family_idle
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import family_revision
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import judge_stopped
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import log_stream
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import recorded_success
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import run_request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import still_running
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import success_record
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_run_task import timeout_message
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Waiter
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
        self.result = dict(changed=False, task={}, log_stream=None, container_name=None, request={}, done_at=None, waited_for=[],
                           seconds=0.0)

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
    def task_definition(self, name, tags=False):
        """``(task definition, its tags as a dict)``; the tags are read only when asked for (``{}`` otherwise)."""
        try:
            response = self.client.describe_task_definition(taskDefinition=name, **({"include": ["TAGS"]} if tags else {}))
        except is_boto3_error_code("ClientException"):
            if self.module.check_mode:
                # A play in check mode registers nothing: the task definition it would register first does not exist yet.
                self.result["changed"] = True
                self.exit(msg=f"Check mode: the task definition {name} does not exist yet (the play would register it first); "
                              f"a task of it would run in cluster {self.cluster}.")
            self.fail(
                f"The task definition {name} does not exist in region {self.module.region}. Register it first (for example "
                f"with community.aws.ecs_taskdefinition), or correct task_definition (an ARN, family:revision or a family)."
            )
        return response["taskDefinition"], read_tags(response.get("tags"))

    @AWSErrors.common_error_handler("describe the ECS cluster {self.cluster}")
    def check_cluster(self):
        """Check mode: whether the cluster exists. A play in check mode creates nothing, so a cluster it would create
        first is not there yet: that is reported, not failed."""
        clusters = self.client.describe_clusters(clusters=[self.cluster])["clusters"]
        if not any(cluster.get("status") == "ACTIVE" for cluster in clusters):
            self.exit(msg=f"Check mode: the ECS cluster {self.cluster} does not exist yet in region {self.module.region} (a play "
                          f"would create it first); a task of {self.result['request'].get('taskDefinition')} would run in it.")

    @AWSErrors.common_error_handler("describe the ECS task {arn}")
    def describe(self, arn):
        tasks = self.client.describe_tasks(cluster=self.cluster, tasks=[arn], include=["TAGS"])["tasks"]
        return tasks[0] if tasks else None

    @AWSErrors.common_error_handler("list the tasks of the task definition family {family} in cluster {self.cluster}")
    def family_tasks(self, family):
        """The tasks of ``family`` in the cluster that have not STOPPED yet, oldest first."""
        arns = {}
        try:
            for desired in DESIRED_STATUSES:
                for page in self.client.get_paginator("list_tasks").paginate(cluster=self.cluster, family=family, desiredStatus=desired):
                    arns.update(dict.fromkeys(page.get("taskArns") or []))
        except is_boto3_error_code("ClusterNotFoundException"):
            self.missing_cluster()
        listed = list(arns)
        tasks = []
        for start in range(0, len(listed), 100):  # DescribeTasks takes up to 100 tasks
            tasks.extend(self.client.describe_tasks(cluster=self.cluster, tasks=listed[start:start + 100])["tasks"])
        return still_running(tasks, family)

    # --- the guards ----------------------------------------------------------------------------------

    def skip_if_done(self, tags, revision):
        """With once (and without force), end the run unchanged when ``revision`` carries a record of its own success."""
        params = self.params
        if not params["once"] or params["force"]:
            return
        done = recorded_success(tags, params["once_tag"], revision)
        if done:
            self.result.update(changed=False, request={}, done_at=done)
            self.exit(msg=f"The task definition {revision} already ran to success at {done} (its tag {params['once_tag']}); it is not "
                          f"run again. Set force=true to run it anyway.")

    def wait_for_others(self, family):
        """With exclusive: wait until no other task of ``family`` is left running; fail naming one still running at the budget.

        Returns whether there was one to wait for.
        """
        seen = {}

        def fetch():
            running = self.family_tasks(family)
            seen.update(dict.fromkeys(task["taskArn"] for task in running))
            return running

        # Not in check mode (which reads once and waits for nothing), so the waiter itself, judging by family_idle.
        waiter = Waiter(fetch, family_idle, clock=time.monotonic, sleep=time.sleep)
        outcome = waiter.wait(timeout=self.budget.remaining(), **backing_off(self.params["wait_sleep"]))
        self.result["waited_for"] = list(seen)
        if not outcome.ready:
            self.fail(busy_message(outcome.value, family, self.cluster, self.params["wait_timeout"], self.budget.elapsed()))
        return bool(seen)

    @AWSErrors.common_error_handler("record the success on the task definition {arn} (tag {key})")
    def tag(self, arn, key, value):
        self.client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list({key: value}, "key", "value"))

    def record(self, arn, revision, task):
        """With once: record the success of ``revision`` on it; a failure to record is a warning (the task succeeded)."""
        key = self.params["once_tag"]
        value = success_record(task.get("stoppedAt") or datetime.datetime.now(datetime.timezone.utc), revision)
        try:
            self.tag(arn, key, value)
        except AnsibleAWSError as e:
            self.module.warn(f"{e.message}: {e.exception}. The task succeeded, but without this record the next run with once runs "
                             f"{revision} again. What to do: allow ecs:TagResource on {arn}.")
            return
        self.result["done_at"] = recorded_success({key: value}, key, revision)

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
        definition, tags = self.task_definition(params["task_definition"], tags=params["once"])
        try:
            check_once_tag(params["once_tag"])
            container = decisive_container(definition, params["container_name"])
            request = run_request(params, definition["taskDefinitionArn"])
        except RunTaskError as e:
            self.fail(str(e))
        arn, family, revision = definition["taskDefinitionArn"], definition["family"], family_revision(definition)
        self.result.update(container_name=container.get("name"))
        self.skip_if_done(tags, revision)
        self.result["request"] = request
        if self.module.check_mode:
            self.result["changed"] = True
            self.check_cluster()
            if params["exclusive"]:
                self.result["waited_for"] = [task["taskArn"] for task in self.family_tasks(family)]
            running = len(self.result["waited_for"])
            waits = f" once the tasks of {family} running now ({running}) have stopped" if running else ""
            self.exit(msg=f"Check mode: a task of {revision} would run in cluster {self.cluster}{waits}.")

        if params["exclusive"] and self.wait_for_others(family):
            # The run waited for may have run this revision, and recorded its success while this one waited.
            self.skip_if_done(self.task_definition(arn, tags=params["once"])[1], revision)

        self.result["changed"] = True
        task = self.start(request)
        log = log_stream(container, task.get("taskArn"))
        self.result.update(task=describe_task(task), log_stream=log)
        if not params["wait"]:
            self.exit()

        task_arn = task["taskArn"]
        waiter = waiter_for("task_stopped", lambda: self.describe(task_arn), check_mode=self.module.check_mode, clock=time.monotonic,
                            sleep=time.sleep)
        outcome = waiter.wait(timeout=self.budget.remaining(), **backing_off(params["wait_sleep"]))
        last = outcome.value or task
        self.result["task"] = describe_task(outcome.value) or self.result["task"]
        if outcome.state == FAILED:
            self.fail(f"Lost track of the one-off ECS task {task_arn} in cluster {self.cluster}: {outcome.reason}. Look it up in "
                      f"the ECS console or with 'aws ecs describe-tasks', and run again if it did not finish.")
        if not outcome.ready:
            self.fail(timeout_message(last, self.cluster, params["wait_timeout"], self.budget.elapsed(), outcome.reason, log))
        ok, message = judge_stopped(last, container.get("name"), log)
        if not ok:
            self.fail(message)
        if params["once"]:
            self.record(arn, revision, last)
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
            exclusive=dict(type="bool", default=False),
            once=dict(type="bool", default=False),
            once_tag=dict(type="str", default=ONCE_TAG),
            force=dict(type="bool", default=False),
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
    if module.params["once"] and not module.params["wait"]:
        module.fail_json(msg="once needs wait=true: the module records a success only once it has seen the task exit with code 0. "
                             "Set wait=true, or drop once.")
    runner = TaskRunner(module)
    try:
        runner.run()
    except AnsibleAWSError as e:
        # What the run got to (the task it started, the request) goes with the failure, as with every other one.
        e.kwargs = {**runner.result, "seconds": round(runner.budget.elapsed(), 1), **e.kwargs}
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
