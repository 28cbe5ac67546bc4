"""The closest_name filter: the known name a misspelt one meant, or nothing when none is close."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmops.litellm_ecs.plugins.filter.closest_name import FilterModule
from ansible_collections.llmops.litellm_ecs.plugins.filter.closest_name import closest_name

KNOWN = ["litellm_models", "litellm_name", "litellm_provider_secrets", "litellm_gate", "litellm_certificate_arn",
         "litellm_redis", "litellm_redis_host", "litellm_config_mode"]


@pytest.mark.parametrize("name, closest", [
    ("litellm_modles", "litellm_models"),
    ("litellm_provider_secret", "litellm_provider_secrets"),
    ("litellm_certifcate_arn", "litellm_certificate_arn"),
    ("litellm_nmae", "litellm_name"),
    ("litellm_redis_hots", "litellm_redis_host"),
    ("litellm_colour", ""),
    ("litellm_foo", ""),
])
def test_the_closest_known_name_or_none(name, closest):
    assert closest_name(name, KNOWN, "litellm_") == closest


def test_the_shared_prefix_alone_makes_no_name_close():
    """Compared whole, 'litellm_foo' looks close to 'litellm_models' (the shared 'litellm_' is most of both names)."""
    assert closest_name("litellm_foo", KNOWN) == "litellm_models"
    assert closest_name("litellm_foo", KNOWN, "litellm_") == ""


def test_a_stricter_cutoff_suggests_less():
    assert closest_name("litellm_nmae", KNOWN, "litellm_", cutoff=0.9) == ""


@pytest.mark.parametrize("name, names", [(42, KNOWN), ("litellm_x", "litellm_models"), ("litellm_x", [1, 2])])
def test_wrong_arguments_are_refused(name, names):
    with pytest.raises(AnsibleFilterError):
        closest_name(name, names)


def test_the_plugin_offers_the_filter():
    assert FilterModule().filters() == {"closest_name": closest_name}
