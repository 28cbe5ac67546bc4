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
    key id, a password in a URL, C(api_key=...)) is masked in the log lines.
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
      the stopped tasks by reason, the targets that are not healthy, the service events, the last log lines, and
      notes on what could not be read. At most O(max_chars) characters.
  returned: always
  type: str
  sample: |-
    ECS service litellm in cluster litellm: ACTIVE, 0 of 2 tasks running, 0 pending.
      - deployment ecs-svc/5416 (litellm:3): PRIMARY, rollout IN_PROGRESS (ECS deployment ecs-svc/5416 in progress.), ...

    Stopped tasks (latest 2), by reason:
      - 2 tasks: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1 (latest: ...)
events:
  description: The service's latest events, newest first, repeats (differing only in task ids) folded into the newest one.
  returned: always
  type: list
  elements: dict
  contains:
    created_at:
      description: When the newest event of the group happened (ISO 8601).
      type: str
      sample: "2025-01-02T03:04:05+00:00"
    message:
      description: The newest event's message.
      type: str
      sample: (service litellm) is unable to consistently start tasks successfully.
    count:
      description: How many events the group folds.
      type: int
      sample: 3
deployments:
  description: The service's deployments.
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
  description: The latest stopped tasks, newest first.
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
      description: When the task stopped (ISO 8601).
      type: str
      sample: "2025-01-02T03:04:05+00:00"
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
  description: Every target of the target groups read, healthy ones included.
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
  description: The last log lines read, oldest first, keys masked.
  returned: always
  type: list
  elements: dict
  contains:
    stream:
      description: The log stream.
      type: str
      sample: litellm/litellm/0123456789abcdef0123456789abcdef
    timestamp:
      description: When the line was logged (ISO 8601).
      type: str
      sample: "2025-01-02T03:04:05.123000+00:00"
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

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BotoCoreError = ClientError = None
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service import newest_tasks
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import DEFAULT_CONTAINER
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import MIN_MAX_CHARS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import compose
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import deployments_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import error_text
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import event_groups
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import log_line_entries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import log_settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import public_events
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import public_log_lines
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import stopped_task_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import stopped_task_groups
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import stream_name
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_service_diagnostics import target_entries

# DescribeTasks takes at most 100 tasks per call; DescribeLogStreams lists at most 50 streams per call.
DESCRIBE_TASKS_MAX = 100
NEWEST_STREAMS = 50


class Unreadable(Exception):
    """A part of the diagnostics could not be read; the message is the note to show."""


def aws_error(e):
    """The note for an AWS error: its code and message."""
    if ClientError is not None and isinstance(e, ClientError):
        error = e.response.get("Error") or {}
        return error_text(error.get("Code"), error.get("Message"))
    return str(e)


def error_code(e):
    if ClientError is not None and isinstance(e, ClientError):
        return (e.response.get("Error") or {}).get("Code")
    return None


