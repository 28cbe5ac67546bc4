"""Comparing an ECS cluster with its wish, without AWS."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import cluster_differences
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import normalise_strategy
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import strategy_error

CLUSTER = {
    "clusterName": "litellm",
    "capacityProviders": ["FARGATE_SPOT", "FARGATE"],
    "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
    "settings": [{"name": "containerInsights", "value": "enabled"}],
    "tags": [{"key": "team", "value": "llm"}],
}


def test_the_strategy_gets_ecs_defaults_and_a_fixed_order():
    strategy = [{"capacity_provider": "FARGATE_SPOT", "weight": 1}, {"capacity_provider": "FARGATE", "weight": 3, "base": 1}]
    assert normalise_strategy(strategy) == [{"capacityProvider": "FARGATE", "weight": 3, "base": 1},
                                            {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    assert normalise_strategy(None) == []


def test_a_strategy_must_name_listed_providers():
    assert strategy_error(["FARGATE", "FARGATE_SPOT"], [{"capacity_provider": "FARGATE", "weight": 1}]) is None
    message = strategy_error(["FARGATE"], [{"capacity_provider": "FARGATE_SPOT", "weight": 1}, {"capacity_provider": "EC2", "weight": 1}])
    assert message == "default_capacity_provider_strategy names EC2, FARGATE_SPOT, which is not in capacity_providers ['FARGATE']"


def test_an_equal_cluster_has_no_differences():
    assert cluster_differences(CLUSTER, ["FARGATE", "FARGATE_SPOT"], [{"capacity_provider": "FARGATE", "weight": 1}], "enabled") == set()


def test_providers_strategy_and_insights_differences():
    assert cluster_differences(CLUSTER, ["FARGATE"], [{"capacity_provider": "FARGATE", "weight": 1}], "enabled") == {"capacity_providers"}
    assert cluster_differences(CLUSTER, ["FARGATE", "FARGATE_SPOT"], [{"capacity_provider": "FARGATE", "weight": 2}], "enabled") == {"capacity_providers"}
    assert cluster_differences(CLUSTER, ["FARGATE", "FARGATE_SPOT"], [{"capacity_provider": "FARGATE", "weight": 1}], "enhanced") == {"settings"}
    assert "settings" in cluster_differences(dict(CLUSTER, settings=[]), ["FARGATE_SPOT", "FARGATE"], [], "enabled")


def test_comparable_reads_the_ecs_tag_list():
    assert comparable(CLUSTER) == {
        "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
        "default_capacity_provider_strategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
        "container_insights": "enabled",
        "tags": {"team": "llm"},
    }
    assert comparable(dict(CLUSTER, tags=[], settings=[]))["tags"] == {}
    assert comparable(dict(CLUSTER, settings=[]))["container_insights"] == "disabled"
    assert comparable(None) == {}
