"""The ecs_cluster module against moto in-process: Container Insights, capacity providers, tags, idempotence."""

from __future__ import annotations

import boto3
import pytest
from moto.core.exceptions import JsonRESTError
from moto.ecs.models import EC2ContainerServiceBackend

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.llmops.litellm_ecs.plugins.modules import ecs_cluster
from module_runner import run_module

REGION = "us-east-1"
SPOT_STRATEGY = [{"capacity_provider": "FARGATE", "weight": 3, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 1}]


@pytest.fixture(name="ecs")
def fixture_ecs(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("ecs", region_name=REGION)


def run(capsys, check_mode=False, diff=False, **args):
    args.setdefault("name", "litellm")
    return run_module(ecs_cluster.main, capsys, check_mode=check_mode, diff=diff, **args)


def described(ecs, name="litellm"):
    return ecs.describe_clusters(clusters=[name], include=["SETTINGS", "TAGS"])["clusters"][0]


def test_creates_a_fargate_cluster_with_container_insights(ecs, capsys):
    result = run(capsys, tags={"team": "llm"})
    assert result["changed"] is True
    cluster = described(ecs)
    assert sorted(cluster["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert {"key": "team", "value": "llm"} in cluster["tags"]
    assert result["cluster"]["cluster_name"] == "litellm"


def test_second_run_changes_nothing(ecs, capsys):
    run(capsys, default_capacity_provider_strategy=SPOT_STRATEGY, tags={"team": "llm"})
    assert run(capsys, default_capacity_provider_strategy=SPOT_STRATEGY, tags={"team": "llm"})["changed"] is False


def test_container_insights_change_is_applied(ecs, capsys):
    run(capsys)
    assert run(capsys, container_insights="disabled")["changed"] is True
    assert {"name": "containerInsights", "value": "disabled"} in described(ecs)["settings"]


def test_spot_share_change_is_applied(ecs, capsys):
    run(capsys)
    assert run(capsys, default_capacity_provider_strategy=SPOT_STRATEGY)["changed"] is True
    strategy = sorted(described(ecs)["defaultCapacityProviderStrategy"], key=lambda item: item["capacityProvider"])
    assert strategy == [{"capacityProvider": "FARGATE", "weight": 3, "base": 1}, {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]


def test_check_mode_creates_nothing_and_diffs(ecs, capsys):
    result = run(capsys, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["container_insights"] == "enabled"
    assert ecs.list_clusters()["clusterArns"] == []


def test_check_mode_on_a_change_changes_nothing(ecs, capsys):
    run(capsys)
    result = run(capsys, check_mode=True, diff=True, container_insights="disabled", tags={"a": "b"})
    assert result["changed"] is True
    assert result["diff"]["before"]["container_insights"] == "enabled"
    assert result["diff"]["after"]["container_insights"] == "disabled"
    assert {"name": "containerInsights", "value": "enabled"} in described(ecs)["settings"]


def test_strategy_must_name_a_listed_provider(ecs, capsys):
    result = run(capsys, capacity_providers=["FARGATE"], default_capacity_provider_strategy=SPOT_STRATEGY)
    assert result["failed"] is True
    assert "FARGATE_SPOT" in result["msg"]
    assert ecs.list_clusters()["clusterArns"] == []


def test_absent_deletes(ecs, capsys):
    run(capsys)
    assert run(capsys, state="absent")["changed"] is True
    assert run(capsys, state="absent")["changed"] is False


def test_tags_are_set_purged_and_diffed(ecs, capsys):
    run(capsys, tags={"team": "llm", "env": "dev"})
    result = run(capsys, diff=True, tags={"team": "platform"}, purge_tags=False)
    assert result["changed"] is True
    assert result["diff"]["after"]["tags"] == {"team": "platform", "env": "dev"}
    assert {tag["key"]: tag["value"] for tag in described(ecs)["tags"]} == {"team": "platform", "env": "dev"}
    result = run(capsys, diff=True, tags={"team": "platform"})
    assert result["diff"]["before"]["tags"] == {"team": "platform", "env": "dev"}
    assert result["diff"]["after"]["tags"] == {"team": "platform"}
    assert {tag["key"]: tag["value"] for tag in described(ecs)["tags"]} == {"team": "platform"}
    assert run(capsys, tags={"team": "platform"})["changed"] is False


def test_deleting_a_cluster_with_services_says_what_to_do(ecs, capsys, monkeypatch):
    run(capsys)

    def refuse(*args, **kwargs):
        raise JsonRESTError("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")

    monkeypatch.setattr(EC2ContainerServiceBackend, "delete_cluster", refuse)
    result = run(capsys, state="absent")
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["msg"].startswith("Failed to delete the ECS cluster litellm; delete its services first")
    assert result["error"]["code"] == "ClusterContainsServicesException"


def test_the_client_retries_in_standard_mode(ecs, capsys, monkeypatch):
    made = []

    def client(module, service, **kwargs):  # pylint: disable=unused-argument
        made.append((service, kwargs["config"].retries["mode"]))
        return ecs

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    assert run(capsys)["changed"] is True
    assert made == [("ecs", "standard")]
