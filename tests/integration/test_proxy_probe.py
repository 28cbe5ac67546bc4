"""The proxy_probe module, run as Ansible runs it, against a real LiteLLM proxy and against scripted faulty servers.

Every probe here is the real module in a subprocess (``python -m ...plugins.modules.proxy_probe ARGS.json``, the
way ansible-playbook runs it), so the HTTP layer is ansible.module_utils.urls talking to a real socket.

- One real LiteLLM proxy for the module (mock models), started on a reserved port a few seconds AFTER a probe
  of that port began: that probe must pass once the proxy is up; the other real-proxy tests reuse it.
- Scripted servers (stdlib http.server in threads on 127.0.0.1) for what a real proxy will not do on demand:
  503 then 200, a body that is not JSON, never answering, a TLS certificate that does not verify.

Bounds on durations only prove "did not wait out the budget" (budget 120 s, asserted under 60 s) or "was cut
by the request timeout"; they are generous on purpose.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import dev
from litellm_proxy import LiteLLMProxy, new_master_key
from localaws.harness import free_port

MODULE = "ansible_collections.llmops.litellm_ecs.plugins.modules.proxy_probe"
MODELS = ["gpt-4o-mini", "claude-haiku"]
CONFIG = b"""\
model_list:
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini, api_key: fake, mock_response: "hello"}
  - model_name: claude-haiku
    litellm_params: {model: anthropic/claude-3-5-haiku-latest, api_key: fake, mock_response: "hi"}
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""
FAST = {"interval": 0.2, "max_interval": 1}


def clean_env() -> dict[str, str]:
    """This process's environment without HTTP proxy settings (loopback requests must go direct)."""
    env = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(dev.collections_path())
    return env


def write_args(path: Path, args: dict) -> Path:
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
    path.chmod(0o600)
    return path


def start_probe(tmp_path: Path, **args) -> subprocess.Popen:
    args_path = write_args(tmp_path / f"probe-{time.monotonic_ns()}.json", args)
    return subprocess.Popen([sys.executable, "-m", MODULE, str(args_path)], env=clean_env(), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, started: float, timeout: float = 300):
    """(result, seconds, raw stdout+stderr) of a probe subprocess."""
    out, err = proc.communicate(timeout=timeout)
    seconds = time.monotonic() - started
    try:
        result = json.loads(out)
    except ValueError:
        pytest.fail(f"the module printed no JSON (rc {proc.returncode}):\n{out}\n{err}")
    return result, seconds, out + err


def probe(tmp_path: Path, **args):
    started = time.monotonic()
    return finish(start_probe(tmp_path, **args), started)


def stage(result: dict, name: str) -> dict:
    return next(item for item in result["stages"] if item["name"] == name)


# --- one real LiteLLM proxy, started after a probe of its port began ------------------------------------------


@pytest.fixture(scope="module", name="live")
def fixture_live(tmp_path_factory):
    """A real proxy on a port reserved in advance, and the result of a probe that was started before it."""
    work = tmp_path_factory.mktemp("probe")
    key = new_master_key()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    early = start_probe(work, url=url, master_key=key, models=MODELS, chat_stream=True, chat_expected_content="h",
                        load={"requests": 8, "concurrency": 2, "max_error_rate": 0}, timeout=240, interval=0.5, max_interval=3)
    time.sleep(3)  # the probe meets a closed port first
    assert early.poll() is None, "the probe ended before the proxy was started"
    proxy = LiteLLMProxy(CONFIG, {"LITELLM_MASTER_KEY": key}, work / "litellm", port=port)
    try:
        proxy.start(attempts=1)
        assert proxy.url == url
        print(f"LiteLLM proxy alive after {proxy.startup_seconds:.1f} s on {proxy.url}")
        result, seconds, output = finish(early, started)
        yield {"url": url, "key": key, "early": result, "early_seconds": seconds, "early_output": output, "work": work}
    finally:
        if early.poll() is None:
            early.kill()
            early.wait()
        proxy.stop()


@pytest.mark.litellm
def test_a_probe_started_before_the_proxy_passes_once_it_is_up(live):
    result = live["early"]
    assert result.get("failed") is not True, result.get("msg")
    assert result["passed"] is True and result["changed"] is False
    assert [(item["name"], item["status"]) for item in result["stages"]] == [
        ("liveliness", "passed"), ("readiness", "passed"), ("models", "passed"), ("shared_state", "skipped"), ("chat", "passed"),
        ("keys", "skipped"), ("load", "passed")]
    assert stage(result, "liveliness")["attempts"] > 1  # it met the closed port, then the starting proxy
    assert sorted(result["models"]) == sorted(MODELS)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", result["version"] or ""), result["version"]
    assert "refused (HTTP 401)" in stage(result, "models")["detail"]
    assert "gpt-4o-mini streamed 'hello'" in stage(result, "chat")["detail"]
    load = result["load"]
    assert (load["requests"], load["succeeded"], load["errors"]) == (8, 8, 0)
    assert 0 < load["p50"] <= load["p95"] <= load["max"]
    assert live["key"] not in live["early_output"]


