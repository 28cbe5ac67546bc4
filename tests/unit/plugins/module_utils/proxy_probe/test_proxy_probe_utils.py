"""proxy_probe module_utils: verdicts on each answer, percentiles, masking, the staged probe on a fake clock."""

from __future__ import annotations

import json
import socket
import ssl
import urllib.error

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import proxy_probe as pp
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.proxy_probe import Answer
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Verdict
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Waiter
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off
from fake_clock import FakeClock

URL = "http://proxy.test:4000"
KEY = "sk-unit-0123456789abcdef"


def answer(status=200, body=b"", headers=None):
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    return Answer(status, body, dict(headers or {}))


def refused():
    return Answer(None, error="connection refused ([Errno 111] Connection refused)", kind=pp.REFUSED)


def completion(content="pong", finish_reason="stop"):
    return answer(200, {"choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}]},
                  {"x-litellm-version": "1.108.7"})


def sse(*contents, done=True):
    lines = [f"data: {json.dumps({'choices': [{'delta': {'content': text}}]})}\n\n" for text in contents]
    if done:
        lines.append("data: [DONE]\n\n")
    return answer(200, "".join(lines), {"content-type": "text/event-stream; charset=utf-8"})


HEALTHY = {
    pp.LIVELINESS_PATH: lambda req: answer(200, '"I\'m alive!"'),
    pp.READINESS_PATH: lambda req: answer(200, {"status": "healthy", "db": "Not connected"}),
    pp.MODELS_PATH: lambda req: answer(200, {"data": [{"id": "gpt-4o-mini"}, {"id": "claude"}], "object": "list"})
    if req["keyed"] else answer(401, {"error": {"message": "Authentication Error, No api key passed in."}}),
    pp.DETAILS_PATH: lambda req: answer(200, {"status": "healthy", "litellm_version": "1.108.7"}),
    pp.CHAT_PATH: lambda req: sse("po", "ng") if req["body"].get("stream") else completion(),
}


class FakeProxy:
    """A scripted sender: each path answers through a function of the request; records every request."""

    def __init__(self, clock, routes=None, latency=0.01):
        self.clock = clock
        self.routes = dict(HEALTHY)
        self.routes.update(routes or {})
        self.latency = latency
        self.requests = []

    def __call__(self, method, url, headers, data, timeout):
        assert url.startswith(URL)
        path = url[len(URL):]
        request = {"method": method, "path": path, "headers": headers, "timeout": timeout,
                   "keyed": "Authorization" in headers, "body": json.loads(data) if data else {}}
        self.requests.append(request)
        result = self.routes[path](request)
        self.clock.sleep(self.latency if result.status is not None or result.kind != pp.TIMED_OUT else timeout)
        return result

    def paths(self):
        return [request["path"] for request in self.requests]


def settings(**params):
    params.setdefault("url", URL)
    params.setdefault("master_key", KEY)
    params.setdefault("models", ["gpt-4o-mini"])
    params.setdefault("timeout", 120)
    return pp.settings_of(params)


def probe(clock, fake, **params):
    return pp.Probe(fake, settings(**params), clock=clock, sleep=clock.sleep)


def statuses(result):
    return {stage["name"]: stage["status"] for stage in result["stages"]}


# --- the waiter's backoff ------------------------------------------------------------------------------


def test_waiter_backoff_grows_each_pause_up_to_the_cap():
    clock = FakeClock()
    outcome = Waiter(lambda: None, lambda value: False, clock=clock, sleep=clock.sleep).wait(
        timeout=60, interval=2, backoff=1.5, max_interval=6)
    assert clock.sleeps[:5] == [2, 3, 4.5, 6, 6]
    assert sum(clock.sleeps) == pytest.approx(60)
    assert outcome.state == "timeout"


def test_backing_off_starts_at_a_second_and_doubles_up_to_the_longest_pause():
    clock = FakeClock()
    Waiter(lambda: None, lambda value: False, clock=clock, sleep=clock.sleep).wait(timeout=40, **backing_off(10))
    assert clock.sleeps == [1, 2, 4, 8, 10, 10, 5]
    assert backing_off(0.5) == {"interval": 0.5, "backoff": 2.0, "max_interval": 0.5}  # never above the longest pause


def test_waiter_without_backoff_keeps_a_constant_interval():
    clock = FakeClock()
    Waiter(lambda: None, lambda value: False, clock=clock, sleep=clock.sleep).wait(timeout=20, interval=5)
    assert clock.sleeps == [5, 5, 5, 5]


# --- helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values, q, expected", [
    ([1, 2, 3, 4], 50, 2.5),
    ([4, 1, 3, 2], 50, 2.5),
    (list(range(1, 21)), 95, 19.05),
    ([7], 95, 7.0),
    ([], 50, None),
    ([1, 2, 3, 4, 5], 0, 1.0),
    ([1, 2, 3, 4, 5], 100, 5.0),
])
def test_percentile_interpolates_between_closest_ranks(values, q, expected):
    assert pp.percentile(values, q) == pytest.approx(expected) if expected is not None else pp.percentile(values, q) is None


