"""The elasticache_replication_group module against moto in-process: creation, idempotence, check mode, changes, deletion, the token."""

from __future__ import annotations

import json

import boto3
import botocore.client
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.modules import elasticache_replication_group
from localaws import patches
from module_runner import refuse
from module_runner import run_module

REGION = "us-east-1"
NAME = "t-redis"
TOKEN = "Zq7Lk2Rw9Xp4Vn6Bm8Hc3Jd5Tf1Gs0Ya" * 2  # 64 letters and digits, as the secrets role generates them
MUTATING = ("Create", "Modify", "Delete", "Add", "Remove", "Tag", "Untag", "Increase", "Decrease")


@pytest.fixture(name="aws")
def fixture_aws(mocked_aws):  # pylint: disable=unused-argument
    """A VPC with three subnets and two security groups, the token's secret, and the ElastiCache client."""
    # moto 5.2.5 lacks the member clusters, group deletion and subnet group calls (tools/localaws/patches.py)
    patches.elasticache_replication_group_members()
    patches.elasticache_modify_replication_group()
    patches.elasticache_delete_replication_group()
    patches.elasticache_cache_subnet_group_calls()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("abc")]
    groups = [ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"] for name in ("redis", "other")]
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(Name="t/redis-password", SecretString=TOKEN)["ARN"]
    return {"subnets": subnets, "groups": groups, "secret": secret, "elasticache": boto3.client("elasticache", region_name=REGION)}


@pytest.fixture(name="api_calls")
def fixture_api_calls(monkeypatch):
    """Every AWS operation called in this process (by the module or the test), in order."""
    calls = []
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def record(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return calls


def mutating(calls):
    return [call for call in calls if call.startswith(MUTATING)]


def run(capsys, aws, **args):
    args.setdefault("name", NAME)
    if args.get("state", "present") == "present":
        args.setdefault("subnet_ids", aws["subnets"][:2])
        args.setdefault("security_group_ids", [aws["groups"][0]])
        args.setdefault("auth_token_secret_arn", aws["secret"])
        args.setdefault("tags", {"litellm-deployment": "t"})
    return run_module(elasticache_replication_group.main, capsys, **args)


def group(aws):
    return aws["elasticache"].describe_replication_groups(ReplicationGroupId=NAME)["ReplicationGroups"][0]


def node(aws):
    return aws["elasticache"].describe_cache_clusters(CacheClusterId=group(aws)["MemberClusters"][0])["CacheClusters"][0]


def tags(aws, arn):
    return {tag["Key"]: tag["Value"] for tag in aws["elasticache"].list_tags_for_resource(ResourceName=arn)["TagList"]}


def subnet_group(aws):
    return aws["elasticache"].describe_cache_subnet_groups(CacheSubnetGroupName=NAME)["CacheSubnetGroups"][0]


def test_creates_an_encrypted_token_protected_group_in_its_subnet_group(aws, capsys):
    result = run(capsys, aws)
    assert result["changed"] is True
    found = group(aws)
    assert (found["TransitEncryptionEnabled"], found["AtRestEncryptionEnabled"], found["AuthTokenEnabled"]) == (True, True, True)
    assert (found["Engine"], found["CacheNodeType"], found["MemberClusters"]) == ("valkey", "cache.t4g.small", [f"{NAME}-001"])
    assert found["AutomaticFailover"] == "disabled"
    member = node(aws)
    assert member["CacheSubnetGroupName"] == NAME
    assert [item["SecurityGroupId"] for item in member["SecurityGroups"]] == [aws["groups"][0]]
    assert sorted(item["SubnetIdentifier"] for item in subnet_group(aws)["Subnets"]) == sorted(aws["subnets"][:2])
    assert tags(aws, found["ARN"]) == {"litellm-deployment": "t"}
    assert tags(aws, subnet_group(aws)["ARN"]) == {"litellm-deployment": "t"}
    out = result["replication_group"]
    assert (out["replication_group_id"], out["arn"], out["status"]) == (NAME, found["ARN"], "available")
    assert out["primary_endpoint"] == {"address": found["NodeGroups"][0]["PrimaryEndpoint"]["Address"], "port": 6379}
    assert (out["transit_encryption_enabled"], out["at_rest_encryption_enabled"], out["auth_token_enabled"]) == (True, True, True)
    assert (out["engine"], out["node_type"], out["num_cache_clusters"]) == ("valkey", "cache.t4g.small", 1)
    assert (out["security_group_ids"], out["cache_subnet_group_name"]) == ([aws["groups"][0]], NAME)
    assert result["subnet_group"]["name"] == NAME and result["subnet_group"]["subnet_ids"] == sorted(aws["subnets"][:2])
    assert TOKEN not in json.dumps(result)


def test_second_run_changes_nothing_and_calls_nothing_that_changes(aws, capsys, api_calls):
    first = run(capsys, aws)
    api_calls.clear()
    again = run(capsys, aws, _ansible_diff=True)
    assert again["changed"] is False
    assert mutating(api_calls) == []
    assert "GetSecretValue" not in api_calls  # the token is read only to create the group
    assert again["replication_group"] == first["replication_group"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_two_nodes_have_failover_and_multi_az(aws, capsys):
    result = run(capsys, aws, num_cache_clusters=2, engine="redis", engine_version="7.1")
    found = group(aws)
    assert (len(found["MemberClusters"]), found["AutomaticFailover"], found["MultiAZ"]) == (2, "enabled", "enabled")
    assert (result["replication_group"]["num_cache_clusters"], result["replication_group"]["engine"]) == (2, "redis")
    assert node(aws)["EngineVersion"] == "7.1"
    assert run(capsys, aws, num_cache_clusters=2, engine="redis", engine_version="7.1")["changed"] is False


def test_check_mode_on_nothing_creates_nothing_and_reads_no_secret(aws, capsys, api_calls):
    result = run(capsys, aws, _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True
    assert (result["replication_group"], result["subnet_group"]) == ({}, {})
    assert mutating(api_calls) == [] and "GetSecretValue" not in api_calls
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []
    assert aws["elasticache"].describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    assert result["diff"]["before"] == {} and result["diff"]["after"]["node_type"] == "cache.t4g.small"


def test_check_mode_on_an_existing_group_changes_nothing(aws, capsys, api_calls):
    before = run(capsys, aws)["replication_group"]
    api_calls.clear()
    result = run(capsys, aws, security_group_ids=[aws["groups"][1]], node_type="cache.t4g.medium", subnet_ids=aws["subnets"],
                 tags={"team": "llm"}, _ansible_check_mode=True)
    assert result["changed"] is True
    assert mutating(api_calls) == []
    assert result["replication_group"] == before
    assert [item["SecurityGroupId"] for item in node(aws)["SecurityGroups"]] == [aws["groups"][0]]
    assert group(aws)["CacheNodeType"] == "cache.t4g.small"


def test_security_groups_node_type_subnets_and_tags_change_in_place(aws, capsys, api_calls):
    arn = run(capsys, aws)["replication_group"]["arn"]
    api_calls.clear()
    result = run(capsys, aws, security_group_ids=[aws["groups"][1]], node_type="cache.t4g.medium", subnet_ids=aws["subnets"],
                 tags={"litellm-deployment": "t", "team": "llm"}, _ansible_diff=True)
    assert result["changed"] is True
    assert sorted(set(mutating(api_calls))) == ["AddTagsToResource", "ModifyCacheSubnetGroup", "ModifyReplicationGroup"]
    assert [item["SecurityGroupId"] for item in node(aws)["SecurityGroups"]] == [aws["groups"][1]]
    assert group(aws)["ARN"] == arn and group(aws)["CacheNodeType"] == "cache.t4g.medium"
    assert sorted(item["SubnetIdentifier"] for item in subnet_group(aws)["Subnets"]) == sorted(aws["subnets"])
    assert tags(aws, arn) == {"litellm-deployment": "t", "team": "llm"}
    assert result["replication_group"]["security_group_ids"] == [aws["groups"][1]]
    assert result["diff"]["before"]["security_group_ids"] == [aws["groups"][0]]
    assert result["diff"]["after"]["security_group_ids"] == [aws["groups"][1]]
    assert run(capsys, aws, security_group_ids=[aws["groups"][1]], node_type="cache.t4g.medium", subnet_ids=aws["subnets"],
               tags={"litellm-deployment": "t", "team": "llm"})["changed"] is False


def test_settings_fixed_at_creation_fail_before_any_change(aws, capsys, api_calls):
    run(capsys, aws)
    api_calls.clear()
    result = run(capsys, aws, port=6380, num_cache_clusters=2, security_group_ids=[aws["groups"][1]])
    assert result["failed"] is True and result["changed"] is False
    assert "port is 6380 but the group listens on 6379" in result["msg"]
    assert "num_cache_clusters is 2 but the group has 1 nodes" in result["msg"] and "increase-replica-count" in result["msg"]
    assert mutating(api_calls) == []
    assert [item["SecurityGroupId"] for item in node(aws)["SecurityGroups"]] == [aws["groups"][0]]


def test_absent_deletes_the_group_then_its_subnet_group_and_again_changes_nothing(aws, capsys, api_calls):
    run(capsys, aws)
    checked = run(capsys, aws, state="absent", _ansible_check_mode=True)
    assert checked["changed"] is True and len(aws["elasticache"].describe_replication_groups()["ReplicationGroups"]) == 1
    api_calls.clear()
    result = run(capsys, aws, state="absent")
    assert result["changed"] is True
    assert mutating(api_calls) == ["DeleteReplicationGroup", "DeleteCacheSubnetGroup"]
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []
    assert aws["elasticache"].describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    api_calls.clear()
    again = run(capsys, aws, state="absent")
    assert (again["changed"], again["replication_group"], again["subnet_group"]) == (False, {}, {})
    assert mutating(api_calls) == []


def test_absent_waits_for_a_group_still_being_created_before_deleting_it(aws, capsys, api_calls, monkeypatch):
    """ElastiCache refuses to delete a group that is creating or modifying: the module waits until it settles."""
    run(capsys, aws)
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access
    answers = iter(["creating", "modifying"])

    def busy_at_first(self, operation_name, api_params):
        answer = original(self, operation_name, api_params)
        if operation_name == "DescribeReplicationGroups" and answer.get("ReplicationGroups"):
            status = next(answers, None)
            if status:
                answer["ReplicationGroups"][0]["Status"] = status
        if operation_name == "DeleteReplicationGroup" and next(answers, None) is not None:
            raise AssertionError("deleted while still busy")
        return answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", busy_at_first)
    monkeypatch.setattr(elasticache_replication_group.time, "sleep", lambda seconds: None)
    result = run(capsys, aws, state="absent")
    assert result["changed"] is True
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []


def test_the_token_never_appears_in_a_failure(aws, capsys, monkeypatch):
    refuse(monkeypatch, "elasticache", "CreateReplicationGroup", "InvalidParameterValue", message=f"bad AuthToken {TOKEN}")
    result = run(capsys, aws)
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to create the ElastiCache replication group {NAME}: ")
    assert TOKEN not in json.dumps(result)
    assert "bad AuthToken" in result["msg"]


def test_a_secret_that_is_no_token_fails_without_showing_it(aws, capsys):
    secrets = boto3.client("secretsmanager", region_name=REGION)
    short = secrets.create_secret(Name="t/short", SecretString="s3cr3t-short")["ARN"]
    bad = secrets.create_secret(Name="t/bad", SecretString="has/a@slash" * 2)["ARN"]
    for arn, reason in ((short, "characters; ElastiCache takes 16 to 128"), (bad, "characters ElastiCache refuses")):
        result = run(capsys, aws, auth_token_secret_arn=arn)
        assert result["failed"] is True and reason in result["msg"] and arn in result["msg"]
        assert "s3cr3t" not in json.dumps(result) and "has/a@slash" not in json.dumps(result)
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []


def test_a_permanent_aws_error_fails_at_once_with_its_message(aws, capsys, monkeypatch):
    refusals = refuse(monkeypatch, "elasticache", "CreateReplicationGroup", "InsufficientCacheClusterCapacity",
                      message="cache.t4g.small is not available in us-east-1a")
    result = run(capsys, aws)
    assert result["failed"] is True
    assert refusals == ["InsufficientCacheClusterCapacity"]  # not retried
    assert result["error"]["code"] == "InsufficientCacheClusterCapacity"
    assert "cache.t4g.small is not available in us-east-1a" in result["msg"]
    assert result["changed"] is True  # the subnet group was created first
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []


def test_creating_needs_the_token_secret_and_the_subnets_and_checks_them_first(aws, capsys, api_calls):
    assert "auth_token_secret_arn is needed" in run(capsys, aws, auth_token_secret_arn=None)["msg"]
    assert "subnet_ids is needed" in run(capsys, aws, subnet_ids=[])["msg"]
    assert "name must be 1-40 lower-case letters" in run(capsys, aws, name="T_redis")["msg"]
    assert "num_cache_clusters must be 1 to 6" in run(capsys, aws, num_cache_clusters=7)["msg"]
    assert mutating(api_calls) == []


def test_a_create_that_went_through_already_is_taken_as_done(aws, capsys, monkeypatch):
    """A create retried after its first attempt went through (or raced) answers AlreadyExists: that group is the one."""
    from botocore.awsrequest import AWSResponse  # pylint: disable=import-outside-toplevel

    from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries  # pylint: disable=import-outside-toplevel

    real, sent = retries.client, {}

    def keep(params, **_):
        sent.update(params)

    def already_created(**_):
        assert sent["AuthToken"] == TOKEN
        aws["elasticache"].create_replication_group(**sent)  # the attempt whose answer was lost
        error = {"Code": "ReplicationGroupAlreadyExists", "Message": f"Replication group {NAME} already exists."}
        return AWSResponse("https://elasticache.us-east-1.amazonaws.com", 400, {}, None), {"Error": error}

    def client(module, name, **kwargs):
        made = real(module, name, **kwargs)
        made.meta.events.register("provide-client-params.elasticache.CreateReplicationGroup", keep)
        made.meta.events.register("before-call.elasticache.CreateReplicationGroup", already_created)
        return made

    monkeypatch.setattr(retries, "client", client)
    result = run(capsys, aws)
    assert result["changed"] is True and not result.get("failed"), result.get("msg")
    assert result["replication_group"]["status"] == "available" and result["replication_group"]["auth_token_enabled"] is True
    assert len(aws["elasticache"].describe_replication_groups()["ReplicationGroups"]) == 1