@pytest.mark.litellm
def test_a_wrong_master_key_fails_at_the_models_stage_at_once(live, tmp_path):
    wrong = new_master_key()
    result, seconds, output = probe(tmp_path, url=live["url"], master_key=wrong, models=MODELS, timeout=120, **FAST)
    assert result["failed"] is True and result["failed_stage"] == "models"
    assert "rejected the master key" in result["msg"] and "LITELLM_MASTER_KEY" in result["msg"]
    assert stage(result, "models")["attempts"] == 1
    assert seconds < 60, f"took {seconds:.0f} s of a 120 s budget"
    assert wrong not in output


@pytest.mark.litellm
@pytest.mark.parametrize("option, stage_name", [("models", "models"), ("chat_models", "chat")])
def test_an_unknown_model_fails_naming_it(live, tmp_path, option, stage_name):
    result, seconds, output = probe(tmp_path, url=live["url"], master_key=live["key"], timeout=120,
                                    **{option: ["gpt-4o-mini", "no-such-model"]}, **FAST)
    assert result["failed"] is True and result["failed_stage"] == stage_name
    assert "no-such-model" in stage(result, stage_name)["detail"] and "no-such-model" in result["msg"]
    assert seconds < 60
    assert live["key"] not in output


@pytest.mark.litellm
def test_a_deployment_with_a_database_fails_at_readiness_naming_it_when_the_proxy_has_none(live, tmp_path):
    """The real proxy has no DATABASE_URL: told that the deployment gave it a database, the probe fails at once at
    readiness, naming that database, and never reaches the virtual-key stage."""
    name = "RDS instance pgdemo-database at pgdemo-database.example.us-east-1.rds.amazonaws.com:5432"
    result, seconds, output = probe(tmp_path, url=live["url"], master_key=live["key"], models=MODELS, database=True,
                                    database_name=name, timeout=120, **FAST)
    assert result["failed"] is True and result["failed_stage"] == "readiness"
    assert "Not connected" in result["msg"] and name in result["msg"]
    assert stage(result, "readiness")["attempts"] == 1
    assert stage(result, "keys")["status"] == "skipped"
    assert seconds < 60
    assert live["key"] not in output


PLAYBOOK = """\
- name: Probe the proxy
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Probe with every stage
      llmops.litellm_ecs.proxy_probe:
        url: "{{ probe_url }}"
        master_key: "{{ probe_key }}"
        models: [gpt-4o-mini]
        chat_stream: true
        load: {requests: 2, concurrency: 2}
      register: probe

    - name: Show the summary
      ansible.builtin.debug:
        var: probe.summary

    - name: A failing probe with the same key
      llmops.litellm_ecs.proxy_probe:
        url: "{{ probe_url }}"
        master_key: "{{ probe_key }}"
        chat_models: [no-such-model]
        timeout: 30
      ignore_errors: true
      register: failing

    - name: The failing probe failed at the chat stage
      ansible.builtin.assert:
        that: failing.failed and failing.failed_stage == 'chat'
"""


