# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Probe a LiteLLM proxy in stages and judge every answer (no Ansible needed, no network of its own).

The HTTP call is a parameter (``send(method, url, headers, data, timeout) -> Answer``), as are the clock and
the sleep, so every verdict and every wait is tested without a server and without sleeping. The module
``llmops.litellm_ecs.proxy_probe`` passes a sender built on ``ansible.module_utils.urls``.

Stages, in order: liveliness, readiness, models, shared_state (``/cache/ping``: the proxy reaches the Redis the
deployment gave it), chat, keys (with a database: a short-lived virtual key is generated, chatted with, its spend
seen in the database, and deleted), load. Each of the first six is polled with the collection's one ``Waiter``
until it passes, fails for good, or the total budget is spent; the load stage runs once. Answers that retrying cannot
fix (key rejected, model unknown, TLS verification failure, malformed payload, 404, a database error) fail at once;
connection errors, timeouts, 5xx, 408 and 429 are retried. A proxy that reports its database unreachable is waited
for ``database_grace`` seconds only.

Facts this relies on (litellm 1.108.7, older shapes accepted): ``/health/liveliness`` answers 200
``"I'm alive!"``; ``/health/readiness`` answers ``{"status": "healthy", "db": ...}`` (older releases add
``litellm_version``), 503 while the database is down; ``/v1/models`` answers 401 without a key, and a
wrong key answers 401, or 400 ``No connected db.`` on a proxy without a database; ``/chat/completions``
answers 400 ``Invalid model name`` for a model it does not serve. A proxy whose configured database is unreachable
answers readiness 503 with ``db`` ``disconnected`` or ``stalled``. ``/key/generate`` answers ``{"key": "sk-..."}``;
``/key/info?key=<key or its sha256>`` answers ``{"key": ..., "info": {"spend": ...}}``, the spend written to the
database in batches every ``general_settings.proxy_batch_write_at`` seconds (10 by default); ``/key/delete`` takes
``{"keys": [...]}`` or ``{"key_aliases": [...]}``.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import FAILED
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import READY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import WAITING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Verdict
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Waiter

# The stages, in the order they run.
STAGES = LIVELINESS, READINESS, MODELS, SHARED_STATE, CHAT, KEYS, LOAD = (
    "liveliness", "readiness", "models", "shared_state", "chat", "keys", "load")

PASSED = "passed"
STAGE_FAILED = "failed"
SKIPPED = "skipped"

LIVELINESS_PATH = "/health/liveliness"
READINESS_PATH = "/health/readiness"
DETAILS_PATH = "/health/readiness/details"
CACHE_PING_PATH = "/cache/ping"
MODELS_PATH = "/v1/models"
CHAT_PATH = "/chat/completions"
KEY_GENERATE_PATH = "/key/generate"
KEY_INFO_PATH = "/key/info"
KEY_DELETE_PATH = "/key/delete"
VERSION_HEADER = "x-litellm-version"

# Each pause between polls is BACKOFF times the previous one, from ``interval`` up to ``max_interval``.
BACKOFF = 1.5
# A request sent when the budget is (nearly) spent still gets this long to answer.
MIN_REQUEST_TIMEOUT = 1.0
EXCERPT_CHARS = 300
# The delete of the gate's virtual key gets at least this long (up to request_timeout), even when the budget is spent:
# a key left behind is worse than a probe a few seconds over its timeout.
CLEANUP_REQUEST_TIMEOUT = 10.0

# The db states of a readiness answer from a proxy whose configured database is unreachable (or its lookups stall).
DB_UNREACHABLE = ("disconnected", "stalled")
KEY_ALIAS_PREFIX = "llmops-gate-"
KEY_CREATOR = "llmops.litellm_ecs gate"
DURATION = re.compile(r"^[1-9][0-9]*(s|m|h|d|w|mo)$")
DATABASE_ADVICE = (
    "Check that the database is running, that its security group admits TCP 5432 from the proxy's tasks, and DATABASE_URL in "
    "the task definition (host, port, database name, user and password); the proxy's log names the error.")

# Transport failures (no HTTP answer), by kind.
REFUSED = "refused"
TIMED_OUT = "timeout"
TLS_VERIFY = "tls_verify"
NETWORK = "network"
INVALID = "invalid"
# Kinds that retrying cannot fix.
PERMANENT_KINDS = (TLS_VERIFY, INVALID)
RETRIED_STATUSES = (408, 425, 429)

DEFAULTS = {
    "timeout": 300.0,
    "interval": 2.0,
    "max_interval": 15.0,
    "request_timeout": 30.0,
    "models": [],
    "database": False,
    "database_name": "",
    "database_grace": 30.0,
    "require_auth": True,
    "chat": True,
    "chat_models": None,
    "chat_prompt": "Reply with the single word: pong",
    "chat_expected_content": None,
    "chat_stream": False,
    "chat_max_tokens": None,
    "keys": True,
    "keys_duration": "10m",
    "keys_max_budget": 0.05,
    "load": None,
    "check_mode": False,
    "headers": {},
}
LOAD_DEFAULTS = {"requests": 20, "concurrency": 4, "model": None, "max_error_rate": None, "max_p50": None, "max_p95": None}


class Answer(NamedTuple):
    """What one HTTP request got: an HTTP answer (status, body, headers) or a transport failure (kind, error)."""

    status: int | None = None
    body: bytes = b""
    headers: dict | None = None
    error: str = ""
    kind: str = ""
    seconds: float = 0.0

    def header(self, name: str) -> str | None:
        return (self.headers or {}).get(name.lower())


class ProbeError(Exception):
    """The probe's settings are invalid; ``errors`` lists every problem."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


# --- small helpers -------------------------------------------------------------------------------------

def excerpt(body, secrets=(), limit: int = EXCERPT_CHARS) -> str:
    """The start of a body as one line of text, secrets masked, cut to ``limit`` characters."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = mask(" ".join(str(body).split()), secrets)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text or "(empty body)"


def parse_json(answer: Answer):
    """(True, value) when the body is JSON, else (False, None)."""
    try:
        return True, json.loads(answer.body.decode("utf-8") if isinstance(answer.body, bytes) else answer.body)
    except (ValueError, UnicodeDecodeError):
        return False, None


def error_message(answer: Answer) -> str:
    """The proxy's own error message (``{"error": {"message": ...}}`` or ``{"detail": ...}``), or ''."""
    ok, value = parse_json(answer)
    if not ok or not isinstance(value, dict):
        return ""
    error = value.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):
        return error
    if value.get("detail"):
        return str(value["detail"])
    return ""


def describe(answer: Answer, secrets=()) -> str:
    """One line saying what came back: the transport error, or the status and the message or body excerpt."""
    if answer.status is None:
        return mask(answer.error or "no answer", secrets)
    message = error_message(answer)
    shown = excerpt(message, secrets) if message else excerpt(answer.body, secrets)
    return f"HTTP {answer.status}: {shown}"