def test_quoted_answers_mask_the_key_bearer_tokens_and_key_like_words_only():
    text = f"bad key {KEY}; Authorization: Bearer abc.def; Received API Key = sk-live-9f8e7d6c5b; task-definition ok"
    for shown in (pp.excerpt(text, [KEY]), pp.describe(Answer(None, error=text, kind=pp.NETWORK), [KEY])):
        assert KEY not in shown and "abc.def" not in shown and "9f8e7d6c5b" not in shown
        assert "Bearer ***" in shown and "sk-***" in shown
        assert "task-definition ok" in shown


def test_excerpt_is_one_line_and_cut():
    shown = pp.excerpt(b"line one\n\n  line two" + b"x" * 1000, limit=40)
    assert "\n" not in shown and shown.startswith("line one line two") and shown.endswith("...") and len(shown) == 43
    assert pp.excerpt(b"") == "(empty body)"


@pytest.mark.parametrize("exc, kind", [
    (ConnectionRefusedError(111, "Connection refused"), pp.REFUSED),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), pp.REFUSED),
    (urllib.error.URLError(socket.timeout("timed out")), pp.TIMED_OUT),
    (TimeoutError("The read operation timed out"), pp.TIMED_OUT),
    (urllib.error.URLError(ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")), pp.TLS_VERIFY),
    (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), pp.NETWORK),
    (ConnectionResetError(104, "Connection reset by peer"), pp.NETWORK),
    (ValueError("unknown url type: 'ftp://x'"), pp.INVALID),
])
def test_classify_exception(exc, kind):
    assert pp.classify_exception(exc)[0] == kind


# --- verdicts on single answers ------------------------------------------------------------------------


@pytest.mark.parametrize("got, state", [
    (answer(200, '"I\'m alive!"'), READY),
    (answer(503, {"status": "shutting_down"}), WAITING),
    (answer(502, "<html>Bad Gateway</html>"), WAITING),
    (refused(), WAITING),
    (Answer(None, error="TLS certificate verification failed: x", kind=pp.TLS_VERIFY), FAILED),
    (answer(404, {"detail": "Not Found"}), FAILED),
    (answer(301, "", {"location": "https://proxy.test/health/liveliness"}), FAILED),
])
def test_liveliness_verdicts(got, state):
    assert pp.judge_liveliness(got, URL).state == state


def test_a_redirect_names_where_it_leads_and_what_to_do():
    verdict = pp.judge_liveliness(answer(301, "", {"location": "https://proxy.test/health/liveliness"}), URL)
    assert "https://proxy.test/health/liveliness" in verdict.reason and "Set url" in verdict.reason


