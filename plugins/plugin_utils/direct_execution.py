"""PROTOTYPE"""
from __future__ import annotations
import copy, importlib, io, json, sys
from ansible.plugins.action import ActionBase
from ansible.module_utils.common.json import Direction, get_module_encoder
import boto3  # noqa: F401  imported once in the controller, inherited by every worker
from ansible_collections.amazon.aws.plugins.module_utils import modules as _aws_modules  # noqa: F401
from ansible.module_utils import basic

PROFILE = "legacy"

class DirectExecutionAction(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._task.async_val:
            return self._execute_module(task_vars=task_vars)
        args = copy.deepcopy(self._task.args)
        self._update_module_args(self._task.action, args, task_vars)
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(self._task.action, collection_list=self._task.collections)
        module = importlib.import_module(context.plugin_resolved_name)
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)).encode()
        basic._ANSIBLE_PROFILE = PROFILE
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        rc = 0
        try:
            sys.stdout, sys.stderr = out, err
            module.main()
        except SystemExit as exc:
            rc = exc.code or 0
        finally:
            sys.stdout, sys.stderr = saved
        data = self._parse_returned_data({"stdout": out.getvalue(), "stderr": err.getvalue(), "rc": rc}, PROFILE)
        from ansible.vars.clean import remove_internal_keys
        remove_internal_keys(data)
        result.update(data)
        return result
