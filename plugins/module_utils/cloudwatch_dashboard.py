# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Validating, serialising and comparing CloudWatch dashboard bodies (no AWS needed).

What CloudWatch says about a body (its validation messages) is outside text, masked with ``text.mask``.
"""

from __future__ import annotations

import json
import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask

# PutDashboard: "A dashboard name can contain only alphanumerics, dash (-), and underscore (_)", at most 255.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class DashboardBodyError(ValueError):
    """The dashboard name or body cannot be sent to PutDashboard; the message says why and what to do."""


def check_name(name):
    """Raise DashboardBodyError unless ``name`` is a name PutDashboard takes."""
    if NAME_PATTERN.match(name or ""):
        return
    raise DashboardBodyError(f"name {name!r} is not a valid dashboard name: use 1 to 255 letters, digits, '-' or '_'")


def parse_body(body):
    """The dashboard body as a dict, from a dict or a JSON string; raises DashboardBodyError unless it is
    a JSON object whose ``widgets`` is a list of objects."""
    what = "body must be a JSON object with a 'widgets' list, as in PutDashboard's DashboardBody"
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError as e:
            raise DashboardBodyError(f"{what}, but it is not valid JSON ({e})") from e
    else:
        parsed = body
    if not isinstance(parsed, dict):
        raise DashboardBodyError(f"{what}, but it is a {type(parsed).__name__}")
    widgets = parsed.get("widgets")
    if not isinstance(widgets, list):
        found = "has no 'widgets' key" if "widgets" not in parsed else f"has a 'widgets' {type(widgets).__name__}"
        raise DashboardBodyError(f"{what}, but it {found}")
    for index, widget in enumerate(widgets):
        if not isinstance(widget, dict):
            raise DashboardBodyError(f"{what}, but body.widgets[{index}] is a {type(widget).__name__}, not an object")
    return parsed


def serialise_body(body):
    """What to send as DashboardBody: a JSON string as given, a dict compactly with sorted keys."""
    if isinstance(body, str):
        return body
    return canonical(body)


def canonical(parsed):
    """One spelling per JSON value: sorted keys, no whitespace."""
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"))


def load_existing(text):
    """The stored DashboardBody parsed; the raw text when it somehow is not JSON (it then differs from any wish)."""
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text


def bodies_differ(existing, wanted):
    """Whether two bodies (parsed, or JSON text) differ as JSON values: key order and whitespace do not count,
    any other change (a widget added, removed, moved or edited; ``true`` against ``1``) does."""
    existing = load_existing(existing) if isinstance(existing, str) else existing
    wanted = load_existing(wanted) if isinstance(wanted, str) else wanted
    if isinstance(existing, str) or isinstance(wanted, str):
        return True
    return canonical(existing) != canonical(wanted)


def validation_messages(messages):
    """DashboardValidationMessages in the module's snake_case shape, masked."""
    return [{"data_path": item.get("DataPath", ""), "message": mask(item.get("Message", ""))} for item in messages or []]


def error_validation_messages(response):
    """The validation messages carried by a PutDashboard InvalidParameterInput error response, wherever the
    protocol parser put them (top level for modeled error fields, or inside ``Error``)."""
    for place in (response or {}, (response or {}).get("Error") or {}):
        for key in ("dashboardValidationMessages", "DashboardValidationMessages"):
            if place.get(key):
                return validation_messages(place[key])
    return []


def describe_messages(messages):
    return "; ".join(f"{item['data_path'] or '(body)'}: {item['message']}" for item in messages)


def rejection(name, response):
    """The failure message and the validation messages of a PutDashboard InvalidParameterInput error response."""
    messages = error_validation_messages(response)
    detail = describe_messages(messages) or mask(((response or {}).get("Error") or {}).get("Message") or "no details given")
    return f"CloudWatch rejected the body of dashboard {name}: {detail}. Correct the body at the paths named and run again", messages


def dashboard_output(dashboard):
    """A GetDashboard answer in the module's return shape."""
    if not dashboard:
        return {}
    return {
        "name": dashboard.get("DashboardName"),
        "arn": dashboard.get("DashboardArn"),
        "body": load_existing(dashboard.get("DashboardBody")),
    }