@pytest.mark.parametrize("payload, database, state", [
    ({"status": "healthy", "db": "Not connected"}, False, READY),
    ({"status": "healthy", "db": "connected"}, True, READY),
    # older releases: more fields, the version, the db as an object, or a bare status string
    ({"status": "healthy", "db": "connected", "cache": None, "litellm_version": "1.40.0", "success_callbacks": []}, True, READY),
    ({"status": "healthy", "db": {"status": "connected"}}, True, READY),
    (json.dumps("healthy"), False, READY),  # a bare JSON string
    ({"status": "healthy", "db": "disconnected"}, True, WAITING),  # allow_requests_on_db_unavailable, or an old release
    ({"status": "healthy", "db": "stalled"}, True, WAITING),
    ({"status": "healthy", "db": "Not connected"}, True, FAILED),  # no database at all: waiting cannot help
    ({"status": "healthy"}, True, FAILED),
    ({"status": "starting"}, False, WAITING),
])
def test_readiness_accepts_current_and_older_payloads(payload, database, state):
    assert pp.judge_readiness(answer(200, payload), URL, database).state == state


def test_readiness_503_waits_and_says_the_db_state():
    verdict = pp.judge_readiness(answer(503, {"status": "healthy", "db": "disconnected"}), URL, True)
    assert verdict.state == WAITING and "db disconnected" in verdict.reason


def test_readiness_with_a_body_that_is_not_json_fails_with_an_excerpt():
    verdict = pp.judge_readiness(answer(200, "<html><title>Welcome to nginx!</title>"), URL, False)
    assert verdict.state == FAILED and "Welcome to nginx!" in verdict.reason


def test_readiness_version_from_old_payloads():
    assert pp.readiness_version(answer(200, {"status": "healthy", "litellm_version": "1.40.0"})) == "1.40.0"
    assert pp.readiness_version(answer(200, {"status": "healthy", "db": "Not connected"})) is None


MODELS_OK = answer(200, {"data": [{"id": "gpt-4o-mini"}, {"id": "claude"}], "object": "list"})
UNAUTHORIZED = answer(401, {"error": {"message": "Authentication Error, No api key passed in."}})


def test_models_pass_when_listed_and_anonymous_refused():
    verdict = pp.judge_models(MODELS_OK, UNAUTHORIZED, URL, ["claude"], True)
    assert verdict.state == READY and "gpt-4o-mini, claude" in verdict.reason and "401" in verdict.reason


@pytest.mark.parametrize("keyed", [
    answer(401, {"error": {"message": "Authentication Error, Invalid proxy server token passed."}}),
    answer(403, {"error": {"message": "forbidden"}}),
    answer(400, {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}}),
])
def test_a_rejected_key_fails_at_once_and_says_what_to_do(keyed):
    verdict = pp.judge_models(keyed, None, URL, [], True)
    assert verdict.state == FAILED
    assert "rejected the master key" in verdict.reason and "LITELLM_MASTER_KEY" in verdict.reason


def test_a_missing_model_fails_naming_it_and_what_is_listed():
    verdict = pp.judge_models(MODELS_OK, None, URL, ["gpt-4o-mini", "mistral-large"], True)
    assert verdict.state == FAILED
    assert "missing" in verdict.reason and "mistral-large" in verdict.reason and "gpt-4o-mini, claude" in verdict.reason


def test_an_open_proxy_fails_unless_allowed():
    assert pp.judge_models(MODELS_OK, MODELS_OK, URL, [], True).state == FAILED
    allowed = pp.judge_models(MODELS_OK, MODELS_OK, URL, [], False)
    assert allowed.state == READY and "open" in allowed.reason


def test_anonymous_500_is_retried_and_mentions_prisma():
    verdict = pp.judge_models(MODELS_OK, answer(500, {"error": {"message": "Internal"}}), URL, [], True)
    assert verdict.state == WAITING and "prisma" in verdict.reason


