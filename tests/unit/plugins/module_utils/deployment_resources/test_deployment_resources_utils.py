"""The deployment_resources helpers: tag shapes, entries, resource ids and summary lines, without AWS."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployment_resources as dr

KEY = "litellm-deployment"


@pytest.mark.parametrize("tags", [
    {KEY: "litellm"},  # CloudWatch Logs
    [{"Key": "owner", "Value": ""}, {"Key": KEY, "Value": "litellm"}],  # IAM, Secrets Manager, ELBv2, EC2, EFS, CloudWatch, S3
    [{"key": KEY, "value": "litellm"}],  # ECS
])
def test_has_tag_accepts_every_api_shape(tags):
    assert dr.has_tag(tags, KEY, "litellm")
    assert not dr.has_tag(tags, KEY, "other")


def test_has_tag_needs_the_exact_pair():
    assert dr.has_tag([{"Key": KEY, "Value": "litellm"}], KEY, "litellm")
    assert not dr.has_tag([{"Key": KEY, "Value": "litellm-prod"}], KEY, "litellm")  # Secrets Manager's tag-value is a prefix filter
    assert not dr.has_tag([{"Key": "owner", "Value": "litellm"}, {"Key": KEY, "Value": "other"}], KEY, "litellm")
    assert not dr.has_tag(None, KEY, "litellm") and not dr.has_tag([], KEY, "litellm") and not dr.has_tag({}, KEY, "litellm")


def test_chunks_respects_the_api_batch_size():
    batches = dr.chunks([f"arn:{i}" for i in range(45)], 20)
    assert [len(batch) for batch in batches] == [20, 20, 5]
    assert dr.chunks([], 20) == []


def test_ordered_services_reads_ecs_before_scaling_whatever_the_order_given():
    assert dr.ordered_services(["s3", "application-autoscaling", "ecs", "s3"]) == ["ecs", "application-autoscaling", "s3"]
    assert dr.ordered_services(None) == list(dr.SERVICES)


@pytest.mark.parametrize("clusters, ecs_read, expected", [
    ({"litellm": ["litellm", "worker"]}, True, ["service/litellm/litellm", "service/litellm/worker"]),
    ({"blue": [], "green": ["api"]}, True, ["service/blue/litellm", "service/green/api", "service/green/litellm"]),
    ({}, True, ["service/litellm/litellm"]),  # the cluster is gone: its name was the deployment's
    ({"blue": ["api"]}, False, ["service/litellm/litellm"]),
])
def test_scaling_resource_ids(clusters, ecs_read, expected):
    assert dr.scaling_resource_ids(clusters, "litellm", ecs_read) == expected


def test_for_resource_ids_matches_exactly():
    policies = [{"ResourceId": "service/litellm/litellm"}, {"ResourceId": "service/litellm/litellm-sidecar"}, {}]
    assert dr.for_resource_ids(policies, ["service/litellm/litellm-sidecar"]) == [policies[1]]


def test_secret_scheduled_for_deletion_carries_its_state_and_date():
    deleted = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.timezone.utc)
    secret = {"Name": "litellm/master-key", "ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x", "DeletedDate": deleted,
              "Tags": [{"Key": KEY, "Value": "litellm"}]}
    entry = dr.secret_entry(secret, "us-east-1")
    assert dr.is_pending_deletion(secret)
    assert entry["state"] == "scheduled_for_deletion"
    assert entry["deleted_date"] == "2025-06-01T10:00:00Z"
    assert dr.summary_line(entry) == "AWS::SecretsManager::Secret litellm/master-key (scheduled for deletion on 2025-06-01T10:00:00Z)"
    live = dr.secret_entry({"Name": "a", "ARN": "arn"}, "us-east-1")
    assert "state" not in live and not dr.is_pending_deletion({"Name": "a"})


def test_role_entry_lists_policies_and_is_global():
    entry = dr.role_entry({"RoleName": "litellm-task", "Arn": "arn:aws:iam::1:role/litellm-task", "Path": "/"},
                          [{"Key": KEY, "Value": "litellm"}], ["b", "a"], [{"PolicyArn": "arn:p2"}, {"PolicyArn": "arn:p1"}])
    assert entry == {"type": "AWS::IAM::Role", "id": "litellm-task", "arn": "arn:aws:iam::1:role/litellm-task", "region": "global",
                     "detail": {"path": "/", "inline_policies": ["a", "b"], "managed_policies": ["arn:p1", "arn:p2"], "tags": {KEY: "litellm"}}}


def test_security_group_arn_is_built_when_the_api_omits_it():
    entry = dr.security_group_entry({"GroupId": "sg-1", "GroupName": "litellm-alb", "OwnerId": "123456789012"}, "cn-north-1")
    assert entry["arn"] == "arn:aws-cn:ec2:cn-north-1:123456789012:security-group/sg-1"
    assert dr.summary_line(entry) == "AWS::EC2::SecurityGroup sg-1 (litellm-alb)"


def test_log_group_arn_drops_the_wildcard():
    assert dr.log_group_arn({"arn": "arn:aws:logs:us-east-1:1:log-group:/ecs/litellm:*"}) == "arn:aws:logs:us-east-1:1:log-group:/ecs/litellm"
    assert dr.log_group_arn({"logGroupArn": "arn:aws:logs:us-east-1:1:log-group:/x", "arn": "ignored:*"}) == "arn:aws:logs:us-east-1:1:log-group:/x"


def test_log_group_tags_come_as_a_dict():
    entry = dr.log_group_entry({"logGroupName": "/ecs/litellm", "arn": "arn:aws:logs:us-east-1:1:log-group:/ecs/litellm:*"}, {KEY: "litellm"}, "us-east-1")
    assert (entry["arn"], entry["detail"]["tags"]) == ("arn:aws:logs:us-east-1:1:log-group:/ecs/litellm", {KEY: "litellm"})


def test_bucket_entry_has_its_own_region_and_partition():
    entry = dr.bucket_entry({"Name": "b", "BucketRegion": "us-gov-west-1"}, [], "us-east-1")
    assert (entry["arn"], entry["region"]) == ("arn:aws-us-gov:s3:::b", "us-gov-west-1")


def test_task_definition_and_service_entries():
    task = dr.task_definition_entry({"family": "litellm", "revision": 3, "taskDefinitionArn": "arn:td", "status": "ACTIVE"},
                                    [{"key": KEY, "value": "litellm"}], "us-east-1")
    assert (task["id"], task["detail"]["tags"]) == ("litellm:3", {KEY: "litellm"})
    service = dr.service_entry({"serviceName": "litellm", "serviceArn": "arn:s", "status": "DRAINING"},
                               dr.cluster_name_of("arn:aws:ecs:us-east-1:1:cluster/blue"), "us-east-1")
    assert dr.summary_line(service) == "AWS::ECS::Service litellm (cluster blue, DRAINING)"
    assert dr.is_live_service({"status": "DRAINING"}) and not dr.is_live_service({"status": "INACTIVE"})


def test_alarm_types():
    assert dr.alarm_entry({"AlarmName": "a", "AlarmArn": "arn:a"}, [], "us-east-1")["type"] == "AWS::CloudWatch::Alarm"
    composite = dr.alarm_entry({"AlarmName": "c", "AlarmArn": "arn:c", "AlarmRule": "ALARM(a)"}, [], "us-east-1", composite=True)
    assert (composite["type"], composite["detail"]["alarm_rule"]) == ("AWS::CloudWatch::CompositeAlarm", "ALARM(a)")


def test_summary_without_a_label_is_type_and_id():
    entry = dr.entry("AWS::Logs::LogGroup", "/ecs/litellm", "arn:l", "us-east-1")
    assert dr.summary([entry]) == ["AWS::Logs::LogGroup /ecs/litellm"]
    assert dr.summary([], []) == []


def test_unreadable_entry():
    assert dr.unreadable_entry("s3", "GetBucketTagging", "denied", ["b", "a"]) == {
        "service": "s3", "operation": "GetBucketTagging", "message": "denied", "resources": ["a", "b"]}
    assert dr.unreadable_entry("efs", None, None)["resources"] == []


def test_elasticache_entries_and_their_summary_lines():
    assert dr.redis_name("litellm") == "litellm-redis"
    group = dr.replication_group_entry({"ReplicationGroupId": "litellm-redis", "ARN": "arn:rg", "Status": "deleting", "Engine": "valkey",
                                        "CacheNodeType": "cache.t4g.small", "MemberClusters": ["litellm-redis-001"]},
                                       [{"Key": KEY, "Value": "litellm"}], "us-east-1")
    assert (group["type"], group["id"], group["arn"]) == ("AWS::ElastiCache::ReplicationGroup", "litellm-redis", "arn:rg")
    assert group["detail"] == {"status": "deleting", "engine": "valkey", "node_type": "cache.t4g.small",
                               "member_clusters": ["litellm-redis-001"], "tags": {KEY: "litellm"}}
    subnet_group = dr.cache_subnet_group_entry({"CacheSubnetGroupName": "litellm-redis", "VpcId": "vpc-1",
                                                "Subnets": [{"SubnetIdentifier": "subnet-2"}, {"SubnetIdentifier": "subnet-1"}]}, [], "us-east-1")
    assert (subnet_group["arn"], subnet_group["detail"]["subnet_ids"]) == ("", ["subnet-1", "subnet-2"])
    assert dr.summary([group, subnet_group]) == ["AWS::ElastiCache::ReplicationGroup litellm-redis (valkey cache.t4g.small, deleting)",
                                                 "AWS::ElastiCache::SubnetGroup litellm-redis (vpc-1)"]
