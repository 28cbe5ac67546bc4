"""The aws_regions filter: botocore's regions where a service has an endpoint, read offline."""

from __future__ import annotations

import boto3
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmops.litellm_ecs.plugins.filter import aws_regions as plugin


def test_the_regions_are_botocores_of_every_partition():
    session = boto3.session.Session()
    expected = set()
    for partition in session.get_available_partitions():
        expected.update(session.get_available_regions("ecs", partition_name=partition))
    regions = plugin.aws_regions("ecs")
    assert regions == sorted(expected)
    assert {"us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1"} <= set(regions)
    assert "us-east-9" not in regions


def test_without_botocore_it_cannot_tell(monkeypatch):
    monkeypatch.setattr(plugin, "botocore", None)
    assert plugin.aws_regions("ecs") == []


@pytest.mark.parametrize("service", ["", None, ["ecs"]])
def test_a_service_name_is_needed(service):
    with pytest.raises(AnsibleFilterError):
        plugin.aws_regions(service)


def test_the_plugin_offers_the_filter():
    assert plugin.FilterModule().filters() == {"aws_regions": plugin.aws_regions}
