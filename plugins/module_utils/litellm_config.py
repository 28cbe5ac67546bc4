# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The LiteLLM proxy's config.yaml: validation and deterministic rendering (no Ansible, no AWS).

The rendered file never holds a secret: the master key, the database URL and every credential field
are ``os.environ/NAME`` references that the proxy resolves from the container's environment, which the
task definition fills from Secrets Manager.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re

# Top-level sections the proxy reads from config.yaml.
KNOWN_SECTIONS = (
    "model_list",
    "router_settings",
    "litellm_settings",
    "general_settings",
    "environment_variables",
    "callback_settings",
    "credential_list",
    "guardrails",
    "mcp_servers",
)
# Sections the collection builds itself from its own variables.
BUILT_SECTIONS = ("model_list", "router_settings", "litellm_settings", "general_settings")

ENV_REF = re.compile(r"^os\.environ/(?P<name>.*)$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# litellm_params fields that carry a credential: only an os.environ/NAME reference may stand there.
CREDENTIAL_FIELDS = frozenset((
    "api_key",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "azure_ad_token",
    "client_secret",
    "vertex_credentials",
    "watsonx_api_key",
    "token",
))
# general_settings keys the collection sets itself: always references, never values.
MANAGED_GENERAL_SETTINGS = {"master_key": "LITELLM_MASTER_KEY", "database_url": "DATABASE_URL"}
# The shared Redis, when the deployment has one: the settings LiteLLM reads, each an os.environ/ reference to what
# the task definition hands the container (REDIS_SSL is read from the environment directly, by LiteLLM's REDIS_*
# convention). router_settings: the router's usage counts and model limits; litellm_settings.cache_params: the
# proxy's usage cache (key and team limits, budgets, revocations).
REDIS_ROUTER_SETTINGS = {"redis_host": "REDIS_HOST", "redis_port": "REDIS_PORT", "redis_password": "REDIS_PASSWORD"}
REDIS_CACHE_PARAMS = {"host": "REDIS_HOST", "port": "REDIS_PORT", "password": "REDIS_PASSWORD"}
# Connection settings the collection sets itself when it manages the Redis.
REDIS_MANAGED_ROUTER = ("redis_host", "redis_port", "redis_password", "redis_url")
REDIS_MANAGED_CACHE = ("type", "host", "port", "password", "url", "redis_startup_nodes", "service_name")
HEADER = "# config.yaml of the LiteLLM proxy, rendered by llmops.litellm_ecs from the inventory: do not edit.\n"


class ConfigError(ValueError):
    """The config input is invalid; ``errors`` lists every problem found."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def _describe(index, entry):
    name = entry.get("model_name") if isinstance(entry, dict) else None
    return f"litellm_models[{index}]" + (f" ({name})" if isinstance(name, str) and name.strip() else "")


def env_references(value):
    """Every NAME of an ``os.environ/NAME`` string anywhere in ``value``."""
    found = set()
    if isinstance(value, str):
        match = ENV_REF.match(value)
        if match:
            found.add(match.group("name"))
    elif isinstance(value, dict):
        for item in value.values():
            found |= env_references(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= env_references(item)
    return found


def _check_models(models):
    errors = []
    if not isinstance(models, list) or not models:
        return ["litellm_models must be a non-empty list of models, each with model_name and litellm_params.model"]
    seen = {}
    for index, entry in enumerate(models):
        where = _describe(index, entry)
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a mapping with model_name and litellm_params, not {type(entry).__name__}")
            continue
        unknown = sorted(set(entry) - {"model_name", "litellm_params", "model_info"})
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}; a model has model_name, litellm_params and model_info")
        name = entry.get("model_name")
        if not isinstance(name, str) or not name.strip():
            errors.append(f"{where}: model_name is missing or empty; give the name clients will request")
        params = entry.get("litellm_params")
        if not isinstance(params, dict):
            errors.append(f"{where}: litellm_params must be a mapping with at least 'model' (e.g. openai/gpt-4o)")
            params = {}
        elif not isinstance(params.get("model"), str) or not params["model"].strip():
            errors.append(f"{where}: litellm_params.model is missing or empty; give the provider's model, e.g. openai/gpt-4o")
        for field in sorted(CREDENTIAL_FIELDS & set(params)):
            value = params[field]
            if not (isinstance(value, str) and ENV_REF.match(value)):
                errors.append(
                    f"{where}: litellm_params.{field} holds a literal value; put the key in litellm_provider_secrets "
                    f"and write 'os.environ/<NAME>' here, so no secret lands in config.yaml"
                )
        info = entry.get("model_info")
        if info is not None and not isinstance(info, dict):
            errors.append(f"{where}: model_info must be a mapping")
            info = None
        if isinstance(name, str) and name.strip():
            deployment_id = (info or {}).get("id")
            seen.setdefault(name, []).append((index, deployment_id))
    for name, uses in seen.items():
        ids = [deployment_id for _index, deployment_id in uses]
        if len(uses) > 1 and (None in ids or len(set(ids)) != len(ids)):
            where = ", ".join(f"litellm_models[{index}]" for index, _id in uses)
            errors.append(
                f"{where}: model_name '{name}' is used more than once; to load-balance several deployments under one "
                f"name give each a distinct model_info.id, otherwise rename them"
            )
    return errors


def _check_request_timeout(request_timeout, router_settings, litellm_settings):
    """With a request timeout the collection sets litellm_settings.request_timeout itself, and no router timeout may exceed it."""
    if request_timeout is None:
        return []
    if isinstance(request_timeout, bool) or not isinstance(request_timeout, (int, float)) or request_timeout <= 0:
        return [f"litellm_request_timeout: must be a positive number of seconds, not {request_timeout!r}"]
    errors = []
    if isinstance(litellm_settings, dict) and "request_timeout" in litellm_settings:
        errors.append(
            "litellm_settings.request_timeout: the collection sets it from litellm_request_timeout, which also sizes the "
            "task's stop timeout and the target group's deregistration delay; set litellm_request_timeout instead"
        )
    timeout = router_settings.get("timeout") if isinstance(router_settings, dict) else None
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout > request_timeout):
        errors.append(
            f"litellm_router_settings.timeout ({timeout!r}) is longer than litellm_request_timeout ({request_timeout}): "
            f"a stopping task would cut such requests; lower it or raise litellm_request_timeout"
        )
    return errors


def _check_redis(redis, router_settings, litellm_settings):
    """With a Redis the collection manages, the connection settings are its own: the inventory may not set them."""
    if not redis:
        return []
    errors = []
    router = router_settings if isinstance(router_settings, dict) else {}
    settings = litellm_settings if isinstance(litellm_settings, dict) else {}
    for key in REDIS_MANAGED_ROUTER:
        if key in router:
            errors.append(f"litellm_router_settings.{key}: the collection sets it from litellm_redis; remove it (or set litellm_redis: none)")
    if "cache" in settings:
        errors.append("litellm_settings.cache: the collection sets it with litellm_redis; set litellm_redis_cache to cache responses")
    params = settings.get("cache_params", {})
    if not isinstance(params, dict):
        errors.append(f"litellm_settings.cache_params: must be a mapping, not {type(params).__name__}")
        params = {}
    for key in REDIS_MANAGED_CACHE:
        if key in params:
            errors.append(f"litellm_settings.cache_params.{key}: the collection sets it from litellm_redis; remove it")
    return errors


def _apply_redis(config, redis):
    """Point the router and the proxy's cache at the shared Redis, through os.environ/ references only."""
    password = redis.get("password", True)
    router = config.setdefault("router_settings", {})
    for key, env in REDIS_ROUTER_SETTINGS.items():
        if key != "redis_password" or password:
            router[key] = f"os.environ/{env}"
    settings = config.setdefault("litellm_settings", {})
    params = dict(settings.get("cache_params", {}))
    params["type"] = "redis"
    for key, env in REDIS_CACHE_PARAMS.items():
        if key != "password" or password:
            params[key] = f"os.environ/{env}"
    if not redis.get("cache", False):
        # The usage cache without a response cache: no call type is answered from the cache.
        params["supported_call_types"] = []
    settings["cache"] = True
    settings["cache_params"] = params


def build_config(models, router_settings=None, litellm_settings=None, general_settings=None,
                 extra_sections=None, database=False, request_timeout=None, redis=None):
    """The config as a dict, or ConfigError naming every problem (entry and field).

    With ``redis`` (a mapping: ``password``, whether the Redis has one, default true; ``cache``, whether to cache
    responses too, default false) the router and the proxy's cache share state through the Redis the task's
    ``REDIS_HOST``/``REDIS_PORT``/``REDIS_PASSWORD`` name.

    With ``request_timeout`` (seconds) the config's ``litellm_settings.request_timeout`` is set to it: the longest call
    the proxy makes, which the deployment's shutdown (stop timeout, deregistration delay) is sized to drain.
    """
    errors = _check_models(models)
    errors += _check_request_timeout(request_timeout, router_settings, litellm_settings)
    errors += _check_redis(redis, router_settings, litellm_settings)
    sections = {"router_settings": router_settings, "litellm_settings": litellm_settings, "general_settings": general_settings}
    for key, value in sections.items():
        if value is not None and not isinstance(value, dict):
            errors.append(f"litellm_{key}: must be a mapping, not {type(value).__name__}")
    extra = extra_sections or {}
    if not isinstance(extra, dict):
        errors.append(f"litellm_config_extra_sections: must be a mapping of section name to content, not {type(extra).__name__}")
        extra = {}
    for key in extra:
        if key in BUILT_SECTIONS:
            errors.append(f"litellm_config_extra_sections.{key}: set it through litellm_{'models' if key == 'model_list' else key} instead")
        elif key not in KNOWN_SECTIONS:
            errors.append(
                f"litellm_config_extra_sections.{key}: not a config.yaml section the proxy reads; known sections: "
                f"{', '.join(KNOWN_SECTIONS)}"
            )
    general = dict(general_settings) if isinstance(general_settings, dict) else {}
    for key, env in MANAGED_GENERAL_SETTINGS.items():
        if key in general:
            source = "litellm_master_key" if key == "master_key" else "litellm_database_url"
            errors.append(f"litellm_general_settings.{key}: the collection sets it to os.environ/{env}; set {source} instead")
    if errors:
        raise ConfigError(errors)

    general["master_key"] = f"os.environ/{MANAGED_GENERAL_SETTINGS['master_key']}"
    if database:
        general["database_url"] = f"os.environ/{MANAGED_GENERAL_SETTINGS['database_url']}"
    config = {"model_list": copy.deepcopy(models), "general_settings": general}
    for key in ("router_settings", "litellm_settings"):
        if sections[key]:
            config[key] = copy.deepcopy(sections[key])
    if request_timeout is not None:
        config.setdefault("litellm_settings", {})["request_timeout"] = request_timeout
    if redis:
        _apply_redis(config, redis)
    config.update(copy.deepcopy(extra))
    return config


def check_environment(config, available):
    """Every os.environ/NAME the config references must be in ``available``; return the references."""
    referenced = env_references(config)
    errors = []
    for name in sorted(referenced):
        if not ENV_NAME.match(name):
            errors.append(f"os.environ/{name}: '{name}' is not an environment-variable name")
        elif name not in available:
            errors.append(
                f"os.environ/{name} is referenced by the config but the task will not have {name}: add it to "
                f"litellm_provider_secrets (a secret) or litellm_environment (a plain value)"
            )
    if errors:
        raise ConfigError(errors)
    return sorted(referenced)


def render(config, dump):
    """config.yaml text: the header, then ``dump(config)`` with sorted keys (same input, same bytes).

    ``dump`` is ``yaml.safe_dump``-compatible; a round trip through JSON first turns every mapping and
    sequence subtype (Ansible's among them) into plain dicts and lists.
    """
    plain = json.loads(json.dumps(config, sort_keys=True))
    return HEADER + dump(plain, default_flow_style=False, sort_keys=True, allow_unicode=True, width=1000)


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
