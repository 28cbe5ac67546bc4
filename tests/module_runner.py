"""Running one of the collection's modules in-process, the way the unit tests do."""

from __future__ import annotations

import contextlib
import json

import pytest
from botocore.awsrequest import AWSResponse
from ansible.module_utils import _internal
from ansible.module_utils.common import warnings
from ansible.module_utils.testing import patch_module_args

REGION = "us-east-1"


def run_module(main, capsys, check_mode=False, diff=False, **args):
    """Call a module's ``main()`` with ``args`` (region defaulted); return its JSON result."""
    args.setdefault("region", REGION)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with as_module_process(args), pytest.raises(SystemExit):
        main()
    return json.loads(capsys.readouterr().out)


@contextlib.contextmanager
def as_module_process(args):
    """Run a module's ``main()`` in this process as in a module process of its own: with ``args``, no warnings left
    from earlier runs, and not as a controller, even when a test of a filter plugin has imported controller code into
    this process (ansible-core then routes a module's warnings to the controller's display instead of its result)."""
    warnings._global_warnings.clear()  # pylint: disable=protected-access
    warnings._global_deprecations.clear()  # pylint: disable=protected-access
    controller, _internal.is_controller = _internal.is_controller, False
    try:
        with patch_module_args(args):
            yield
    finally:
        _internal.is_controller = controller


def refuse(monkeypatch, service, operation, code, message="not allowed", times=None):
    """Every client the module makes answers ``operation`` of ``service`` (botocore's event name: ``ec2``, ``efs``,
    ``secrets-manager``) with the error ``code``, ``times`` times (None: always), then as moto does.

    Returns the list of the refusals made, one entry each.
    """
    from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries  # pylint: disable=import-outside-toplevel

    answered = []

    def answer(**_):
        if times is None or len(answered) < times:
            answered.append(code)
            return AWSResponse(f"https://{service}.us-east-1.amazonaws.com", 400, {}, None), {"Error": {"Code": code, "Message": message}}
        return None

    def client(module, name, **kwargs):
        made = real(module, name, **kwargs)
        made.meta.events.register(f"before-call.{service}.{operation}", answer)
        return made

    real = retries.client
    monkeypatch.setattr(retries, "client", client)
    return answered
