"""The exact delivered config bytes start a real LiteLLM proxy that serves every configured model.

For each of three differently shaped inputs, the site playbook runs in S3 mode (the object is read back from the
emulator), and a real proxy started from those bytes, with its environment filled from Secrets Manager as ECS would
fill it, must list exactly the configured models and answer on each. For the richest shape the site playbook also
runs in EFS mode: the content the init container carries must be the same bytes (the renderer does not depend on
the mode, so one shape shows it).
"""

from __future__ import annotations

import base64
import json

import pytest

from litellm_proxy import LiteLLMProxy
from redis_server import RedisServer

pytestmark = [pytest.mark.emulator, pytest.mark.litellm]


def mock(name, model, answer, **params):
    return {"model_name": name, "litellm_params": {"model": model, "mock_response": answer, **params}}


SHAPES = {
    "one model": {
        "litellm_models": [mock("solo", "openai/gpt-4o-mini", "solo answer")],
        "litellm_provider_secrets": {},
    },
    "several models with router settings": {
        "litellm_models": [
            mock("fast", "openai/gpt-4o-mini", "fast answer"),
            mock("smart", "anthropic/claude-3-5-sonnet-latest", "smart answer"),
            mock("local", "ollama/llama3", "local answer", api_base="http://127.0.0.1:9"),
        ],
        "litellm_router_settings": {"routing_strategy": "simple-shuffle", "num_retries": 2, "timeout": 30},
        "litellm_settings": {"drop_params": True},
        "litellm_request_timeout": 60,  # rendered as litellm_settings.request_timeout
        "litellm_provider_secrets": {},
    },
    "keys from provider secrets": {
        "litellm_models": [
            mock("gpt", "openai/gpt-4o-mini", "gpt answer", api_key="os.environ/OPENAI_API_KEY"),
            mock("claude", "anthropic/claude-3-5-haiku-latest", "claude answer", api_key="os.environ/ANTHROPIC_API_KEY"),
        ],
        "litellm_provider_secrets": {"OPENAI_API_KEY": "sk-shape-openai-T5rE"},  # ANTHROPIC_API_KEY: by ARN, below
    },
}


def container_environment(aws, outputs):
    """What ECS puts into the container: each `secrets` entry resolved from Secrets Manager."""
    env = {}
    for item in outputs["secrets"]["container_secrets"]:
        parts = item["valueFrom"].split(":")
        value = aws("secretsmanager").get_secret_value(SecretId=":".join(parts[:7]))["SecretString"]
        json_key = parts[7] if len(parts) > 7 else ""
        env[item["name"]] = json.loads(value)[json_key] if json_key else value
    return env


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_delivered_config_is_served_by_a_real_proxy(shape, run_site, aws, tmp_path):
    inputs = json.loads(json.dumps(SHAPES[shape]))
    name = "lit" + str(list(SHAPES).index(shape))
    if shape == "keys from provider secrets":
        arn = aws("secretsmanager").create_secret(Name=f"shared/{name}-anthropic", SecretString=json.dumps({"key": "sk-ant-shape-W2"}))["ARN"]
        inputs["litellm_provider_secrets"]["ANTHROPIC_API_KEY"] = f"{arn}:key::"

    s3_run = run_site(dict(inputs, litellm_name=name + "s", litellm_config_mode="s3"), outputs=True)
    assert s3_run.rc == 0, s3_run.tail()
    delivered = s3_run.outputs["efs_config"]
    s3_bytes = aws("s3").get_object(Bucket=delivered["s3_bucket"], Key=delivered["s3_key"])["Body"].read()

    if shape == "several models with router settings":
        efs_run = run_site(dict(inputs, litellm_name=name + "e"), outputs=True)
        assert efs_run.rc == 0, efs_run.tail()
        (writer,) = efs_run.outputs["efs_config"]["init_containers"]
        carried = base64.b64decode(next(e["value"] for e in writer["environment"] if e["name"] == "LITELLM_CONFIG_B64"))
        assert carried == s3_bytes

    expected = [model["model_name"] for model in inputs["litellm_models"]]
    env = container_environment(aws, s3_run.outputs)
    assert set(env) >= {"LITELLM_MASTER_KEY", "LITELLM_SALT_KEY"}
    for secret_value in env.values():
        assert secret_value.encode() not in s3_bytes
    # The config reads the created ElastiCache's host and port from the container's environment: a real redis-server with
    # the deployment's AUTH token stands in for it (as tools/localaws/runtime.py does), without TLS.
    with RedisServer(password=env["REDIS_PASSWORD"]) as redis, \
            LiteLLMProxy(s3_bytes, dict(env, REDIS_HOST=redis.host, REDIS_PORT=str(redis.port), REDIS_SSL="False"), tmp_path) as proxy:
        assert sorted(proxy.models(env["LITELLM_MASTER_KEY"])) == sorted(expected), proxy.log_tail()
        for model in inputs["litellm_models"]:
            answer = proxy.chat(env["LITELLM_MASTER_KEY"], model["model_name"])
            assert answer["choices"][0]["message"]["content"] == model["litellm_params"]["mock_response"]
