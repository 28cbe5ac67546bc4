"""The deployment_resources module against moto in-process: exactly the tagged resources of every kind, nothing else."""

from __future__ import annotations

import contextlib
import io
import json
import types

import boto3
import botocore.client
import botocore.session
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.llmops.litellm_ecs.plugins.modules import deployment_resources
from localaws import patches
from module_runner import run_module

REGION = "us-east-1"
NAME = "litellm"
KEY = "litellm-deployment"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
CONTAINERS = [{"name": "proxy", "image": "ghcr.io/berriai/litellm:main-stable", "memory": 512}]

# What one build() of a deployment creates and the module must list: (type, id) with PREFIX for the name.
EXPECTED = [
    ("AWS::ApplicationAutoScaling::ScalableTarget", "service/PREFIX/PREFIX"),
    ("AWS::ApplicationAutoScaling::ScalingPolicy", "PREFIX-cpu"),
    ("AWS::CloudWatch::Alarm", "PREFIX-5xx"),
    ("AWS::CloudWatch::Dashboard", "PREFIX-main"),
    ("AWS::EC2::SecurityGroup", "<sg>"),
    ("AWS::ECS::Cluster", "PREFIX"),
    ("AWS::ECS::Service", "PREFIX"),
    ("AWS::ECS::Service", "PREFIX-sidecar"),  # untagged, but in the deployment's cluster
    ("AWS::ECS::TaskDefinition", "PREFIX:1"),
    ("AWS::EFS::AccessPoint", "<ap>"),
    ("AWS::EFS::FileSystem", "<fs>"),
    ("AWS::EFS::MountTarget", "<mt>"),
    ("AWS::ElastiCache::ReplicationGroup", "PREFIX-redis"),
    ("AWS::ElastiCache::SubnetGroup", "PREFIX-redis"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "PREFIX-alb"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "PREFIX-tg"),
    ("AWS::IAM::Role", "PREFIX-task"),
    ("AWS::Logs::LogGroup", "/ecs/PREFIX"),
    ("AWS::RDS::DBInstance", "PREFIX-database"),
    ("AWS::RDS::DBSnapshot", "PREFIX-database-before-upgrade"),  # manual; the automated one moto takes (tagged too) is not listed
    ("AWS::RDS::DBSubnetGroup", "PREFIX-database"),
    ("AWS::S3::Bucket", "PREFIX-config-bucket"),
    ("AWS::SecretsManager::Secret", "PREFIX/master-key"),
]


def tag_list(tags, key="Key", value="Value"):
    return [{key: k, value: v} for k, v in tags.items()]


def network(session):
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    return vpc, subnets


def database(rds, identifier, tags, deletion_protection=True, copy_tags=True, **extra):
    """An RDS for PostgreSQL instance as the collection makes it: deletion protection and CopyTagsToSnapshot on."""
    return rds.create_db_instance(DBInstanceIdentifier=identifier, DBInstanceClass="db.t4g.micro", Engine="postgres", EngineVersion="16.4",
                                  MasterUsername="litellm", MasterUserPassword="not-a-secret-1", AllocatedStorage=20, Tags=tags,
                                  DeletionProtection=deletion_protection, CopyTagsToSnapshot=copy_tags, **extra)["DBInstance"]


