"""The molecule scenarios under extensions/molecule (default: EFS config mode; s3): `molecule test --all` end to end on the local
AWS emulator.

For each scenario: create starts its emulator through the harness, converge runs llmops.litellm_ecs.site,
idempotence runs it again, verify reads the result back with the amazon.aws info modules and compares it with the
roles' outputs, side_effect runs llmops.litellm_ecs.teardown and checks that nothing of the deployment is left,
destroy stops the emulator. This test is the long-lived process the emulators watch, so a killed molecule run
leaves no emulator behind.
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

BUDGET = 1800  # seconds for the whole `molecule test --all`; about 40 s a scenario on an idle machine
SCENARIOS = ("default", "s3")
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
    for scenario in SCENARIOS:
        Emulator(state / scenario).stop()


def test_molecule_every_scenario(scratch, record_property):
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
    proc = run([sys.executable, "-m", "molecule", "test", "--all"], cwd=dev.ROOT, env=env, timeout=BUDGET)
    output = proc.stdout
    seconds = time.monotonic() - started
    output = ANSI.sub("", output)
    record_property("molecule_test_seconds", round(seconds, 1))
    print(f"molecule test took {seconds:.1f} s")

    assert proc.returncode == 0, f"molecule test --all exited with {proc.returncode}:\n{tail(output)}"
    for scenario in SCENARIOS:
        # molecule's per-step result line: "default ➜ idempotence: Executed: Successful" (with NO_COLOR
        # "[default > idempotence] Executed: Successful"); the final summary repeats it.
        for step in ("idempotence", "verify", "side_effect"):
            assert re.search(rf"\b{scenario}\W+{step}\]?:? Executed: Successful", output), (
                f"no successful {step} step in scenario {scenario}:\n{tail(output)}")

        # The scenario started its own emulator from its state directory, and destroy stopped it.
        log = state / scenario / "moto.log"
        assert log.exists(), f"create.yml started no emulator in {state / scenario}:\n{tail(output)}"
        ports = set(RUNNING_ON.findall(log.read_text(encoding="utf-8", errors="replace")))
        assert ports, f"the emulator's log {log} names no port:\n{tail(output)}"
        assert not (state / scenario / "moto.pid").exists(), f"destroy.yml left {state / scenario / 'moto.pid'} behind:\n{tail(output)}"
        alive = emulator_processes(ports)
        assert not alive, f"emulator processes of scenario {scenario} still alive after molecule test:\n" + "\n".join(alive)
