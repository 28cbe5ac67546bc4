"""The redis role on the emulator: each choice (a created ElastiCache, an existing Redis, none) converges, is idempotent
and tears down; a created cache is encrypted and reachable from the tasks only, its token only ever a secret."""

from __future__ import annotations

import base64
import json

import pytest

import dev
from conftest import recap_changed
from aws_inventory import left_of

pytestmark = pytest.mark.emulator

TEARDOWN = dev.ROOT / "playbooks" / "teardown.yml"
EXISTING_PASSWORD = "redis-pass-0123456789-Xy"


def proxy_container(aws, arn):
    definition = aws("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
    (container,) = [c for c in definition["containerDefinitions"] if c["name"] == "litellm"]
    return definition, container


def environment(container):
    return {pair["name"]: pair["value"] for pair in container["environment"]}


def config_text(definition):
    """The config.yaml the EFS writer carries (the local inventory's default mode)."""
    for item in definition["containerDefinitions"]:
        for pair in item.get("environment", []):
            if pair["name"] == "LITELLM_CONFIG_B64":
                return base64.b64decode(pair["value"]).decode("utf-8")
    raise AssertionError("no config payload in the task definition")


def converged_twice_and_torn_down(run_site, aws, extra, name):
    """The rerun changes nothing; the teardown leaves nothing (that a second teardown changes nothing is
    tests/integration/test_teardown.py's)."""
    again = run_site(extra)
    assert again.rc == 0, again.tail()
    assert (again.changed, recap_changed(again.output)) == (0, 0), again.changed_tasks
    gone = run_site(dict(extra, efs_config_teardown_delete_file_system=True), playbook=TEARDOWN)
    assert gone.rc == 0, gone.tail()
    assert left_of(aws, name) == []


@pytest.fixture(scope="module", name="created")
def fixture_created(run_site):
    extra = {"litellm_name": "cached"}
    run = run_site(extra, outputs=True, verbosity=3)
    assert run.rc == 0, run.tail()
    return extra, run


def test_created_cache_is_encrypted_token_protected_in_the_tasks_subnets(created, aws):
    run = created[1]
    cache = aws("elasticache")
    (group,) = cache.describe_replication_groups(ReplicationGroupId="cached-redis")["ReplicationGroups"]
    assert group["TransitEncryptionEnabled"] is True and group["AtRestEncryptionEnabled"] is True
    assert group["AuthTokenEnabled"] is True
    (subnets,) = cache.describe_cache_subnet_groups(CacheSubnetGroupName="cached-redis")["CacheSubnetGroups"]
    assert sorted(s["SubnetIdentifier"] for s in subnets["Subnets"]) == run.outputs["network"]["subnet_ids"]
    endpoint = group["NodeGroups"][0]["PrimaryEndpoint"]
    assert run.outputs["redis"] == {"mode": "create", "host": endpoint["Address"], "port": endpoint["Port"], "tls": True,
                                    "replication_group_id": "cached-redis", "arn": group["ARN"]}


def test_created_cache_admits_only_the_tasks_on_6379(created, aws):
    run = created[1]
    ids = run.outputs["network"]["security_group_ids"]
    (group,) = aws("ec2").describe_security_groups(GroupIds=[ids["redis"]])["SecurityGroups"]
    assert group["GroupName"] == "cached-redis"
    assert [(rule["IpProtocol"], rule["FromPort"], rule["ToPort"], [pair["GroupId"] for pair in rule["UserIdGroupPairs"]],
             rule["IpRanges"], rule.get("Ipv6Ranges", [])) for rule in group["IpPermissions"]] == [("tcp", 6379, 6379, [ids["tasks"]], [], [])]
    assert group["IpPermissionsEgress"] == []
    members = aws("elasticache").describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert [m["SecurityGroups"] for m in members if m.get("ReplicationGroupId") == "cached-redis"] == [
        [{"SecurityGroupId": ids["redis"], "Status": "active"}]]


def test_created_cache_token_is_only_a_secret(created, aws):
    run = created[1]
    token = aws("secretsmanager").get_secret_value(SecretId="cached/redis-password")["SecretString"]
    assert len(token) == 64 and token.isalnum()
    definition, container = proxy_container(aws, run.outputs["ecs_service"]["task_definition_arn"])
    env = environment(container)
    redis = run.outputs["redis"]
    assert (env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_SSL"]) == (redis["host"], str(redis["port"]), "True")
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert secrets["REDIS_PASSWORD"] == run.outputs["secrets"]["redis_password_arn"]
    assert secrets["REDIS_PASSWORD"].split(":")[6].startswith("cached/redis-password")
    config = config_text(definition)
    assert "redis_password: os.environ/REDIS_PASSWORD" in config and "password: os.environ/REDIS_PASSWORD" in config
    for text in (json.dumps(definition), config, run.output, json.dumps(run.outputs)):
        assert token not in text
    assert "cached-redis" in run.output  # the -vvv output really covers the Redis step


def test_created_cache_converges_idempotently_and_tears_down(created, run_site, aws):
    extra = created[0]
    assert "replication group cached-redis" in left_of(aws, "cached")
    converged_twice_and_torn_down(run_site, aws, extra, "cached")


def test_existing_redis_gets_its_password_as_a_secret_and_nothing_is_created(run_site, aws):
    extra = {"litellm_name": "mine", "litellm_redis": "existing", "litellm_redis_host": "redis.internal.example",
             "litellm_redis_port": 6380, "litellm_redis_tls": False, "litellm_redis_password": EXISTING_PASSWORD}
    run = run_site(extra, outputs=True)
    assert run.rc == 0, run.tail()
    assert run.outputs["redis"]["mode"] == "existing"
    definition, container = proxy_container(aws, run.outputs["ecs_service"]["task_definition_arn"])
    env = environment(container)
    assert (env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_SSL"]) == ("redis.internal.example", "6380", "False")
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert aws("secretsmanager").get_secret_value(SecretId=secrets["REDIS_PASSWORD"])["SecretString"] == EXISTING_PASSWORD
    for text in (json.dumps(definition), config_text(definition), run.output):
        assert EXISTING_PASSWORD not in text
    assert not [g for g in aws("elasticache").describe_replication_groups()["ReplicationGroups"] if g["ReplicationGroupId"] == "mine-redis"]
    assert run.outputs["network"]["security_group_ids"]["redis"] == ""
    converged_twice_and_torn_down(run_site, aws, extra, "mine")


def test_no_redis_with_one_task_sets_nothing_redis(run_site, aws):
    extra = {"litellm_name": "solo", "litellm_redis": "none", "ecs_service_desired_count": 1, "ecs_service_autoscaling": False}
    run = run_site(extra, outputs=True)
    assert run.rc == 0, run.tail()
    definition, container = proxy_container(aws, run.outputs["ecs_service"]["task_definition_arn"])
    assert not [name for name in environment(container) if name.startswith("REDIS_")]
    assert not [item for item in container["secrets"] if item["name"].startswith("REDIS_")]
    assert "redis" not in config_text(definition)
    assert not [g for g in aws("elasticache").describe_replication_groups()["ReplicationGroups"] if g["ReplicationGroupId"] == "solo-redis"]
    converged_twice_and_torn_down(run_site, aws, extra, "solo")


def test_no_redis_with_several_tasks_passes_validation_once_acknowledged(run_site):
    """The refusal (tests/integration/test_bad_input.py) is lifted by the acknowledgement: --check gets past validation."""
    extra = {"litellm_name": "pertask", "litellm_redis": "none", "litellm_redis_per_task_limits_acknowledged": True}
    run = run_site(extra, check=True)
    assert run.rc == 0, run.tail()
    assert "validate | Check that several tasks share one Redis" in run.output