def build(session, prefix, tags, vpc, subnets, bucket=None):
    """One deployment's resources of every kind, named after ``prefix`` and tagged with ``tags`` (maybe none).

    Returns the ids AWS chose, to fill in EXPECTED. S3 bucket names are global across accounts: ``bucket`` overrides.
    """
    bucket = bucket or f"{prefix}-config-bucket"
    iam = session.client("iam")
    iam.create_role(RoleName=f"{prefix}-task", AssumeRolePolicyDocument=TRUST, Tags=tag_list(tags))
    iam.put_role_policy(RoleName=f"{prefix}-task", PolicyName="read-secrets", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
    policy = iam.create_policy(PolicyName=f"{prefix}-logs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=f"{prefix}-task", PolicyArn=policy)

    secrets = session.client("secretsmanager")
    secrets.create_secret(Name=f"{prefix}/master-key", SecretString="sk-1", Tags=tag_list(tags))
    secrets.create_secret(Name=f"{prefix}/old", SecretString="sk-0", Tags=tag_list(tags))
    secrets.delete_secret(SecretId=f"{prefix}/old", RecoveryWindowInDays=7)

    ecs = session.client("ecs")
    ecs_tags = tag_list(tags, "key", "value") or None
    extra = {"tags": ecs_tags} if ecs_tags else {}
    ecs.create_cluster(clusterName=prefix, **extra)
    ecs.register_task_definition(family=prefix, containerDefinitions=CONTAINERS, **extra)
    ecs.register_task_definition(family=prefix, containerDefinitions=CONTAINERS, **extra)
    ecs.deregister_task_definition(taskDefinition=f"{prefix}:2")
    ecs.create_service(cluster=prefix, serviceName=prefix, taskDefinition=f"{prefix}:1", desiredCount=1, **extra)
    ecs.create_service(cluster=prefix, serviceName=f"{prefix}-sidecar", taskDefinition=f"{prefix}:1", desiredCount=0)

    scaling = session.client("application-autoscaling")
    resource_id = f"service/{prefix}/{prefix}"
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension="ecs:service:DesiredCount",
                                     MinCapacity=1, MaxCapacity=4)
    scaling.put_scaling_policy(PolicyName=f"{prefix}-cpu", ServiceNamespace="ecs", ResourceId=resource_id,
                               ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
                               TargetTrackingScalingPolicyConfiguration={
                                   "TargetValue": 60.0,
                                   "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})

    ec2 = session.client("ec2")
    sg_tags = [{"ResourceType": "security-group", "Tags": tag_list(tags)}] if tags else []
    sg = ec2.create_security_group(GroupName=f"{prefix}-alb", Description="ALB", VpcId=vpc, TagSpecifications=sg_tags)["GroupId"]

    elbv2 = session.client("elbv2")
    lb_tags = {"Tags": tag_list(tags)} if tags else {}
    elbv2.create_load_balancer(Name=f"{prefix}-alb", Subnets=subnets, SecurityGroups=[sg], **lb_tags)
    elbv2.create_target_group(Name=f"{prefix}-tg", Protocol="HTTP", Port=4000, VpcId=vpc, TargetType="ip", **lb_tags)

    efs = session.client("efs")
    fs = efs.create_file_system(CreationToken=f"{prefix}-fs", Tags=tag_list(tags))["FileSystemId"]
    mt = efs.create_mount_target(FileSystemId=fs, SubnetId=subnets[0], SecurityGroups=[sg])["MountTargetId"]
    ap = efs.create_access_point(FileSystemId=fs, RootDirectory={"Path": "/config"}, Tags=tag_list(tags))["AccessPointId"]

    elasticache = session.client("elasticache")
    elasticache.create_cache_subnet_group(CacheSubnetGroupName=f"{prefix}-redis", CacheSubnetGroupDescription="redis", SubnetIds=subnets,
                                          Tags=tag_list(tags))
    elasticache.create_replication_group(ReplicationGroupId=f"{prefix}-redis", ReplicationGroupDescription="redis", Engine="valkey",
                                         CacheNodeType="cache.t4g.small", CacheSubnetGroupName=f"{prefix}-redis", SecurityGroupIds=[sg],
                                         TransitEncryptionEnabled=True, AtRestEncryptionEnabled=True, Tags=tag_list(tags))

    rds = session.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName=f"{prefix}-database", DBSubnetGroupDescription="database", SubnetIds=subnets, Tags=tag_list(tags))
    database(rds, f"{prefix}-database", tag_list(tags), DBSubnetGroupName=f"{prefix}-database")
    rds.create_db_snapshot(DBSnapshotIdentifier=f"{prefix}-database-before-upgrade", DBInstanceIdentifier=f"{prefix}-database")

    logs = session.client("logs")
    logs.create_log_group(logGroupName=f"/ecs/{prefix}", **({"tags": tags} if tags else {}))

    cloudwatch = session.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName=f"{prefix}-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
                                ComparisonOperator="GreaterThanOrEqualToThreshold", Tags=tag_list(tags))
    cloudwatch.put_dashboard(DashboardName=f"{prefix}-main", DashboardBody=json.dumps({"widgets": []}))

    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    if tags:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(tags)})
    return {"<sg>": sg, "<fs>": fs, "<mt>": mt, "<ap>": ap, "PREFIX-config-bucket": bucket}