def classify_exception(exc: BaseException):
    """(kind, text) for an exception raised by a request: REFUSED, TIMED_OUT, TLS_VERIFY, NETWORK or INVALID."""
    reason = getattr(exc, "reason", None)  # urllib.error.URLError wraps the socket or ssl error
    inner = reason if isinstance(reason, BaseException) else exc
    text = str(reason if reason is not None else exc) or type(inner).__name__
    if isinstance(inner, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text \
            or type(inner).__name__ == "SSLValidationError" or "certificate verify failed" in text.lower():
        return TLS_VERIFY, f"TLS certificate verification failed: {text}"
    if isinstance(inner, ConnectionRefusedError):
        return REFUSED, f"connection refused ({text})"
    if isinstance(inner, (socket.timeout, TimeoutError)) or "timed out" in text.lower():
        return TIMED_OUT, f"no answer within the request timeout ({text})"
    if isinstance(inner, ValueError) and not isinstance(inner, (OSError, http.client.HTTPException)):
        return INVALID, f"the request could not be made: {text}"
    return NETWORK, f"{type(inner).__name__}: {text}"


def percentile(values, q: float):
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation between closest ranks, or None.

    The same definition as numpy's default and ``statistics.quantiles(method="inclusive")``: for
    [1, 2, 3, 4] the 50th percentile is 2.5.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def join_names(names) -> str:
    return ", ".join(names) if names else "(none)"


def named(database_name: str) -> str:
    """`` (<database_name>)`` to follow the words "its database", or '' when the database has no name."""
    return f" ({database_name})" if database_name else ""


def mentions_database(answer: Answer) -> bool:
    """Whether an HTTP answer's error speaks of the database (``No connected db.``, prisma errors, ...)."""
    text = f"{error_message(answer)} {excerpt(answer.body, limit=2000)}".lower()
    return re.search(r"\bdb\b|database|prisma", text) is not None


def key_hash(key: str) -> str:
    """The sha256 of a virtual key, as LiteLLM stores it: /key/info takes it, so the key stays out of access logs."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# --- verdicts on single answers ------------------------------------------------------------------------

def transport_verdict(answer: Answer, url: str):
    """The verdict on an answer that is not an HTTP answer, or None when there is an HTTP answer."""
    if answer.status is not None:
        return None
    if answer.kind == TLS_VERIFY:
        return Verdict(FAILED, (
            f"{url}: {answer.error}. Give the CA bundle that signed the proxy's certificate as ca_path, or correct the "
            f"certificate or the host name in url (validate_certs=false only for a test)."))
    if answer.kind == INVALID:
        return Verdict(FAILED, f"{url}: {answer.error}. Correct url (for example https://litellm.example.com).")
    return Verdict(WAITING, f"{url}: {answer.error}")


def common_verdict(answer: Answer, url: str, secrets=()):
    """Verdicts every stage shares (transport errors, retried and redirect statuses), or None."""
    verdict = transport_verdict(answer, url)
    if verdict is not None:
        return verdict
    status = answer.status
    if status >= 500 or status in RETRIED_STATUSES:
        return Verdict(WAITING, f"{url} answered {describe(answer, secrets)}")
    if 300 <= status < 400:
        location = answer.header("location") or "(no Location header)"
        return Verdict(FAILED, (
            f"{url} answered HTTP {status} redirecting to {excerpt(location, secrets)}; the probe does not follow "
            f"redirects. Set url to the proxy's real base URL (for example https:// instead of http://)."))
    if status == 404:
        return Verdict(FAILED, (
            f"{url} answered HTTP 404: {excerpt(answer.body, secrets, 120)}. Is url the base URL of a LiteLLM proxy "
            f"(without a path such as /v1)?"))
    return None


def key_rejected(answer: Answer) -> bool:
    """Whether the proxy refused the key: 401/403, or the 400 ``No connected db.`` of a proxy without a database."""
    if answer.status in (401, 403):
        return True
    return answer.status == 400 and "no connected db" in (error_message(answer) or excerpt(answer.body)).lower()


def key_rejected_verdict(answer: Answer, url: str, secrets=()) -> Verdict:
    why = describe(answer, secrets)
    if answer.status == 400:
        why += " (a LiteLLM proxy without a database answers a key that is not its master key this way)"
    return Verdict(FAILED, (
        f"the proxy rejected the master key at {url} ({why}). Give the proxy's LITELLM_MASTER_KEY as master_key; "
        f"retrying cannot fix this."))


def judge_liveliness(answer: Answer, url: str, secrets=()) -> Verdict:
    verdict = common_verdict(answer, url, secrets)
    if verdict is not None:
        return verdict
    if answer.status == 200:
        return Verdict(READY, f"HTTP 200: {excerpt(answer.body, secrets, 80)}")
    return Verdict(FAILED, f"{url} answered {describe(answer, secrets)}; a LiteLLM proxy answers 200. Is url the proxy's base URL?")


def readiness_payload(answer: Answer):
    """The readiness payload as a dict: JSON objects as they are, a bare JSON string as {"status": it}."""
    ok, value = parse_json(answer)
    if not ok:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return {"status": value}
    return None


def db_state(payload: dict) -> str | None:
    """The database state a readiness payload reports (``db`` as a string or as ``{"status": ...}``), or None."""
    db = payload.get("db")
    if isinstance(db, dict):
        db = db.get("status")
    return None if db is None else str(db)


def judge_readiness(answer: Answer, url: str, database: bool, secrets=(), database_name: str = "") -> Verdict:
    """Ready: 200 with a healthy status and, when ``database``, ``db`` reported ``connected``.

    A proxy that cannot reach its database yet is WAITING here; ``Probe.readiness`` fails it after ``database_grace``.
    """
    if answer.status == 503:
        payload = readiness_payload(answer) or {}
        shown = f"db {db_state(payload)}" if db_state(payload) else describe(answer, secrets)
        return Verdict(WAITING, f"{url} answered HTTP 503 (not ready: {shown})")
    verdict = common_verdict(answer, url, secrets)
    if verdict is not None:
        return verdict
    if answer.status != 200:
        return Verdict(FAILED, f"{url} answered {describe(answer, secrets)}; a ready LiteLLM proxy answers 200.")
    payload = readiness_payload(answer)
    if payload is None:
        return Verdict(FAILED, (
            f"{url} answered 200 with a body that is not a JSON readiness payload: {excerpt(answer.body, secrets)}. Is url "
            f"a LiteLLM proxy?"))
    status = str(payload.get("status", "healthy")).lower()
    db = db_state(payload)
    if status not in ("healthy", "ok", "ready", "connected"):
        return Verdict(WAITING, f"{url} reports status {payload.get('status')!r}")
    if not database:
        return Verdict(READY, f"status {status}, db {db or 'not reported'} (not checked: database=false)")
    if db is None:
        return Verdict(FAILED, (
            f"{url} does not report a db state ({excerpt(answer.body, secrets)}), so database=true cannot be checked. "
            f"Set database=false for this proxy."))
    if db.lower() == "connected":
        return Verdict(READY, f"status {status}, db connected")
    if db.lower() == "not connected":
        given = f", although the deployment gave it {database_name}" if database_name else ""
        return Verdict(FAILED, (
            f"the proxy reports db 'Not connected': it has no database configured (no DATABASE_URL){given}. Give it one "
            f"(DATABASE_URL in the task definition), or set database=false."))
    return Verdict(WAITING, f"status {status} but db {db!r} (waiting for 'connected')")


def unreachable_db(answer: Answer):
    """The db state (``disconnected``, ``stalled``) of a readiness answer (503, or 200 with allow_requests_on_db_unavailable)
    from a proxy that cannot reach its configured database, or None."""
    if answer.status not in (200, 503):
        return None
    state = db_state(readiness_payload(answer) or {})
    return state if state and state.lower() in DB_UNREACHABLE else None


def database_unreachable_verdict(url: str, state: str, seconds: float, grace: float, database_name: str = "") -> Verdict:
    return Verdict(FAILED, (
        f"the proxy is up but cannot reach its database{named(database_name)}: {url} has reported db {state!r} for "
        f"{seconds:.0f} s (database_grace {grace:g} s). {DATABASE_ADVICE}"))


def listed_models(answer: Answer):
    """The model ids of a ``/v1/models`` answer, or None when the payload has no model list."""
    ok, value = parse_json(answer)
    if not ok:
        return None
    items = value.get("data") if isinstance(value, dict) else value
    if not isinstance(items, list):
        return None
    names = []
    for item in items:
        name = item.get("id") or item.get("model_name") if isinstance(item, dict) else item
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def judge_models(keyed: Answer, anonymous: Answer | None, url: str, expected, require_auth: bool, secrets=()) -> Verdict:
    """The keyed ``/v1/models`` must list every expected model; the anonymous one must be refused.

    ``anonymous`` is None when it was not requested (the keyed answer already decided).
    """
    verdict = common_verdict(keyed, url, secrets)
    if verdict is not None:
        return verdict
    if key_rejected(keyed):
        return key_rejected_verdict(keyed, url, secrets)
    if keyed.status != 200:
        return Verdict(FAILED, f"{url} answered {describe(keyed, secrets)} to the master key; expected 200 with the model list.")
    names = listed_models(keyed)
    if names is None:
        return Verdict(FAILED, (
            f"{url} answered 200 with a body that is not a model list: {excerpt(keyed.body, secrets)}. Is url a LiteLLM proxy?"))
    missing = [name for name in expected if name not in names]
    if missing:
        return Verdict(FAILED, (
            f"expected models missing from {url}: {join_names(missing)} (the proxy lists: {join_names(names)}). Add them to "
            f"the proxy's model_list (litellm_models), or correct models."))
    listed = f"{len(names)} model(s) listed: {join_names(names)}"
    if anonymous is None:
        return Verdict(WAITING, listed)
    if anonymous.status is None or anonymous.status >= 500 or anonymous.status in RETRIED_STATUSES:
        return Verdict(WAITING, (
            f"{listed}; the request without a key got {describe(anonymous, secrets)} instead of 401 (a proxy missing the "
            f"prisma Python package answers 500)"))
    if anonymous.status == 200:
        if require_auth:
            return Verdict(FAILED, (
                f"the proxy is open: {url} answers 200 without a key. Set a master key (LITELLM_MASTER_KEY) on the proxy, "
                f"or set require_auth=false to accept an open proxy."))
        return Verdict(READY, f"{listed}; WARNING: the proxy is open (it answers without a key)")
    return Verdict(READY, f"{listed}; a request without a key is refused (HTTP {anonymous.status})")


def message_content(message) -> str:
    """The text of a chat message's ``content`` (a string, or a list of parts with ``text``)."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        content = "".join(str(part.get("text") or "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def chat_error_verdict(answer: Answer, url: str, model: str, secrets=()):
    """Verdicts on a ``/chat/completions`` answer that is not 200, or None when it is 200."""
    verdict = common_verdict(answer, url, secrets)
    if verdict is not None:
        if verdict.state == WAITING:
            return Verdict(WAITING, f"model {model}: {verdict.reason}")
        return verdict
    if key_rejected(answer):
        return key_rejected_verdict(answer, url, secrets)
    if answer.status == 200:
        return None
    message = (error_message(answer) or excerpt(answer.body)).lower()
    if answer.status == 400 and ("invalid model" in message or "model not found" in message or "no deployments" in message):
        return Verdict(FAILED, (
            f"the proxy does not serve the model {model} ({describe(answer, secrets)}). Add it to the proxy's model_list "
            f"(litellm_models), or correct chat_models/models."))
    return Verdict(FAILED, f"model {model}: {url} answered {describe(answer, secrets)}; retrying cannot fix this.")


def check_content(content: str, model: str, expected: str | None, what: str, finish_reason=None, secrets=()) -> Verdict:
    if not content.strip():
        hint = ""
        if finish_reason == "length":
            hint = " (finish_reason=length: raise chat_max_tokens, reasoning models spend tokens before answering)"
        return Verdict(FAILED, f"model {model} {what} with empty content{hint}.")
    if expected and expected.lower() not in content.lower():
        return Verdict(FAILED, (
            f"model {model} {what} {excerpt(content, secrets, 120)!r}, which does not contain {expected!r} "
            f"(chat_expected_content)."))
    return Verdict(READY, f"{model} {what} {excerpt(content, secrets, 60)!r}")


def judge_chat(answer: Answer, url: str, model: str, expected: str | None, secrets=()) -> Verdict:
    verdict = chat_error_verdict(answer, url, model, secrets)
    if verdict is not None:
        return verdict
    ok, value = parse_json(answer)
    choices = value.get("choices") if ok and isinstance(value, dict) else None
    if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
        return Verdict(FAILED, (
            f"model {model}: {url} answered 200 with a body that is not a chat completion: {excerpt(answer.body, secrets)}"))
    return check_content(message_content(choices[0].get("message")), model, expected, "answered",
                         choices[0].get("finish_reason"), secrets)


def stream_content(body) -> tuple:
    """(content, done, error) of a server-sent-events chat stream: the deltas joined, whether ``[DONE]`` came."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    parts, done, error = [], False, ""
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            continue
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        if event.get("error"):
            error = event["error"].get("message") if isinstance(event["error"], dict) else str(event["error"])
        for choice in event.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            parts.append(message_content(delta) if isinstance(delta, dict) else "")
    return "".join(parts), done, error


def judge_stream(answer: Answer, url: str, model: str, expected: str | None, secrets=()) -> Verdict:
    verdict = chat_error_verdict(answer, url, model, secrets)
    if verdict is not None:
        return verdict
    content_type = (answer.header("content-type") or "").lower()
    if "event-stream" not in content_type:
        return Verdict(FAILED, (
            f"model {model}: a streaming request got content-type {content_type or '(none)'} instead of text/event-stream: "
            f"{excerpt(answer.body, secrets, 120)}"))
    content, done, error = stream_content(answer.body)
    if error:
        return Verdict(FAILED, f"model {model}: the stream carried an error: {excerpt(error, secrets)}")
    if not done:
        return Verdict(WAITING, f"model {model}: the stream ended without 'data: [DONE]' (cut off?)")
    return check_content(content, model, expected, "streamed", None, secrets)


def judge_key_generate(answer: Answer, url: str, database_name: str = "", secrets=()) -> Verdict:
    """``/key/generate`` with the master key: 200 with a ``key`` (sk-...). An error about the database fails at once."""
    if answer.status not in (None, 200, 401, 403) and mentions_database(answer):
        return Verdict(FAILED, (
            f"the proxy could not store a virtual key in its database{named(database_name)}: {url} answered "
            f"{describe(answer, secrets)}. {DATABASE_ADVICE} A database without LiteLLM's tables (failed prisma migrations) "
            f"answers this way too."))
    verdict = common_verdict(answer, url, secrets)
    if verdict is not None:
        return verdict
    if key_rejected(answer):
        return key_rejected_verdict(answer, url, secrets)
    if answer.status != 200:
        return Verdict(FAILED, (
            f"the proxy refused to generate a virtual key: {url} answered {describe(answer, secrets)}. Check keys_duration and "
            f"keys_max_budget, and the proxy's log; retrying cannot fix this."))
    ok, value = parse_json(answer)
    key = value.get("key") if ok and isinstance(value, dict) else None
    if not isinstance(key, str) or not key.startswith("sk-"):
        # Never quoted: the body may hold a key in another shape.
        fields = join_names(sorted(str(name) for name in value)) if ok and isinstance(value, dict) else "not a JSON object"
        return Verdict(FAILED, f"{url} answered 200 without a virtual key (a \"key\" starting with sk-; fields: {fields}).")
    return Verdict(READY, "generated")


def judge_virtual_key_chat(answer: Answer, url: str, model: str, expected: str | None, alias: str, database_name: str = "",
                           secrets=()) -> Verdict:
    """A chat completion with the virtual key the gate just generated: as ``judge_chat``, the key rejected said as such."""
    if key_rejected(answer):
        return Verdict(FAILED, (
            f"the proxy rejected the virtual key {alias} it had just generated ({url} answered {describe(answer, secrets)}), so "
            f"the task that answered did not find it in its database{named(database_name)}. Check that every task uses the "
            f"same DATABASE_URL, and the proxy's log."))
    verdict = judge_chat(answer, url, model, expected, secrets)
    if verdict.state == READY:
        return Verdict(READY, f"{verdict.reason} with it")
    return Verdict(verdict.state, f"with the virtual key {alias}: {verdict.reason}")


def key_spend(answer: Answer):
    """The spend a ``/key/info`` answer reports (``{"info": {"spend": ...}}``), or None when it reports none."""
    ok, value = parse_json(answer)
    info = value.get("info") if ok and isinstance(value, dict) else None
    if not isinstance(info, dict) or "spend" not in info or isinstance(info["spend"], bool):
        return None
    try:
        return float(info["spend"] or 0)
    except (TypeError, ValueError):
        return None


def judge_key_spend(answer: Answer, url: str, alias: str, database_name: str = "", secrets=()) -> Verdict:
    """``/key/info`` with the master key: READY once the key's recorded spend is above 0, WAITING while it is 0."""
    if answer.status == 404:
        return Verdict(FAILED, (
            f"the proxy does not find the virtual key {alias} it just generated in its database{named(database_name)}: {url} "
            f"answered {describe(answer, secrets)}. Check that every task uses the same DATABASE_URL."))
    if answer.status not in (None, 200, 401, 403) and mentions_database(answer):
        return Verdict(FAILED, (
            f"the proxy could not read the virtual key {alias} from its database{named(database_name)}: {url} answered "
            f"{describe(answer, secrets)}. {DATABASE_ADVICE}"))
    verdict = common_verdict(answer, url, secrets)
    if verdict is not None:
        return verdict
    if key_rejected(answer):
        return key_rejected_verdict(answer, url, secrets)
    if answer.status != 200:
        return Verdict(FAILED, f"{url} answered {describe(answer, secrets)} about the virtual key {alias}; expected 200 with its info.")
    spend = key_spend(answer)
    if spend is None:
        return Verdict(FAILED, f"{url} answered 200 without the key's info.spend: {excerpt(answer.body, secrets)}")
    if spend > 0:
        return Verdict(READY, f"spend {spend:g} recorded in the database")
    return Verdict(WAITING, f"the spend of the virtual key {alias} is still {spend:g} in the database")


def judge_key_delete(answer: Answer, url: str, secrets=()) -> Verdict:
    verdict = common_verdict(answer, url, secrets)
    if verdict is not None:
        return verdict
    if answer.status == 200:
        return Verdict(READY, "deleted")
    return Verdict(FAILED, f"{url} answered {describe(answer, secrets)}")


def cache_ping_state(answer: Answer) -> dict:
    """What ``/cache/ping`` says about the cache: its type, and the Redis host, port and version where it names them."""
    payload = parse_json(answer)[1]
    payload = payload if isinstance(payload, dict) else {}
    params = payload.get("health_check_cache_params")
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            params = {}
    params = params if isinstance(params, dict) else {}
    kwargs = params.get("redis_kwargs") if isinstance(params.get("redis_kwargs"), dict) else {}
    state = {"cache": payload.get("cache_type"), "reached": payload.get("ping_response") is True}
    for key, value in (("host", kwargs.get("host", params.get("host"))), ("port", kwargs.get("port", params.get("port"))),
                       ("redis_version", params.get("redis_version", payload.get("redis_version")))):
        if value is not None:
            state[key] = value
    return state


def brief(answer: Answer, secrets=()) -> str:
    """The status, and the error's message only when it names no cache setting: LiteLLM's /cache/ping errors quote the
    Redis's settings, its password only partly masked."""
    message = error_message(answer)
    if "cache_params" in message or "password" in message.lower():
        return f"HTTP {answer.status}"
    return f"HTTP {answer.status}: {excerpt(message, secrets, 120)}"


def judge_cache_ping(answer: Answer, url: str, expected: str, secrets=()) -> Verdict:
    """``/cache/ping``: 200 with ``ping_response: true`` from a Redis cache is ready; 503 (the proxy cannot reach it) is
    waited for; a key refused, no cache at all or a cache that is not Redis fails at once."""
    if answer.status == 503 and "not initialized" in str(answer.body).lower():
        return Verdict(FAILED, f"{url}: the proxy has no cache, although the deployment gave it {expected} ({brief(answer, secrets)})")
    if answer.status == 503:
        # Its body names the Redis's settings, the password only partly masked: never quoted.
        return Verdict(WAITING, f"{url} cannot ping the Redis yet (HTTP 503)")
    if answer.status == 404:
        return Verdict(READY, f"not checked: {url} is not there (a LiteLLM release without /cache/ping); the deployment gave it {expected}")
    common = common_verdict(answer, url, secrets)
    if common is not None:
        return common
    if key_rejected(answer):
        return key_rejected_verdict(answer, url, secrets)
    if answer.status == 200:
        state = cache_ping_state(answer)
        cache = str(state.get("cache") or "")
        if not cache.lower().endswith("redis"):
            return Verdict(FAILED, f"{url} reports the cache {cache or 'none'!r}, not Redis, although the deployment gave the proxy {expected}: "
                                   f"its tasks would not share limits, budgets or revocations. Check the config's litellm_settings.cache_params.")
        if not state["reached"]:
            return Verdict(WAITING, f"{url} answered 200 without a ping response")
        where = f"{state['host']}:{state['port']}" if "host" in state else "its host"
        version = f", Redis {state['redis_version']}" if state.get("redis_version") else ""
        return Verdict(READY, f"{expected}: the proxy reaches it at {where}{version}")
    return Verdict(WAITING, f"{url} cannot ping the Redis yet ({brief(answer, secrets)})")


def readiness_version(answer: Answer):
    payload = readiness_payload(answer) or {}
    version = payload.get("litellm_version") or payload.get("version")
    return str(version) if version else None


# --- settings ------------------------------------------------------------------------------------------

def settings_of(params: dict) -> dict:
    """The probe's settings: ``params`` over the defaults, ``chat_models`` and ``load`` filled in."""
    settings = dict(DEFAULTS)
    settings.update({key: value for key, value in params.items() if value is not None})
    settings["url"] = str(settings.get("url") or "").rstrip("/")
    settings["models"] = list(settings["models"] or [])
    if not settings.get("chat_models"):
        settings["chat_models"] = list(settings["models"])
    if settings.get("load") is not None:
        load = dict(LOAD_DEFAULTS)
        load.update({key: value for key, value in settings["load"].items() if value is not None})
        if not load["model"] and (settings["chat_models"] or settings["models"]):
            load["model"] = (settings["chat_models"] or settings["models"])[0]
        settings["load"] = load
    return settings


def check_settings(settings: dict) -> list:
    """Every problem with the settings (an empty list when they are usable)."""
    errors = []
    url = settings.get("url") or ""
    if not re.match(r"^https?://[^/\s]+", url):
        errors.append(f"url must be an http:// or https:// base URL such as https://litellm.example.com, not {url!r}")
    if not settings.get("master_key"):
        errors.append("master_key must not be empty")
    for name in ("timeout", "interval", "request_timeout"):
        if not settings[name] > 0:
            errors.append(f"{name} must be greater than 0, not {settings[name]}")
    if settings["max_interval"] < settings["interval"]:
        errors.append(f"max_interval ({settings['max_interval']}) must not be less than interval ({settings['interval']})")
    for option in ("models", "chat_models"):
        if any(not isinstance(name, str) or not name.strip() for name in settings[option]):
            errors.append(f"{option} must not hold empty names")
    if settings.get("chat_max_tokens") is not None and settings["chat_max_tokens"] < 1:
        errors.append("chat_max_tokens must be at least 1")
    if settings["database_grace"] < 0:
        errors.append(f"database_grace must not be negative, not {settings['database_grace']}")
    if not DURATION.match(str(settings["keys_duration"])):
        errors.append(f"keys_duration must be a LiteLLM duration such as 10m, 1h or 30s, not {settings['keys_duration']!r}")
    if not settings["keys_max_budget"] > 0:
        errors.append(f"keys_max_budget must be greater than 0, not {settings['keys_max_budget']}")
    load = settings.get("load")
    if load is not None:
        if load["requests"] < 1:
            errors.append(f"load.requests must be at least 1, not {load['requests']}")
        if load["concurrency"] < 1:
            errors.append(f"load.concurrency must be at least 1, not {load['concurrency']}")
        if not load["model"]:
            errors.append("load.model is not set and there is no model in chat_models or models to default to")
        rate = load.get("max_error_rate")
        if rate is not None and not 0 <= rate <= 1:
            errors.append(f"load.max_error_rate must be between 0 and 1, not {rate}")
        for name in ("max_p50", "max_p95"):
            if load.get(name) is not None and load[name] <= 0:
                errors.append(f"load.{name} must be greater than 0 (seconds), not {load[name]}")
    return errors


# --- the load probe ------------------------------------------------------------------------------------

def load_stats(latencies, errors: int, requests: int, concurrency: int, model: str, wall_seconds: float, not_sent: int = 0) -> dict:
    """The load result: latency percentiles over the successful requests, error rate over all requests."""
    done = len(latencies) + errors
    return {
        "model": model,
        "requests": requests,
        "concurrency": concurrency,
        "succeeded": len(latencies),
        "errors": errors,
        "not_sent": not_sent,
        "error_rate": round((errors + not_sent) / requests, 4) if requests else 0.0,
        "p50": rounded(percentile(latencies, 50)),
        "p95": rounded(percentile(latencies, 95)),
        "min": rounded(min(latencies)) if latencies else None,
        "max": rounded(max(latencies)) if latencies else None,
        "mean": rounded(sum(latencies) / len(latencies)) if latencies else None,
        "seconds": rounded(wall_seconds),
        "requests_per_second": round(done / wall_seconds, 2) if wall_seconds > 0 else None,
    }


def rounded(value, digits: int = 4):
    return None if value is None else round(value, digits)


def judge_load(stats: dict, limits: dict) -> Verdict:
    """FAILED when requests were not sent or a threshold (max_error_rate, max_p50, max_p95) is exceeded."""
    problems = []
    if stats["not_sent"]:
        problems.append(f"the budget ran out with {stats['not_sent']} of {stats['requests']} requests not sent (raise timeout)")
    rate = limits.get("max_error_rate")
    if rate is not None and stats["error_rate"] > rate:
        problems.append(f"error rate {stats['error_rate']:.2%} is above max_error_rate {rate:.2%}")
    for name in ("p50", "p95"):
        limit = limits.get("max_" + name)
        if limit is None:
            continue
        if stats[name] is None:
            problems.append(f"no request succeeded, so {name} cannot be under max_{name} {limit} s")
        elif stats[name] > limit:
            problems.append(f"{name} latency {stats[name]:.3f} s is above max_{name} {limit} s")
    text = load_text(stats)
    if problems:
        return Verdict(FAILED, f"{text}; " + "; ".join(problems))
    return Verdict(READY, text)


def load_text(stats: dict) -> str:
    def secs(value):
        return "n/a" if value is None else f"{value:.3f} s"
    return (f"{stats['requests']} requests to {stats['model']} at concurrency {stats['concurrency']}: {stats['errors']} error(s), "
            f"p50 {secs(stats['p50'])}, p95 {secs(stats['p95'])}")


# --- the probe -----------------------------------------------------------------------------------------

class Probe:
    """One run of the probe: the stages in order within one total budget."""

    def __init__(self, send, settings: dict, clock=time.monotonic, sleep=time.sleep):
        self.send = send
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.url = settings["url"]
        self.secrets = [settings.get("master_key") or ""]
        self.budget = Budget(settings["timeout"], clock=clock)
        self.stages = []
        self.version = None
        self.models = []
        self.load = None
        self.shared_state = None
        self.keys = None
        self.virtual_key = None
        self.unsure_aliases = []
        self.warnings = []
        self.last_error = ""

    # --- requests

    def request_timeout(self) -> float:
        return min(self.settings["request_timeout"], max(self.budget.remaining(), MIN_REQUEST_TIMEOUT))

    def headers(self, keyed: bool, json_body: bool = False, bearer=None) -> dict:
        headers = {name: str(value) for name, value in (self.settings.get("headers") or {}).items()
                   if name.lower() != "authorization"}
        headers["Accept"] = "application/json"
        if json_body:
            headers["Content-Type"] = "application/json"
        if bearer:
            headers["Authorization"] = "Bearer " + bearer
        elif keyed:
            headers["Authorization"] = "Bearer " + self.settings["master_key"]
        return headers

    def call(self, method: str, path: str, keyed: bool = False, body=None, bearer=None, timeout=None) -> Answer:
        """One request; with ``bearer`` that key instead of the master key, with ``timeout`` that request timeout."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        answer = self.send(method, self.url + path, self.headers(keyed, body is not None, bearer), data,
                           self.request_timeout() if timeout is None else timeout)
        version = answer.header(VERSION_HEADER)
        if version and not self.version:
            self.version = version
        return answer

    def chat_body(self, model: str, stream: bool = False) -> dict:
        body = {"model": model, "messages": [{"role": "user", "content": self.settings["chat_prompt"]}]}
        if self.settings.get("chat_max_tokens"):
            body["max_tokens"] = self.settings["chat_max_tokens"]
        if stream:
            body["stream"] = True
        return body

    # --- polling

    def poll(self, fetch, judge):
        waiter = Waiter(fetch, judge, clock=self.clock, sleep=self.sleep)
        return waiter.wait(timeout=self.budget.remaining(), interval=self.settings["interval"], backoff=BACKOFF,
                           max_interval=self.settings["max_interval"])

    def record(self, name: str, status: str, attempts: int, seconds: float, detail: str) -> bool:
        self.stages.append({"name": name, "status": status, "attempts": attempts, "seconds": round(seconds, 3),
                            "detail": mask(detail, self.secrets)})
        return status == PASSED

    def gave_up(self, outcome, advice: str) -> str:
        reason = outcome.reason.rstrip(".")
        return f"still failing when the budget ran out (timeout {self.settings['timeout']:g} s for the whole probe); last error: {reason}. {advice}"

    def finish(self, name: str, outcome, started: float, advice: str, attempts=None) -> bool:
        seconds = self.clock() - started
        attempts = outcome.polls if attempts is None else attempts
        if outcome.ready:
            return self.record(name, PASSED, attempts, seconds, outcome.reason)
        if outcome.state == FAILED:
            return self.record(name, STAGE_FAILED, attempts, seconds, outcome.reason)
        return self.record(name, STAGE_FAILED, attempts, seconds, self.gave_up(outcome, advice))

    # --- stages

    def liveliness(self) -> bool:
        url = self.url + LIVELINESS_PATH
        started = self.clock()
        outcome = self.poll(lambda: self.call("GET", LIVELINESS_PATH), lambda answer: judge_liveliness(answer, url, self.secrets))
        return self.finish(LIVELINESS, outcome, started, (
            "Check that the proxy runs and that url reaches it (DNS, security groups, target health), or raise timeout."))

    def readiness(self) -> bool:
        """Polled until ready; a proxy that reports its database unreachable fails ``database_grace`` s after it first did."""
        url = self.url + READINESS_PATH
        database, name, grace = self.settings["database"], self.settings["database_name"], self.settings["database_grace"]
        started = self.clock()
        unreachable_since = []

        def judge(answer):
            verdict = judge_readiness(answer, url, database, self.secrets, name)
            if verdict.state == READY:
                self.version = self.version or readiness_version(answer)
            state = unreachable_db(answer) if database and verdict.state == WAITING else None
            if state:
                if not unreachable_since:
                    unreachable_since.append(self.clock())
                seconds = self.clock() - unreachable_since[0]
                if seconds >= grace:
                    return database_unreachable_verdict(url, state, seconds, grace, name)
                return Verdict(WAITING, f"{verdict.reason}; the proxy cannot reach its database{named(name)} (for {seconds:.0f} s of "
                                        f"database_grace {grace:g} s)")
            return verdict

        outcome = self.poll(lambda: self.call("GET", READINESS_PATH), judge)
        return self.finish(READINESS, outcome, started, (
            f"A proxy with a database is ready only once the database{named(name)} is connected; check the proxy's log and its "
            f"database, or raise timeout."))

    def models_stage(self) -> bool:
        url = self.url + MODELS_PATH
        expected = self.settings["models"]
        started = self.clock()

        def fetch():
            keyed = self.call("GET", MODELS_PATH, keyed=True)
            anonymous = None
            if keyed.status == 200 and not [name for name in expected if name not in (listed_models(keyed) or [])]:
                anonymous = self.call("GET", MODELS_PATH)
            return keyed, anonymous

        def judge(answers):
            keyed, anonymous = answers
            verdict = judge_models(keyed, anonymous, url, expected, self.settings["require_auth"], self.secrets)
            if verdict.state == READY:
                self.models = listed_models(keyed) or []
                if anonymous.status == 200:
                    self.warnings.append(f"The LiteLLM proxy at {self.url} is open: {MODELS_PATH} answers without a key.")
            return verdict

        outcome = self.poll(fetch, judge)
        passed = self.finish(MODELS, outcome, started, "Check the proxy's log, or raise timeout.")
        if passed and not self.version:
            self.details_version()
        return passed

    def details_version(self) -> None:
        """Best effort: the version from the keyed readiness details (current releases report it only there)."""
        answer = self.call("GET", DETAILS_PATH, keyed=True)
        if answer.status == 200:
            self.version = self.version or readiness_version(answer)

    def shared_state_stage(self) -> bool:
        """The proxy reaches the Redis its tasks share (``/cache/ping`` with the master key pings it and names it)."""
        url = self.url + CACHE_PING_PATH
        expected = self.settings["redis"]
        started = self.clock()

        def judge(answer):
            verdict = judge_cache_ping(answer, url, expected, self.secrets)
            if verdict.state == READY:
                self.shared_state = dict(cache_ping_state(answer), redis=expected)
            return verdict

        outcome = self.poll(lambda: self.call("GET", CACHE_PING_PATH, keyed=True), judge)
        return self.finish(SHARED_STATE, outcome, started, (
            f"The proxy cannot reach its Redis ({expected}): check the Redis, its security group (6379 from the tasks) and "
            f"REDIS_HOST/REDIS_PORT/REDIS_PASSWORD/REDIS_SSL in the task definition, or raise timeout."))

    def shared_state_skip_reason(self):
        if self.settings.get("redis") is None:
            return "no redis option given"
        if not self.settings["redis"]:
            self.shared_state = {"redis": "", "cache": None}
            return "no shared Redis: each task keeps its own limits, budgets and revocations"
        return None

    def chat_stage(self) -> bool:
        url = self.url + CHAT_PATH
        expected = self.settings.get("chat_expected_content")
        started = self.clock()
        attempts, answers = 0, []
        checks = [(model, False) for model in self.settings["chat_models"]]
        if self.settings["chat_stream"]:
            checks += [(model, True) for model in self.settings["chat_models"]]
        for model, stream in checks:
            judge = functools.partial(judge_stream if stream else judge_chat, url=url, model=model, expected=expected,
                                      secrets=self.secrets)
            outcome = self.poll(lambda model=model, stream=stream: self.call("POST", CHAT_PATH, True, self.chat_body(model, stream)),
                                judge)
            attempts += outcome.polls
            if not outcome.ready:
                advice = (f"The provider behind {model} may be unreachable or failing; check the proxy's log and the provider's "
                          f"credentials, or raise timeout.")
                return self.finish(CHAT, outcome, started, advice, attempts=attempts)
            answers.append(outcome.reason)
        return self.record(CHAT, PASSED, attempts, self.clock() - started, "; ".join(answers))

    def keys_stage(self) -> bool:
        """The database serves key management: a short-lived virtual key is generated, chatted with, its spend seen in the
        database, and always deleted again."""
        started = self.clock()
        self.keys = {"alias": None, "model": self.settings["chat_models"][0], "generated": False, "spend": None, "deleted": False}
        attempts, found, failure = 0, [], None
        try:
            for step in (self.key_generate, self.key_chat, self.key_spend):
                outcome, advice = step()
                attempts += outcome.polls
                if not outcome.ready:
                    failure = outcome.reason if outcome.state == FAILED else self.gave_up(outcome, advice)
                    break
                found.append(outcome.reason)
        finally:
            attempts += self.key_delete()
        seconds = self.clock() - started
        if not self.keys["generated"]:
            deletion = ""
        elif self.keys["deleted"]:
            deletion = "the key was deleted"
        else:
            deletion = "the key could NOT be deleted (see the warning)"
        if failure is None:
            return self.record(KEYS, PASSED, attempts, seconds, "; ".join(found + [deletion]))
        if deletion:
            failure = f"{failure.rstrip('.')} ({deletion})."
        return self.record(KEYS, STAGE_FAILED, attempts, seconds, failure)

    def key_generate(self):
        """POST /key/generate (a fresh alias on each attempt); the key becomes a secret the moment it is known."""
        url = self.url + KEY_GENERATE_PATH
        name = self.settings["database_name"]
        duration, budget = self.settings["keys_duration"], self.settings["keys_max_budget"]

        def fetch():
            alias = KEY_ALIAS_PREFIX + os.urandom(6).hex()
            self.keys["alias"] = alias
            body = {"duration": duration, "max_budget": budget, "key_alias": alias, "models": [self.keys["model"]],
                    "metadata": {"created_by": KEY_CREATOR}}
            return alias, self.call("POST", KEY_GENERATE_PATH, True, body)

        def judge(value):
            alias, answer = value
            verdict = judge_key_generate(answer, url, name, self.secrets)
            if verdict.state == READY:
                key = parse_json(answer)[1]["key"]
                self.secrets.extend([key, key_hash(key)])
                self.virtual_key = key
                self.keys["generated"] = True
                return Verdict(READY, f"virtual key {alias} generated for {self.keys['model']} (duration {duration}, max_budget {budget:g})")
            if answer.status is None or answer.status >= 500 or answer.status == 200:
                self.unsure_aliases.append(alias)  # it may have been created although its key never came back
            return verdict

        outcome = self.poll(fetch, judge)
        return outcome, f"The proxy could not generate a virtual key; check the proxy's log and its database{named(name)}, or raise timeout."

    def key_chat(self):
        url = self.url + CHAT_PATH
        model, alias = self.keys["model"], self.keys["alias"]
        judge = functools.partial(judge_virtual_key_chat, url=url, model=model, expected=self.settings.get("chat_expected_content"),
                                  alias=alias, database_name=self.settings["database_name"], secrets=self.secrets)
        outcome = self.poll(lambda: self.call("POST", CHAT_PATH, body=self.chat_body(model), bearer=self.virtual_key), judge)
        return outcome, (f"The chat with the virtual key {alias} kept failing although the master key's passed; check the proxy's "
                         f"log, or raise timeout.")

    def key_spend(self):
        """GET /key/info (with the key's hash) until the spend of the chat is in the database."""
        path = f"{KEY_INFO_PATH}?key={key_hash(self.virtual_key)}"
        url = self.url + KEY_INFO_PATH
        alias, name = self.keys["alias"], self.settings["database_name"]
        started = self.clock()

        def judge(answer):
            verdict = judge_key_spend(answer, url, alias, name, self.secrets)
            if answer.status == 200 and key_spend(answer) is not None:
                self.keys["spend"] = key_spend(answer)
            if verdict.state == READY:
                return Verdict(READY, f"{verdict.reason} after {self.clock() - started:.1f} s")
            return verdict

        outcome = self.poll(lambda: self.call("GET", path, True), judge)
        return outcome, (
            f"The key's spend never reached the database{named(name)}: LiteLLM writes spend in batches every "
            f"general_settings.proxy_batch_write_at seconds (10 by default), so raise timeout if that is longer; a model "
            f"without a price (model_info input_cost_per_token, output_cost_per_token) costs nothing; the proxy's log shows "
            f"failed spend writes.")

    def key_delete(self) -> int:
        """Delete the gate's virtual key (a warning naming its alias when that fails); returns the attempts made."""
        timeout = min(self.settings["request_timeout"], max(self.budget.remaining(), CLEANUP_REQUEST_TIMEOUT))
        attempts = 0
        if self.unsure_aliases:  # best effort: keys that may exist although their generate got no clear answer
            self.call("POST", KEY_DELETE_PATH, True, {"key_aliases": list(self.unsure_aliases)}, timeout=timeout)
            attempts += 1
        if not self.virtual_key:
            return attempts
        url = self.url + KEY_DELETE_PATH
        key, alias = self.virtual_key, self.keys["alias"]
        waiter = Waiter(lambda: self.call("POST", KEY_DELETE_PATH, True, {"keys": [key]}, timeout=timeout),
                        lambda answer: judge_key_delete(answer, url, self.secrets), clock=self.clock, sleep=self.sleep)
        outcome = waiter.wait(timeout=self.budget.remaining(), interval=self.settings["interval"], backoff=BACKOFF,
                              max_interval=self.settings["max_interval"])
        self.keys["deleted"] = outcome.ready
        if not outcome.ready:
            self.warnings.append(mask(
                f"The gate could not delete its virtual key {alias} ({outcome.reason.rstrip('.')}): it stays valid until it "
                f"expires ({self.settings['keys_duration']} after it was made) and can spend up to {self.settings['keys_max_budget']:g}. "
                f"Delete it with POST {KEY_DELETE_PATH} {{\"key_aliases\": [\"{alias}\"]}} and the master key.", self.secrets))
        return attempts + outcome.polls

    def load_stage(self) -> bool:
        limits = self.settings["load"]
        model, requests, concurrency = limits["model"], limits["requests"], min(limits["concurrency"], limits["requests"])
        url = self.url + CHAT_PATH
        lock = threading.Lock()
        latencies, failures, not_sent = [], [], []

        def one(_index):
            if self.budget.remaining() <= 0:
                with lock:
                    not_sent.append(1)
                return
            sent = self.clock()
            answer = self.call("POST", CHAT_PATH, True, self.chat_body(model))
            seconds = self.clock() - sent
            verdict = judge_chat(answer, url, model, None, self.secrets)
            with lock:
                if verdict.state == READY:
                    latencies.append(seconds)
                else:
                    failures.append(verdict.reason)

        started = self.clock()
        if concurrency == 1:
            for index in range(requests):
                one(index)
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(one, range(requests)))
        wall = self.clock() - started
        self.load = load_stats(latencies, len(failures), requests, concurrency, model, wall, len(not_sent))
        if failures:
            self.load["error_sample"] = sorted(set(failures))[:3]
        verdict = judge_load(self.load, limits)
        detail = verdict.reason
        if failures:
            detail += "; first error: " + failures[0]
        return self.record(LOAD, PASSED if verdict.state == READY else STAGE_FAILED, requests - len(not_sent), wall, detail)

    # --- the run

    def run(self) -> dict:
        plan = [
            (LIVELINESS, self.liveliness, None),
            (READINESS, self.readiness, None),
            (MODELS, self.models_stage, None),
            (SHARED_STATE, self.shared_state_stage, self.shared_state_skip_reason()),
            (CHAT, self.chat_stage, self.chat_skip_reason()),
            (KEYS, self.keys_stage, self.keys_skip_reason()),
            (LOAD, self.load_stage, None if self.settings.get("load") else "no load option given"),
        ]
        failed = None
        for name, stage, skip in plan:
            if failed:
                self.record(name, SKIPPED, 0, 0.0, f"not run: the {failed} stage failed")
            elif skip:
                self.record(name, SKIPPED, 0, 0.0, skip)
            elif not stage():
                failed = name
        return self.result(failed)

    def chat_skip_reason(self):
        if not self.settings["chat"]:
            return "chat=false"
        if not self.settings["chat_models"]:
            return "no model to chat with: set models or chat_models"
        return None

    def keys_skip_reason(self):
        if not self.settings["database"]:
            return "database=false: a proxy without a database has no virtual keys"
        if not self.settings["keys"]:
            return "keys=false"
        if not self.settings["chat"]:
            return "chat=false: the stage chats with the virtual key it generates"
        if not self.settings["chat_models"]:
            return "no model to chat with: set models or chat_models"
        if self.settings["check_mode"]:
            return "check mode: the stage would create a virtual key"
        return None

    def result(self, failed) -> dict:
        result = {
            "url": self.url,
            "passed": failed is None,
            "failed_stage": failed,
            "stages": self.stages,
            "version": self.version,
            "models": self.models,
            "elapsed": round(self.budget.elapsed(), 3),
            "warnings": list(self.warnings),
        }
        if self.load is not None:
            result["load"] = self.load
        if self.shared_state is not None:
            result["shared_state"] = self.shared_state
        if self.keys is not None:
            result["keys"] = dict(self.keys)
        result["summary"] = summary(result, self.settings, self.secrets)
        return result


def summary(result: dict, settings: dict, secrets=()) -> str:
    """One paragraph for a human: what passed, what failed and why, what was not run."""
    version = f" (LiteLLM {result['version']})" if result.get("version") else ""
    stages = result["stages"]
    passed = [stage["name"] for stage in stages if stage["status"] == PASSED]
    skipped = [stage["name"] for stage in stages if stage["status"] == SKIPPED]
    failed = next((stage for stage in stages if stage["status"] == STAGE_FAILED), None)
    head = f"The LiteLLM proxy at {result['url']}{version}"
    if failed is None:
        text = f"{head} passed the probe in {result['elapsed']:.1f} s: "
        parts = []
        for stage in stages:
            if stage["status"] == PASSED:
                parts.append(f"{stage['name']} ({stage['detail']})")
        text += "; ".join(parts) + "."
        if skipped:
            text += " Skipped: " + ", ".join(f"{stage['name']} ({stage['detail']})" for stage in stages if stage["status"] == SKIPPED) + "."
    else:
        text = (f"{head} failed the {failed['name']} stage after {failed['attempts']} attempt(s) in {failed['seconds']:.1f} s: "
                f"{failed['detail']}")
        if not text.endswith("."):
            text += "."
        text += f" Passed: {', '.join(passed) or 'nothing'}."
        not_run = [stage["name"] for stage in stages if stage["status"] == SKIPPED]
        if not_run:
            text += f" Not run: {', '.join(not_run)}."
    for warning in result.get("warnings") or []:
        text += " " + warning
    return mask(text, [settings.get("master_key"), *secrets])
