#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_service_diagnostics
short_description: Gather why an ECS service is not serving, as one compact failure message
version_added: 0.1.0
description:
  - Reads, for one ECS service, what explains a failed deployment or a failed post-deploy gate, and composes
    RV(message), a short human-readable text made to be appended to a failure message (typically in the
    C(rescue) of a block that ran M(llmops.litellm_ecs.ecs_service) or M(llmops.litellm_ecs.proxy_probe)).
  - B(Service and deployments.) The service's status and task counts, and each deployment's status, rollout state
    and reason, and running, desired, pending and failed task counts (C(DescribeServices)).
  - B(Stopped tasks.) The latest O(stopped_task_limit) stopped tasks of the service (C(ListTasks) with
    C(desiredStatus=STOPPED), then C(DescribeTasks)) with their C(stoppedReason), C(stopCode) and each
    container's C(exitCode) and C(reason). The message shows each distinct reason once, with a count.
  - B(Target health.) The targets of O(target_group_arn), or of every target group the service registers with,
    and for each one that is not healthy its state, C(Reason) and C(Description) (C(DescribeTargetHealth)).
    Healthy targets are only counted.
  - B(Service events.) The service's latest events, newest first; events that differ only in task ids are shown
    once, with a count; at most O(event_limit) of them.
  - B(Log lines.) The last O(log_lines) lines the proxy container wrote before its task stopped, from the awslogs
    stream C(<prefix>/<container>/<task-id>) of the newest stopped task that has one (C(GetLogEvents)). The log
    group and stream prefix come from the container's C(logConfiguration) in the task definition of that task (or
    of the service), unless O(log_group) and O(log_stream_prefix) are given. When no stopped task has a log
    stream, the newest stream of the container in the group (C(DescribeLogStreams) by last event time) is read
    instead, and the message says so. Anything that looks like a key (C(sk-...), C(Bearer ...), an AWS access
    key id, a password in a URL, C(api_key=...)) is masked in the log lines and throughout RV(message).
  - B(Sections.) O(sections) chooses which of these parts are read and shown. They are worded as in the failure
    message of M(llmops.litellm_ecs.ecs_service) - both messages are rendered by the same functions - so the rescue
    of a rollout that did not become steady, whose message has already given the verdict, the service events and the
    stopped tasks, asks only for V(targets) and V(log_lines), and the two texts together say nothing twice.
  - B(Degrades instead of failing.) The module is run while something has already failed, so nothing it cannot
    read fails it - a missing cluster or service, a missing log group or stream, a missing permission; each
    becomes a short note at the end of RV(message) and in RV(notes). It fails only on invalid options.
  - RV(message) never exceeds O(max_chars) characters; when the parts are longer, the oldest log lines and the
    last events and tasks are left out first, and each shortened part says how many lines it omits.
  - The module only reads; it never changes anything.
