# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record which tasks changed something, for the deploy summary and the tests.

Not part of the collection: tools/dev.py and the tests enable it with ANSIBLE_CALLBACK_PLUGINS and
ANSIBLE_CALLBACKS_ENABLED, and it writes JSON to the file named by LITELLM_ECS_CHANGE_REPORT.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: change_report
type: aggregate
short_description: Write the changed tasks and the play recap as JSON
description:
  - Writes the changed tasks (task, role, host) and each host's recap counts as JSON to the file named
    by the environment variable C(LITELLM_ECS_CHANGE_REPORT).
requirements:
  - enable in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "change_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._changed = []

    def v2_runner_on_ok(self, result):
        if result._result.get("changed", False):  # pylint: disable=protected-access
            task = result._task  # pylint: disable=protected-access
            role = task._role.get_name() if task._role else ""  # pylint: disable=protected-access
            self._changed.append({"task": task.name or task.action, "role": role, "host": result._host.get_name()})  # pylint: disable=protected-access

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("LITELLM_ECS_CHANGE_REPORT")
        if not path:
            return
        report = {
            "changed": self._changed,
            "stats": {host: stats.summarize(host) for host in sorted(stats.processed)},
        }
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