@pytest.mark.litellm
def test_the_master_key_never_appears_in_ansible_playbook_vvv_output(live, tmp_path):
    (tmp_path / "probe.yml").write_text(PLAYBOOK, encoding="utf-8")
    write_args(tmp_path / "vars.json", {})
    (tmp_path / "vars.json").write_text(json.dumps({"probe_url": live["url"], "probe_key": live["key"]}), encoding="utf-8")
    env = clean_env()
    env.pop("PYTHONPATH")
    env.update({"ANSIBLE_COLLECTIONS_PATH": str(dev.collections_path()), "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"})
    run = subprocess.run(["ansible-playbook", "-vvv", "probe.yml", "-e", "@vars.json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert "passed the probe" in output and "failed the chat stage" in output  # both probes ran and reported
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output  # -vvv shows the module arguments, the key masked
    assert live["key"] not in output
    assert live["key"][3:] not in output  # not even without its sk- prefix


# --- scripted faulty servers --------------------------------------------------------------------------------

KEY = "sk-scripted-0123456789"


def healthy_route(method, path, headers, body):
    """What a healthy LiteLLM proxy answers: (status, body, headers)."""
    json_type = {"Content-Type": "application/json"}
    if path == "/health/liveliness":
        return 200, b'"I\'m alive!"', json_type
    if path == "/health/readiness":
        return 200, b'{"status":"healthy","db":"Not connected"}', json_type
    if path in ("/v1/models", "/health/readiness/details", "/chat/completions"):
        if headers.get("Authorization") != f"Bearer {KEY}":
            return 401, b'{"error":{"message":"Authentication Error, No api key passed in.","code":"401"}}', json_type
        if path == "/v1/models":
            return 200, b'{"data":[{"id":"gpt-4o-mini"}],"object":"list"}', json_type
        if path == "/chat/completions":
            return 200, b'{"choices":[{"message":{"role":"assistant","content":"pong"}}]}', json_type
        return 200, b'{"status":"healthy","litellm_version":"9.9.9"}', json_type
    return 404, b'{"detail":"Not Found"}', json_type


HANG = object()


class ScriptedServer:
    """A stdlib HTTP(S) server in threads; ``route(method, path, headers, body)`` answers, or returns HANG."""

    def __init__(self, route, tls_context=None):
        self.route = route
        self.hits = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.hits.append((self.command, self.path))
                got = server.route(self.command, self.path, dict(self.headers), body)
                if got is HANG:
                    server.release.wait(60)
                    self.close_connection = True
                    return
                status, payload, headers = got
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = answer
            do_POST = answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls_context is not None else "http"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def paths(self):
        return [path for _method, path in self.hits]


@contextmanager
def scripted(route, tls_context=None):
    server = ScriptedServer(route, tls_context)
    server.thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()


def test_connection_refused_for_the_whole_budget_fails_with_the_last_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result, seconds, unused_output = probe(tmp_path, url=url, master_key=KEY, timeout=4, **FAST)
    assert result["failed"] is True and result["failed_stage"] == "liveliness"
    liveliness = stage(result, "liveliness")
    assert liveliness["attempts"] >= 2
    assert "connection refused" in liveliness["detail"].lower() and "timeout 4 s" in liveliness["detail"]
    assert [item["status"] for item in result["stages"][1:]] == ["skipped"] * 6
    assert seconds < 60


def test_503_then_200_passes(tmp_path):
    readiness = iter([(503, b'{"status":"healthy","db":"disconnected"}', {"Content-Type": "application/json"})] * 2)

    def route(method, path, headers, body):
        if path == "/health/readiness":
            return next(readiness, None) or healthy_route(method, path, headers, body)
        return healthy_route(method, path, headers, body)

    with scripted(route) as server:
        result = probe(tmp_path, url=server.url, master_key=KEY, models=["gpt-4o-mini"], database=False, timeout=60, **FAST)[0]
    assert result.get("failed") is not True, result.get("msg")
    assert stage(result, "readiness")["attempts"] == 3
    assert server.paths().count("/health/readiness") == 3
    assert result["version"] == "9.9.9"


@pytest.mark.parametrize("broken", ["/health/readiness", "/v1/models"])
def test_malformed_json_fails_with_a_body_excerpt(tmp_path, broken):
    def route(method, path, headers, body):
        if path == broken:
            return 200, b"<html><body>upstream says: half a payl", {"Content-Type": "text/html"}
        return healthy_route(method, path, headers, body)

    with scripted(route) as server:
        result, seconds, unused_output = probe(tmp_path, url=server.url, master_key=KEY, models=["gpt-4o-mini"], timeout=120, **FAST)
    assert result["failed"] is True
    assert "upstream says: half a payl" in result["msg"]
    assert seconds < 60


def test_a_server_that_never_answers_is_cut_by_the_request_timeout(tmp_path):
    with scripted(lambda *request: HANG) as server:
        result, seconds, unused_output = probe(tmp_path, url=server.url, master_key=KEY, timeout=6, request_timeout=1.5, **FAST)
    liveliness = stage(result, "liveliness")
    assert result["failed_stage"] == "liveliness"
    assert "no answer within the request timeout" in liveliness["detail"]
    assert liveliness["attempts"] >= 2  # each request was cut after 1.5 s, so several fit in the budget
    assert len(server.hits) == liveliness["attempts"]
    assert seconds < 40


def test_a_request_timeout_longer_than_the_budget_is_cut_to_the_budget(tmp_path):
    with scripted(lambda *request: HANG) as server:
        result, seconds, unused_output = probe(tmp_path, url=server.url, master_key=KEY, timeout=4, request_timeout=300, **FAST)
    assert result["failed_stage"] == "liveliness" and "no answer within the request timeout" in result["msg"]
    assert seconds < 60, f"a 300 s request timeout was not cut to the 4 s budget ({seconds:.0f} s)"


@pytest.fixture(name="tls")
def fixture_tls(tmp_path):
    """A self-signed certificate for 127.0.0.1 and a server context with it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


def test_a_certificate_that_does_not_verify_fails_at_once_and_ca_path_fixes_it(tmp_path, tls):
    cert, context = tls
    with scripted(healthy_route, context) as server:
        result, seconds, unused_output = probe(tmp_path, url=server.url, master_key=KEY, timeout=120, **FAST)
        assert result["failed"] is True and result["failed_stage"] == "liveliness"
        assert stage(result, "liveliness")["attempts"] == 1
        assert "certificate verification failed" in result["msg"] and "ca_path" in result["msg"]
        assert seconds < 60

        trusted = probe(tmp_path, url=server.url, master_key=KEY, models=["gpt-4o-mini"], ca_path=str(cert), timeout=60, **FAST)[0]
        assert trusted.get("failed") is not True, trusted.get("msg")
        assert trusted["passed"] is True
