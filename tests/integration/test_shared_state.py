"""Shared state as deployed: two local tasks run from the task definition the deployment registered share the Redis
that stands in for its ElastiCache (tools/localaws/runtime.py), so a model's budget spent through one task is
enforced by the other; and the gate at the end of site.yml reports the Redis the proxy reaches. The same exchange
without Redis, with raw LiteLLM processes: tests/tools/test_litellm_shared_state.py."""

from __future__ import annotations

import time

import pytest

from localaws.harness import free_port
from localaws.runtime import LocalService

pytestmark = [pytest.mark.emulator, pytest.mark.litellm]

NAME = "limits"
BUDGET = 0.00001  # USD: one mock gpt-4o-mini answer (10 prompt + 20 completion tokens) costs 1.35e-05
PARAMS = {"model": "openai/gpt-4o-mini", "api_key": "os.environ/OPENAI_API_KEY", "mock_response": "hi", "max_budget": BUDGET,
          "budget_duration": "1d"}
MODELS = [{"model_name": "budgeted", "litellm_params": PARAMS}]


@pytest.fixture(scope="module", name="deployed")
def fixture_deployed(emulator, run_site, tmp_path_factory):
    """A deployment with a budgeted model, its two tasks run locally; the gate (no chat: it would spend) at the end."""
    local = LocalService(emulator.endpoint, NAME, NAME, free_port(), tmp_path_factory.mktemp("tasks"), tasks=2)
    extra = {"litellm_name": NAME, "litellm_endpoint_url": local.url, "litellm_models": MODELS,
             "litellm_provider_secrets": {"OPENAI_API_KEY": "sk-local-fake-openai-key"},
             "litellm_router_settings": {"num_retries": 0}, "litellm_gate_chat": False}
    with local:
        run = run_site(extra, outputs=True)
        yield local, run


def master_key(aws):
    return aws("secretsmanager").get_secret_value(SecretId=f"{NAME}/master-key")["SecretString"]


def chat(proxy, key):
    return proxy.request("POST", "/chat/completions", key, {"model": "budgeted", "messages": [{"role": "user", "content": "Say hi."}]})


def test_the_gate_reports_the_redis_the_proxy_reaches(deployed):
    local, run = deployed
    assert local.error is None, local.error
    assert run.rc == 0, run.tail(60)
    summary = run.output[run.output.index("gate | Report what the gate found"):]
    group = run.outputs["redis"]
    assert f"shared_state (ElastiCache limits-redis at {group['host']}:{group['port']}, TLS: the proxy reaches it at 127.0.0.1:" in summary
    assert "Redis 7." in summary


def test_a_budget_spent_through_one_task_is_enforced_by_the_other(deployed, aws):
    local = deployed[0]
    assert len(local.proxies) == 2 and len(set(local.urls)) == 2
    # Both tasks run the revision the service runs, with the same Redis.
    key = master_key(aws)
    first, second = local.proxies
    status, body = chat(first, key)
    assert status == 200, body
    deadline = time.monotonic() + 15
    while sum(float(local.redis.command("GET", name) or 0) for name in local.redis.keys("deployment_spend:*")) < BUDGET:
        assert time.monotonic() < deadline, "the first task's spend never reached the shared Redis"
        time.sleep(0.05)
    status, body = chat(second, key)
    assert status == 429, f"the second task answered {status}, not 429, after the first spent the shared budget: {body}"
    assert "crossed budget" in str(body)