def test_models_payload_that_is_not_a_list_fails():
    assert pp.judge_models(answer(200, {"object": "list"}), None, URL, [], True).state == FAILED
    assert pp.listed_models(answer(200, [{"id": "a"}, "b"])) == ["a", "b"]


def test_chat_unknown_model_fails_at_once_naming_it():
    body = {"error": {"message": "/chat/completions: Invalid model name passed in model=nope. Call `/v1/models` to view available models",
                      "code": "400"}}
    verdict = pp.judge_chat(answer(400, body), URL, "nope", None)
    assert verdict.state == FAILED and "does not serve the model nope" in verdict.reason


@pytest.mark.parametrize("got, state", [
    (completion("pong"), READY),
    (answer(200, {"choices": [{"message": {"content": [{"type": "text", "text": "pong"}]}}]}), READY),
    (completion(""), FAILED),
    (completion(None), FAILED),
    (answer(429, {"error": {"message": "rate limited"}}), WAITING),
    (answer(500, {"error": {"message": "APIConnectionError"}}), WAITING),
    (answer(200, "not json"), FAILED),
    (answer(400, {"error": {"message": "context too long"}}), FAILED),
])
def test_chat_verdicts(got, state):
    assert pp.judge_chat(got, URL, "m", None).state == state


def test_chat_empty_answer_cut_by_max_tokens_says_so():
    verdict = pp.judge_chat(completion("", finish_reason="length"), URL, "o3", None)
    assert "chat_max_tokens" in verdict.reason


def test_chat_expected_content_is_a_case_insensitive_substring():
    assert pp.judge_chat(completion("PONG!"), URL, "m", "pong").state == READY
    verdict = pp.judge_chat(completion("hi"), URL, "m", "pong")
    assert verdict.state == FAILED and "'hi'" in verdict.reason and "pong" in verdict.reason


def test_stream_verdicts():
    assert pp.judge_stream(sse("po", "ng"), URL, "m", "pong") == Verdict(READY, "m streamed 'pong'")
    assert pp.judge_stream(sse("po", done=False), URL, "m", None).state == WAITING
    assert pp.judge_stream(completion("pong"), URL, "m", None).state == FAILED  # not an event stream
    error = answer(200, 'data: {"error": {"message": "provider down"}}\n\n', {"content-type": "text/event-stream"})
    verdict = pp.judge_stream(error, URL, "m", None)
    assert verdict.state == FAILED and "provider down" in verdict.reason


# --- settings ------------------------------------------------------------------------------------------


def test_settings_default_chat_models_and_load_model():
    got = pp.settings_of({"url": URL + "/", "master_key": KEY, "models": ["a", "b"], "load": {"requests": 5, "concurrency": None}})
    assert got["url"] == URL and got["chat_models"] == ["a", "b"]
    assert got["load"]["model"] == "a" and got["load"]["concurrency"] == 4 and got["load"]["requests"] == 5


def test_check_settings_reports_every_problem():
    errors = pp.check_settings(pp.settings_of({
        "url": "proxy.test", "master_key": KEY, "timeout": 0, "interval": 5, "max_interval": 1,
        "load": {"requests": 0, "max_error_rate": 2},
    }))
    text = " | ".join(errors)
    for needle in ("url must be", "timeout must be", "max_interval", "load.requests", "load.max_error_rate", "load.model"):
        assert needle in text
    assert pp.check_settings(settings()) == []


# --- the probe -----------------------------------------------------------------------------------------


