"""An ElastiCache replication group and its subnet group compared with what they should be, without AWS."""

from __future__ import annotations

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import elasticache_replication_group as utils

PARAMS = {"engine": "valkey", "engine_version": None, "node_type": "cache.t4g.small", "num_cache_clusters": 1, "port": 6379,
          "security_group_ids": ["sg-1"], "subnet_ids": ["subnet-1"], "description": None, "kms_key_id": None,
          "auth_token_secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:t"}
GROUP = {"ReplicationGroupId": "t-redis", "Status": "available", "Description": "d", "Engine": "valkey", "CacheNodeType": "cache.t4g.small",
         "MemberClusters": ["t-redis-001"], "AutomaticFailover": "disabled", "MultiAZ": "disabled", "ClusterEnabled": False,
         "TransitEncryptionEnabled": True, "AtRestEncryptionEnabled": True, "AuthTokenEnabled": True, "ARN": "arn:rg",
         "NodeGroups": [{"PrimaryEndpoint": {"Address": "master.t-redis.x.use1.cache.amazonaws.com", "Port": 6379}}]}
CLUSTER = {"CacheClusterId": "t-redis-001", "EngineVersion": "7.2.4", "CacheSubnetGroupName": "t-redis",
           "SecurityGroups": [{"SecurityGroupId": "sg-1", "Status": "active"}]}


def params(**changes):
    return dict(PARAMS, **changes)


@pytest.mark.parametrize("name, ok", [
    ("litellm-redis", True), ("a", True), ("a" * 40, True), ("a" * 41, False), ("Litellm-redis", False), ("1redis", False),
    ("lite--redis", False), ("redis-", False), ("lite_redis", False), ("", False),
])
def test_name_follows_elasticache_rule(name, ok):
    assert (utils.name_problem(name) is None) is ok


@pytest.mark.parametrize("token, reason", [
    ("a1" * 32, None), ("a" * 16, None), ("a" * 128, None), ("Ab1!&#$^<>-" * 2, None),
    ("a" * 15, "15 characters"), ("a" * 129, "129 characters"), ("a" * 15 + "@", "refuses"), ("a" * 15 + "/", "refuses"),
    ('a' * 15 + '"', "refuses"), ("a" * 15 + " ", "refuses"), (None, "no SecretString"),
])
def test_token_problem_says_why_without_the_token(token, reason):
    problem = utils.token_problem(token)
    if reason is None:
        assert problem is None
    else:
        assert reason in problem and (token is None or token not in problem)


def test_version_prefixes_match_and_downgrades_are_seen():
    assert utils.version_matches("7.2", "7.2.4") and utils.version_matches("7", "7.2.4") and utils.version_matches("7.2.4", "7.2.4")
    assert not utils.version_matches("7.1", "7.2.4") and not utils.version_matches("7.2", "7.20.0")
    assert utils.is_older("7.1", "7.2.4") and not utils.is_older("8.0", "7.2.4") and not utils.is_older("7.2", "7.2.4")


def test_a_matching_group_needs_nothing():
    assert utils.fixed_setting_problems(PARAMS, "t-redis", GROUP, CLUSTER) == []
    assert utils.modifications(PARAMS, GROUP, CLUSTER) == {}
    assert utils.modifications(params(engine_version="7.2"), GROUP, CLUSTER) == {}


def test_modifications_are_what_elasticache_changes_in_place():
    todo = utils.modifications(params(node_type="cache.t4g.medium", engine_version="8.0", security_group_ids=["sg-2", "sg-2"],
                                      description="new"), GROUP, CLUSTER)
    assert todo == {"CacheNodeType": "cache.t4g.medium", "EngineVersion": "8.0", "SecurityGroupIds": ["sg-2"],
                    "ReplicationGroupDescription": "new"}
    assert utils.modifications(params(engine="valkey", engine_version="8.0"), dict(GROUP, Engine="redis"), CLUSTER) == {
        "Engine": "valkey", "EngineVersion": "8.0"}
    # Two nodes without failover get it; a node count that differs is not a modification (fixed_setting_problems says so).
    assert utils.modifications(params(num_cache_clusters=2), dict(GROUP, MemberClusters=["a", "b"]), CLUSTER) == {
        "AutomaticFailoverEnabled": True, "MultiAZEnabled": True}
    assert utils.modifications(params(num_cache_clusters=2), GROUP, CLUSTER) == {}


def test_what_only_a_node_reports_is_not_changed_without_one():
    assert utils.modifications(params(security_group_ids=["sg-2"], engine_version="8.0"), GROUP, {}) == {}


def test_unset_options_are_not_managed():
    assert utils.modifications(params(security_group_ids=None, description=None, engine_version=None), GROUP,
                               dict(CLUSTER, SecurityGroups=[])) == {}


