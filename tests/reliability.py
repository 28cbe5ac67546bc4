"""Figures the reliability tests measure (trials run, calls counted, faults injected, inputs rejected, leaks found).

Each reliability test calls ``record(trial, **figures)`` with what it measured. The figures go, one JSON object per
line, to the file that ``LITELLM_ECS_RELIABILITY_RECORD`` names; without it (a plain test run) nothing is written.
``python3 tools/dev.py reliability`` runs the reliability tests with that variable set and renders the figures of
that one run as ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import os
import time

RECORD_VARIABLE = "LITELLM_ECS_RELIABILITY_RECORD"


def record(trial: str, **figures) -> None:
    """Append one trial's figures to the record file, when there is one."""
    path = os.environ.get(RECORD_VARIABLE)
    if not path:
        return
    line = json.dumps({"trial": trial, "time": time.time(), **figures}, sort_keys=True, default=str)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
