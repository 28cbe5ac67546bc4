# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparing an ECS cluster with its desired capacity providers, strategy and settings (no AWS needed)."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags


def strategy_item(item):
    """One capacity provider strategy entry in the API's shape, with ECS's defaults filled in."""
    return {
        "capacityProvider": item.get("capacityProvider", item.get("capacity_provider")),
        "weight": int(item.get("weight", 0)),
        "base": int(item.get("base", 0)),
    }


def normalise_strategy(strategy):
    return sorted((strategy_item(item) for item in strategy or []), key=lambda item: item["capacityProvider"])


def strategy_error(capacity_providers, strategy):
    """Why the default strategy cannot be used with ``capacity_providers`` (it names another provider), or None."""
    unknown = sorted({item["capacityProvider"] for item in normalise_strategy(strategy)} - set(capacity_providers))
    if not unknown:
        return None
    return f"default_capacity_provider_strategy names {', '.join(unknown)}, which is not in capacity_providers {capacity_providers}"


def settings_dict(settings):
    return {item["name"]: item["value"] for item in settings or []}


def cluster_differences(existing, capacity_providers, strategy, container_insights):
    """Which parts of ``existing`` (a DescribeClusters entry) differ from the wish: a set of
    ``capacity_providers`` (providers and default strategy, set together by the API) and ``settings``."""
    differences = set()
    if sorted(existing.get("capacityProviders", [])) != sorted(capacity_providers) or (
        normalise_strategy(existing.get("defaultCapacityProviderStrategy")) != normalise_strategy(strategy)
    ):
        differences.add("capacity_providers")
    if settings_dict(existing.get("settings")).get("containerInsights", "disabled") != container_insights:
        differences.add("settings")
    return differences


def comparable(cluster):
    """The managed part of a cluster, for diff mode."""
    if not cluster:
        return {}
    return {
        "capacity_providers": sorted(cluster.get("capacityProviders", [])),
        "default_capacity_provider_strategy": normalise_strategy(cluster.get("defaultCapacityProviderStrategy")),
        "container_insights": settings_dict(cluster.get("settings")).get("containerInsights", "disabled"),
        "tags": read_tags(cluster.get("tags")),
    }
