# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparing CloudWatch metric alarms with the alarms they should be (no AWS needed)."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.specs import repeated

COMPARISONS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold")
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
# What PutMetricAlarm sets that this module manages; everything else an alarm has (its state, ARN, timestamps) is not compared.
MANAGED = ("AlarmName", "AlarmDescription", "Namespace", "MetricName", "Dimensions", "Statistic", "ExtendedStatistic",
           "ComparisonOperator", "Threshold", "Period", "EvaluationPeriods", "DatapointsToAlarm", "TreatMissingData",
           "AlarmActions", "OKActions", "InsufficientDataActions", "ActionsEnabled", "Unit")
# DescribeAlarms and DeleteAlarms take at most 100 names a call.
BATCH = 100


class Names(tuple):
    """Alarm names that read ``a, b`` in a message (an error description's ``{names}``)."""

    def __str__(self):
        return ", ".join(self)


def batches(names, size=BATCH):
    """``names`` as ``Names`` of at most ``size`` each, for the calls that take at most 100."""
    names = list(names)
    return [Names(names[start:start + size]) for start in range(0, len(names), size)]


def spec_errors(specs):
    """What is wrong with the alarms' specs, each message naming the alarm and the field."""
    errors = []
    for duplicate in repeated(spec["name"] for spec in specs):
        errors.append(f"alarms: the name {duplicate!r} is given more than once")
    for spec in specs:
        if spec.get("state", "present") != "present":
            continue
        where = f"alarms[{spec['name']}]"
        for field in ("namespace", "metric_name", "comparison", "threshold", "period", "evaluation_periods"):
            if spec.get(field) is None:
                errors.append(f"{where}.{field} is required for an alarm that should exist")
        if (spec.get("statistic") is None) == (spec.get("extended_statistic") is None):
            errors.append(f"{where}: give exactly one of statistic and extended_statistic (such as p95)")
        if spec.get("comparison") is not None and spec["comparison"] not in COMPARISONS:
            errors.append(f"{where}.comparison is {spec['comparison']!r}: use one of {', '.join(COMPARISONS)}")
        if spec.get("treat_missing_data", "missing") not in MISSING_DATA:
            errors.append(f"{where}.treat_missing_data is {spec['treat_missing_data']!r}: use one of {', '.join(MISSING_DATA)}")
        datapoints, periods = spec.get("datapoints_to_alarm"), spec.get("evaluation_periods")
        if datapoints is not None and periods is not None and not 1 <= datapoints <= periods:
            errors.append(f"{where}.datapoints_to_alarm is {datapoints}: use 1 to evaluation_periods ({periods})")
    return errors


def request(spec):
    """The PutMetricAlarm arguments for an alarm spec."""
    params = {
        "AlarmName": spec["name"],
        "AlarmDescription": spec.get("description") or "",
        "Namespace": spec["namespace"],
        "MetricName": spec["metric_name"],
        "Dimensions": [{"Name": key, "Value": str(value)} for key, value in sorted((spec.get("dimensions") or {}).items())],
        "ComparisonOperator": spec["comparison"],
        "Threshold": float(spec["threshold"]),
        "Period": int(spec["period"]),
        "EvaluationPeriods": int(spec["evaluation_periods"]),
        "TreatMissingData": spec.get("treat_missing_data") or "missing",
        "AlarmActions": list(spec.get("alarm_actions") or []),
        "OKActions": list(spec.get("ok_actions") or []),
        "InsufficientDataActions": list(spec.get("insufficient_data_actions") or []),
        "ActionsEnabled": True,
    }
    if spec.get("statistic"):
        params["Statistic"] = spec["statistic"]
    if spec.get("extended_statistic"):
        params["ExtendedStatistic"] = spec["extended_statistic"]
    if spec.get("datapoints_to_alarm") is not None:
        params["DatapointsToAlarm"] = int(spec["datapoints_to_alarm"])
    if spec.get("unit"):
        params["Unit"] = spec["unit"]
    return params


def comparable(alarm):
    """The managed part of a DescribeAlarms entry (or of a PutMetricAlarm request), in one normal form."""
    if not alarm:
        return {}
    found = {key: alarm[key] for key in MANAGED if alarm.get(key) not in (None, "", [])}
    found.setdefault("TreatMissingData", "missing")  # alarms created before the setting existed
    found.setdefault("ActionsEnabled", True)
    if "Dimensions" in found:
        found["Dimensions"] = sorted(({"Name": item["Name"], "Value": item["Value"]} for item in found["Dimensions"]),
                                     key=lambda item: item["Name"])
    if "Threshold" in found:
        found["Threshold"] = float(found["Threshold"])
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        if key in found:
            found[key] = sorted(found[key])
    return found
