"""Two real LiteLLM proxies share their limits through one real Redis, and do not share them without it.

This is what the deployment relies on when it runs several tasks: a deployment's ``rpm`` and its
``max_budget`` are enforced across processes only when every process has the same Redis (host, port and
password from REDIS_HOST / REDIS_PORT / REDIS_PASSWORD, as the task definition gives them). Measured on litellm
1.108.7, without a database:

- ``router_settings.redis_host/redis_port/redis_password`` give the router (usage-based routing, deployment
  budgets, cooldowns) a Redis; ``litellm_settings.cache`` with ``cache_params.type: redis`` gives the proxy its
  coordination Redis, which the router also takes when it has none. ``supported_call_types: []`` keeps response
  caching off while the usage state is still shared.
- A deployment's rpm counter lives in a per-minute window (UTC ``HH-MM`` in the key) and is pushed to Redis
  every 0.1 s; a deployment's spend every 1 s. The tests wait for the pushed state in Redis (a bounded poll),
  never for a fixed time, and repeat the rpm exchange if it straddled a minute boundary.
- LiteLLM's router admits a request while ``current + 1 < rpm``: ``rpm: 3`` lets two requests through per
  minute. ``num_retries: 0``, or the router retries a 429 for tens of seconds before it answers.
- REDIS_HOST / REDIS_PORT / REDIS_PASSWORD in the environment alone already share the limits (the proxy's
  "REDIS_* environment fallback"), but silently: a Redis it cannot ping within 2 s at start leaves every
  process on its own. The explicit settings above are what the deployment writes; REDIS_SSL (read from the
  environment by every LiteLLM Redis client, "True"/"False") must match the server: "True" against a plain
  server keeps the proxy from ever answering its liveness check.
- ``/health/readiness/details`` says ``cache: "redis"`` and ``show_no_redis_warning: false`` with Redis, and
  ``cache: null`` and ``show_no_redis_warning: true`` without; that stays so when the Redis is unreachable
  (requests are then admitted on local counts). ``/cache/ping`` names the Redis host and port and answers 200
  only when it can reach it (503 when it cannot, or when no cache is configured).
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from litellm_proxy import LiteLLMProxy, new_master_key
from redis_server import RedisServer

pytestmark = pytest.mark.litellm

RPM = 3  # LiteLLM admits RPM - 1 requests a minute (see the module docstring)
BUDGET = 0.00001  # USD; one mock gpt-4o-mini answer (10 prompt + 20 completion tokens) costs 1.35e-05
MODELS = """\
model_list:
  - model_name: limited
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, mock_response: "hi", rpm: %d}
  - model_name: budgeted
    litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY, mock_response: "hi",
                     max_budget: %s, budget_duration: 1d}
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 0
""" % (RPM, BUDGET)
# What the deployment adds when it has a Redis; every value comes from the container's environment.
REDIS_SETTINGS = """\
  redis_host: os.environ/REDIS_HOST
  redis_port: os.environ/REDIS_PORT
  redis_password: os.environ/REDIS_PASSWORD
litellm_settings:
  cache: true
  cache_params:
    type: redis
    host: os.environ/REDIS_HOST
    port: os.environ/REDIS_PORT
    password: os.environ/REDIS_PASSWORD
    supported_call_types: []