def test_every_stage_passes_against_a_healthy_proxy():
    clock = FakeClock()
    fake = FakeProxy(clock)
    result = probe(clock, fake, models=["gpt-4o-mini", "claude"], chat_models=["gpt-4o-mini"], chat_stream=True,
                   chat_expected_content="pong").run()
    assert result["passed"] is True and result["failed_stage"] is None
    assert statuses(result) == {"liveliness": "passed", "readiness": "passed", "models": "passed", "shared_state": "skipped", "chat": "passed",
                                "keys": "skipped", "load": "skipped"}
    assert result["models"] == ["gpt-4o-mini", "claude"] and result["version"] == "1.108.7"
    assert clock.sleeps.count(0.01) == len(fake.requests)  # only request latency, never a pause
    chat_bodies = [request["body"] for request in fake.requests if request["path"] == pp.CHAT_PATH]
    assert [body["model"] for body in chat_bodies] == ["gpt-4o-mini", "gpt-4o-mini"] and chat_bodies[1]["stream"] is True
    assert "passed the probe" in result["summary"]


def test_only_keyed_requests_carry_the_key_and_extra_headers_go_everywhere():
    clock = FakeClock()
    fake = FakeProxy(clock)
    probe(clock, fake, headers={"Host": "litellm.example.com", "authorization": "Bearer sk-from-headers-123"}).run()
    for request in fake.requests:
        assert request["headers"]["Host"] == "litellm.example.com"
        assert "authorization" not in request["headers"]  # the one from headers is dropped
        if request["keyed"]:
            assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    keyed = {(r["path"], r["keyed"]) for r in fake.requests}
    assert keyed == {(pp.LIVELINESS_PATH, False), (pp.READINESS_PATH, False), (pp.MODELS_PATH, True), (pp.MODELS_PATH, False),
                     (pp.DETAILS_PATH, True), (pp.CHAT_PATH, True)}


def test_connection_refused_for_the_whole_budget_fails_with_the_last_error_after_backing_off():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.LIVELINESS_PATH: lambda req: refused()})
    result = probe(clock, fake, timeout=60, interval=2, max_interval=10).run()
    liveliness = result["stages"][0]
    assert result["failed_stage"] == "liveliness" and liveliness["status"] == "failed"
    assert "Connection refused" in liveliness["detail"] and "timeout 60 s" in liveliness["detail"]
    pauses = [s for s in clock.sleeps if s != 0.01]
    assert pauses[:5] == [2, 3, 4.5, 6.75, 10] and max(pauses) == 10
    assert result["elapsed"] <= 60 + 0.01 * 2
    assert statuses(result)["readiness"] == statuses(result)["chat"] == "skipped"
    assert "Not run: readiness, models, shared_state, chat, keys, load" in result["summary"]


def test_readiness_503_then_200_passes():
    clock = FakeClock()
    answers = iter([answer(503, {"status": "healthy", "db": "disconnected"})] * 2 + [answer(200, {"status": "healthy", "db": "connected"})])
    fake = FakeProxy(clock, {pp.READINESS_PATH: lambda req: next(answers)})
    result = probe(clock, fake, database=True, keys=False).run()
    assert result["passed"] is True
    assert result["stages"][1]["attempts"] == 3 and result["stages"][1]["detail"] == "status healthy, db connected"


def test_a_rejected_key_fails_at_the_models_stage_without_waiting():
    clock = FakeClock()
    no_db = answer(400, {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}})
    fake = FakeProxy(clock, {pp.MODELS_PATH: lambda req: no_db if req["keyed"] else UNAUTHORIZED})
    result = probe(clock, fake, timeout=600).run()
    assert result["failed_stage"] == "models" and result["stages"][2]["attempts"] == 1
    assert [s for s in clock.sleeps if s != 0.01] == []
    assert "rejected the master key" in result["summary"]


def test_the_key_never_appears_in_the_result_even_when_the_proxy_echoes_it():
    clock = FakeClock()
    echo = answer(401, {"error": {"message": f"Invalid key. Received API Key = {KEY}, Authorization: Bearer {KEY}"}})
    fake = FakeProxy(clock, {pp.MODELS_PATH: lambda req: echo})
    result = probe(clock, fake).run()
    assert result["failed_stage"] == "models"
    assert KEY not in json.dumps(result) and KEY[5:] not in json.dumps(result)