def expected(prefix, ids):
    return sorted((kind, ids.get(rid, rid.replace("PREFIX", prefix))) for kind, rid in EXPECTED)


def assumed_session(account):
    """A boto3 session in another moto account (moto maps assumed-role credentials to the role's account)."""
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/reader", RoleSessionName="tests")["Credentials"]
    return boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                                 aws_session_token=credentials["SessionToken"], region_name=REGION)


def session_args(session):
    credentials = session.get_credentials()
    return {"access_key": credentials.access_key, "secret_key": credentials.secret_key, "session_token": credentials.token}


@pytest.fixture(name="account", scope="module")
def fixture_account():
    """One moto for the whole file: the deployment, another deployment and untagged look-alikes of every kind."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        # amazon.aws makes a new boto3 session for every client, and each session parses botocore's JSON models and
        # endpoints again: most of a run's time in-process. One loader for all sessions caches them, as one session
        # would for its own clients; what the module sends and receives is unchanged.
        loaders = {}
        create_loader = botocore.session.create_loader

        def shared_loader(path=None):
            if path not in loaders:
                loaders[path] = create_loader(path)
            return loaders[path]

        patch.setattr(botocore.session, "create_loader", shared_loader)
        # moto 5.2.5 neither deletes a replication group nor serves DeleteCacheSubnetGroup (tools/localaws/patches.py)
        patches.elasticache_delete_replication_group()
        patches.elasticache_cache_subnet_group_calls()
        with mock_aws():
            session = boto3.session.Session(region_name=REGION)
            vpc, subnets = network(session)
            ids = build(session, NAME, {KEY: NAME, "managed-by": "llmops.litellm_ecs"}, vpc, subnets)
            build(session, "ollama", {KEY: "ollama"}, vpc, subnets)
            build(session, "plain", {}, vpc, subnets)
            # Near misses the Secrets Manager filters let through: a longer value, the value under another key.
            secrets = session.client("secretsmanager")
            secrets.create_secret(Name="prod/key", SecretString="x", Tags=[{"Key": KEY, "Value": f"{NAME}-prod"}])
            secrets.create_secret(Name="other/key", SecretString="x", Tags=[{"Key": "owner", "Value": NAME}, {"Key": KEY, "Value": "ollama"}])
            yield {"session": session, "ids": ids, "vpc": vpc, "subnets": subnets}


def run(capsys, **args):
    args.setdefault("name", NAME)
    return run_module(deployment_resources.main, capsys, **args)


class _Stdout:
    """Stands in for ``capsys`` where pytest offers none (a module-scoped fixture): the module's JSON goes here."""

    def __init__(self):
        self.buffer = io.StringIO()

    def readouterr(self):
        return types.SimpleNamespace(out=self.buffer.getvalue())


@pytest.fixture(name="listing", scope="module")
def fixture_listing(account):  # pylint: disable=unused-argument
    """The module's answer for the deployment with every service, read once for the tests that only look at it."""
    stdout = _Stdout()
    with contextlib.redirect_stdout(stdout.buffer):
        return run(stdout)


def listed(result):
    return sorted((item["type"], item["id"]) for item in result["resources"])


