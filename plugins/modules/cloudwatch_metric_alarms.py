#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
short_description: Keep a set of CloudWatch metric alarms in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes the CloudWatch metric alarms given in O(alarms), by name, with one C(DescribeAlarms)
    for the whole set, a C(PutMetricAlarm) only for an alarm that is missing or differs, and one C(DeleteAlarms) for
    those that should not exist.
  - An alarm is compared on what this module sets (metric, dimensions, statistic, threshold, window, missing-data
    treatment, actions); its state and history are not touched.
  - One call for the whole set, where M(amazon.aws.cloudwatch_metric_alarm) takes one module run per alarm.
author:
  - llmops maintainers (!UNKNOWN)
options:
  alarms:
    description: The alarms.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The alarm's name.
        type: str
        required: true
      state:
        description: Whether the alarm should exist.
        type: str
        choices: [present, absent]
        default: present
      description:
        description: The alarm's description.
        type: str
      namespace:
        description: The metric's namespace, such as C(AWS/ECS).
        type: str
      metric_name:
        description: The metric's name, such as C(CPUUtilization).
        type: str
      dimensions:
        description: The metric's dimensions, name to value.
        type: dict
        default: {}
      statistic:
        description: The statistic (C(Average), C(Sum), C(Minimum), C(Maximum), C(SampleCount)); or O(alarms[].extended_statistic).
        type: str
      extended_statistic:
        description: A percentile such as C(p95); or O(alarms[].statistic).
        type: str
      comparison:
        description: How the statistic is compared with the threshold.
        type: str
        choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
      threshold:
        description: The threshold.
        type: float
      period:
        description: The period in seconds (10, 30 or a multiple of 60).
        type: int
      evaluation_periods:
        description: How many periods are evaluated.
        type: int
      datapoints_to_alarm:
        description: How many of the evaluated periods must breach (at most O(alarms[].evaluation_periods)).
        type: int
      treat_missing_data:
        description: How missing data points count.
        type: str
        choices: [breaching, notBreaching, ignore, missing]
        default: missing
      unit:
        description: The metric's unit.
        type: str
      alarm_actions:
        description: ARNs notified when the alarm goes to ALARM.
        type: list
        elements: str
        default: []
      ok_actions:
        description: ARNs notified when the alarm goes back to OK.
        type: list
        elements: str
        default: []
      insufficient_data_actions:
        description: ARNs notified when the alarm has too little data.
        type: list
        elements: str
        default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes no change; reports what would change.
  diff_mode:
    support: full
    description: Shows each alarm's managed settings before and after.
  idempotent:
    support: full
    description: Alarms that match are not written to.
seealso:
  - module: amazon.aws.cloudwatch_metric_alarm
"""

EXAMPLES = r"""
- name: High CPU of a service, and no memory alarm any more
  llmops.litellm_ecs.cloudwatch_metric_alarms:
    alarms:
      - name: litellm-cpu-high
        namespace: AWS/ECS
        metric_name: CPUUtilization
        dimensions: {ClusterName: litellm, ServiceName: litellm}
        statistic: Average
        comparison: GreaterThanThreshold
        threshold: 80
        period: 60
        evaluation_periods: 5
        datapoints_to_alarm: 3
        alarm_actions: [arn:aws:sns:us-east-1:123456789012:litellm-alarms]
      - name: litellm-memory-high
        state: absent
"""

RETURN = r"""
alarms:
  description: Each alarm by name.
  returned: always
  type: dict
  contains:
    arn:
      description: The alarm's ARN; empty for one that is absent or would be created in check mode.
      type: str
    exists:
      description: Whether the alarm exists after the run (in check mode, would exist).
      type: bool
    changed:
      description: Whether this alarm was (or would be) created, changed or deleted.
      type: bool
  sample: {litellm-cpu-high: {arn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:litellm-cpu-high", exists: true, changed: false}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import batches
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import request
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_metric_alarms import spec_errors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error


class Alarms:
    """The calls on a set of alarms; ``written`` tells a later failure that some alarm was already changed."""

    def __init__(self, module, client):
        self.module, self.client = module, client
        self.written = False

    @AWSErrors.common_error_handler("describe the alarms {names}")
    def describe(self, names):
        """The existing metric alarms among ``names`` (at most 100), by name."""
        pages = self.client.get_paginator("describe_alarms").paginate(AlarmNames=list(names), AlarmTypes=["MetricAlarm"])
        return {alarm["AlarmName"]: alarm for page in pages for alarm in page.get("MetricAlarms", [])}

    @AWSErrors.common_error_handler("create or update the alarm {name}")
    def put(self, name, wanted):
        self.client.put_metric_alarm(**wanted)
        self.written = True

    @AWSErrors.common_error_handler("delete the alarms {names}")
    def delete(self, names):
        self.client.delete_alarms(AlarmNames=list(names))
        self.written = True

    def existing(self, names):
        found = {}
        for batch in batches(names):
            found.update(self.describe(batch))
        return found

    def ensure(self, specs):
        """The module's result: each alarm of ``specs`` put, deleted or left alone."""
        check_mode = self.module.check_mode
        existing = self.existing([spec["name"] for spec in specs])
        alarms, diff, doomed = {}, {"before": {}, "after": {}}, []
        for spec in specs:
            name, found = spec["name"], existing.get(spec["name"])
            before = comparable(found)
            if spec["state"] == "absent":
                after = {}
                if found:
                    doomed.append(name)
            else:
                wanted = request(spec)
                after = comparable(wanted)
                if after != before and not check_mode:
                    self.put(name, wanted)
            alarms[name] = {"changed": after != before, "exists": bool(after), "arn": (found or {}).get("AlarmArn", "")}
            diff["before"][name], diff["after"][name] = before, after
        if not check_mode:
            for batch in batches(doomed):
                self.delete(batch)
            created = [name for name, item in alarms.items() if item["exists"] and not item["arn"]]
            for name, found in self.existing(created).items():
                alarms[name]["arn"] = found.get("AlarmArn", "")
        for item in alarms.values():
            if not item["exists"]:
                item["arn"] = ""
        result = dict(changed=any(item["changed"] for item in alarms.values()), alarms=alarms)
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = diff
        return result


def main():
    alarm = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict", default={}),
        statistic=dict(type="str"),
        extended_statistic=dict(type="str"),
        comparison=dict(type="str", choices=["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                                             "LessThanOrEqualToThreshold"]),
        threshold=dict(type="float"),
        period=dict(type="int"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"),
        unit=dict(type="str"),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(argument_spec=dict(alarms=dict(type="list", elements="dict", required=True, options=alarm)),
                              supports_check_mode=True)
    specs = module.params["alarms"]
    errors = spec_errors(specs)
    if errors:
        module.fail_json(msg="The alarms cannot be kept as given: " + "; ".join(errors) + ". Nothing was changed.")
    alarms = Alarms(module, retries.client(module, "cloudwatch"))
    try:
        module.exit_json(**alarms.ensure(specs))
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", alarms.written)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
