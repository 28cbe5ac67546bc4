# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run this collection's modules in the controller's worker process when the task runs on the controller.

A deployment's tasks all run on the controller (``localhost``, ``connection: local``, the controller's own
Python). Run the usual way, each module task starts a new interpreter, unpacks AnsiballZ and imports boto3 and
amazon.aws's module_utils again: about 0.75 s a task, most of a converge's time. ansible.netcommon solved the
same problem for network modules with "direct execution" (its ``import_modules`` option, on by default), and
ansible-core 2.19.1 added a hook for it. This is the same idea for this collection's modules:

* every module of the collection has an action plugin of the same name that is this ``ActionModule``;
* when the task is eligible, the action runs the module's ``main()`` in the worker process Ansible already
  forked for the task. boto3 and amazon.aws's module_utils are imported here, once, in the controller's main
  process when it first loads the action, so every worker inherits them. The module gets exactly the arguments
  it would get on stdin (``_update_module_args``, serialised with the profile ansible-core uses for modules
  without metadata), the task's ``environment``, and its printed result is parsed by the same
  ``_parse_returned_data`` that parses a module process's output: the result is the same either way;
* a task is eligible when the connection is ``local``, nothing is become, the task is not ``async`` and has no
  ``timeout`` (whose alarm would go off inside the module's own code), the interpreter the module would use is the
  controller's own (``ansible_playbook_python``, which the collection's inventories and an implicit localhost use),
  and ``litellm_direct_execution`` is not false. Otherwise the module runs the usual way (``_execute_module``),
  unchanged.

What a module process would start from is restored for each run, since one worker runs every item of a loop: the
environment, the working directory (the playbook's, as the local connection sets it) and the lists of warnings and
deprecations. An exception the module does not handle becomes its failed result, as the AnsiballZ wrapper makes it,
so ``failed_when`` and ``until`` see it; the worker itself is a throw-away fork.
"""

from __future__ import annotations

import io
import json
import os
import sys

from ansible.errors import AnsibleError
from ansible.module_utils import basic
from ansible.module_utils._internal._ansiballz import _loader
from ansible.module_utils.common import warnings
from ansible.module_utils.common.json import Direction
from ansible.module_utils.common.json import get_module_encoder
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash
from ansible.vars.clean import remove_internal_keys

try:  # imported once in the controller's main process; every worker forked for a task inherits them
    import boto3  # noqa: F401  pylint: disable=unused-import
    from ansible_collections.amazon.aws.plugins.module_utils import modules as _aws_modules  # noqa: F401  pylint: disable=unused-import
except ImportError:  # a module that needs them reports that itself, in either mode
    pass

# The serialisation profile ansible-core uses for a module that declares no metadata (all of this collection's).
PROFILE = "legacy"
SWITCH = "litellm_direct_execution"


class ActionModule(ActionBase):
    """Runs the task's module in the worker when the task runs on the controller, else the usual way."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        if not self.eligible(task_vars):
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        return merge_hash(result, self.run_in_worker(task_vars))

    def eligible(self, task_vars: dict) -> bool:
        """Whether the module can run here: on the controller, as the controller's user, with its Python."""
        if not boolean(self._templar.template(task_vars.get(SWITCH, True)), strict=False):
            return False
        if self._task.async_val or self._task.timeout or self._play_context.become or self._connection.transport != "local":
            return False
        interpreter = self._templar.template(task_vars.get("ansible_python_interpreter", ""))
        return bool(interpreter) and os.path.abspath(str(interpreter)) == os.path.abspath(sys.executable)

    def run_in_worker(self, task_vars: dict) -> dict:
        """Run the module's ``main()`` here, exactly as its own process would, and parse what it prints."""
        namespace, collection, name = self._task.resolved_action.split(".")
        module = __import__(f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}", fromlist=["main"])
        args = dict(self._task.args)
        self._update_module_args(self._task.resolved_action, args, task_vars)
        environment: dict = {}
        self._compute_environment_string(environment)
        basic._ANSIBLE_ARGS = json.dumps(  # pylint: disable=protected-access
            {"ANSIBLE_MODULE_ARGS": args}, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)).encode()
        basic._ANSIBLE_PROFILE = PROFILE  # pylint: disable=protected-access
        warnings._global_warnings.clear()  # pylint: disable=protected-access
        warnings._global_deprecations.clear()  # pylint: disable=protected-access
        stdout, stderr, code = io.StringIO(), io.StringIO(), 0
        saved = sys.stdout, sys.stderr, dict(os.environ), os.getcwd()
        try:
            os.environ.update({key: str(value) for key, value in environment.items()})
            os.chdir(self._loader.get_basedir())
            sys.stdout, sys.stderr = stdout, stderr
            try:
                module.main()
            except AnsibleError:
                raise  # the task executor's own, such as a connection failure
            except Exception as error:  # pylint: disable=broad-exception-caught
                _loader._handle_exception(error, PROFILE)  # pylint: disable=protected-access  # prints the failed result, exits 1
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.stdout, sys.stderr = saved[0], saved[1]
            os.environ.clear()
            os.environ.update(saved[2])
            os.chdir(saved[3])
        data = self._parse_returned_data({"stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "rc": code}, PROFILE)
        remove_internal_keys(data)
        return data