def test_lists_exactly_the_tagged_resources_of_every_kind(account, listing):
    assert listing["changed"] is False
    assert listed(listing) == expected(NAME, account["ids"])
    assert listing["count"] == len(EXPECTED)
    assert listing["unreadable"] == []
    assert "warnings" not in listing
    assert all(item["region"] == REGION for item in listing["resources"] if item["type"] != "AWS::IAM::Role")
    assert all(item["arn"] for item in listing["resources"] if item["type"] != "AWS::EFS::MountTarget")


def test_role_entry_carries_its_policies(listing):
    role = next(item for item in listing["resources"] if item["type"] == "AWS::IAM::Role")
    assert role["region"] == "global"
    assert role["arn"].endswith(":role/litellm-task")
    assert role["detail"]["inline_policies"] == ["read-secrets"]
    assert role["detail"]["managed_policies"] == ["arn:aws:iam::123456789012:policy/litellm-logs"]
    assert role["detail"]["tags"] == {KEY: NAME, "managed-by": "llmops.litellm_ecs"}


def test_secret_scheduled_for_deletion_is_pending_not_a_resource(listing):
    assert [item["id"] for item in listing["resources"] if item["type"] == "AWS::SecretsManager::Secret"] == ["litellm/master-key"]
    assert [(item["id"], item["state"]) for item in listing["pending_deletion"]] == [("litellm/old", "scheduled_for_deletion")]
    assert listing["pending_deletion"][0]["deleted_date"]


def test_summary_has_one_line_per_resource(account, listing):
    assert len(listing["summary"]) == listing["count"] + len(listing["pending_deletion"])
    assert f"AWS::EC2::SecurityGroup {account['ids']['<sg>']} (litellm-alb)" in listing["summary"]
    assert "AWS::ECS::Service litellm-sidecar (cluster litellm, ACTIVE)" in listing["summary"]
    assert listing["summary"][-1].startswith("AWS::SecretsManager::Secret litellm/old (scheduled for deletion on ")


def test_check_mode_returns_the_same(listing, capsys):
    checked = run(capsys, check_mode=True)
    assert checked["changed"] is False
    assert checked["resources"] == listing["resources"]


def test_other_deployment_is_found_by_its_own_name(account, capsys):  # pylint: disable=unused-argument
    result = run(capsys, name="ollama", services=["iam", "ecs", "s3"])
    assert listed(result) == [("AWS::ECS::Cluster", "ollama"), ("AWS::ECS::Service", "ollama"), ("AWS::ECS::Service", "ollama-sidecar"),
                              ("AWS::ECS::TaskDefinition", "ollama:1"), ("AWS::IAM::Role", "ollama-task"), ("AWS::S3::Bucket", "ollama-config-bucket")]


def test_services_and_dashboard_prefix_narrow_the_search(account, capsys):
    result = run(capsys, services=["cloudwatch", "ec2"], dashboard_prefix="nothing-")
    assert listed(result) == [("AWS::CloudWatch::Alarm", "litellm-5xx"), ("AWS::EC2::SecurityGroup", account["ids"]["<sg>"])]
    assert [item["id"] for item in run(capsys, services=["cloudwatch"], dashboard_prefix="")["resources"]] == ["litellm-5xx"]


def test_scaling_is_found_without_ecs_by_the_deployment_name(account, capsys):
    result = run(capsys, services=["application-autoscaling"])
    assert listed(result) == [("AWS::ApplicationAutoScaling::ScalableTarget", "service/litellm/litellm"),
                              ("AWS::ApplicationAutoScaling::ScalingPolicy", "litellm-cpu")]


