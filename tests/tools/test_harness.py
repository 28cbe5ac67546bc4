"""The emulator harness leaves no process behind, and the README's deploy, call and stop commands work."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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


def dev_command(*args, state, extra_env=None, timeout=900):
    env = dict(os.environ, LITELLM_ECS_STATE_DIR=str(state), **(extra_env or {}))
    proc = subprocess.run([sys.executable, str(dev.ROOT / "tools" / "dev.py"), *args], env=env,
                          capture_output=True, text=True, check=False, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def recorded_pids(state):
    """The pids (each also a process group id) the state directory records: emulator, proxy process, and the
    supervisors of the local tasks and of the Redis standing in for the ElastiCache (litellm.pid, one a line)."""
    files = [state / "emulator" / "moto.pid", state / "proxy" / "proxy.pid", state / "proxy" / "litellm.pid"]
    found = {path.name: [int(line) for line in path.read_text(encoding="utf-8").split()] for path in files if path.exists()}
    return {name: pids[0] if name != "litellm.pid" else pids for name, pids in found.items()}


def processes_left(pids, marker, budget=5.0):
    """Processes whose pid or process group is one of ``pids``, or whose command line names ``marker``
    (zombies not yet reaped by init are given ``budget`` seconds)."""
    deadline = time.monotonic() + budget
    while True:
        left = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat, argv = (entry / "stat").read_text(encoding="utf-8"), (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                pgrp = int(stat[stat.rindex(")") + 2:].split()[2])
                if int(entry.name) in pids or pgrp in pids or marker.encode() in argv:
                    left.append(f"{entry.name} (group {pgrp}): {argv.replace(bytes(1), b' ').decode(errors='replace')}")
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_deploy_keep_leaves_a_proxy_to_call_and_stop_ends_everything(tmp_path):
    """The README's deploy command: the summary, then (--keep) a curl line that works, then 'stop' leaves nothing."""
    import boto3  # pylint: disable=import-outside-toplevel

    pids = {}
    try:
        code, output = dev_command("deploy", "--keep", state=tmp_path)
        pids = recorded_pids(tmp_path)
        assert code == 0, output[-4000:]
        assert set(pids) == {"moto.pid", "proxy.pid", "litellm.pid"}, (pids, output[-4000:])
        # Two local tasks (the default inventory's desired count) and the Redis standing in for the created ElastiCache.
        assert len(pids["litellm.pid"]) == 3, pids
        summary = output[output.index("Summary"):output.index("The local AWS emulator is still running")]
        for expected in ("Changed in this run", "What exists now:", "role/litellm-execution", "role/litellm-task",
                         "AWSServiceRoleForECS", "litellm/master-key", "litellm/salt-key", "litellm/provider/OPENAI_API_KEY",
                         "ECS cluster     litellm", "Load balancer   litellm-alb", "health check /health/readiness",
                         "litellm-efs (ingress from sg-", "6 mount targets"):
            assert expected in summary, expected
        # It ends with the endpoint, the models, the revision and the gate's verdict.
        tail = summary.strip().splitlines()[-7:]
        port = (tmp_path / "proxy" / "proxy.port").read_text(encoding="utf-8").strip()
        assert tail[0] == "Endpoint:"
        assert tail[1].split()[:4] == ["Local", "task", "1", f"http://127.0.0.1:{port}"]
        assert tail[2].split()[:3] == ["Local", "task", "2"] and f":{port} " not in tail[2]
        assert tail[3].split()[:3] == ["Load", "balancer", "litellm-alb-1.us-east-1.elb.amazonaws.com"]
        assert tail[4].split() == ["Models:", "gpt-4o-mini,", "claude-haiku"]
        assert tail[5].split()[:3] == ["Task", "definition:", "litellm:1"]
        assert tail[6].split() == ["Gate:", "passed"]

        curl = [line.strip() for line in output.splitlines() if line.strip().startswith("curl ")]
        assert len(curl) == 1, output[-2000:]
        assert f"http://127.0.0.1:{port}/v1/chat/completions" in curl[0]
        assert "python3 tools/dev.py stop" in output
        endpoint = f"http://127.0.0.1:{(tmp_path / 'emulator' / 'moto.port').read_text(encoding='utf-8').strip()}"
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        key = session.client("secretsmanager", endpoint_url=endpoint).get_secret_value(SecretId="litellm/master-key")["SecretString"]
        # The master key is on the terminal once, in the curl line; the fake provider key not at all; no file has either.
        assert output.count(key) == 1 and key in curl[0]
        assert "sk-local-fake-openai-key" not in output
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path

        # Pasted into a shell (loopback only: no HTTP proxy from the environment), the line gets the mock model's answer.
        no_proxy = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
        done = subprocess.run(["bash", "-c", curl[0]], env=no_proxy, capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["choices"][0]["message"]["content"] == "Hello from the local LiteLLM proxy.", answer

        code, output = dev_command("stop", state=tmp_path, timeout=120)
        assert code == 0, output
        assert f"stopped the local LiteLLM proxy (pid {pids['proxy.pid']}, port {port})" in output
        assert f"stopped the local AWS emulator (pid {pids['moto.pid']})" in output
        assert output.index("LiteLLM proxy") < output.index("AWS emulator")  # the proxy first
    finally:
        if recorded_pids(tmp_path):
            dev_command("stop", state=tmp_path, timeout=120)  # whatever failed above, leave no process
    flat = {pid for value in pids.values() for pid in (value if isinstance(value, list) else [value])}
    assert processes_left(flat, str(tmp_path)) == []
    assert recorded_pids(tmp_path) == {}
    assert dev_command("stop", state=tmp_path, timeout=120)[1].splitlines() == [
        "no local LiteLLM proxy was running", "no emulator was running"]


def test_deploy_without_keep_stops_everything(tmp_path):
    """Without --keep the emulator and the proxy stop at the end (a short run: no task selected, so no service and no gate)."""
    code, output = dev_command("deploy", state=tmp_path, extra_env={"ANSIBLE_RUN_TAGS": "nothing", "ANSIBLE_SKIP_TAGS": "always"})
    assert code == 0, output[-4000:]
    assert "\nGate:             not run\n" in output
    assert "Stopped the local AWS emulator" in output
    assert "curl " not in output
    assert recorded_pids(tmp_path) == {}
    pid = int(re.search(r"Local AWS emulator: http://127\.0\.0\.1:\d+ \(pid (\d+)\)", output).group(1))
    assert processes_left({pid}, str(tmp_path)) == []


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
