"""What the quality tests share: the collection's identity and paths, and running a tool from its virtualenv (own
process group, bounded, with a readable failure)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import yaml

TAIL_LINES = 200
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # not resolved: the virtualenv's bin, not its base Python's
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
NAMESPACE, NAME = "llmops", "litellm_ecs"


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


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}; run: python3 tools/dev.py test"
    return str(path)


def tool_env(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with a scratch HOME, the virtualenv first on PATH and no colour."""
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({
        "HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PY_COLORS": "0",
    })
    env.update(extra)
    return env


def report(proc: subprocess.CompletedProcess, what: str) -> str:
    """An assertion message: what failed, the command, and the last lines of the tool's output."""
    return f"{what} (exit {proc.returncode}): {' '.join(proc.args)}\n{tail(proc.stdout)}"


def galaxy_version() -> str:
    return yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