def test_each_request_timeout_is_bounded_by_the_remaining_budget():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.LIVELINESS_PATH: lambda req: Answer(None, error="timed out", kind=pp.TIMED_OUT)})
    result = probe(clock, fake, timeout=50, request_timeout=20, interval=1, max_interval=1).run()
    timeouts = [request["timeout"] for request in fake.requests]
    assert timeouts[0] == 20 and all(pp.MIN_REQUEST_TIMEOUT <= t <= 20 for t in timeouts)
    assert any(t < 20 for t in timeouts)  # the budget cut the later ones
    assert result["elapsed"] <= 50 + pp.MIN_REQUEST_TIMEOUT
    assert "timed out" in result["stages"][0]["detail"]


def test_chat_unknown_model_fails_at_once_and_names_it():
    clock = FakeClock()
    unknown = answer(400, {"error": {"message": "/chat/completions: Invalid model name passed in model=ghost."}})
    fake = FakeProxy(clock, {pp.CHAT_PATH: lambda req: unknown if req["body"]["model"] == "ghost" else completion()})
    result = probe(clock, fake, chat_models=["gpt-4o-mini", "ghost"]).run()
    assert result["failed_stage"] == "chat" and "ghost" in result["stages"][4]["detail"]
    assert result["stages"][4]["attempts"] == 2


def test_chat_is_skipped_without_models_or_when_disabled():
    clock = FakeClock()
    assert statuses(probe(clock, FakeProxy(clock), models=[]).run())["chat"] == "skipped"
    result = probe(clock, FakeProxy(clock), chat=False).run()
    assert statuses(result)["chat"] == "skipped" and result["passed"] is True


def test_load_reports_percentiles_and_error_rate():
    clock = FakeClock()
    latencies = iter([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    state = {"n": 0}

    def chat(req):
        state["n"] += 1
        if state["n"] == 1:  # the chat stage
            return completion()
        clock.sleep(next(latencies) - 0.01)
        return completion() if state["n"] != 11 else answer(500, {"error": {"message": "boom"}})

    fake = FakeProxy(clock, {pp.CHAT_PATH: chat})
    result = probe(clock, fake, load={"requests": 10, "concurrency": 1, "max_error_rate": 0.2}).run()
    load = result["load"]
    assert (load["requests"], load["succeeded"], load["errors"], load["error_rate"]) == (10, 9, 1, 0.1)
    assert load["p50"] == pytest.approx(0.5) and load["p95"] == pytest.approx(0.86)
    assert load["error_sample"] and "boom" in load["error_sample"][0]
    assert statuses(result)["load"] == "passed"


def test_load_thresholds_fail_the_stage():
    clock = FakeClock()
    fake = FakeProxy(clock, latency=2.0)
    result = probe(clock, fake, load={"requests": 4, "concurrency": 1, "max_p95": 1.5}).run()
    assert result["failed_stage"] == "load" and "p95 latency 2.000 s is above max_p95 1.5 s" in result["stages"][6]["detail"]


def test_load_stops_sending_when_the_budget_is_spent():
    clock = FakeClock()
    fake = FakeProxy(clock, latency=3.0)
    result = probe(clock, fake, timeout=20, load={"requests": 10, "concurrency": 1}).run()
    assert result["failed_stage"] == "load" and result["load"]["not_sent"] > 0
    assert "budget ran out" in result["stages"][6]["detail"]


def test_load_with_threads_counts_every_request():
    clock = FakeClock()
    fake = FakeProxy(clock, latency=0.0)
    result = probe(clock, fake, load={"requests": 12, "concurrency": 4}).run()
    assert result["load"]["succeeded"] == 12 and [r["path"] for r in fake.requests].count(pp.CHAT_PATH) == 13


def test_summary_of_a_failure_says_what_passed_and_what_did_not_run():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.MODELS_PATH: lambda req: MODELS_OK if req["keyed"] else MODELS_OK})
    result = probe(clock, fake).run()
    assert result["failed_stage"] == "models"
    assert "failed the models stage" in result["summary"] and "the proxy is open" in result["summary"]
    assert "Passed: liveliness, readiness." in result["summary"] and "Not run: shared_state, chat, keys, load." in result["summary"]