author:
  - llmops maintainers (!UNKNOWN)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster the service runs in.
    type: str
    default: default
  service:
    description:
      - Name or ARN of the ECS service.
    type: str
    required: true
  target_group_arn:
    description:
      - ARN of the target group whose target health to read.
      - When not set, every target group in the service's C(loadBalancers) is read.
    type: str
  log_group:
    description:
      - The CloudWatch Logs group the proxy container logs to.
      - When not set, the C(awslogs-group) option of the container's C(logConfiguration) in the task definition.
    type: str
  log_stream_prefix:
    description:
      - The awslogs stream prefix of the proxy container; its streams are named C(<prefix>/<container>/<task-id>).
      - When not set, the C(awslogs-stream-prefix) option of the container's C(logConfiguration) in the task
        definition.
    type: str
  container_name:
    description:
      - The name of the proxy container in the task definition, whose log stream is read.
      - When the task definition has no container of this name, its first container that logs with the
        C(awslogs) driver is used.
    type: str
    default: litellm
  event_limit:
    description:
      - How many service events (after folding repeats) to show, newest first.
    type: int
    default: 10
  stopped_task_limit:
    description:
      - How many of the latest stopped tasks to describe.
    type: int
    default: 5
  log_lines:
    description:
      - How many of the last log lines of the stream to show. V(0) reads no logs.
    type: int
    default: 20
  max_chars:
    description:
      - The longest RV(message) may be, in characters (at least 200).
    type: int
    default: 4000
  context:
    description:
      - A sentence put first in RV(message), for example the failure that made the playbook ask for diagnostics.
    type: str
  sections:
    description:
      - Which parts to read, show in RV(message) and return. RV(message) has them in the order of the choices, whatever
        the order given; the result of a part left out is an empty list.
      - V(service) - the service's status, task counts and deployments (RV(deployments)); V(stopped_tasks) - the stopped
        tasks by reason (RV(stopped_tasks)); V(targets) - the target health (RV(targets)); V(events) - the service
        events (RV(events)); V(log_lines) - the last log lines (RV(log_lines)), found through the stopped tasks'
        streams also when V(stopped_tasks) is left out.
      - O(context) and the notes on what could not be read are shown whatever the sections.
    type: list
    elements: str
    choices: [service, stopped_tasks, targets, events, log_lines]
    default: [service, stopped_tasks, targets, events, log_lines]
attributes:
  check_mode:
    support: full
    description: It only reads, so it runs and returns the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show a difference of.
  idempotent:
    support: full
    description: It only reads and never changes anything; it always returns C(changed=false).
notes:
  - >-
    The IAM permissions it uses: C(ecs:DescribeServices), C(ecs:ListTasks), C(ecs:DescribeTasks),
    C(ecs:DescribeTaskDefinition), C(elasticloadbalancing:DescribeTargetHealth), C(logs:GetLogEvents) and
    C(logs:DescribeLogStreams). Without one of them the part it reads is missing from the message, with a note
    saying which call was refused.
  - ECS keeps stopped tasks for about an hour after they stop; older ones are no longer listed.
  - The log stream name C(<prefix>/<container>/<task-id>) is the one the C(awslogs) driver uses on Fargate.
seealso:
  - module: llmops.litellm_ecs.ecs_service
  - module: llmops.litellm_ecs.proxy_probe
  - name: Amazon ECS stopped task errors
    description: What the stop codes and stopped reasons of ECS tasks mean.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html
  - name: Amazon ECS service event messages
    description: What the service events mean and what to do about them.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deploy the proxy and gate it; on failure, fail with what explains it
  block:
    - name: Run the service and wait until it is steady
      llmops.litellm_ecs.ecs_service:
        name: litellm
        cluster: litellm
        task_definition: "{{ task_definition_arn }}"
        wait_timeout: 900

    - name: Wait until the proxy serves every model
      llmops.litellm_ecs.proxy_probe:
        url: "https://{{ alb_dns_name }}"
        master_key: "{{ litellm_master_key }}"
        models: [gpt-4o-mini]
  rescue:
    - name: Gather the service's events, stopped tasks, target health and last log lines
      llmops.litellm_ecs.ecs_service_diagnostics:
        cluster: litellm
        service: litellm
        context: "{{ ansible_failed_task.name }} failed: {{ ansible_failed_result.msg }}"
      register: __diagnostics

    - name: Fail with them
      ansible.builtin.fail:
        msg: "{{ __diagnostics.message }}"

