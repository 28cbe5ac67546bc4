"""Running a tool from a quality test: own process group, bounded, with a readable failure."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

TAIL_LINES = 200


def tail(output: str) -> str:
    """The last TAIL_LINES lines of a tool's output, saying when some were cut."""
    lines = output.splitlines()
    shown = lines[-TAIL_LINES:]
    cut = f" (last {len(shown)} of {len(lines)} lines)" if len(lines) > len(shown) else ""
    return f"--- output{cut} ---\n" + "\n".join(shown)


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run a tool, its stderr folded into stdout; print how long it took (measured, never asserted).

    The tool runs in its own process group, so a timeout ends it and everything it started.
    """
    label = " ".join(Path(arg).name if os.sep in arg else arg for arg in cmd)
    started = time.monotonic()
    with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as proc:
        try:
            output = proc.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate()[0]
            pytest.fail(f"{label} did not finish within {timeout:.0f} s\n{tail(output)}")
    print(f"{label}: exit {proc.returncode} in {time.monotonic() - started:.1f} s")
    return subprocess.CompletedProcess(cmd, proc.returncode, output)