# --- shared state: /cache/ping -------------------------------------------------------------------------

REDIS = "ElastiCache gate-redis at gate-redis.abc.use1.cache.amazonaws.com:6379, TLS"


def cache_ping(status=200, cache_type="redis", reached=True):
    if status != 200:  # as LiteLLM 1.108.7 answers: the settings quoted, the password masked but for 8 characters
        return answer(status, {"error": {"message": json.dumps({"message": "Service Unhealthy", "health_check_cache_params": {
            "redis_kwargs": {"host": "10.0.3.7", "password": "Zq7L*****d5Tf"}}})}})
    return answer(200, {"status": "healthy", "cache_type": cache_type, "ping_response": reached, "set_cache_response": "success",
                        "health_check_cache_params": {"redis_kwargs": {"host": "10.0.3.7", "port": 6379, "password": "*****"},
                                                      "redis_version": "7.0.15"}})


def test_shared_state_reports_the_redis_the_proxy_reaches():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.CACHE_PING_PATH: lambda req: cache_ping() if req["keyed"] else answer(401, {})})
    result = probe(clock, fake, redis=REDIS, chat=False).run()
    assert statuses(result)["shared_state"] == "passed", result["summary"]
    assert result["shared_state"] == {"redis": REDIS, "cache": "redis", "reached": True, "host": "10.0.3.7", "port": 6379,
                                      "redis_version": "7.0.15"}
    assert f"shared_state ({REDIS}: the proxy reaches it at 10.0.3.7:6379, Redis 7.0.15)" in result["summary"]


def test_shared_state_waits_while_the_proxy_cannot_reach_its_redis_then_fails_at_the_budget():
    clock = FakeClock()
    answers = iter([cache_ping(503), cache_ping(503), cache_ping()])
    fake = FakeProxy(clock, {pp.CACHE_PING_PATH: lambda req: next(answers)})
    result = probe(clock, fake, redis=REDIS, chat=False).run()
    assert statuses(result)["shared_state"] == "passed"
    assert [request["path"] for request in fake.requests].count(pp.CACHE_PING_PATH) == 3
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.CACHE_PING_PATH: lambda req: cache_ping(503)})
    result = probe(clock, fake, redis=REDIS, chat=False, timeout=20).run()
    assert result["failed_stage"] == "shared_state"
    assert "cannot reach its Redis" in result["summary"] and "6379 from the tasks" in result["summary"]
    assert "Zq7L" not in result["summary"] and "Zq7L" not in json.dumps(result)


@pytest.mark.parametrize("ping", [
    lambda req: cache_ping(cache_type="local"),
    lambda req: answer(503, {"error": {"message": "Cache not initialized. litellm.cache is None"}}),
])
def test_shared_state_fails_at_once_without_a_redis_cache(ping):
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.CACHE_PING_PATH: ping})
    result = probe(clock, fake, redis=REDIS, chat=False).run()
    assert result["failed_stage"] == "shared_state"
    assert [request["path"] for request in fake.requests].count(pp.CACHE_PING_PATH) == 1
    assert REDIS in result["summary"]


def test_shared_state_without_a_redis_is_reported_not_probed():
    clock = FakeClock()
    fake = FakeProxy(clock)
    result = probe(clock, fake, redis="", chat=False).run()
    assert statuses(result)["shared_state"] == "skipped" and result["passed"] is True
    assert result["shared_state"] == {"redis": "", "cache": None}
    assert "each task keeps its own limits" in result["summary"]
    assert pp.CACHE_PING_PATH not in fake.paths()
    assert "shared_state" not in probe(FakeClock(), FakeProxy(FakeClock()), chat=False).run()
