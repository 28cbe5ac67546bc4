#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: proxy_probe
short_description: Probe a LiteLLM proxy in stages and wait until it serves requests (a post-deploy gate)
version_added: 0.1.0
description:
  - Checks that a LiteLLM proxy at O(url) really serves clients, in seven stages run in order. A stage runs only
    when every stage before it passed; the others are reported as C(skipped).
  - B(liveliness) - C(GET /health/liveliness) answers 200.
  - B(readiness) - C(GET /health/readiness) answers 200 with a healthy status. With O(database=true) the
    payload's C(db) must be C(connected); a proxy that reports C(Not connected) has no database at all and
    fails at once. A proxy that reports C(disconnected) or C(stalled) (with 503; the proxy is up but cannot reach
    its database) is waited for O(database_grace) seconds from the first such answer, then the stage fails naming
    O(database_name) and what to check. Older payload shapes (with C(litellm_version), C(cache), ...) are accepted.
  - B(models) - C(GET /v1/models) with O(master_key) answers 200 and lists every model in O(models); the same
    request without a key must be refused (401/403). A proxy that answers it is open, which fails the stage
    unless O(require_auth=false) (then it is a warning).
  - B(shared_state) - only when O(redis) names a Redis - C(GET /cache/ping) with O(master_key) answers 200 from a
    Redis cache that the proxy reached (C(ping_response)); the stage reports the host, port and Redis version the
    proxy names. A proxy without a cache, or with one that is not Redis, fails at once; one that cannot reach its
    Redis yet (503) is retried. With O(redis) empty the stage is skipped and reported as no shared state.
  - B(chat) - C(POST /chat/completions) answers every model in O(chat_models) with non-empty content, which
    contains O(chat_expected_content) when that is set; with O(chat_stream=true) a streamed answer of each
    model is checked too (server-sent events ending with the C([DONE]) event). Skipped with O(chat=false).
  - B(keys) - only with O(database=true) and O(keys=true) (and a chat model, O(chat=true), not in check mode) - the
    database serves key management. With O(master_key), C(POST /key/generate) makes a virtual key (alias
    C(llmops-gate-<random hex>)) for the first chat model that expires after O(keys_duration) and may spend at most
    O(keys_max_budget); a chat completion with that key must succeed; C(GET /key/info) (with the key's sha256, so the
    key stays out of access logs) is polled until the key's spend in the database is above 0 (LiteLLM writes spend
    in batches every C(general_settings.proxy_batch_write_at) seconds, 10 by default). The key is always deleted
    again (C(POST /key/delete)), also when a step failed; a failed delete is a warning naming the key's alias. An
    error about the database from C(/key/generate) or C(/key/info) fails at once. The key never appears in a
    message or in the result.
  - B(load) - only when O(load) is given - O(load.requests) chat requests at O(load.concurrency) parallel
    threads; reports p50 and p95 latency and the error rate, and fails when a threshold in O(load) is
    exceeded.
  - B(Waiting.) Each of the first six stages is polled until it passes, on a monotonic clock within one
    total budget, O(timeout), for the whole probe. The first attempt is immediate; the pause after a failed
    attempt starts at O(interval) and grows 1.5 times per attempt up to O(max_interval). Each request has
    its own timeout, O(request_timeout), cut to what is left of the budget. Connection errors, timeouts and
    answers 5xx, 408, 425 and 429 are retried; when the budget is spent the stage fails with the last error.
  - B(Answers that retrying cannot fix fail at once), with a message saying what to do - the master key
    rejected (401/403, or the 400 C(No connected db.) with which a proxy without a database answers a key
    that is not its master key), a model the proxy does not serve (400 C(Invalid model name)), a model
    missing from C(/v1/models), TLS certificate verification failure, a redirect (not followed), 404, and a
    200 whose body is not the expected JSON.
  - The module only reads, but for the B(keys) stage's virtual key, which it deletes again; RV(ignore:changed) is
    false unless that key could not be deleted. The master key is sent only in the C(Authorization) header and
    never appears in a message or in the result, nor does the virtual key; key-like words (C(sk-...)) in quoted
    answers are masked too.
  - HTTP goes through Ansible's C(ansible.module_utils.urls), so proxies (C(https_proxy), C(no_proxy)), CA
    bundles and client certificates work as in M(ansible.builtin.uri). Redirects and C(~/.netrc) are not used.
