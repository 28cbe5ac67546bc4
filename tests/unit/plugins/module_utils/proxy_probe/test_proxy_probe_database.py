"""proxy_probe module_utils: the database - readiness failing after database_grace, and the keys stage (a virtual key
generated, chatted with, its spend seen in the database, always deleted), driven by a scripted sender on a fake clock."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import proxy_probe as pp
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from fake_clock import FakeClock
from test_proxy_probe_utils import answer

URL = "http://proxy.test:4000"
KEY = "sk-unit-master-0123456789abcdef"
VIRTUAL_KEY = "sk-Vk7Qm2Zr9Lx4Tb8Nw1Pc6Hd"
VIRTUAL_HASH = hashlib.sha256(VIRTUAL_KEY.encode()).hexdigest()
DATABASE = "RDS instance litellm-db at litellm-db.abc123.us-east-1.rds.amazonaws.com:5432"
MODEL = "gpt-4o-mini"


def completion(content="pong"):
    return answer(200, {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]})


def readiness(db="connected", status=200):
    return answer(status, {"status": "healthy", "db": db})


def info(spend):
    # As LiteLLM 1.108.7 answers: the key echoed as it was passed in (here its hash), its row under "info".
    row = {"key_alias": "llmops-gate-x", "spend": spend, "max_budget": 0.05, "models": [MODEL], "status": "active"}
    return answer(200, {"key": VIRTUAL_HASH, "info": row})


class FakeProxy:
    """A LiteLLM proxy with a database, scripted: each path answers through a function of the request.

    The spend of the virtual key turns positive ``spend_after`` /key/info polls after a chat made with it (the batch write).
    """

    def __init__(self, clock, routes=None, spend_after=2, spend=0.000021):
        self.clock = clock
        self.spend_after = spend_after
        self.spend = spend
        self.used = False
        self.polls_since_use = 0
        self.requests = []
        self.routes = {
            pp.LIVELINESS_PATH: lambda req: answer(200, '"I\'m alive!"'),
            pp.READINESS_PATH: lambda req: readiness(),
            pp.MODELS_PATH: lambda req: answer(200, {"data": [{"id": MODEL}]}) if req["bearer"] else answer(401, {"error": {"message": "No api key"}}),
            pp.DETAILS_PATH: lambda req: answer(200, {"status": "healthy", "litellm_version": "1.108.7"}),
            pp.CHAT_PATH: self.chat,
            pp.KEY_GENERATE_PATH: lambda req: answer(200, {"key": VIRTUAL_KEY, "key_alias": req["body"]["key_alias"], "token": VIRTUAL_HASH}),
            pp.KEY_INFO_PATH: self.info,
            pp.KEY_DELETE_PATH: lambda req: answer(200, {"deleted_keys": req["body"].get("keys") or req["body"].get("key_aliases")}),
        }
        self.routes.update(routes or {})

    def chat(self, req):
        if req["bearer"] == VIRTUAL_KEY:
            self.used = True
        return completion()

    def info(self, req):
        if self.used:
            self.polls_since_use += 1
        return info(self.spend if self.used and self.polls_since_use > self.spend_after else 0.0)

    def __call__(self, method, url, headers, data, timeout):
        parts = urlsplit(url)
        assert url.startswith(URL)
        authorization = headers.get("Authorization", "")
        request = {"method": method, "path": parts.path, "query": parse_qs(parts.query), "headers": headers, "timeout": timeout,
                   "bearer": authorization[len("Bearer "):] if authorization else None, "body": json.loads(data) if data else {},
                   "at": self.clock()}
        self.requests.append(request)
        result = self.routes[parts.path](request)
        self.clock.sleep(0.01)
        return result

    def to(self, path):
        return [request for request in self.requests if request["path"] == path]


def probe(clock, fake, **params):
    params.setdefault("url", URL)
    params.setdefault("master_key", KEY)
    params.setdefault("models", [MODEL])
    params.setdefault("database", True)
    params.setdefault("database_name", DATABASE)
    params.setdefault("timeout", 120)
    return pp.Probe(fake, pp.settings_of(params), clock=clock, sleep=clock.sleep)


def statuses(result):
    return {stage["name"]: stage["status"] for stage in result["stages"]}


def stage(result, name):
    return next(item for item in result["stages"] if item["name"] == name)


def assert_no_virtual_key(result):
    shown = json.dumps(result)
    assert VIRTUAL_KEY not in shown and VIRTUAL_KEY[3:] not in shown and VIRTUAL_HASH not in shown


# --- readiness: the database named, and failing after database_grace -----------------------------------


def test_readiness_fails_database_grace_seconds_after_the_first_disconnected_answer_naming_the_database():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.READINESS_PATH: lambda req: readiness("disconnected", 503)})
    result = probe(clock, fake, timeout=600, interval=2, max_interval=15).run()
    assert result["failed_stage"] == "readiness"
    detail = stage(result, "readiness")["detail"]
    assert f"the proxy is up but cannot reach its database ({DATABASE})" in detail
    assert "db 'disconnected'" in detail and "database_grace 30 s" in detail
    assert "TCP 5432 from the proxy's tasks" in detail and "DATABASE_URL" in detail and "running" in detail
    polls = [request["at"] for request in fake.to(pp.READINESS_PATH)]
    assert polls[-1] - polls[0] >= 30  # not before database_grace ...
    assert polls[-2] - polls[0] < 30  # ... and at the first poll after it
    assert result["elapsed"] < 60 and "budget ran out" not in detail  # not the whole timeout of 600 s
    assert statuses(result)["keys"] == "skipped"
    assert DATABASE in result["summary"]


def test_readiness_waits_out_a_stalled_database_shorter_than_the_grace():
    clock = FakeClock()
    start = clock()
    fake = FakeProxy(clock, {pp.READINESS_PATH: lambda req: readiness("stalled", 503) if clock() - start < 20 else readiness()})
    result = probe(clock, fake, keys=False).run()
    assert result["passed"] is True, result["summary"]
    assert stage(result, "readiness")["attempts"] > 3 and stage(result, "readiness")["detail"] == "status healthy, db connected"


def test_a_grace_of_zero_fails_at_the_first_answer_and_an_unnamed_database_is_its_database():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.READINESS_PATH: lambda req: readiness("disconnected", 503)})
    result = probe(clock, fake, database_grace=0, database_name="").run()
    readiness_stage = stage(result, "readiness")
    assert result["failed_stage"] == "readiness" and readiness_stage["attempts"] == 1
    assert "the proxy is up but cannot reach its database: " in readiness_stage["detail"]


def test_a_503_without_a_db_state_or_without_database_keeps_waiting_for_the_whole_budget():
    for params, body in (({"database": True}, {"status": "starting"}), ({"database": False}, {"status": "healthy", "db": "disconnected"})):
        clock = FakeClock()
        fake = FakeProxy(clock, {pp.READINESS_PATH: lambda req, body=body: answer(503, body)})
        result = probe(clock, fake, timeout=90, **params).run()
        detail = stage(result, "readiness")["detail"]
        assert result["failed_stage"] == "readiness" and "budget ran out" in detail and "timeout 90 s" in detail
        assert "cannot reach its database" not in detail
        assert result["elapsed"] >= 90


def test_not_connected_names_the_database_the_deployment_gave():
    verdict = pp.judge_readiness(readiness("Not connected"), URL, True, database_name=DATABASE)
    assert verdict.state == FAILED and "no DATABASE_URL" in verdict.reason and DATABASE in verdict.reason
    assert DATABASE not in pp.judge_readiness(readiness("Not connected"), URL, True).reason


# --- the keys stage ------------------------------------------------------------------------------------


def test_keys_stage_generates_a_key_chats_with_it_waits_for_its_spend_and_deletes_it():
    clock = FakeClock()
    fake = FakeProxy(clock, spend_after=2)
    result = probe(clock, fake, chat_expected_content="pong").run()
    assert result["passed"] is True, result["summary"]
    assert list(statuses(result)) == ["liveliness", "readiness", "models", "shared_state", "chat", "keys", "load"]
    assert statuses(result)["keys"] == "passed"

    (generate,) = fake.to(pp.KEY_GENERATE_PATH)
    assert generate["method"] == "POST" and generate["bearer"] == KEY
    body = generate["body"]
    assert re.fullmatch(r"llmops-gate-[0-9a-f]{8,}", body["key_alias"])
    assert body == {"duration": "10m", "max_budget": 0.05, "key_alias": body["key_alias"], "models": [MODEL],
                    "metadata": {"created_by": "llmops.litellm_ecs gate"}}

    chats = fake.to(pp.CHAT_PATH)
    assert [request["bearer"] for request in chats] == [KEY, VIRTUAL_KEY]  # the chat stage, then the new key
    assert chats[1]["headers"]["Authorization"] == f"Bearer {VIRTUAL_KEY}" and chats[1]["body"]["model"] == MODEL

    infos = fake.to(pp.KEY_INFO_PATH)
    assert len(infos) == 3 and all(request["bearer"] == KEY for request in infos)
    assert all(request["query"] == {"key": [VIRTUAL_HASH]} for request in infos)  # the hash: the key stays out of access logs
    assert infos[1]["at"] > infos[0]["at"] + 1  # polled with pauses, not in a burst

    (delete,) = fake.to(pp.KEY_DELETE_PATH)
    assert delete["method"] == "POST" and delete["bearer"] == KEY and delete["body"] == {"keys": [VIRTUAL_KEY]}
    paths = [request["path"] for request in fake.requests]
    assert paths.index(pp.KEY_DELETE_PATH) > max(index for index, path in enumerate(paths) if path == pp.KEY_INFO_PATH)

    assert result["keys"] == {"alias": body["key_alias"], "model": MODEL, "generated": True, "spend": 0.000021, "deleted": True}
    detail = stage(result, "keys")["detail"]
    assert body["key_alias"] in detail and "spend 2.1e-05 recorded" in detail and "answered 'pong' with it" in detail
    assert "the key was deleted" in detail
    assert_no_virtual_key(result)


def test_the_key_is_deleted_when_the_chat_with_it_fails():
    clock = FakeClock()
    rejected = answer(401, {"error": {"message": "Authentication Error, Invalid proxy server token passed."}})
    fake = FakeProxy(clock, {pp.CHAT_PATH: lambda req: rejected if req["bearer"] == VIRTUAL_KEY else completion()})
    result = probe(clock, fake, load={"requests": 2}).run()
    assert result["failed_stage"] == "keys" and statuses(result)["load"] == "skipped"
    detail = stage(result, "keys")["detail"]
    alias = result["keys"]["alias"]
    assert f"the proxy rejected the virtual key {alias} it had just generated" in detail and DATABASE in detail
    assert "rejected the master key" not in detail and "the key was deleted" in detail
    assert [request["body"] for request in fake.to(pp.KEY_DELETE_PATH)] == [{"keys": [VIRTUAL_KEY]}]
    assert fake.to(pp.KEY_INFO_PATH) == []
    assert result["keys"]["deleted"] is True and result["keys"]["spend"] is None
    assert_no_virtual_key(result)


def test_the_key_is_deleted_even_when_a_step_raises():
    clock = FakeClock()

    def broken(req):
        raise RuntimeError("the sender broke")

    fake = FakeProxy(clock, {pp.KEY_INFO_PATH: broken})
    with pytest.raises(RuntimeError):
        probe(clock, fake).run()
    assert [request["body"] for request in fake.to(pp.KEY_DELETE_PATH)] == [{"keys": [VIRTUAL_KEY]}]


def test_the_new_key_never_appears_even_when_the_proxy_echoes_it_everywhere():
    clock = FakeClock()
    echo = f"key {VIRTUAL_KEY} (hash {VIRTUAL_HASH}) failed; Authorization: Bearer {VIRTUAL_KEY}"
    fake = FakeProxy(clock, {
        pp.CHAT_PATH: lambda req: answer(400, {"error": {"message": echo}}) if req["bearer"] == VIRTUAL_KEY else completion(),
        pp.KEY_DELETE_PATH: lambda req: answer(400, {"error": {"message": echo}}),
    })
    result = probe(clock, fake).run()
    assert result["failed_stage"] == "keys"
    assert_no_virtual_key(result)
    assert VIRTUAL_KEY not in result["summary"] and VIRTUAL_HASH not in result["summary"]
    (warning,) = result["warnings"]
    alias = result["keys"]["alias"]
    assert f"could not delete its virtual key {alias}" in warning and f'"key_aliases": ["{alias}"]' in warning
    assert VIRTUAL_KEY not in warning and VIRTUAL_HASH not in warning and warning in result["summary"]
    assert result["keys"]["deleted"] is False and "could NOT be deleted" in stage(result, "keys")["detail"]


def test_a_failed_delete_is_a_warning_not_a_failure():
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.KEY_DELETE_PATH: lambda req: answer(403, {"error": {"message": "not allowed"}})})
    result = probe(clock, fake).run()
    assert result["passed"] is True and statuses(result)["keys"] == "passed"
    assert result["keys"]["deleted"] is False and len(result["warnings"]) == 1
    assert result["keys"]["alias"] in result["warnings"][0] and "expires (10m after it was made)" in result["warnings"][0]


@pytest.mark.parametrize("params, reason", [
    ({"database": False}, "database=false"),
    ({"keys": False}, "keys=false"),
    ({"chat": False}, "chat=false"),
    ({"models": []}, "no model to chat with"),
    ({"check_mode": True}, "check mode"),
])
def test_keys_stage_is_skipped_with_a_reason(params, reason):
    clock = FakeClock()
    fake = FakeProxy(clock)
    result = probe(clock, fake, **params).run()
    assert result["passed"] is True and statuses(result)["keys"] == "skipped"
    assert reason in stage(result, "keys")["detail"] and "keys" not in result
    assert not [request for request in fake.requests if request["path"].startswith("/key/")]


@pytest.mark.parametrize("failure", [
    answer(500, {"error": {"message": "Can't reach database server at `litellm-db.abc123.us-east-1.rds.amazonaws.com:5432`"}}),
    answer(400, {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}}),
    answer(500, {"error": {"message": "Database not connected. Connect a database to your proxy"}}),
])
def test_generate_failing_on_the_database_fails_at_once_naming_it(failure):
    clock = FakeClock()
    fake = FakeProxy(clock, {pp.KEY_GENERATE_PATH: lambda req: failure})
    result = probe(clock, fake, timeout=600).run()
    assert result["failed_stage"] == "keys" and stage(result, "keys")["attempts"] >= 1
    assert len(fake.to(pp.KEY_GENERATE_PATH)) == 1
    detail = stage(result, "keys")["detail"]
    assert f"the proxy could not store a virtual key in its database ({DATABASE}): {URL}/key/generate answered" in detail
    assert "HTTP " + str(failure.status) in detail and "TCP 5432" in detail and "DATABASE_URL" in detail
    assert "rejected the master key" not in detail
    assert result["keys"]["generated"] is False and result["keys"]["deleted"] is False
    deletes = [request["body"] for request in fake.to(pp.KEY_DELETE_PATH)]
    # After a 500 the key may exist all the same: deleted by its alias; a 400 created nothing.
    assert deletes == ([{"key_aliases": [result["keys"]["alias"]]}] if failure.status == 500 else [])


def test_generate_retries_a_gateway_error_with_a_fresh_alias_and_cleans_up_the_first():
    clock = FakeClock()
    answers = iter([answer(502, "<html>Bad Gateway</html>")])

    def generate(req):
        return next(answers, None) or answer(200, {"key": VIRTUAL_KEY, "key_alias": req["body"]["key_alias"]})

    fake = FakeProxy(clock, {pp.KEY_GENERATE_PATH: generate})
    result = probe(clock, fake).run()
    assert result["passed"] is True, result["summary"]
    first, second = [request["body"]["key_alias"] for request in fake.to(pp.KEY_GENERATE_PATH)]
    assert first != second and result["keys"]["alias"] == second
    assert [request["body"] for request in fake.to(pp.KEY_DELETE_PATH)] == [{"key_aliases": [first]}, {"keys": [VIRTUAL_KEY]}]


def test_generate_refused_for_another_reason_says_what_to_check():
    clock = FakeClock()
    refused = answer(400, {"error": {"message": "Invalid duration format: 10 minutes"}})
    fake = FakeProxy(clock, {pp.KEY_GENERATE_PATH: lambda req: refused})
    result = probe(clock, fake).run()
    detail = stage(result, "keys")["detail"]
    assert result["failed_stage"] == "keys" and "refused to generate a virtual key" in detail and "keys_duration" in detail
    assert fake.to(pp.KEY_DELETE_PATH) == []


def test_spend_that_stays_zero_fails_at_the_budget_saying_why_and_the_key_is_deleted():
    clock = FakeClock()
    fake = FakeProxy(clock, spend=0.0)
    result = probe(clock, fake, timeout=60).run()
    assert result["failed_stage"] == "keys"
    detail = stage(result, "keys")["detail"]
    assert "budget ran out" in detail and "proxy_batch_write_at" in detail and "is still 0" in detail
    assert "the key was deleted" in detail
    assert len(fake.to(pp.KEY_INFO_PATH)) > 2 and result["keys"]["spend"] == 0.0 and result["keys"]["deleted"] is True
    (delete,) = fake.to(pp.KEY_DELETE_PATH)
    assert delete["timeout"] >= pp.CLEANUP_REQUEST_TIMEOUT  # the budget is spent, the delete still gets its time


def test_key_info_errors():
    assert pp.judge_key_spend(answer(404, {"error": {"message": "Key not found in database"}}), URL, "a", DATABASE).state == FAILED
    verdict = pp.judge_key_spend(answer(500, {"error": {"message": "prisma: Can't reach database server"}}), URL, "a", DATABASE)
    assert verdict.state == FAILED and DATABASE in verdict.reason
    assert pp.judge_key_spend(answer(503, ""), URL, "a", DATABASE).state == WAITING
    assert pp.judge_key_spend(answer(200, {"key": "x"}), URL, "a").state == FAILED
    assert pp.judge_key_spend(answer(200, {"key": "x", "info": {"key_alias": "a"}}), URL, "a").state == FAILED  # no spend at all
    assert pp.judge_key_spend(answer(200, {"key": "x", "info": {"spend": None}}), URL, "a").state == WAITING


def test_generate_answer_without_a_key_is_not_quoted():
    verdict = pp.judge_key_generate(answer(200, {"token": "abc-secret-shape", "key_alias": "x"}), URL)
    assert verdict.state == FAILED and "abc-secret-shape" not in verdict.reason and "key_alias, token" in verdict.reason


def test_check_settings_rejects_bad_keys_and_grace_options():
    errors = " | ".join(pp.check_settings(pp.settings_of({"url": URL, "master_key": KEY, "keys_duration": "10 minutes",
                                                          "keys_max_budget": 0, "database_grace": -1})))
    assert "keys_duration" in errors and "keys_max_budget" in errors and "database_grace" in errors
    assert pp.check_settings(pp.settings_of({"url": URL, "master_key": KEY, "keys_duration": "1mo"})) == []
