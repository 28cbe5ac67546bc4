#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_config
short_description: Validate and render the LiteLLM proxy's config.yaml
version_added: 0.1.0
description:
  - Builds the proxy's C(config.yaml) from a model list and settings, validates it, and returns its text
    and sha256. Nothing is written anywhere; delivering the file is the caller's job.
  - The same input always gives the same bytes (keys sorted, list order kept), so the hash changes only when
    the content does.
  - The file never holds a secret. C(general_settings.master_key) is always C(os.environ/LITELLM_MASTER_KEY),
    C(general_settings.database_url) is C(os.environ/DATABASE_URL) when O(database=true), and every credential
    field of a model (C(api_key), C(aws_secret_access_key), ...) must be an C(os.environ/NAME) reference.
  - Validation reports every problem at once, naming the model entry and field, and fails when the config
    references an C(os.environ/NAME) that is not in O(available_env).
author:
  - llmops maintainers (!UNKNOWN)
options:
  models:
    description:
      - The proxy's C(model_list). Each entry has C(model_name), C(litellm_params) with at least C(model),
        and optionally C(model_info).
      - A C(model_name) may repeat only to load-balance deployments, each with a distinct C(model_info.id).
    type: list
    elements: raw
    required: true
  router_settings:
    description: The C(router_settings) section.
    type: dict
    default: {}
  litellm_settings:
    description: The C(litellm_settings) section.
    type: dict
    default: {}
  general_settings:
    description:
      - The C(general_settings) section, without C(master_key) and C(database_url), which the module sets.
    type: dict
    default: {}
  extra_sections:
    description:
      - Further top-level sections the proxy reads, for example C(environment_variables), C(guardrails),
        C(credential_list), C(callback_settings) or C(mcp_servers).
    type: dict
    default: {}
  database:
    description: Whether the proxy has a database (C(DATABASE_URL) in its environment).
    type: bool
    default: false
  request_timeout:
    description:
      - Seconds of the longest call the proxy makes, written as C(litellm_settings.request_timeout); then
        O(litellm_settings) may not set C(request_timeout) itself and C(router_settings.timeout) may not exceed it.
      - Unset, the module writes no request timeout (LiteLLM's own default applies).
    type: int
  redis:
    description:
      - The shared Redis the deployment gives the proxy; unset for none.
      - Sets C(router_settings.redis_host), C(redis_port), C(redis_password) and C(litellm_settings.cache) with
        C(cache_params) (C(type=redis), C(host), C(port), C(password)) to C(os.environ/REDIS_HOST), C(os.environ/REDIS_PORT)
        and C(os.environ/REDIS_PASSWORD); then O(router_settings) and O(litellm_settings) may not set those themselves.
    type: dict
    suboptions:
      password:
        description: Whether the Redis has a password (C(REDIS_PASSWORD) in the container's environment).
        type: bool
        default: true
      cache:
        description:
          - Also cache responses in it. Off, C(cache_params.supported_call_types) is empty, so the cache holds the
            proxy's shared usage state (limits, budgets, revocations) and never answers a request.
        type: bool
        default: false
  available_env:
    description:
      - Names of the environment variables the proxy's container will have (secrets and plain values).
      - Every C(os.environ/NAME) in the config must be one of them.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: The module never changes anything; check mode returns the same result.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  idempotent:
    support: full
    description: The same input always gives the same content and hash.
requirements:
  - PyYAML
"""

EXAMPLES = r"""
- name: Render the proxy's config
  llmops.litellm_ecs.litellm_config:
    models:
      - model_name: gpt-4o
        litellm_params:
          model: openai/gpt-4o
          api_key: os.environ/OPENAI_API_KEY
    router_settings:
      routing_strategy: simple-shuffle
    available_env: [LITELLM_MASTER_KEY, OPENAI_API_KEY]
  register: config

- name: Use its hash to roll the service only when the content changed
  ansible.builtin.debug:
    msg: "{{ config.sha256 }}"
"""

RETURN = r"""
content:
  description: The rendered C(config.yaml).
  returned: success
  type: str
  sample: "# config.yaml of the LiteLLM proxy ...\ngeneral_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n..."
sha256:
  description: The sha256 of RV(content) (UTF-8), in hex.
  returned: success
  type: str
  sample: 3f5a0c0e9d3b6f8e2d1c4b5a69788766554433221100ffeeddccbbaa99887766
referenced_env:
  description: Every environment variable the config references, sorted.
  returned: success
  type: list
  elements: str
  sample: [LITELLM_MASTER_KEY, OPENAI_API_KEY]
model_names:
  description: The distinct model names clients can request, in config order.
  returned: success
  type: list
  elements: str
  sample: [gpt-4o]
errors:
  description: Every validation problem, each naming the entry and field.
  returned: failure
  type: list
  elements: str
  sample: ["litellm_models[1] (gpt-4o): litellm_params.model is missing or empty; give the provider's model, e.g. openai/gpt-4o"]
"""

import traceback

try:
    import yaml
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_YAML = True
    YAML_IMPORT_ERROR = None

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.litellm_config import ConfigError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.litellm_config import build_config
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.litellm_config import check_environment
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.litellm_config import render
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.litellm_config import sha256


def main():
    module = AnsibleModule(
        argument_spec=dict(
            models=dict(type="list", elements="raw", required=True),
            router_settings=dict(type="dict", default={}),
            litellm_settings=dict(type="dict", default={}),
            general_settings=dict(type="dict", default={}),
            extra_sections=dict(type="dict", default={}),
            database=dict(type="bool", default=False),
            request_timeout=dict(type="int"),
            redis=dict(type="dict", options=dict(password=dict(type="bool", default=True), cache=dict(type="bool", default=False))),
            available_env=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
    params = module.params
    try:
        config = build_config(
            params["models"], params["router_settings"], params["litellm_settings"], params["general_settings"],
            params["extra_sections"], params["database"], params["request_timeout"], params["redis"],
        )
        referenced = check_environment(config, set(params["available_env"]))
    except ConfigError as e:
        module.fail_json(msg="The LiteLLM config is invalid: " + " | ".join(e.errors), errors=e.errors)
    content = render(config, yaml.safe_dump)
    names = list(dict.fromkeys(entry["model_name"] for entry in config["model_list"]))
    module.exit_json(changed=False, content=content, sha256=sha256(content), referenced_env=referenced, model_names=names)


if __name__ == "__main__":
    main()
