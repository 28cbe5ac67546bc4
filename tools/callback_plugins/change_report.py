# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record what a run did, for the deploy summary, the tests and the benchmark.

Not part of the collection: tools/dev.py and the tests enable it with ANSIBLE_CALLBACK_PLUGINS and
ANSIBLE_CALLBACKS_ENABLED, and it writes JSON to the file named by LITELLM_ECS_CHANGE_REPORT.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: change_report
type: aggregate
short_description: Write the changed tasks, every task's outcome and time, and the play recap as JSON
description:
  - Writes the changed tasks (task, role, host), each task that ran (its action, outcome, loop items, seconds,
    and how many module runs it made, and how many of them were this collection's modules) and each host's recap counts as JSON to the file named by the
    environment variable C(LITELLM_ECS_CHANGE_REPORT).
requirements:
  - enable in callbacks_enabled
"""

# Actions that run on the controller only and start no module.
CONTROLLER_ACTIONS = frozenset(
    f"ansible.builtin.{name}" for name in (
        "add_host", "assert", "debug", "fail", "group_by", "include_role", "include_tasks", "include_vars",
        "import_role", "import_tasks", "meta", "pause", "set_fact", "set_stats", "validate_argument_spec",
    )
)
# This collection's modules run in the controller's worker on the local connection (plugin_utils/direct_execution.py).
COLLECTION = "llmops.litellm_ecs."


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "change_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._changed = []
        self._tasks = []
        self._current = None

    def _start(self, task):
        self._finish()
        self._current = {"task": task.name or task.action, "action": task.resolved_action or task.action,
                         "role": task._role.get_name() if task._role else "",  # pylint: disable=protected-access
                         "started": time.monotonic(), "status": "", "items": 0, "module_runs": 0, "collection_runs": 0}

    def _finish(self):
        if self._current:
            self._current["seconds"] = round(time.monotonic() - self._current.pop("started"), 3)
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def _count(self, result, status):
        if self._current is None:
            return
        self._current["status"] = status
        outcome = result._result  # pylint: disable=protected-access
        items = outcome.get("results") if isinstance(outcome.get("results"), list) else None
        runs = [item for item in items if not item.get("skipped")] if items is not None else ([] if status == "skipped" else [outcome])
        self._current["items"] = len(items) if items is not None else 0
        if self._current["action"] not in CONTROLLER_ACTIONS:
            self._current["module_runs"] += len(runs)
            if self._current["action"].startswith(COLLECTION):
                self._current["collection_runs"] += len(runs)

    def v2_runner_on_ok(self, result):
        self._count(result, "changed" if result._result.get("changed", False) else "ok")  # pylint: disable=protected-access
        if result._result.get("changed", False):  # pylint: disable=protected-access
            task = result._task  # pylint: disable=protected-access
            role = task._role.get_name() if task._role else ""  # pylint: disable=protected-access
            self._changed.append({"task": task.name or task.action, "role": role, "host": result._host.get_name()})  # pylint: disable=protected-access

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._count(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._count(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._finish()
        path = os.environ.get("LITELLM_ECS_CHANGE_REPORT")
        if not path:
            return
        report = {
            "changed": self._changed,
            "tasks": self._tasks,
            "stats": {host: stats.summarize(host) for host in sorted(stats.processed)},
        }
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
