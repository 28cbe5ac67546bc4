"""Running one of the collection's modules in-process, the way the unit tests do."""

from __future__ import annotations

import json

import pytest
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
    # A module process starts with no warnings; in one test process they would pile up from earlier runs.
    warnings._global_warnings.clear()  # pylint: disable=protected-access
    warnings._global_deprecations.clear()  # pylint: disable=protected-access
    with patch_module_args(args), pytest.raises(SystemExit):
        main()
    return json.loads(capsys.readouterr().out)
