"""The emulator harness leaves no process behind, and the README's deploy command works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import dev
from localaws.harness import Emulator, pid_alive

pytestmark = pytest.mark.emulator


def wait_gone(pid, budget=15.0):
    deadline = time.monotonic() + budget
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not pid_alive(pid)


def test_stop_ends_the_emulator(tmp_path):
    emulator = Emulator(tmp_path)
    emulator.start()
    pid = emulator.pid
    assert pid_alive(pid)
    assert emulator.stop() is True
    assert not pid_alive(pid)
    assert emulator.pid is None
    assert emulator.stop() is False  # stopping twice is harmless


def test_emulator_dies_with_a_killed_starter(tmp_path):
    """A starter killed with SIGKILL (a crashed test run) takes no cleanup step: the emulator still goes."""
    starter = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(dev.TOOLS)!r})
            from pathlib import Path
            from localaws.harness import Emulator
            print(Emulator(Path({str(tmp_path)!r})).start(), flush=True)
            time.sleep(600)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert starter.stdout.readline().startswith("http://127.0.0.1:")
        pid = Emulator(tmp_path).pid
        assert pid_alive(pid)
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
    assert wait_gone(pid), f"emulator {pid} outlived its killed starter"


def test_deploy_command_summarises_and_stops(tmp_path):
    env = dict(os.environ, LITELLM_ECS_STATE_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, str(dev.ROOT / "tools" / "dev.py"), "deploy"], env=env,
                          capture_output=True, text=True, check=False, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    summary = output[output.index("Summary"):]
    for expected in ("Changed in this run", "What exists now:", "role/litellm-execution", "role/litellm-task",
                     "AWSServiceRoleForECS", "litellm/master-key", "litellm/salt-key", "litellm/provider/OPENAI_API_KEY",
                     "ECS cluster     litellm", "Load balancer   litellm-alb", "health check /health/readiness",
                     "litellm-efs (ingress from sg-", "6 mount targets"):
        assert expected in summary, expected
    assert "Stopped the local AWS emulator" in output
    assert "sk-local-fake-openai-key" not in output  # the local inventory's fake provider key
    assert not (tmp_path / "emulator" / "moto.pid").exists()


def test_emulator_logs_every_aws_request(tmp_path):
    import boto3  # pylint: disable=import-outside-toplevel

    emulator = Emulator(tmp_path)
    emulator.start()
    try:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        session.client("sts", endpoint_url=emulator.endpoint).get_caller_identity()
        session.client("ecs", endpoint_url=emulator.endpoint).list_clusters()
        assert [(item["service"], item["action"], item["status"]) for item in emulator.requests()] == [
            ("sts", "GetCallerIdentity", 200), ("ecs", "ListClusters", 200)]
        assert [item["action"] for item in emulator.requests(since=1)] == ["ListClusters"]
    finally:
        emulator.stop()