"""
POLL_BUDGET = 15.0  # seconds for a pushed counter to show in Redis (LiteLLM pushes every 0.1 s / 1 s)


def config(redis: bool) -> bytes:
    return (MODELS + (REDIS_SETTINGS if redis else "")).encode()


@pytest.fixture(scope="module", name="master_key")
def fixture_master_key() -> str:
    return new_master_key()


@pytest.fixture(scope="module", name="redis")
def fixture_redis():
    with RedisServer(password=secrets.token_hex(16)) as server:
        yield server


@pytest.fixture(scope="module", name="pairs")
def fixture_pairs(tmp_path_factory, master_key, redis):
    """Four proxies, started together: A and B sharing the Redis, and their Redis-less twins A and B."""
    base = {"LITELLM_MASTER_KEY": master_key, "OPENAI_API_KEY": "sk-fake"}
    shared_env = dict(base, REDIS_HOST=redis.host, REDIS_PORT=str(redis.port), REDIS_PASSWORD=redis.password,
                      REDIS_SSL="False")
    proxies = {
        (kind, name): LiteLLMProxy(config(kind == "shared"), shared_env if kind == "shared" else base,
                                   tmp_path_factory.mktemp(f"{kind}-{name}"))
        for kind in ("shared", "isolated") for name in ("a", "b")
    }
    try:
        with ThreadPoolExecutor(len(proxies)) as pool:
            for future in [pool.submit(proxy.start) for proxy in proxies.values()]:
                future.result()
        yield {kind: (proxies[(kind, "a")], proxies[(kind, "b")]) for kind in ("shared", "isolated")}
    finally:
        for proxy in proxies.values():
            proxy.stop()


def chat(proxy: LiteLLMProxy, key: str, model: str) -> tuple[int, object]:
    return proxy.request("POST", "/chat/completions", key,
                         {"model": model, "messages": [{"role": "user", "content": "Say hi."}]})


def use_up(proxy: LiteLLMProxy, key: str, model: str, most: int) -> list:
    """Call ``model`` until the proxy answers 429; the 200 answers before it (at most ``most`` calls)."""
    answers = []
    for _call in range(most):
        status, body = chat(proxy, key, model)
        if status == 429:
            return answers
        assert status == 200, body
        answers.append(body)
    raise AssertionError(f"{proxy.url} never answered 429 on {model} in {most} calls")


def wait_for(condition, what: str, budget: float = POLL_BUDGET):
    deadline = time.monotonic() + budget
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {budget:.0f} s: {what}")
        time.sleep(0.05)
    return value


def minute() -> str:
    return time.strftime("%H-%M", time.gmtime())  # LiteLLM's rpm window, in UTC


def rpm_in_redis(redis: RedisServer, window: str) -> int:
    """The deployment rpm counter the proxies pushed to Redis for ``window`` (0 when there is none)."""
    keys = [key for key in redis.keys(f"*:openai/gpt-4o:rpm:{window}") if not key.startswith("global_router:")]
    return sum(int(float(redis.command("GET", key) or 0)) for key in keys)


def test_an_rpm_limit_used_up_through_a_is_enforced_by_b(pairs, master_key, redis):
    a, b = pairs["shared"]
    for _attempt in range(3):
        window = minute()
        admitted = use_up(a, master_key, "limited", most=2 * RPM + 2)
        wait_for(lambda: rpm_in_redis(redis, window) >= len(admitted) or minute() != window,  # noqa: B023
                 "A's rpm count in Redis")
        status, body = chat(b, master_key, "limited")
        if minute() == window:  # otherwise A or B counted in a new window: do it all again in this one
            break
    else:
        pytest.fail("three minute boundaries in a row")
    assert admitted, "A admitted no request at all"
    assert status == 429, f"B answered {status}, not 429, after A used up the shared limit: {body}"
    assert "rpm_limit" in str(body)
    # Response caching is off (supported_call_types: []): two identical requests got two answers.
    assert len({answer["id"] for answer in admitted}) == len(admitted)


def test_a_deployment_budget_spent_through_a_is_enforced_by_b(pairs, master_key, redis):
    a, b = pairs["shared"]
    # The first answer alone costs more than the budget; A records a spend just after it answers, so a request
    # sent at once may still be admitted.
    assert use_up(a, master_key, "budgeted", most=5)

    def spent():
        return sum(float(redis.command("GET", key) or 0) for key in redis.keys("deployment_spend:*"))

    wait_for(lambda: spent() >= BUDGET, "A's spend in Redis")
    status, body = chat(b, master_key, "budgeted")
    assert status == 429, f"B answered {status}, not 429, after A spent the shared budget: {body}"
    assert "crossed budget" in str(body)


def test_without_redis_b_does_not_see_what_a_used(pairs, master_key):
    a, b = pairs["isolated"]
    assert use_up(a, master_key, "limited", most=2 * RPM + 2)
    assert use_up(a, master_key, "budgeted", most=5)
    for model in ("limited", "budgeted"):
        status, body = chat(b, master_key, model)
        assert status == 200, f"B answered {status} on {model} though it shares nothing with A: {body}"


def test_readiness_details_and_cache_ping_tell_whether_a_redis_is_used(pairs, master_key, redis):
    shared, isolated = pairs["shared"][1], pairs["isolated"][1]
    status, details = shared.request("GET", "/health/readiness/details", master_key)
    assert status == 200, details
    assert (details["cache"], details["show_no_redis_warning"]) == ("redis", False)
    status, details = isolated.request("GET", "/health/readiness/details", master_key)
    assert status == 200, details
    assert (details["cache"], details["show_no_redis_warning"]) == (None, True)
    # The public probe says nothing about the cache, either way.
    assert shared.request("GET", "/health/readiness")[1] == {"status": "healthy", "db": "Not connected"}
    # /cache/ping names the Redis (password masked) and its version; without a cache it answers 503.
    status, ping = shared.request("GET", "/cache/ping", master_key)
    assert status == 200, ping
    used = ping["health_check_cache_params"]["redis_kwargs"]
    assert (used["host"], str(used["port"])) == (redis.host, str(redis.port))
    assert redis.password not in str(ping)
    assert ping["health_check_cache_params"]["redis_version"] == redis.version
    assert isolated.request("GET", "/cache/ping", master_key)[0] == 503
