"""The molecule scenario extensions/molecule/default: `molecule test` end to end on the local AWS emulator.

create starts the emulator through the harness, converge runs llmops.litellm_ecs.site, idempotence runs it
again, verify reads the result back with the amazon.aws info modules, destroy stops the emulator. This test
is the long-lived process the emulator watches, so a killed molecule run leaves no emulator behind.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

import dev
from tooling import run, tail
from localaws.harness import Emulator

pytestmark = pytest.mark.quality

BUDGET = 1200  # seconds for the whole `molecule test`; it takes about 25 s on an idle machine
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RUNNING_ON = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")


def emulator_processes(ports: set[str]) -> list[str]:
    """Command lines of live emulator processes listening on one of ``ports`` (each emulator's own)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        words = [word.decode(errors="replace") for word in argv]
        if "localaws.server" not in words or "--port" not in words:
            continue
        port_index = words.index("--port") + 1
        if port_index < len(words) and words[port_index] in ports:
            found.append(f"pid {proc.name}: {' '.join(words)}")
    return found


@pytest.fixture(name="scratch")
def fixture_scratch(tmp_path):
    """A scratch HOME (molecule writes under ~/.ansible and ~/.cache) and the emulator's state directory."""
    home, state = tmp_path / "home", tmp_path / "emulator"
    home.mkdir()
    yield home, state
    # Whatever the test found, leave no emulator behind (stop() is a no-op when none is recorded).
    Emulator(state).stop()


def test_molecule_default_scenario(scratch, record_property):
    home, state = scratch
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("MOLECULE_") and key != "LITELLM_ECS_AWS_ENDPOINT_URL"}
    env.update({
        "HOME": str(home),
        "PATH": f"{dev.VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "LITELLM_ECS_EMULATOR_STATE": str(state),
        # The emulator exits when this pytest process does, even if molecule is killed on the way.
        "LITELLM_ECS_EMULATOR_WATCH_PID": str(os.getpid()),
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
    })
    dev.collections_path()  # molecule.yml's ANSIBLE_COLLECTIONS_PATH: llmops.litellm_ecs is this tree

    started = time.monotonic()
    proc = run([sys.executable, "-m", "molecule", "test"], cwd=dev.ROOT, env=env, timeout=BUDGET)
    output = proc.stdout
    seconds = time.monotonic() - started
    output = ANSI.sub("", output)
    record_property("molecule_test_seconds", round(seconds, 1))
    print(f"molecule test took {seconds:.1f} s")

    assert proc.returncode == 0, f"molecule test exited with {proc.returncode}:\n{tail(output)}"
    # molecule's per-step result line: "default ➜ idempotence: Executed: Successful" (with NO_COLOR
    # "[default > idempotence] Executed: Successful"); the final summary repeats it.
    for step in ("idempotence", "verify"):
        assert re.search(rf"\b{step}\]?:? Executed: Successful", output), f"no successful {step} step:\n{tail(output)}"

    # The run started an emulator from this state directory, and destroy stopped it.
    log = state / "moto.log"
    assert log.exists(), f"create.yml started no emulator in {state}:\n{tail(output)}"
    ports = set(RUNNING_ON.findall(log.read_text(encoding="utf-8", errors="replace")))
    assert ports, f"the emulator's log {log} names no port:\n{tail(output)}"
    assert not (state / "moto.pid").exists(), f"destroy.yml left {state / 'moto.pid'} behind:\n{tail(output)}"
    alive = emulator_processes(ports)
    assert not alive, "emulator processes of this run still alive after molecule test:\n" + "\n".join(alive)
