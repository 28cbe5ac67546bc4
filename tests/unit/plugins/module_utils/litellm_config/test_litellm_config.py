from __future__ import annotations

import pytest
import yaml

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import litellm_config as lc

GPT = {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_key": "os.environ/OPENAI_API_KEY"}}
CLAUDE = {"model_name": "claude", "litellm_params": {"model": "anthropic/claude-3-5-haiku-latest", "api_key": "os.environ/ANTHROPIC_API_KEY"}}


def errors_of(**kwargs):
    kwargs.setdefault("models", [GPT])
    with pytest.raises(lc.ConfigError) as caught:
        lc.build_config(**kwargs)
    return caught.value.errors


def rendered(**kwargs):
    return lc.render(lc.build_config(**kwargs), yaml.safe_dump)


def test_master_key_and_database_are_references():
    config = lc.build_config([GPT], database=True)
    assert config["general_settings"] == {"master_key": "os.environ/LITELLM_MASTER_KEY", "database_url": "os.environ/DATABASE_URL"}
    assert "database_url" not in lc.build_config([GPT])["general_settings"]


def test_same_input_same_bytes_whatever_the_key_order():
    a = rendered(models=[GPT, CLAUDE], router_settings={"routing_strategy": "simple-shuffle", "num_retries": 2})
    b = rendered(models=[dict(reversed(list(GPT.items()))), CLAUDE], router_settings={"num_retries": 2, "routing_strategy": "simple-shuffle"})
    assert a == b
    assert lc.sha256(a) == lc.sha256(b)


def test_model_order_is_kept_and_changes_the_hash():
    assert lc.sha256(rendered(models=[GPT, CLAUDE])) != lc.sha256(rendered(models=[CLAUDE, GPT]))


def test_rendered_text_parses_back_to_the_config():
    text = rendered(models=[GPT, CLAUDE], litellm_settings={"drop_params": True})
    assert text.startswith("# config.yaml of the LiteLLM proxy")
    assert yaml.safe_load(text) == lc.build_config([GPT, CLAUDE], litellm_settings={"drop_params": True})


@pytest.mark.parametrize("models, expected", [
    ([], "litellm_models must be a non-empty list"),
    ("gpt-4o", "litellm_models must be a non-empty list"),
    (["gpt-4o"], "litellm_models[0]: must be a mapping"),
    ([{"litellm_params": {"model": "openai/x"}}], "litellm_models[0]: model_name is missing or empty"),
    ([{"model_name": " ", "litellm_params": {"model": "openai/x"}}], "litellm_models[0]: model_name is missing or empty"),
    ([GPT, {"model_name": "b"}], "litellm_models[1] (b): litellm_params must be a mapping"),
    ([GPT, {"model_name": "b", "litellm_params": {"api_base": "http://x"}}], "litellm_models[1] (b): litellm_params.model is missing"),
    ([GPT, {"model_name": "b", "litellm_params": {"model": 3}}], "litellm_models[1] (b): litellm_params.model is missing"),
    ([{"model_name": "a", "litellm_params": {"model": "openai/a"}, "params": {}}], "litellm_models[0] (a): unknown field(s) params"),
    ([{"model_name": "a", "litellm_params": {"model": "openai/a"}, "model_info": "x"}], "litellm_models[0] (a): model_info must be a mapping"),
])
def test_model_errors_name_the_entry_and_field(models, expected):
    found = errors_of(models=models)
    assert any(expected in error for error in found), found


def test_literal_credentials_are_refused():
    leaky = {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_key": "sk-real-key-value"}}
    aws = {"model_name": "br", "litellm_params": {"model": "bedrock/x", "aws_secret_access_key": "abc", "aws_access_key_id": "os.environ/AK"}}
    found = errors_of(models=[leaky, aws])
    assert any("litellm_models[0] (gpt-4o): litellm_params.api_key holds a literal value" in e for e in found)
    assert any("litellm_models[1] (br): litellm_params.aws_secret_access_key holds a literal value" in e for e in found)
    assert not any("aws_access_key_id" in e for e in found)
    assert not any("sk-real-key-value" in e or "abc" in e.split(":")[-1] for e in found)  # never echo the value


def test_duplicate_names_need_distinct_deployment_ids():
    twin = {"model_name": "gpt-4o", "litellm_params": {"model": "azure/gpt-4o", "api_key": "os.environ/AZURE_API_KEY"}}
    assert any("litellm_models[0], litellm_models[1]: model_name 'gpt-4o' is used more than once" in e for e in errors_of(models=[GPT, twin]))
    same_id = [dict(GPT, model_info={"id": "a"}), dict(twin, model_info={"id": "a"})]
    assert errors_of(models=same_id)
    balanced = [dict(GPT, model_info={"id": "openai"}), dict(twin, model_info={"id": "azure"})]
    assert [e["model_name"] for e in lc.build_config(balanced)["model_list"]] == ["gpt-4o", "gpt-4o"]


def test_sections_are_checked():
    assert any("litellm_router_settings: must be a mapping" in e for e in errors_of(router_settings=["x"]))
    assert any("litellm_config_extra_sections.model_lists: not a config.yaml section" in e for e in errors_of(extra_sections={"model_lists": []}))
    assert any("litellm_config_extra_sections.router_settings: set it through litellm_router_settings" in e
               for e in errors_of(extra_sections={"router_settings": {}}))
    assert any("litellm_general_settings.master_key" in e and "litellm_master_key" in e for e in errors_of(general_settings={"master_key": "sk-x"}))
    assert any("litellm_general_settings.database_url" in e for e in errors_of(general_settings={"database_url": "postgresql://"}))
    assert lc.build_config([GPT], extra_sections={"environment_variables": {"LANGFUSE_HOST": "h"}})["environment_variables"] == {"LANGFUSE_HOST": "h"}


def test_every_reference_must_be_available():
    config = lc.build_config([GPT, CLAUDE], database=True)
    assert lc.check_environment(config, {"LITELLM_MASTER_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DATABASE_URL"}) == [
        "ANTHROPIC_API_KEY", "DATABASE_URL", "LITELLM_MASTER_KEY", "OPENAI_API_KEY"]
    with pytest.raises(lc.ConfigError) as caught:
        lc.check_environment(config, {"LITELLM_MASTER_KEY", "OPENAI_API_KEY"})
    assert caught.value.errors == [
        "os.environ/ANTHROPIC_API_KEY is referenced by the config but the task will not have ANTHROPIC_API_KEY: "
        "add it to litellm_provider_secrets (a secret) or litellm_environment (a plain value)",
        "os.environ/DATABASE_URL is referenced by the config but the task will not have DATABASE_URL: "
        "add it to litellm_provider_secrets (a secret) or litellm_environment (a plain value)",
    ]


def test_references_are_found_at_any_depth():
    assert lc.env_references({"a": [{"b": "os.environ/X"}, "os.environ/Y"], "c": "plain"}) == {"X", "Y"}


def test_request_timeout_is_written_to_litellm_settings():
    settings = {"drop_params": True}
    text = rendered(models=[GPT], litellm_settings=settings, router_settings={"timeout": 30}, request_timeout=100)
    parsed = yaml.safe_load(text)
    assert parsed["litellm_settings"] == {"drop_params": True, "request_timeout": 100}
    assert parsed["router_settings"] == {"timeout": 30}
    assert settings == {"drop_params": True}  # the caller's section is left as it was
    assert yaml.safe_load(rendered(models=[GPT], request_timeout=45))["litellm_settings"] == {"request_timeout": 45}
    assert "litellm_settings" not in lc.build_config([GPT])  # without one, LiteLLM's own default applies


@pytest.mark.parametrize("kwargs, expected", [
    ({"litellm_settings": {"request_timeout": 600}}, "litellm_settings.request_timeout: the collection sets it from litellm_request_timeout"),
    ({"router_settings": {"timeout": 600}}, "litellm_router_settings.timeout (600) is longer than litellm_request_timeout (100)"),
    ({"router_settings": {"timeout": "600"}}, "litellm_router_settings.timeout ('600') is longer"),
])
def test_request_timeouts_that_would_outlast_the_shutdown_are_refused(kwargs, expected):
    found = errors_of(request_timeout=100, **kwargs)
    assert any(expected in error for error in found), found


@pytest.mark.parametrize("value", [0, -5, True, "100"])
def test_request_timeout_must_be_a_positive_number(value):
    assert any("litellm_request_timeout: must be a positive number" in error for error in errors_of(request_timeout=value))


def test_redis_points_router_and_usage_cache_at_references_only():
    config = lc.build_config([GPT], router_settings={"routing_strategy": "simple-shuffle"},
                             litellm_settings={"cache_params": {"ttl": 60}}, redis={"password": True, "cache": False})
    assert config["router_settings"] == {"routing_strategy": "simple-shuffle", "redis_host": "os.environ/REDIS_HOST",
                                         "redis_port": "os.environ/REDIS_PORT", "redis_password": "os.environ/REDIS_PASSWORD"}
    assert config["litellm_settings"]["cache"] is True
    assert config["litellm_settings"]["cache_params"] == {
        "type": "redis", "host": "os.environ/REDIS_HOST", "port": "os.environ/REDIS_PORT",
        "password": "os.environ/REDIS_PASSWORD", "ttl": 60, "supported_call_types": []}
    assert lc.env_references(config) >= {"REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"}


def test_redis_without_password_and_with_response_cache():
    config = lc.build_config([GPT], redis={"password": False, "cache": True})
    assert "redis_password" not in config["router_settings"]
    params = config["litellm_settings"]["cache_params"]
    assert "password" not in params and "supported_call_types" not in params
    assert "REDIS_PASSWORD" not in lc.env_references(config)


def test_no_redis_no_redis_settings():
    config = lc.build_config([GPT])
    assert "router_settings" not in config and "litellm_settings" not in config


@pytest.mark.parametrize("kwargs, expected", [
    ({"router_settings": {"redis_host": "cache.example"}}, "litellm_router_settings.redis_host"),
    ({"router_settings": {"redis_url": "redis://x"}}, "litellm_router_settings.redis_url"),
    ({"litellm_settings": {"cache": False}}, "litellm_settings.cache:"),
    ({"litellm_settings": {"cache_params": {"password": "hunter2"}}}, "litellm_settings.cache_params.password"),
    ({"litellm_settings": {"cache_params": "redis"}}, "litellm_settings.cache_params: must be a mapping"),
])
def test_redis_settings_of_its_own_are_refused_while_the_collection_manages_redis(kwargs, expected):
    errors = errors_of(redis={"password": True}, **kwargs)
    assert [error for error in errors if error.startswith(expected)], errors
    assert not [error for error in errors if "hunter2" in error]


def test_redis_settings_of_its_own_are_the_inventorys_own_without_a_managed_redis():
    config = lc.build_config([GPT], router_settings={"redis_host": "cache.example"}, litellm_settings={"cache": False})
    assert config["router_settings"] == {"redis_host": "cache.example"} and config["litellm_settings"] == {"cache": False}
