"""The real LiteLLM proxy harness (tools/litellm_proxy.py): one proxy with two mock models for the module."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from litellm_proxy import LiteLLMProxy, LiteLLMProxyError, group_alive, new_master_key, spawn_supervised

pytestmark = pytest.mark.litellm

MOCKS = {"gpt-4o-mini": "hello", "claude-haiku": "hi"}
CONFIG = b"""\
model_list:
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY, mock_response: "hello"}
  - model_name: claude-haiku
    litellm_params: {model: anthropic/claude-3-5-haiku-latest, api_key: os.environ/ANTHROPIC_API_KEY, mock_response: "hi"}
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""
TESTS_DIR = Path(__file__).resolve().parent.parent
TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"  # where litellm_proxy.py lives


@pytest.fixture(scope="module", name="master_key")
def fixture_master_key() -> str:
    return new_master_key()


@pytest.fixture(scope="module", name="proxy")
def fixture_proxy(tmp_path_factory, master_key):
    env = {"OPENAI_API_KEY": "sk-fake-openai", "ANTHROPIC_API_KEY": "sk-ant-fake", "LITELLM_MASTER_KEY": master_key}
    with LiteLLMProxy(CONFIG, env, tmp_path_factory.mktemp("litellm")) as proxy:
        print(f"LiteLLM proxy alive after {proxy.startup_seconds:.1f} s on {proxy.url}")
        yield proxy


def wait_gone(predicate, budget: float = 15.0) -> bool:
    """Poll until predicate() is false; return whether it became false within the budget."""
    deadline = time.monotonic() + budget
    while predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, ...
            members.append(int(stat.parent.name))
    return members


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_models_lists_exactly_the_configured_names(proxy, master_key):
    assert sorted(proxy.models(master_key)) == sorted(MOCKS)


@pytest.mark.parametrize("model", sorted(MOCKS))
def test_chat_answers_with_the_mock_content(proxy, master_key, model):
    answer = proxy.chat(master_key, model)
    assert answer["choices"][0]["message"]["content"] == MOCKS[model]
    assert answer["model"] == model


def test_unknown_model_is_rejected(proxy, master_key):
    status, body = proxy.request("POST", "/chat/completions", master_key,
                                 {"model": "not-configured", "messages": [{"role": "user", "content": "x"}]})
    assert status == 400
    assert "Invalid model name" in str(body)


def test_wrong_key_is_rejected(proxy):
    status, body = proxy.request("GET", "/v1/models", "sk-" + "0" * 32)
    # Without a database litellm 1.108.7 answers 400 "No connected db."; with one (or other releases) 401.
    assert status in (400, 401), body
    if status == 400:
        assert "No connected db" in body["error"]["message"]


def test_missing_key_is_rejected_with_401(proxy):
    # 401 (not 500) shows the prisma package is installed next to litellm.
    status, body = proxy.request("GET", "/v1/models")
    assert status == 401, body


def test_proxy_environment_is_not_inherited(proxy, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://leak@127.0.0.1/none")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-shell")
    env = proxy.process_env()
    assert "DATABASE_URL" not in env
    assert env["OPENAI_API_KEY"] == "sk-fake-openai"
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"


def test_api_key_from_a_missing_variable_still_starts(tmp_path):
    # Measured on litellm 1.108.7: `api_key: os.environ/MISSING_VAR` with MISSING_VAR unset does NOT stop the
    # proxy; it starts, lists the model and (thanks to mock_response) answers on it. A missing provider
    # secret therefore only shows on the first real call to that provider, never at start-up.
    key = new_master_key()
    config = textwrap.dedent("""\
        model_list:
          - model_name: needs-missing
            litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/MISSING_VAR, mock_response: "still here"}
        general_settings:
          master_key: os.environ/LITELLM_MASTER_KEY
        """).encode()
    with LiteLLMProxy(config, {"LITELLM_MASTER_KEY": key}, tmp_path) as proxy:
        assert "MISSING_VAR" not in proxy.process_env()
        assert proxy.models(key) == ["needs-missing"]
        assert proxy.chat(key, "needs-missing")["choices"][0]["message"]["content"] == "still here"


def test_a_proxy_that_refuses_to_start_fails_fast_with_its_log(tmp_path):
    # The well-known key sk-1234 makes current releases exit (rc 3) instead of serving.
    proxy = LiteLLMProxy(b"general_settings:\n  master_key: sk-1234\n", {}, tmp_path)
    with pytest.raises(LiteLLMProxyError, match="exited with") as failure:  # not "did not answer ... within"
        proxy.start()
    assert "refused to start" in str(failure.value)  # the proxy's own words, from the log tail
    assert not proxy.running()


def test_supervisor_kills_the_command_when_its_parent_process_dies(tmp_path):
    """SIGKILL the process that started a supervised group: the whole group must go (no orphans)."""
    starter = textwrap.dedent(f"""\
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(TOOLS_DIR)!r})
        from litellm_proxy import spawn_supervised
        proc, _pipe = spawn_supervised(["sh", "-c", "sleep 300 & sleep 300"], env={{"PATH": "/usr/bin:/bin"}},
                                       log_path=Path({str(tmp_path / 'log')!r}), cwd=Path({str(tmp_path)!r}))
        print(proc.pid, flush=True)
        time.sleep(300)
        """)
    parent = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True)
    try:
        pgid = int(parent.stdout.readline())
        assert wait_gone(lambda: len(group_members(pgid)) < 4, budget=10), \
            f"the supervised group did not reach supervisor, sh and two sleeps: {group_members(pgid)}"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    assert wait_gone(lambda: group_alive(pgid)), f"process group {pgid} outlived the process that started it"


def test_command_dies_with_a_killed_supervisor(tmp_path):
    """PR_SET_PDEATHSIG: SIGKILL the supervisor itself and its direct child goes too."""
    proc, pipe = spawn_supervised(["sleep", "300"], env={"PATH": "/usr/bin:/bin"}, log_path=tmp_path / "log",
                                  cwd=tmp_path)
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        assert wait_gone(lambda: not children.read_text().split(), budget=10), "the supervisor started nothing"
        child = int(children.read_text().split()[0])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_gone(lambda: pid_alive(child)), f"pid {child} outlived its killed supervisor"
    finally:
        os.close(pipe)
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


def test_stop_ends_the_whole_process_group(proxy, master_key):
    # Last in the module: stops the shared proxy (the fixture's own stop() is then a no-op).
    pgid = proxy.pgid
    assert group_alive(pgid)
    proxy.stop()
    assert not proxy.running()
    assert not group_alive(pgid)
    with pytest.raises(OSError):
        proxy.models(master_key)