@pytest.mark.parametrize("changes, group, cluster, option", [
    ({"port": 6380}, {}, {}, "port is 6380"),
    ({}, {"TransitEncryptionEnabled": False}, {}, "not encrypted in transit"),
    ({}, {"AtRestEncryptionEnabled": False}, {}, "not encrypted at rest"),
    ({"kms_key_id": "key-2"}, {"KmsKeyId": "arn:aws:kms:us-east-1:1:key/key-1"}, {}, "kms_key_id is 'key-2'"),
    ({}, {"AuthTokenEnabled": False}, {}, "auth_token_secret_arn is set but the group has no AUTH token"),
    ({"engine": "redis"}, {}, {}, "engine is 'redis' but the group runs 'valkey'"),
    ({"engine_version": "7.1"}, {}, {}, "engine_version is '7.1' but the group runs '7.2.4'"),
    ({"num_cache_clusters": 3}, {}, {}, "num_cache_clusters is 3 but the group has 1 nodes"),
    ({}, {}, {"CacheSubnetGroupName": "other"}, "in the cache subnet group 'other'"),
    ({}, {"ClusterEnabled": True}, {}, "cluster mode"),
])
def test_fixed_settings_name_the_option_and_what_to_do(changes, group, cluster, option):
    (line,) = utils.fixed_setting_problems(params(**changes), "t-redis", dict(GROUP, **group), dict(CLUSTER, **cluster))
    assert option in line
    assert "delete the group (state=absent)" in line or "set " in line or "use " in line


def test_kms_keys_match_by_id_or_arn_and_aliases_are_not_judged():
    arn = "arn:aws:kms:us-east-1:1:key/key-1"
    assert utils.kms_key_matches("key-1", arn) and utils.kms_key_matches(arn, arn) and utils.kms_key_matches("alias/cache", arn)
    assert not utils.kms_key_matches("key-2", arn)


def test_create_arguments_always_encrypt_and_enable_failover_with_replicas():
    kwargs = utils.create_arguments(params(num_cache_clusters=2, security_group_ids=["sg-2", "sg-1"], kms_key_id="key-1"),
                                    "t-redis", "d", {"b": 1, "a": "x"})
    assert (kwargs["TransitEncryptionEnabled"], kwargs["AtRestEncryptionEnabled"]) == (True, True)
    assert (kwargs["NumCacheClusters"], kwargs["AutomaticFailoverEnabled"], kwargs["MultiAZEnabled"]) == (2, True, True)
    assert (kwargs["CacheSubnetGroupName"], kwargs["SecurityGroupIds"], kwargs["KmsKeyId"]) == ("t-redis", ["sg-1", "sg-2"], "key-1")
    assert kwargs["Tags"] == [{"Key": "a", "Value": "x"}, {"Key": "b", "Value": "1"}]
    assert "AuthToken" not in kwargs and "EngineVersion" not in kwargs
    assert utils.create_arguments(PARAMS, "t-redis", "d", {})["AutomaticFailoverEnabled"] is False


def test_describe_returns_the_endpoint_and_encryption_and_never_a_token():
    out = utils.describe(dict(GROUP, AuthToken="never"), CLUSTER, {"k": "v"})
    assert out["primary_endpoint"] == {"address": "master.t-redis.x.use1.cache.amazonaws.com", "port": 6379}
    assert (out["engine_version"], out["security_group_ids"], out["cache_subnet_group_name"]) == ("7.2.4", ["sg-1"], "t-redis")
    assert (out["transit_encryption_enabled"], out["at_rest_encryption_enabled"], out["auth_token_enabled"]) == (True, True, True)
    assert "never" not in str(out)
    assert utils.describe(None, {}, {}) == {}
    assert utils.describe(dict(GROUP, NodeGroups=[]), {}, {})["primary_endpoint"] == {"address": "", "port": None}


def test_diff_shows_what_changes():
    subnet_group = {"CacheSubnetGroupName": "t-redis", "Subnets": [{"SubnetIdentifier": "subnet-1"}]}
    before = utils.comparable(GROUP, CLUSTER, subnet_group, {"k": "v"}, {})
    after = utils.comparable_wanted(params(security_group_ids=["sg-2"], engine_version="7.2"), before, {"k": "v"}, {})
    assert (before["security_group_ids"], after["security_group_ids"]) == (["sg-1"], ["sg-2"])
    assert (before["engine_version"], after["engine_version"]) == ("7.2.4", "7.2.4")  # 7.2 matches, nothing changes
    assert before["subnet_ids"] == after["subnet_ids"] == ["subnet-1"]
    assert utils.comparable(None, {}, None, {}, {}) == {}