class Diagnostics:
    """One run: read every part, best effort, and keep a note of each part that could not be read."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.name = module.params["service"]
        self.notes = []
        self._clients = {}

    def client(self, name):
        if name not in self._clients:
            self._clients[name] = self.module.client(name, retry_decorator=AWSRetry.jittered_backoff(retries=3))
        return self._clients[name]

    def call(self, service, operation, **kwargs):
        try:
            return getattr(self.client(service), operation)(aws_retry=True, **kwargs)
        except BOTO_ERRORS as e:
            raise Unreadable(aws_error(e)) from e

    # --- the parts ---------------------------------------------------------------------------------------

    def service(self):
        """(service, why it is missing): the service as DescribeServices reports it, or None and a reason."""
        try:
            found = self.client("ecs").describe_services(aws_retry=True, cluster=self.cluster, services=[self.name])
        except BOTO_ERRORS as e:
            if error_code(e) == "ClusterNotFoundException":
                return None, f"the cluster {self.cluster} was not found"
            self.notes.append(f"service: {aws_error(e)}")
            return None, "could not be read"
        services = found.get("services") or []
        if services:
            return services[0], None
        reasons = ", ".join(failure.get("reason") or "" for failure in found.get("failures") or []) or "MISSING"
        return None, f"not found ({reasons})"

    def stopped_tasks(self, cluster_exists):
        if not cluster_exists or self.params["stopped_task_limit"] <= 0:
            return [], 0
        try:
            arns = []
            paginator = self.client("ecs").get_paginator("list_tasks")
            for page in paginator.paginate(cluster=self.cluster, serviceName=self.name, desiredStatus="STOPPED"):
                arns.extend(page.get("taskArns") or [])
            tasks = []
            for start in range(0, len(arns), DESCRIBE_TASKS_MAX):
                tasks.extend(self.call("ecs", "describe_tasks", cluster=self.cluster, tasks=arns[start:start + DESCRIBE_TASKS_MAX])["tasks"])
        except Unreadable as e:
            self.notes.append(f"stopped tasks: {e}")
            return [], 0
        except BOTO_ERRORS as e:  # the paginator does not retry through aws_retry
            if error_code(e) != "ServiceNotFoundException":
                self.notes.append(f"stopped tasks: {aws_error(e)}")
            return [], 0
        return newest_tasks(tasks, self.params["stopped_task_limit"]), len(tasks)

    def target_health(self, service):
        arns = [self.params["target_group_arn"]] if self.params["target_group_arn"] else []
        if not arns:
            arns = list(dict.fromkeys(lb["targetGroupArn"] for lb in (service or {}).get("loadBalancers") or [] if lb.get("targetGroupArn")))
        found = []
        for arn in arns:
            try:
                descriptions = self.call("elbv2", "describe_target_health", TargetGroupArn=arn)["TargetHealthDescriptions"]
            except Unreadable as e:
                self.notes.append(f"target health of {arn}: {e}")
                continue
            found.append((arn, target_entries(arn, descriptions)))
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
            definition = self.call("ecs", "describe_task_definition", taskDefinition=definition_arn)["taskDefinition"]
        except Unreadable as e:
            self.notes.append(f"log configuration (task definition {definition_arn}): {e}")
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

    def read_stream(self, group, stream):
        """The last log events of one stream ([] when the stream does not exist)."""
        try:
            return self.client("logs").get_log_events(aws_retry=True, logGroupName=group, logStreamName=stream,
                                                      startFromHead=False, limit=self.params["log_lines"])["events"]
        except BOTO_ERRORS as e:
            if error_code(e) == "ResourceNotFoundException":
                return []
            raise Unreadable(aws_error(e)) from e

    def log_lines(self, service, tasks):
        """(lines, where they come from)."""
        if self.params["log_lines"] <= 0:
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
            streams = self.call("logs", "describe_log_streams", logGroupName=group, orderBy="LastEventTime", descending=True,
                                limit=NEWEST_STREAMS)["logStreams"]
            for item in streams:
                if item["logStreamName"].startswith(wanted):
                    events = self.read_stream(group, item["logStreamName"])
                    if events:
                        why = "no stopped task's stream has any" if tasks else "no stopped task is known"
                        return (log_line_entries(item["logStreamName"], events, limit),
                                f"{group} {item['logStreamName']} (the newest stream: {why})")
        except Unreadable as e:
            self.notes.append(f"log lines ({group}): {e}")
            return [], None
        self.notes.append(f"log lines: no log events in {group}" + (f" under {wanted}" if wanted else ""))
        return [], None

    # --- the whole -------------------------------------------------------------------------------------

    def run(self):
        params = self.params
        service, missing = self.service()
        cluster_exists = not (missing or "").startswith("the cluster")
        tasks, total = self.stopped_tasks(cluster_exists)
        targets = self.target_health(service)
        lines, source = self.log_lines(service, tasks)
        events = event_groups((service or {}).get("events"), params["event_limit"]) if params["event_limit"] > 0 else []
        message = compose(
            self.name, self.cluster, service=service, missing=missing, events=events,
            stopped_groups=stopped_task_groups(tasks, len(tasks)), stopped_total=total,
            targets=targets, log_lines=lines, log_source=source, notes=self.notes, context=params["context"],
            max_chars=params["max_chars"],
        )
        return dict(
            changed=False,
            message=message,
            events=public_events(events),
            deployments=deployments_of(service),
            stopped_tasks=[stopped_task_entry(task) for task in tasks],
            targets=[entry for arn_entries in targets for entry in arn_entries[1]],
            log_lines=public_log_lines(lines),
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
    module.exit_json(**Diagnostics(module).run())


if __name__ == "__main__":
    main()