- name: Roll out the service; on failure, add to its message only what the message does not say
  block:
    - name: Run the service and wait until it is steady
      llmops.litellm_ecs.ecs_service:
        name: litellm
        cluster: litellm
        task_definition: "{{ task_definition_arn }}"
      register: __service
  rescue:
    - name: Gather the target health and the last log lines (the rollout's message has the events and stopped tasks)
      llmops.litellm_ecs.ecs_service_diagnostics:
        cluster: litellm
        service: litellm
        # Only a rollout that did not become steady reports stopped_tasks; after any other failure, ask for everything.
        sections: "{{ ['targets', 'log_lines'] if __service.stopped_tasks is defined else omit }}"
      register: __diagnostics

    - name: Fail with both
      ansible.builtin.fail:
        msg: "{{ [__service.msg, __diagnostics.message] | select | join('\n\n') }}"

- name: Everything, with the log group given and a longer message
  llmops.litellm_ecs.ecs_service_diagnostics:
    cluster: litellm
    service: litellm
    target_group_arn: "{{ target_group_arn }}"
    log_group: /ecs/litellm
    log_stream_prefix: litellm
    container_name: litellm
    log_lines: 50
    max_chars: 8000
  register: __diagnostics
"""

RETURN = r"""
message:
  description:
    - The diagnostics as text of paragraphs separated by blank lines - O(context), the service and its deployments,
      the stopped tasks by reason, the targets that are not healthy, the service events, the last log lines (those of
      them O(sections) asks for), and notes on what could not be read. At most O(max_chars) characters.
  returned: always
  type: str
  sample: |-
    ECS service litellm in cluster litellm: ACTIVE, 0 of 2 tasks running, 0 pending.
      - deployment ecs-svc/5416 (litellm:3): PRIMARY, rollout IN_PROGRESS (ECS deployment ecs-svc/5416 in progress.), ...

    Stopped tasks (latest 2), by reason:
      - 2 tasks: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1 (latest: ...)
events:
  description:
    - The service's latest events, newest first, repeats (differing only in task ids) folded into the newest one.
    - Empty when O(sections) leaves out V(events).
  returned: always
  type: list
  elements: dict
  contains:
    created_at:
      description: When the newest event of the group happened (ISO 8601, UTC).
      type: str
      sample: "2025-01-02T03:04:05Z"
    message:
      description: The newest event's message.
      type: str
      sample: (service litellm) is unable to consistently start tasks successfully.
    count:
      description: How many events the group folds.
      type: int
      sample: 3
deployments:
  description: The service's deployments; empty when O(sections) leaves out V(service).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The deployment's id.
      type: str
      sample: ecs-svc/5416940163911410000
    status:
      description: C(PRIMARY), C(ACTIVE) or C(INACTIVE).
      type: str
      sample: PRIMARY
    task_definition:
      description: ARN of the deployment's task definition.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:3
    rollout_state:
      description: C(COMPLETED), C(IN_PROGRESS) or C(FAILED).
      type: str
      sample: IN_PROGRESS
    rollout_state_reason:
      description: Why the rollout is in that state.
      type: str
      sample: ECS deployment ecs-svc/5416940163911410000 in progress.
    desired_count:
      description: How many tasks the deployment should run.
      type: int
      sample: 2
    running_count:
      description: How many of its tasks run.
      type: int
      sample: 0
    pending_count:
      description: How many of its tasks are starting.
      type: int
      sample: 0
    failed_tasks:
      description: How many of its tasks failed to start.
      type: int
      sample: 2
stopped_tasks:
  description: The latest stopped tasks, newest first; empty when O(sections) leaves out V(stopped_tasks).
  returned: always
  type: list
  elements: dict
  contains:
    task_arn:
      description: The task's ARN.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task/litellm/0123456789abcdef0123456789abcdef
    task_id:
      description: The task's id (the last part of its ARN).
      type: str
      sample: 0123456789abcdef0123456789abcdef
    task_definition:
      description: The task's task definition as C(family:revision).
      type: str
      sample: litellm:3
    stopped_at:
      description: When the task stopped (ISO 8601, UTC).
      type: str
      sample: "2025-01-02T03:04:05Z"
    stopped_reason:
      description: Why ECS stopped the task.
      type: str
      sample: Essential container in task exited
    stop_code:
      description: The stop code.
      type: str
      sample: EssentialContainerExited
    containers:
      description: The task's containers, with C(name), C(exit_code), C(reason) and C(last_status).
      type: list
      elements: dict
      sample: [{"name": "litellm", "exit_code": 1, "reason": null, "last_status": "STOPPED"}]
targets:
  description: Every target of the target groups read, healthy ones included; empty when O(sections) leaves out V(targets).
  returned: always
  type: list
  elements: dict
  contains:
    target_group_arn:
      description: ARN of the target's target group.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/litellm/0123456789abcdef
    id:
      description: The target's id (an IP address for Fargate tasks).
      type: str
      sample: 10.0.1.25
    port:
      description: The target's port.
      type: int
      sample: 4000
    availability_zone:
      description: The target's availability zone, when reported.
      type: str
      sample: us-east-1a
    state:
      description: C(initial), C(healthy), C(unhealthy), C(unused), C(draining) or C(unavailable).
      type: str
      sample: unhealthy
    reason:
      description: The reason code of a target that is not healthy.
      type: str
      sample: Target.Timeout
    description:
      description: The description of a target that is not healthy.
      type: str
      sample: Request timed out
log_lines:
  description: The last log lines read, oldest first, keys masked; empty when O(sections) leaves out V(log_lines).
  returned: always
  type: list
  elements: dict
  contains:
    stream:
      description: The log stream.
      type: str
      sample: litellm/litellm/0123456789abcdef0123456789abcdef
    timestamp:
      description: When the line was logged (ISO 8601, UTC, to the second).
      type: str
      sample: "2025-01-02T03:04:05Z"
    message:
      description: The line.
      type: str
      sample: "ValueError: Invalid config: model_list[0].litellm_params.api_key=***"
notes:
  description: What could not be read, and why.
  returned: always
  type: list
  elements: str
  sample: ["log lines: AccessDeniedException: User is not authorized to perform logs:GetLogEvents"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import EVENTS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import LOG_LINES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import SECTIONS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import SERVICE
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import STOPPED_TASKS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import TARGETS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import event_groups
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_report import newest_tasks
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import DEFAULT_CONTAINER
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import MIN_MAX_CHARS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import compose
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import deployments_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import error_note
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import log_line_entries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import log_settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import stopped_task_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import stream_name
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import target_entries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code

# DescribeTasks takes at most 100 tasks per call; DescribeLogStreams lists at most 50 streams per call.
DESCRIBE_TASKS_MAX = 100
NEWEST_STREAMS = 50
# The reads are best effort, made while something has already failed: a call throttled three times running is left
# out (with a note), not waited for.
MAX_ATTEMPTS = 3


class Diagnostics:
    """One run: read every part asked for, best effort, and keep a note of each part that could not be read."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.name = module.params["service"]
        self.sections = module.params["sections"]
        self.notes = []
        self._clients = {}

    def client(self, name):
        if name not in self._clients:
            self._clients[name] = retries.client(self.module, name, max_attempts=MAX_ATTEMPTS)
        return self._clients[name]

    # --- the AWS reads -----------------------------------------------------------------------------------

    @AWSErrors.common_error_handler("describe the ECS service {self.name} in cluster {self.cluster}")
    def describe_service(self):
        """(service, why it is missing): the service as DescribeServices reports it, or None and a reason."""
        try:
            found = self.client("ecs").describe_services(cluster=self.cluster, services=[self.name])
        except is_boto3_error_code("ClusterNotFoundException"):
            return None, f"the cluster {self.cluster} was not found"
        services = found.get("services") or []
        if services:
            return services[0], None
        reasons = ", ".join(failure.get("reason") or "" for failure in found.get("failures") or []) or "MISSING"
        return None, f"not found ({reasons})"

    @AWSErrors.list_error_handler("list the stopped tasks of the ECS service {self.name}", default_value=(),
                                  missing=("ServiceNotFoundException",))
    def stopped_task_arns(self):
        arns = []
        paginator = self.client("ecs").get_paginator("list_tasks")
        for page in paginator.paginate(cluster=self.cluster, serviceName=self.name, desiredStatus="STOPPED"):
            arns.extend(page.get("taskArns") or [])
        return arns

    @AWSErrors.common_error_handler("describe the stopped tasks of the ECS service {self.name}")
    def describe_tasks(self, arns):
        tasks = []
        for start in range(0, len(arns), DESCRIBE_TASKS_MAX):
            tasks.extend(self.client("ecs").describe_tasks(cluster=self.cluster, tasks=arns[start:start + DESCRIBE_TASKS_MAX])["tasks"])
        return tasks

    @AWSErrors.common_error_handler("read the target health of {arn}")
    def describe_target_health(self, arn):
        return self.client("elbv2").describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]

    @AWSErrors.common_error_handler("describe the task definition {arn}")
    def describe_task_definition(self, arn):
        return self.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]

    @AWSErrors.list_error_handler("read the log stream {stream} of {group}", default_value=(), missing=("ResourceNotFoundException",))
    def read_stream(self, group, stream):
        """The last log events of one stream (none when the stream does not exist)."""
        return self.client("logs").get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False,
                                                  limit=self.params["log_lines"])["events"]

    @AWSErrors.common_error_handler("list the log streams of {group}")
    def newest_streams(self, group):
        return self.client("logs").describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True,
                                                        limit=NEWEST_STREAMS)["logStreams"]

    # --- the parts ---------------------------------------------------------------------------------------

    def service(self):
        """(service, why it is missing)."""
        try:
            return self.describe_service()
        except AnsibleAWSError as e:
            self.notes.append(f"service: {error_note(e)}")
            return None, "could not be read"

    def stopped_tasks(self, cluster_exists):
        """(the latest stopped tasks, how many stopped in all): for their section, and for the log lines' stream."""
        wanted = STOPPED_TASKS in self.sections or (LOG_LINES in self.sections and self.params["log_lines"] > 0)
        if not cluster_exists or not wanted or self.params["stopped_task_limit"] <= 0:
            return [], 0
        try:
            tasks = self.describe_tasks(list(self.stopped_task_arns()))
        except AnsibleAWSError as e:
            self.notes.append(f"stopped tasks: {error_note(e)}")
            return [], 0
        return newest_tasks(tasks, self.params["stopped_task_limit"]), len(tasks)

    def target_health(self, service):
        if TARGETS not in self.sections:
            return []
        arns = [self.params["target_group_arn"]] if self.params["target_group_arn"] else []
        if not arns:
            arns = list(dict.fromkeys(lb["targetGroupArn"] for lb in (service or {}).get("loadBalancers") or [] if lb.get("targetGroupArn")))
        found = []
        for arn in arns:
            try:
                found.append((arn, target_entries(arn, self.describe_target_health(arn))))
            except AnsibleAWSError as e:
                self.notes.append(f"target health of {arn}: {error_note(e)}")
        return found

    def log_location(self, service, tasks):
        """(group, prefix, container) of the proxy's logs; None where unknown."""
        group, prefix = self.params["log_group"], self.params["log_stream_prefix"]
        container = self.params["container_name"]
        if group and prefix:
            return group, prefix, container
        definition_arn = (tasks[0].get("taskDefinitionArn") if tasks else None) or (service or {}).get("taskDefinition")
        if not definition_arn:
            if not group:
                self.notes.append("log lines: no task definition to read the log group from; set log_group and log_stream_prefix")
            return group, prefix, container
        try:
            definition = self.describe_task_definition(definition_arn)
        except AnsibleAWSError as e:
            self.notes.append(f"log configuration (task definition {definition_arn}): {error_note(e)}")
            return group, prefix, container
        settings = log_settings(definition, container)
        if settings is None:
            if not group:
                self.notes.append(f"log lines: the task definition {definition_arn} has no container {container} and none that logs with awslogs")
            return group, prefix, container
        group, prefix = group or settings["group"], prefix or settings["prefix"]
        if not group:
            self.notes.append(f"log lines: the container {settings['container']} does not log with awslogs; set log_group and log_stream_prefix")
        return group, prefix, settings["container"]

    def log_lines(self, service, tasks):
        """(lines, where they come from)."""
        if LOG_LINES not in self.sections or self.params["log_lines"] <= 0:
            return [], None
        group, prefix, container = self.log_location(service, tasks)
        if not group:
            return [], None
        limit = self.params["log_lines"]
        try:
            if prefix:
                for task in tasks:
                    stream = stream_name(prefix, container, task.get("taskArn"))
                    events = self.read_stream(group, stream)
                    if events:
                        return log_line_entries(stream, events, limit), f"{group} {stream} (the latest stopped task that logged)"
            wanted = f"{prefix}/{container}/" if prefix else ""
            for item in self.newest_streams(group):
                if item["logStreamName"].startswith(wanted):
                    events = self.read_stream(group, item["logStreamName"])
                    if events:
                        why = "no stopped task's stream has any" if tasks else "no stopped task is known"
                        return (log_line_entries(item["logStreamName"], events, limit),
                                f"{group} {item['logStreamName']} (the newest stream: {why})")
        except AnsibleAWSError as e:
            self.notes.append(f"log lines ({group}): {error_note(e)}")
            return [], None
        self.notes.append(f"log lines: no log events in {group}" + (f" under {wanted}" if wanted else ""))
        return [], None

    # --- the whole -------------------------------------------------------------------------------------

    def run(self):
        params, sections = self.params, self.sections
        service, missing = self.service()
        cluster_exists = not (missing or "").startswith("the cluster")
        tasks, total = self.stopped_tasks(cluster_exists)
        targets = self.target_health(service)
        lines, source = self.log_lines(service, tasks)
        events = event_groups((service or {}).get("events"), params["event_limit"]) if EVENTS in sections and params["event_limit"] > 0 else []
        message = compose(
            self.name, self.cluster, service=service, missing=missing, events=events, stopped_tasks=tasks,
            stopped_task_limit=params["stopped_task_limit"], stopped_total=total, targets=targets, log_lines=lines,
            log_source=source, notes=self.notes, context=params["context"], max_chars=params["max_chars"], sections=sections,
        )
        return dict(
            changed=False,
            message=message,
            events=events,
            deployments=deployments_of(service) if SERVICE in sections else [],
            stopped_tasks=[stopped_task_entry(task) for task in tasks] if STOPPED_TASKS in sections else [],
            targets=[entry for arn_entries in targets for entry in arn_entries[1]],
            log_lines=lines,
            notes=list(self.notes),
        )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", default="default"),
            service=dict(type="str", required=True),
            target_group_arn=dict(type="str"),
            log_group=dict(type="str"),
            log_stream_prefix=dict(type="str"),
            container_name=dict(type="str", default=DEFAULT_CONTAINER),
            event_limit=dict(type="int", default=10),
            stopped_task_limit=dict(type="int", default=5),
            log_lines=dict(type="int", default=20),
            max_chars=dict(type="int", default=4000),
            context=dict(type="str"),
            sections=dict(type="list", elements="str", choices=list(SECTIONS), default=list(SECTIONS)),
        ),
        supports_check_mode=True,
    )
    params = module.params
    negative = [key for key in ("event_limit", "stopped_task_limit", "log_lines") if params[key] < 0]
    if negative:
        module.fail_json(msg=f"{', '.join(negative)} must be 0 or more.")
    if params["max_chars"] < MIN_MAX_CHARS:
        module.fail_json(msg=f"max_chars must be at least {MIN_MAX_CHARS}, got {params['max_chars']}.")
    if params["log_lines"] > 10000:
        module.fail_json(msg=f"log_lines must be at most 10000 (the GetLogEvents limit), got {params['log_lines']}.")
    # Each read turns its own AWS error into a note; one that escapes them fails the module as in every other module.
    try:
        module.exit_json(**Diagnostics(module).run())
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
