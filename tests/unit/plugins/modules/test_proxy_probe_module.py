"""The proxy_probe module in-process, with ansible.module_utils.urls.Request replaced by a scripted fake (no network)."""

from __future__ import annotations

import io
import json
import ssl
import urllib.error
from email.message import Message

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.modules import proxy_probe
from module_runner import as_module_process

URL = "https://litellm.test"
KEY = "sk-module-test-5f4e3d2c1b0a"


class FakeResponse:
    def __init__(self, status, body, headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {"content-type": "application/json"}
        self.closed = False

    def read(self):
        return self.body

    def close(self):
        self.closed = True

    def getcode(self):
        return self.status


def http_error(url, status, payload):
    headers = Message()
    headers["content-type"] = "application/json"
    return urllib.error.HTTPError(url, status, "error", headers, io.BytesIO(json.dumps(payload).encode()))


def healthy(method, url, headers):
    path = url[len(URL):]
    if path == "/health/liveliness":
        return FakeResponse(200, b'"I\'m alive!"')
    if path == "/health/readiness":
        return FakeResponse(200, b'{"status":"healthy","db":"Not connected","litellm_version":"1.50.0"}')
    if path == "/v1/models":
        if "Authorization" not in headers:
            raise http_error(url, 401, {"error": {"message": "Authentication Error, No api key passed in."}})
        return FakeResponse(200, b'{"data":[{"id":"gpt-4o-mini"}],"object":"list"}')
    if path == "/chat/completions":
        return FakeResponse(200, b'{"choices":[{"message":{"content":"pong"}}]}')
    raise AssertionError(f"unexpected {method} {url}")


class FakeRequest:
    """Stands in for ansible.module_utils.urls.Request: records how it was made and every open()."""

    made = []
    route = staticmethod(healthy)

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.opened = []
        FakeRequest.made.append(self)

    def open(self, method, url, data=None, headers=None, timeout=None, cookies=None):
        self.opened.append({"method": method, "url": url, "data": data, "headers": dict(headers or {}), "timeout": timeout,
                            "cookies": cookies})
        return FakeRequest.route(method, url, headers or {})


@pytest.fixture(name="fake_request")
def fixture_fake_request(monkeypatch):
    FakeRequest.made = []
    FakeRequest.route = staticmethod(healthy)
    monkeypatch.setattr(proxy_probe, "Request", FakeRequest)
    return FakeRequest


def run(capsys, check_mode=False, **args):
    args.setdefault("url", URL)
    args.setdefault("master_key", KEY)
    args.setdefault("models", ["gpt-4o-mini"])
    args.setdefault("timeout", 5)
    args.setdefault("interval", 0.01)
    if check_mode:
        args["_ansible_check_mode"] = True
    with as_module_process(args), pytest.raises(SystemExit):
        proxy_probe.main()
    out = capsys.readouterr().out
    assert KEY not in out
    return json.loads(out)


def test_passes_and_reports_without_changing_anything(capsys, fake_request):
    result = run(capsys, ca_path="/etc/ca.pem", validate_certs=True, use_proxy=False, headers={"Host": "litellm.example.com"})
    assert result["changed"] is False and result["passed"] is True
    assert [stage["status"] for stage in result["stages"]] == ["passed", "passed", "passed", "skipped", "passed", "skipped", "skipped"]
    assert result["version"] == "1.50.0" and result["models"] == ["gpt-4o-mini"]
    (request,) = fake_request.made
    assert request.kwargs["ca_path"] == "/etc/ca.pem" and request.kwargs["use_proxy"] is False
    assert request.kwargs["use_netrc"] is False and request.kwargs["follow_redirects"] == "none"
    assert all(item["headers"]["Host"] == "litellm.example.com" for item in request.opened)
    assert all(0 < item["timeout"] <= 5 for item in request.opened)
    assert len({id(item["cookies"]) for item in request.opened}) == len(request.opened)  # a fresh cookie jar each time
    assert result["invocation"]["module_args"]["master_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_check_mode_runs_the_same_probe(capsys, fake_request):
    result = run(capsys, check_mode=True)
    assert result["passed"] is True and result["changed"] is False
    assert any(item["url"].endswith("/chat/completions") for item in fake_request.made[0].opened)


def test_http_errors_become_answers_and_a_rejected_key_fails_at_once(capsys, fake_request):
    def route(method, url, headers):
        if url.endswith("/v1/models"):
            raise http_error(url, 401, {"error": {"message": f"Authentication Error, Invalid proxy server token passed. key={KEY}"}})
        return healthy(method, url, headers)

    fake_request.route = staticmethod(route)
    result = run(capsys, timeout=300)
    assert result["failed"] is True and result["failed_stage"] == "models"
    assert "rejected the master key" in result["msg"] and result["stages"][2]["attempts"] == 1


def test_a_tls_verification_failure_fails_at_once(capsys, fake_request):
    def route(method, url, headers):
        raise urllib.error.URLError(ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))

    fake_request.route = staticmethod(route)
    result = run(capsys, timeout=300)
    assert result["failed"] is True and result["failed_stage"] == "liveliness"
    assert result["stages"][0]["attempts"] == 1 and "ca_path" in result["msg"]


def test_an_open_proxy_is_a_warning_when_allowed(capsys, fake_request):
    def route(method, url, headers):
        if url.endswith("/v1/models"):
            return FakeResponse(200, b'{"data":[{"id":"gpt-4o-mini"}]}')
        return healthy(method, url, headers)

    fake_request.route = staticmethod(route)
    result = run(capsys, require_auth=False)
    assert result["passed"] is True
    assert len(result["warnings_found"]) == 1 and "is open" in result["warnings_found"][0]
    assert "is open" in json.dumps(result["warnings"])  # also an Ansible warning


def test_invalid_options_fail_before_any_request(capsys, fake_request):
    result = run(capsys, url="litellm.test", interval=10, max_interval=1, load={"requests": 0})
    assert result["failed"] is True
    assert "url must be" in result["msg"] and "max_interval" in result["msg"] and "load.requests" in result["msg"]
    assert fake_request.made == []


VIRTUAL_KEY = "sk-module-virtual-9a8b7c6d5e4f"


def with_database(delete_status=200):
    def route(method, url, headers):
        path = url[len(URL):].split("?", 1)[0]
        if path == "/health/readiness":
            return FakeResponse(200, b'{"status":"healthy","db":"connected"}')
        if path == "/key/generate":
            return FakeResponse(200, json.dumps({"key": VIRTUAL_KEY}).encode())
        if path == "/key/info":
            return FakeResponse(200, json.dumps({"key": url.split("=", 1)[1], "info": {"spend": 0.0003}}).encode())
        if path == "/key/delete":
            if delete_status != 200:
                raise http_error(url, delete_status, {"error": {"message": f"cannot delete {VIRTUAL_KEY}"}})
            return FakeResponse(200, json.dumps({"deleted_keys": [VIRTUAL_KEY]}).encode())
        return healthy(method, url, headers)

    return route


def test_the_database_options_default_and_the_keys_stage_reports_its_key(capsys, fake_request):
    fake_request.route = staticmethod(with_database())
    result = run(capsys, database=True)
    args = result["invocation"]["module_args"]
    assert (args["database_name"], args["database_grace"], args["keys"], args["keys_duration"], args["keys_max_budget"]) == (
        "", 30.0, True, "10m", 0.05)
    assert result["passed"] is True and result["changed"] is False
    assert [stage["name"] for stage in result["stages"]][5] == "keys" and result["stages"][5]["status"] == "passed"
    assert result["keys"]["generated"] is True and result["keys"]["deleted"] is True and result["keys"]["spend"] == 0.0003
    opened = fake_request.made[0].opened
    chat_with_key = [item for item in opened if item["url"].endswith("/chat/completions") and VIRTUAL_KEY in item["headers"]["Authorization"]]
    assert len(chat_with_key) == 1
    assert json.loads(next(item["data"] for item in opened if item["url"].endswith("/key/delete"))) == {"keys": [VIRTUAL_KEY]}
    assert VIRTUAL_KEY not in json.dumps(result)


def test_a_key_left_behind_is_a_change_and_a_warning(capsys, fake_request):
    fake_request.route = staticmethod(with_database(delete_status=400))
    result = run(capsys, database=True, database_name="RDS instance litellm-db")
    assert result["passed"] is True and result["changed"] is True and result["keys"]["deleted"] is False
    assert result["keys"]["alias"] in result["warnings_found"][0] and VIRTUAL_KEY not in json.dumps(result)


def test_check_mode_skips_the_keys_stage(capsys, fake_request):
    fake_request.route = staticmethod(with_database())
    result = run(capsys, check_mode=True, database=True)
    assert result["passed"] is True and result["stages"][5]["status"] == "skipped" and "check mode" in result["stages"][5]["detail"]
    assert not [item for item in fake_request.made[0].opened if "/key/" in item["url"]]