author:
  - llmops maintainers (!UNKNOWN)
options:
  url:
    description:
      - Base URL of the proxy, without a path, for example C(https://litellm.example.com) or
        C(http://127.0.0.1:4000).
    type: str
    required: true
  master_key:
    description:
      - The proxy's master key (its C(LITELLM_MASTER_KEY)), sent in the C(Authorization) header to C(/v1/models),
        C(/chat/completions) and C(/health/readiness/details).
    type: str
    required: true
  models:
    description:
      - Model names (C(model_name) in the proxy's C(model_list)) that C(/v1/models) must list.
      - Also the default for O(chat_models).
    type: list
    elements: str
    default: []
  database:
    description:
      - Whether the proxy has a database; then readiness requires C(db) to be C(connected), and the B(keys) stage
        (O(keys)) checks that the database serves key management.
    type: bool
    default: false
  database_name:
    description:
      - The database the deployment gave the proxy, as failure messages should name it (for example C(RDS instance
        litellm-db at litellm-db.abc123.us-east-1.rds.amazonaws.com:5432)). Empty, messages say "its database".
    type: str
    default: ""
  database_grace:
    description:
      - With O(database=true), how many seconds readiness keeps waiting once the proxy reports its database
        C(disconnected) or C(stalled), counted from the first such answer; then the stage fails at once instead of
        waiting for the whole O(timeout).
    type: float
    default: 30
  redis:
    description:
      - The Redis the deployment gave the proxy, as the gate should report it (for example C(ElastiCache litellm-redis at
        host:6379, TLS)), or an empty string for none. Named, the B(shared_state) stage checks that the proxy reaches a
        Redis cache and reports it (RV(shared_state)).
      - Unset, the stage is skipped and nothing about shared state is checked.
    type: str
  require_auth:
    description:
      - Whether C(/v1/models) without a key must be refused. With V(false) an open proxy passes with a warning.
    type: bool
    default: true
  chat:
    description:
      - Whether to run the chat stage. Each chat request is a real completion that a real provider bills.
    type: bool
    default: true
  chat_models:
    description:
      - The models to send a chat completion to. Defaults to O(models); when both are empty the chat stage is
        skipped.
    type: list
    elements: str
  chat_prompt:
    description:
      - The user message of each chat request.
    type: str
    default: "Reply with the single word: pong"
  chat_expected_content:
    description:
      - Text every answer must contain (case-insensitive). When not set, any non-empty answer passes.
    type: str
  chat_stream:
    description:
      - Also check a streamed answer (C(stream=true)) of each chat model.
    type: bool
    default: false
  chat_max_tokens:
    description:
      - C(max_tokens) of each chat request. Not sent when not set. Reasoning models spend tokens before they
        answer, so a small value can give an empty answer.
    type: int
  keys:
    description:
      - With O(database=true), whether to run the B(keys) stage - generate a short-lived virtual key, chat with it,
        see its spend in the database, delete it.
    type: bool
    default: true
  keys_duration:
    description:
      - How long the B(keys) stage's virtual key is valid (a LiteLLM duration - C(30s), C(10m), C(1h), ...), should the
        gate fail to delete it.
    type: str
    default: 10m
  keys_max_budget:
    description:
      - The most the B(keys) stage's virtual key may spend (C(max_budget), in the proxy's currency, USD).
    type: float
    default: 0.05
  load:
    description:
      - Run a short load probe after the chat and keys stages - O(load.requests) chat requests to O(load.model) at
        O(load.concurrency) threads, each bounded by O(request_timeout) and by the budget.
      - Latency percentiles are over the successful requests (linear interpolation between closest ranks);
        the error rate counts failed and unsent requests.
      - Without thresholds the stage only reports; requests left unsent because the budget ran out always fail it.
    type: dict
    suboptions:
      requests:
        description: How many requests to send.
        type: int
        default: 20
      concurrency:
        description: How many requests are in flight at once (threads).
        type: int
        default: 4
      model:
        description: The model to load. Defaults to the first of O(chat_models) (or O(models)).
        type: str
      max_error_rate:
        description: The highest acceptable share of failed requests, from V(0) to V(1).
        type: float
      max_p50:
        description: The highest acceptable median latency, in seconds.
        type: float
      max_p95:
        description: The highest acceptable 95th percentile latency, in seconds.
        type: float
  timeout:
    description:
      - Total time budget of the probe in seconds, for all stages together.
      - A fresh ECS task takes about 10-40 s to answer, several minutes when it runs database migrations.
    type: float
    default: 300
  interval:
    description:
      - Seconds to pause after the first failed attempt of a stage; each further pause is 1.5 times longer, up
        to O(max_interval).
    type: float
    default: 2
  max_interval:
    description:
      - The longest pause between two attempts, in seconds.
    type: float
    default: 15
  request_timeout:
    description:
      - Seconds each request may take, cut to what is left of O(timeout) (but at least 1 s).
    type: float
    default: 30
  headers:
    description:
      - Extra HTTP headers for every request, for example C(Host) when O(url) is an IP address behind a
        load balancer. An C(Authorization) header given here is ignored; the module sets it from O(master_key).
    type: dict
    default: {}
  validate_certs:
    description:
      - Whether to verify the proxy's TLS certificate. Set V(false) only for a test.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the CA certificates to verify the proxy's certificate with.
    type: path
  client_cert:
    description:
      - A PEM certificate (chain) for TLS client authentication; it may hold the key too.
    type: path
  client_key:
    description:
      - The PEM private key of O(client_cert), when that file does not hold it.
    type: path
  use_proxy:
    description:
      - Whether to use the HTTP(S) proxy given by the environment (C(https_proxy), C(no_proxy), ...).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description:
      - The probe only reads (C(GET) and chat completions, which change nothing on the proxy), so it runs fully
        in check mode and returns the same result, but for the B(keys) stage, which is skipped (it would create a
        virtual key).
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  idempotent:
    support: full
    description: The module leaves nothing behind (the keys stage deletes its virtual key again).
notes:
  - The chat, keys and load stages send real completions; against real providers they cost tokens. Use mock models
    (C(mock_response) in C(litellm_params)) for a free smoke test, or O(chat=false).
seealso:
  - name: LiteLLM health checks
    description: The proxy's health endpoints.
    link: https://docs.litellm.ai/docs/proxy/health
"""

EXAMPLES = r"""
- name: Wait until the new deployment serves every configured model
  llmops.litellm_ecs.proxy_probe:
    url: "https://{{ alb_outputs.dns_name }}"
    master_key: "{{ litellm_master_key }}"
    models: [gpt-4o, claude-sonnet]
    timeout: 600
  register: probe

- name: Show what the probe found
  ansible.builtin.debug:
    msg: "{{ probe.summary }}"

- name: Gate with a database, streaming and a short load probe
  llmops.litellm_ecs.proxy_probe:
    url: https://litellm.example.com
    master_key: "{{ litellm_master_key }}"
    models: [gpt-4o-mini]
    database: true
    database_name: RDS instance litellm-db at litellm-db.abc123.us-east-1.rds.amazonaws.com:5432
    database_grace: 60
    keys_max_budget: 0.01
    chat_expected_content: pong
    chat_stream: true
    load:
      requests: 40
      concurrency: 8
      max_error_rate: 0.05
      max_p95: 5
    ca_path: /etc/pki/internal-ca.pem

- name: Probe the ALB by IP with the host name it expects, without chat completions
  llmops.litellm_ecs.proxy_probe:
    url: https://10.0.1.20
    headers:
      Host: litellm.example.com
    validate_certs: false
    master_key: "{{ litellm_master_key }}"
    chat: false
"""

RETURN = r"""
url:
  description: The base URL probed, without a trailing slash.
  returned: always
  type: str
  sample: https://litellm.example.com
passed:
  description: Whether every stage that ran passed.
  returned: always
  type: bool
  sample: true
failed_stage:
  description: The name of the stage that failed, or null.
  returned: always
  type: str
  sample: models
stages:
  description: Every stage in order, with its verdict.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(liveliness), C(readiness), C(models), C(shared_state), C(chat), C(keys) or C(load).
      type: str
      sample: readiness
    status:
      description: C(passed), C(failed) or C(skipped).
      type: str
      sample: passed
    attempts:
      description: How many attempts (requests or request pairs) the stage made; for C(load), the requests sent.
      type: int
      sample: 3
    seconds:
      description: How long the stage took.
      type: float
      sample: 4.52
    detail:
      description: What the stage found, or why it failed and what to do, or why it was skipped.
      type: str
      sample: "status healthy, db connected"
  sample:
    - {name: liveliness, status: passed, attempts: 1, seconds: 0.01, detail: "HTTP 200: \"I'm alive!\""}
    - {name: readiness, status: passed, attempts: 1, seconds: 0.0, detail: "status healthy, db Not connected (not checked: database=false)"}
shared_state:
  description:
    - With O(redis) set, the Redis the deployment gave the proxy (C(redis), "" for none) and what C(/cache/ping)
      reported - C(cache) (the cache type), C(reached), and where it names them C(host), C(port) and C(redis_version).
  returned: when O(redis) is set and the shared_state stage passed or was skipped for an empty O(redis)
  type: dict
  sample: {redis: "ElastiCache litellm-redis at litellm-redis.abc123.use1.cache.amazonaws.com:6379, TLS", cache: redis, reached: true,
           host: litellm-redis.abc123.use1.cache.amazonaws.com, port: 6379, redis_version: 7.2.4}
keys:
  description:
    - What the B(keys) stage did with its virtual key (never the key itself).
  returned: when the keys stage ran
  type: dict
  contains:
    alias:
      description: The key's alias (C(llmops-gate-<random hex>)), to find it in the proxy's UI or delete it by hand.
      type: str
      sample: llmops-gate-3f9a1c0b7d2e
    model:
      description: The model the key was made for and chatted with.
      type: str
      sample: gpt-4o-mini
    generated:
      description: Whether C(/key/generate) gave a key.
      type: bool
      sample: true
    spend:
      description: The key's spend last seen in C(/key/info), or null when none was read.
      type: float
      sample: 0.000021
    deleted:
      description: Whether the key was deleted again (false also when none was generated).
      type: bool
      sample: true
  sample: {alias: llmops-gate-3f9a1c0b7d2e, model: gpt-4o-mini, generated: true, spend: 0.000021, deleted: true}
version:
  description:
    - The LiteLLM version the proxy reports (readiness payload, C(/health/readiness/details) or the
      C(x-litellm-version) header), or null.
  returned: always
  type: str
  sample: 1.108.7
models:
  description: The model names C(/v1/models) lists for the master key (empty when the stage did not pass).
  returned: always
  type: list
  elements: str
  sample: [gpt-4o-mini, claude-haiku]
load:
  description: Statistics of the load probe. Latencies in seconds, over the successful requests.
  returned: when the load stage ran
  type: dict
  contains:
    model:
      description: The model loaded.
      type: str
    requests:
      description: Requests planned.
      type: int
    concurrency:
      description: Requests in flight at once.
      type: int
    succeeded:
      description: Requests answered 200 with non-empty content.
      type: int
    errors:
      description: Requests that failed.
      type: int
    not_sent:
      description: Requests not sent because the budget ran out.
      type: int
    error_rate:
      description: (errors + not_sent) / requests.
      type: float
    p50:
      description: Median latency.
      type: float
    p95:
      description: 95th percentile latency.
      type: float
    min:
      description: Fastest request.
      type: float
    max:
      description: Slowest request.
      type: float
    mean:
      description: Mean latency.
      type: float
    seconds:
      description: Wall-clock duration of the load stage.
      type: float
    requests_per_second:
      description: Requests completed per second.
      type: float
    error_sample:
      description: Up to three distinct error messages, when there were errors.
      type: list
      elements: str
  sample: {model: gpt-4o-mini, requests: 20, concurrency: 4, succeeded: 20, errors: 0, not_sent: 0, error_rate: 0.0,
           p50: 0.031, p95: 0.058, min: 0.021, max: 0.061, mean: 0.034, seconds: 0.19, requests_per_second: 105.3}
elapsed:
  description: Seconds the whole probe took.
  returned: always
  type: float
  sample: 12.8
warnings_found:
  description: Warnings about the proxy (for example that it is open); they are also shown as Ansible warnings.
  returned: always
  type: list
  elements: str
  sample: []
summary:
  description: One paragraph for a human - what passed, what failed and why, and what to do.
  returned: always
  type: str
  sample: >-
    The LiteLLM proxy at https://litellm.example.com (LiteLLM 1.108.7) passed the probe in 3.2 s: liveliness (HTTP 200:
    "I'm alive!"); readiness (status healthy, db connected); models (1 model(s) listed: gpt-4o-mini; a request without a key is
    refused (HTTP 401)); chat (gpt-4o-mini answered 'pong').
"""

import time
from http.cookiejar import CookieJar
from urllib.error import HTTPError

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import Request

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.proxy_probe import Answer
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.proxy_probe import Probe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.proxy_probe import check_settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.proxy_probe import classify_exception
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.proxy_probe import settings_of


class UrlsSender:
    """The probe's HTTP call, made with ansible.module_utils.urls: never raises, always returns an Answer."""

    def __init__(self, params):
        self.request = Request(
            use_proxy=params["use_proxy"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            client_cert=params["client_cert"],
            client_key=params["client_key"],
            follow_redirects="none",
            use_netrc=False,
        )

    def __call__(self, method, url, headers, data, timeout):
        started = time.monotonic()
        try:
            # A fresh cookie jar per request: a request without a key must not carry a session cookie.
            response = self.request.open(method, url, data=data, headers=headers, timeout=timeout, cookies=CookieJar())
            try:
                body = response.read()
            finally:
                response.close()
            status = getattr(response, "status", None) or response.getcode()
            return Answer(status, body, lower_headers(response.headers), seconds=time.monotonic() - started)
        except HTTPError as e:
            try:
                body = e.read() or b""
            except Exception:  # pylint: disable=broad-exception-caught
                body = b""
            return Answer(e.code, body, lower_headers(e.headers), seconds=time.monotonic() - started)
        except Exception as e:  # pylint: disable=broad-exception-caught
            kind, text = classify_exception(e)
            return Answer(None, b"", {}, error=text, kind=kind, seconds=time.monotonic() - started)


def lower_headers(headers):
    return {str(name).lower(): str(value) for name, value in (headers.items() if headers is not None else [])}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            master_key=dict(type="str", required=True, no_log=True),
            models=dict(type="list", elements="str", default=[]),
            database=dict(type="bool", default=False),
            database_name=dict(type="str", default=""),
            database_grace=dict(type="float", default=30),
            redis=dict(type="str"),
            require_auth=dict(type="bool", default=True),
            chat=dict(type="bool", default=True),
            chat_models=dict(type="list", elements="str"),
            chat_prompt=dict(type="str", default="Reply with the single word: pong"),
            chat_expected_content=dict(type="str"),
            chat_stream=dict(type="bool", default=False),
            chat_max_tokens=dict(type="int", no_log=False),
            keys=dict(type="bool", default=True, no_log=False),
            keys_duration=dict(type="str", default="10m", no_log=False),
            keys_max_budget=dict(type="float", default=0.05, no_log=False),
            load=dict(
                type="dict",
                options=dict(
                    requests=dict(type="int", default=20),
                    concurrency=dict(type="int", default=4),
                    model=dict(type="str"),
                    max_error_rate=dict(type="float"),
                    max_p50=dict(type="float"),
                    max_p95=dict(type="float"),
                ),
            ),
            timeout=dict(type="float", default=300),
            interval=dict(type="float", default=2),
            max_interval=dict(type="float", default=15),
            request_timeout=dict(type="float", default=30),
            headers=dict(type="dict", default={}),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            client_cert=dict(type="path"),
            client_key=dict(type="path"),
            use_proxy=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    settings = settings_of(dict(module.params, check_mode=module.check_mode))
    errors = check_settings(settings)
    if errors:
        module.fail_json(msg="proxy_probe: invalid options: " + "; ".join(errors), errors=errors)

    result = Probe(UrlsSender(module.params), settings, clock=time.monotonic, sleep=time.sleep).run()
    warnings = result.pop("warnings")
    for warning in warnings:
        module.warn(warning)
    result["warnings_found"] = warnings
    # Nothing is left behind unless the keys stage could not delete its virtual key.
    changed = bool(result.get("keys") and result["keys"]["generated"] and not result["keys"]["deleted"])
    if not result["passed"]:
        module.fail_json(msg=result["summary"], changed=changed, **result)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