def test_access_denied_is_a_warning_not_a_failure(account, capsys, monkeypatch):
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def denying(self, operation, params):
        codes = {"ListBuckets": "AccessDenied", "DescribeFileSystems": "AccessDeniedException", "DescribeSecurityGroups": "UnauthorizedOperation",
                 "DescribeDBSnapshots": "AccessDenied"}
        if operation in codes:
            raise ClientError({"Error": {"Code": codes[operation], "Message": "not allowed"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", denying)
    result = run(capsys, services=["ecs", "ec2", "efs", "rds", "s3"])
    assert not result.get("failed")
    assert sorted((item["service"], item["operation"]) for item in result["unreadable"]) == [
        ("ec2", "DescribeSecurityGroups"), ("efs", "DescribeFileSystems"), ("rds", "DescribeDBSnapshots"), ("s3", "ListBuckets")]
    assert len(result["warnings"]) == 4
    kinds = {item["type"] for item in result["resources"]}
    assert "AWS::ECS::Cluster" in kinds and "AWS::S3::Bucket" not in kinds and "AWS::EFS::FileSystem" not in kinds
    # RDS was denied at its snapshots: the instance and subnet group read before are still listed.
    assert {"AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup"} <= kinds and "AWS::RDS::DBSnapshot" not in kinds


def test_a_bucket_denied_by_its_policy_is_unreadable_the_rest_listed(account, capsys, monkeypatch):
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def denying(self, operation, params):
        if operation == "GetBucketTagging" and params["Bucket"] == "ollama-config-bucket":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "bucket policy"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", denying)
    result = run(capsys, services=["s3"])
    assert listed(result) == [("AWS::S3::Bucket", "litellm-config-bucket")]
    assert result["unreadable"] == [{"service": "s3", "operation": "GetBucketTagging", "message": result["unreadable"][0]["message"],
                                     "resources": ["ollama-config-bucket"]}]


def test_other_errors_fail_with_the_service_named(account, capsys, monkeypatch):
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def throttled(self, operation, params):
        if operation == "ListClusters":
            raise ClientError({"Error": {"Code": "InvalidParameterException", "Message": "broken"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", throttled)
    result = run(capsys, services=["ecs"])
    assert result["failed"] is True
    assert "ecs" in result["msg"] and NAME in result["msg"]


def test_empty_account_gives_nothing(account, capsys):
    result = run(capsys, **session_args(assumed_session("111111111111")))
    assert (result["count"], result["resources"], result["pending_deletion"], result["unreadable"]) == (0, [], [], [])
    assert result["summary"] == []


def test_deleting_the_resources_leaves_nothing(account, capsys):
    session = assumed_session("222222222222")
    vpc, subnets = network(session)
    # The same build() as the main account's, whose listing the first test checks in full.
    ids = build(session, NAME, {KEY: NAME}, vpc, subnets, bucket="litellm-config-bucket-2")

    scaling = session.client("application-autoscaling")
    scaling.delete_scaling_policy(PolicyName="litellm-cpu", ServiceNamespace="ecs", ResourceId="service/litellm/litellm",
                                  ScalableDimension="ecs:service:DesiredCount")
    scaling.deregister_scalable_target(ServiceNamespace="ecs", ResourceId="service/litellm/litellm", ScalableDimension="ecs:service:DesiredCount")
    ecs = session.client("ecs")
    for service in ("litellm", "litellm-sidecar"):
        ecs.delete_service(cluster=NAME, service=service, force=True)
    ecs.delete_cluster(cluster=NAME)
    ecs.deregister_task_definition(taskDefinition="litellm:1")
    elbv2 = session.client("elbv2")
    for lb in elbv2.describe_load_balancers()["LoadBalancers"]:
        elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    for tg in elbv2.describe_target_groups()["TargetGroups"]:
        elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
    elasticache = session.client("elasticache")
    elasticache.delete_replication_group(ReplicationGroupId="litellm-redis")
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName="litellm-redis")
    efs = session.client("efs")
    efs.delete_access_point(AccessPointId=ids["<ap>"])
    efs.delete_mount_target(MountTargetId=ids["<mt>"])
    efs.delete_file_system(FileSystemId=ids["<fs>"])
    session.client("ec2").delete_security_group(GroupId=ids["<sg>"])
    rds = session.client("rds")
    rds.modify_db_instance(DBInstanceIdentifier="litellm-database", DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier="litellm-database", SkipFinalSnapshot=True)
    rds.delete_db_snapshot(DBSnapshotIdentifier="litellm-database-before-upgrade")
    rds.delete_db_subnet_group(DBSubnetGroupName="litellm-database")
    session.client("logs").delete_log_group(logGroupName="/ecs/litellm")
    cloudwatch = session.client("cloudwatch")
    cloudwatch.delete_alarms(AlarmNames=["litellm-5xx"])
    cloudwatch.delete_dashboards(DashboardNames=["litellm-main"])
    session.client("s3").delete_bucket(Bucket="litellm-config-bucket-2")
    iam = session.client("iam")
    iam.delete_role_policy(RoleName="litellm-task", PolicyName="read-secrets")
    iam.detach_role_policy(RoleName="litellm-task", PolicyArn="arn:aws:iam::222222222222:policy/litellm-logs")
    iam.delete_role(RoleName="litellm-task")
    session.client("secretsmanager").delete_secret(SecretId="litellm/master-key", RecoveryWindowInDays=7)

    result = run(capsys, **session_args(session))
    assert (result["count"], result["resources"], result["unreadable"]) == (0, [], [])
    assert sorted(item["id"] for item in result["pending_deletion"]) == ["litellm/master-key", "litellm/old"]


def test_elasticache_groups_are_found_by_tag_or_by_the_redis_role_name(account, capsys):  # pylint: disable=unused-argument
    session = assumed_session("333333333333")
    subnets = network(session)[1]
    elasticache = session.client("elasticache")
    for name, tags in (("litellm-redis", []), ("shared-cache", [{"Key": KEY, "Value": NAME}]), ("other-redis", []),
                       ("near-miss", [{"Key": KEY, "Value": f"{NAME}-prod"}])):
        elasticache.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription=name, SubnetIds=subnets, Tags=tags)
        elasticache.create_replication_group(ReplicationGroupId=name, ReplicationGroupDescription=name, CacheNodeType="cache.t4g.small",
                                             Engine="valkey", CacheSubnetGroupName=name, Tags=tags)
    result = run(capsys, services=["elasticache"], **session_args(session))
    assert listed(result) == [("AWS::ElastiCache::ReplicationGroup", "litellm-redis"), ("AWS::ElastiCache::ReplicationGroup", "shared-cache"),
                              ("AWS::ElastiCache::SubnetGroup", "litellm-redis"), ("AWS::ElastiCache::SubnetGroup", "shared-cache")]
    shared = next(item for item in result["resources"] if item["id"] == "shared-cache" and item["type"].endswith("ReplicationGroup"))
    assert shared["arn"].endswith(":replicationgroup:shared-cache")
    assert (shared["detail"]["engine"], shared["detail"]["status"], shared["detail"]["tags"]) == ("valkey", "available", {KEY: NAME})
    subnet_group = next(item for item in result["resources"] if item["id"] == "litellm-redis" and item["type"].endswith("SubnetGroup"))
    assert subnet_group["detail"]["subnet_ids"] == sorted(subnets)
    assert "AWS::ElastiCache::ReplicationGroup shared-cache (valkey cache.t4g.small, available)" in result["summary"]


def test_rds_instance_with_deletion_protection_says_so(account, listing):
    instance = next(item for item in listing["resources"] if item["type"] == "AWS::RDS::DBInstance")
    assert instance["arn"] == "arn:aws:rds:us-east-1:123456789012:db:litellm-database"
    assert (instance["detail"]["engine"], instance["detail"]["deletion_protection"], instance["detail"]["copy_tags_to_snapshot"]) == ("postgres", True, True)
    assert instance["detail"]["db_subnet_group"] == "litellm-database"
    assert instance["detail"]["tags"] == {KEY: NAME, "managed-by": "llmops.litellm_ecs"}
    assert "AWS::RDS::DBInstance litellm-database (postgres 16.4 db.t4g.micro, available, deletion protection on)" in listing["summary"]
    subnet_group = next(item for item in listing["resources"] if item["type"] == "AWS::RDS::DBSubnetGroup")
    assert (subnet_group["detail"]["vpc_id"], subnet_group["detail"]["subnet_ids"]) == (account["vpc"], sorted(account["subnets"]))


def test_rds_final_snapshots_outlive_the_instance_by_tag_or_by_name(account, capsys):  # pylint: disable=unused-argument
    session = assumed_session("444444444444")
    subnets = network(session)[1]
    rds = session.client("rds")
    tags = [{"Key": KEY, "Value": NAME}, {"Key": "managed-by", "Value": "llmops.litellm_ecs"}]
    for name, group_tags in (("litellm-database", []), ("shared-db", [{"Key": KEY, "Value": NAME}]), ("other-database", []),
                             ("near-miss", [{"Key": KEY, "Value": f"{NAME}-prod"}])):
        rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription=name, SubnetIds=subnets, Tags=group_tags)
    database(rds, "litellm-database", tags, DBSubnetGroupName="litellm-database")
    database(rds, "litellm-prod-database", [{"Key": KEY, "Value": f"{NAME}-prod"}], deletion_protection=False, copy_tags=False)
    database(rds, "scratch", [], deletion_protection=False)
    rds.create_db_snapshot(DBSnapshotIdentifier="litellm-database-final-old", DBInstanceIdentifier="scratch")  # not 14 digits, no tags

    before = run(capsys, services=["rds"], **session_args(session))
    assert listed(before) == [("AWS::RDS::DBInstance", "litellm-database"), ("AWS::RDS::DBSubnetGroup", "litellm-database"),
                              ("AWS::RDS::DBSubnetGroup", "shared-db")]
    assert "AWS::RDS::DBInstance litellm-database (postgres 16.4 db.t4g.micro, available, deletion protection on)" in before["summary"]

    # What teardown does: deletion protection off, then delete with a final snapshot (CopyTagsToSnapshot copies the tags).
    rds.modify_db_instance(DBInstanceIdentifier="litellm-database", DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier="litellm-database", FinalDBSnapshotIdentifier="litellm-database-final-20250601100000")
    rds.delete_db_instance(DBInstanceIdentifier="litellm-prod-database", FinalDBSnapshotIdentifier="litellm-prod-database-final-20250601100000")
    # An instance made with CopyTagsToSnapshot off leaves an untagged final snapshot: it is found by its name.
    database(rds, "litellm-database", tags, deletion_protection=False, copy_tags=False)
    rds.delete_db_instance(DBInstanceIdentifier="litellm-database", FinalDBSnapshotIdentifier="litellm-database-final-20250602100000")

    after = run(capsys, services=["rds"], **session_args(session))
    assert listed(after) == [("AWS::RDS::DBSnapshot", "litellm-database-final-20250601100000"),
                             ("AWS::RDS::DBSnapshot", "litellm-database-final-20250602100000"),
                             ("AWS::RDS::DBSubnetGroup", "litellm-database"), ("AWS::RDS::DBSubnetGroup", "shared-db")]
    tagged, untagged = (item for item in after["resources"] if item["type"] == "AWS::RDS::DBSnapshot")
    assert tagged["detail"]["tags"] == {KEY: NAME, "managed-by": "llmops.litellm_ecs"} and untagged["detail"]["tags"] == {}
    assert tagged["arn"] == "arn:aws:rds:us-east-1:444444444444:snapshot:litellm-database-final-20250601100000"
    assert (tagged["detail"]["db_instance"], tagged["detail"]["snapshot_type"], tagged["detail"]["status"]) == ("litellm-database", "manual", "available")
    assert f"AWS::RDS::DBSnapshot litellm-database-final-20250601100000 (created {tagged['detail']['created']}, of litellm-database)" in after["summary"]
    assert tagged["detail"]["created"].endswith("Z")
