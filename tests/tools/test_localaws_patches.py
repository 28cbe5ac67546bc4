"""Each emulator fidelity patch restores the AWS behaviour it cites."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from localaws import patches


def test_ecs_service_linked_role_gets_its_aws_name(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.iam_service_linked_role_names()
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
        assert role["RoleName"] == "AWSServiceRoleForECS"
        assert role["Path"] == "/aws-service-role/ecs.amazonaws.com/"
        # Services moto already named correctly keep their names.
        other = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
        assert other["RoleName"] == "AWSServiceRoleForAutoScaling"


def test_efs_legacy_tag_calls_are_served(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.efs_legacy_tag_calls()
    with mock_aws():
        efs = boto3.client("efs", region_name="us-east-1")
        fs_id = efs.create_file_system(CreationToken="t", Tags=[{"Key": "Name", "Value": "config"}])["FileSystemId"]
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "Name", "Value": "config"}]
        efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "team", "Value": "llm"}])
        # One tag store: the new API sees what the legacy one wrote, and the other way round.
        assert {"Key": "team", "Value": "llm"} in efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]
        efs.delete_tags(FileSystemId=fs_id, TagKeys=["team"])
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "Name", "Value": "config"}]


def test_efs_update_file_system_changes_the_throughput_in_place(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.efs_update_file_system()
    with mock_aws():
        efs = boto3.client("efs", region_name="us-east-1")
        fs_id = efs.create_file_system(CreationToken="t", ThroughputMode="provisioned", ProvisionedThroughputInMibps=100)["FileSystemId"]
        answer = efs.update_file_system(FileSystemId=fs_id, ThroughputMode="provisioned", ProvisionedThroughputInMibps=50)
        assert (answer["FileSystemId"], answer["ProvisionedThroughputInMibps"]) == (fs_id, 50)
        efs.update_file_system(FileSystemId=fs_id, ThroughputMode="bursting")
        (found,) = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"]
        assert found["ThroughputMode"] == "bursting"


def test_apply_all_applies_every_patch():
    assert patches.apply_all() == [patch.__name__ for patch in patches.PATCHES]
    assert "iam_service_linked_role_names" in patches.apply_all()


def ecs_setup(monkeypatch):
    """A cluster ``c``, task definition revisions ``app:1`` and ``app:2`` (Fargate, awsvpc), a subnet and a group."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv(patches.NEVER_STEADY_ENV, raising=False)
    patches.apply_all()
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ecs = boto3.client("ecs", region_name="us-east-1")
    ecs.create_cluster(clusterName="c")
    for family in ("app", "app"):  # revisions 1 and 2
        ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "nginx", "essential": True}])
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    return ecs, network


def create(ecs, network, name="svc", **extra):
    return ecs.create_service(cluster="c", serviceName=name, taskDefinition="app:1", desiredCount=2, launchType="FARGATE",
                              networkConfiguration=network, **extra)["service"]


def describe(ecs, name="svc"):
    return ecs.describe_services(cluster="c", services=[name])["services"][0]


@mock_aws
def test_ecs_create_service_keeps_its_deployment_settings(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}, "maximumPercent": 150, "minimumHealthyPercent": 50}
    create(ecs, network, healthCheckGracePeriodSeconds=45, deploymentConfiguration=breaker, enableExecuteCommand=True)
    service = describe(ecs)
    assert service["healthCheckGracePeriodSeconds"] == 45
    assert service["deploymentConfiguration"] == breaker
    assert service["enableExecuteCommand"] is True
    # Not given: ECS's defaults, as DescribeServices reports them.
    create(ecs, network, name="plain")
    plain = describe(ecs, "plain")
    assert plain["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False}, "maximumPercent": 200, "minimumHealthyPercent": 100}
    assert plain["enableExecuteCommand"] is False
    assert "healthCheckGracePeriodSeconds" not in plain
    # A capacity provider strategy replaces the launch type.
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    ecs.create_service(cluster="c", serviceName="spot", taskDefinition="app:1", desiredCount=1,
                       capacityProviderStrategy=strategy, networkConfiguration=network)
    spot = describe(ecs, "spot")
    assert spot["capacityProviderStrategy"] == strategy
    assert "launchType" not in spot


@mock_aws
def test_ecs_services_reach_a_steady_state_on_the_new_task_definition(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    create(ecs, network)
    service = describe(ecs)
    (deployment,) = service["deployments"]
    assert (service["runningCount"], service["pendingCount"]) == (2, 0)
    assert (deployment["status"], deployment["rolloutState"], deployment["runningCount"]) == ("PRIMARY", "COMPLETED", 2)
    assert deployment["taskDefinition"] == service["taskDefinition"]
    assert service["taskDefinition"].endswith(":task-definition/app:1")
    assert service["events"][0]["message"] == "(service svc) has reached a steady state."

    ecs.update_service(cluster="c", service="svc", taskDefinition="app:2", desiredCount=3)
    service = describe(ecs)
    (rolled,) = service["deployments"]
    assert service["taskDefinition"].endswith(":task-definition/app:2")  # an ARN, as ECS reports it
    assert rolled["taskDefinition"] == service["taskDefinition"]
    assert rolled["id"] != deployment["id"]
    assert (service["runningCount"], rolled["runningCount"], rolled["rolloutState"]) == (3, 3, "COMPLETED")

    # Scaling alone starts no new deployment.
    ecs.update_service(cluster="c", service="svc", desiredCount=1)
    (scaled,) = describe(ecs)["deployments"]
    assert (scaled["id"], scaled["desiredCount"], scaled["runningCount"]) == (rolled["id"], 1, 1)
    # A service that became steady leaves no stopped tasks behind.
    assert ecs.list_tasks(cluster="c", desiredStatus="STOPPED")["taskArns"] == []


@mock_aws
def test_ecs_never_steady_service_reports_crashing_tasks(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    create(ecs, network, tags=[{"key": "localaws:never-steady", "value": "true"}])
    service = describe(ecs)
    (deployment,) = service["deployments"]
    assert (service["runningCount"], deployment["rolloutState"], deployment["failedTasks"]) == (0, "IN_PROGRESS", 2)
    messages = [event["message"] for event in service["events"]]
    assert any(message.startswith("(service svc) has started 2 tasks: (task ") for message in messages)
    assert any("is unable to consistently start tasks successfully" in message for message in messages)
    assert not any("steady state" in message for message in messages)

    stopped = ecs.list_tasks(cluster="c", serviceName="svc", desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 2
    for task in ecs.describe_tasks(cluster="c", tasks=stopped)["tasks"]:
        assert (task["lastStatus"], task["stopCode"]) == ("STOPPED", "EssentialContainerExited")
        assert task["stoppedReason"] == "Essential container in task exited"
        assert (task["group"], task["startedBy"]) == ("service:svc", deployment["id"])
        assert [(c["name"], c["exitCode"], c["taskArn"]) for c in task["containers"]] == [("app", 1, task["taskArn"])]


@mock_aws
def test_ecs_never_steady_with_circuit_breaker_fails_the_deployment(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    create(ecs, network)
    monkeypatch.setenv(patches.NEVER_STEADY_ENV, "other, svc")  # read by the emulator on each call
    ecs.update_service(cluster="c", service="svc", taskDefinition="app:2",
                       deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False},
                                                "maximumPercent": 200, "minimumHealthyPercent": 100})
    service = describe(ecs)
    (deployment,) = service["deployments"]
    assert (deployment["rolloutState"], service["runningCount"]) == ("FAILED", 0)
    assert deployment["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert service["events"][0]["message"] == f"(service svc) deployment {deployment['id']} deployment failed: tasks failed to start."


@mock_aws
def test_ecs_list_tasks_filters_by_service_and_lists_running_tasks_by_default(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    monkeypatch.setenv(patches.NEVER_STEADY_ENV, "*")
    create(ecs, network, name="one")
    create(ecs, network, name="two")
    assert len(ecs.list_tasks(cluster="c", desiredStatus="STOPPED")["taskArns"]) == 4
    one = ecs.list_tasks(cluster="c", serviceName="one", desiredStatus="STOPPED")["taskArns"]
    groups = {task["group"] for task in ecs.describe_tasks(cluster="c", tasks=one)["tasks"]}
    assert (len(one), groups) == (2, {"service:one"})
    assert ecs.list_tasks(cluster="c")["taskArns"] == []  # ListTasks means desiredStatus RUNNING unless told


def test_ecs_patches_apply_once():
    patches.apply_all()
    from moto.ecs.responses import EC2ContainerServiceResponse

    wrapped = EC2ContainerServiceResponse.create_service
    patches.apply_all()
    assert EC2ContainerServiceResponse.create_service is wrapped


def test_new_application_load_balancer_reports_its_default_attributes(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.elbv2_application_lb_default_attributes()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        elb = boto3.client("elbv2", region_name="us-east-1")
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]]
        arn = elb.create_load_balancer(Name="alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        attributes = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
        assert attributes["idle_timeout.timeout_seconds"] == "60"
        assert attributes["routing.http2.enabled"] == "true"
        elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "120"}])
        attributes = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
        assert attributes["idle_timeout.timeout_seconds"] == "120"


def run_and_stop(ecs, network, task_definition="app", **extra):
    """RunTask (``ecs_setup``'s task definitions set no container memory); DescribeTasks until it is STOPPED."""
    arn = ecs.run_task(cluster="c", taskDefinition=task_definition, launchType="FARGATE", networkConfiguration=network,
                       **extra)["tasks"][0]["taskArn"]
    statuses = []
    while not statuses or statuses[-1] != "STOPPED":
        (task,) = ecs.describe_tasks(cluster="c", tasks=[arn])["tasks"]
        statuses.append(task["lastStatus"])
        assert len(statuses) < 10, statuses
    return task, statuses


@mock_aws
def test_ecs_run_task_on_fargate_without_container_memory_and_its_exit_codes(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    monkeypatch.delenv(patches.EXIT_CODE_ENV, raising=False)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.describe_subnets(SubnetIds=network["awsvpcConfiguration"]["subnets"])["Subnets"][0]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # moto 5.2.5 needs it for a task's ENI

    # Task-level cpu/memory only (moto 5.2.5: 500, int += None): AWS runs it.
    task, statuses = run_and_stop(ecs, network)
    assert statuses == ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"]  # one step per describe
    assert (task["desiredStatus"], task["stopCode"], task["stoppedReason"]) == (
        "STOPPED", "EssentialContainerExited", "Essential container in task exited")
    assert "stoppedAt" in task
    assert [(c["name"], c["lastStatus"], c["exitCode"], c["taskArn"]) for c in task["containers"]] == [
        ("app", "STOPPED", 0, task["taskArn"])]

    # The exit code: the task's tag, else its task definition's tag, else the emulator's environment.
    failed = run_and_stop(ecs, network, tags=[{"key": patches.EXIT_CODE_TAG, "value": "1"}])[0]
    assert failed["containers"][0]["exitCode"] == 1
    ecs.register_task_definition(
        family="app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx"}], tags=[{"key": patches.EXIT_CODE_TAG, "value": "3"}])
    assert run_and_stop(ecs, network)[0]["containers"][0]["exitCode"] == 3
    monkeypatch.setenv(patches.EXIT_CODE_ENV, "2")  # read on each call
    assert run_and_stop(ecs, network, task_definition="app:1")[0]["containers"][0]["exitCode"] == 2

    # "none": the task failed to start, and its container has no exit code.
    never = run_and_stop(ecs, network, tags=[{"key": patches.EXIT_CODE_TAG, "value": "none"}])[0]
    assert never["stopCode"] == "TaskFailedToStart"
    assert never["stoppedReason"].startswith("CannotPullContainerError: ")
    assert "exitCode" not in never["containers"][0]
    assert never["containers"][0]["reason"] == never["stoppedReason"]


@mock_aws
def test_ecs_stop_task_is_not_settled_as_an_exit(monkeypatch):
    ecs, network = ecs_setup(monkeypatch)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.describe_subnets(SubnetIds=network["awsvpcConfiguration"]["subnets"])["Subnets"][0]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    arn = ecs.run_task(cluster="c", taskDefinition="app", launchType="FARGATE", networkConfiguration=network)["tasks"][0]["taskArn"]
    ecs.stop_task(cluster="c", task=arn, reason="Stopped by the operator")
    (task,) = ecs.describe_tasks(cluster="c", tasks=[arn])["tasks"]
    assert (task["lastStatus"], task["stoppedReason"]) == ("STOPPED", "Stopped by the operator")
    assert "stopCode" not in task


def elasticache_setup(monkeypatch):
    """The ElastiCache patches, a VPC with two subnets and two security groups, and a cache subnet group ``rg``."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.apply_all()
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"] for i in range(2)]
    groups = [ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"] for name in ("a", "b")]
    elasticache = boto3.client("elasticache", region_name="us-east-1")
    elasticache.create_cache_subnet_group(CacheSubnetGroupName="rg", CacheSubnetGroupDescription="rg", SubnetIds=subnets)
    return elasticache, subnets, groups


def create_replication_group(elasticache, groups, **extra):
    return elasticache.create_replication_group(
        ReplicationGroupId="rg", ReplicationGroupDescription="rg", Engine="valkey", CacheNodeType="cache.t4g.small",
        CacheSubnetGroupName="rg", SecurityGroupIds=groups[:1], TransitEncryptionEnabled=True, AtRestEncryptionEnabled=True,
        AuthToken="a" * 32, Tags=[{"Key": "k", "Value": "v"}], **extra)["ReplicationGroup"]


def test_elasticache_replication_group_nodes_are_cache_clusters_with_their_network(monkeypatch):
    with mock_aws():
        elasticache, groups = elasticache_setup(monkeypatch)[::2]
        group = create_replication_group(elasticache, groups, NumCacheClusters=3, AutomaticFailoverEnabled=True, MultiAZEnabled=True)
        assert group["MemberClusters"] == ["rg-001", "rg-002", "rg-003"]
        assert [member["CurrentRole"] for member in group["NodeGroups"][0]["NodeGroupMembers"]] == ["primary", "replica", "replica"]
        clusters = elasticache.describe_cache_clusters()["CacheClusters"]
        assert [cluster["CacheClusterId"] for cluster in clusters] == ["rg-001", "rg-002", "rg-003"]
        first = clusters[0]
        assert (first["ReplicationGroupId"], first["CacheSubnetGroupName"], first["Engine"]) == ("rg", "rg", "valkey")
        assert first["SecurityGroups"] == [{"SecurityGroupId": groups[0], "Status": "active"}]
        assert first["EngineVersion"] == patches.ELASTICACHE_DEFAULT_ENGINE_VERSIONS["valkey"]  # none was asked for


def test_elasticache_modify_replication_group_changes_the_nodes(monkeypatch):
    with mock_aws():
        elasticache, groups = elasticache_setup(monkeypatch)[::2]
        create_replication_group(elasticache, groups, EngineVersion="7.2")
        elasticache.modify_replication_group(ReplicationGroupId="rg", SecurityGroupIds=groups[1:], EngineVersion="8.0",
                                             CacheNodeType="cache.t4g.medium", ApplyImmediately=True)
        (cluster,) = elasticache.describe_cache_clusters(CacheClusterId="rg-001")["CacheClusters"]
        assert [item["SecurityGroupId"] for item in cluster["SecurityGroups"]] == groups[1:]
        assert (cluster["EngineVersion"], cluster["CacheNodeType"]) == ("8.0", "cache.t4g.medium")
        # What was not asked for stays as it was.
        elasticache.modify_replication_group(ReplicationGroupId="rg", ReplicationGroupDescription="new", ApplyImmediately=True)
        (cluster,) = elasticache.describe_cache_clusters(CacheClusterId="rg-001")["CacheClusters"]
        assert ([item["SecurityGroupId"] for item in cluster["SecurityGroups"]], cluster["EngineVersion"]) == (groups[1:], "8.0")


def test_elasticache_deleted_replication_group_goes_and_frees_its_subnet_group(monkeypatch):
    with mock_aws():
        elasticache, groups = elasticache_setup(monkeypatch)[::2]
        arn = create_replication_group(elasticache, groups)["ARN"]
        with pytest.raises(elasticache.exceptions.ClientError, match="CacheSubnetGroupInUse"):
            elasticache.delete_cache_subnet_group(CacheSubnetGroupName="rg")
        assert elasticache.delete_replication_group(ReplicationGroupId="rg")["ReplicationGroup"]["Status"] == "deleting"
        with pytest.raises(elasticache.exceptions.ReplicationGroupNotFoundFault):
            elasticache.describe_replication_groups(ReplicationGroupId="rg")
        assert elasticache.describe_cache_clusters()["CacheClusters"] == []
        assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == []
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="rg")
        assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []


def test_elasticache_cache_subnet_group_is_modified_in_place_and_deleted(monkeypatch):
    with mock_aws():
        elasticache, subnets = elasticache_setup(monkeypatch)[:2]
        arn = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName="rg")["CacheSubnetGroups"][0]["ARN"]
        elasticache.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "k", "Value": "v"}])
        answer = elasticache.modify_cache_subnet_group(CacheSubnetGroupName="rg", SubnetIds=subnets[1:])["CacheSubnetGroup"]
        assert ([item["SubnetIdentifier"] for item in answer["Subnets"]], answer["ARN"], answer["CacheSubnetGroupDescription"]) == (
            subnets[1:], arn, "rg")
        assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "k", "Value": "v"}]
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="rg")
        with pytest.raises(elasticache.exceptions.CacheSubnetGroupNotFoundFault):
            elasticache.delete_cache_subnet_group(CacheSubnetGroupName="rg")
        with pytest.raises(elasticache.exceptions.CacheSubnetGroupNotFoundFault):
            elasticache.modify_cache_subnet_group(CacheSubnetGroupName="rg", SubnetIds=subnets)


def test_elasticache_patches_apply_once():
    patches.apply_all()
    from moto.elasticache.models import ElastiCacheBackend

    wrapped = ElastiCacheBackend.create_replication_group
    patches.apply_all()
    assert ElastiCacheBackend.create_replication_group is wrapped


@pytest.fixture(name="enforcing")
def fixture_enforcing(tmp_path):
    """An emulator of this test's own with IAM enforcement on, and a user holding one inline policy (``grant``)."""
    import json  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel

    from localaws.harness import Emulator  # pylint: disable=import-outside-toplevel

    emulator = Emulator(tmp_path / "enforcing")
    endpoint = emulator.start()
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    user = iam.create_user(UserName="deployer")["User"]
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    iam.put_user_policy(UserName="deployer", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "elasticfilesystem:DescribeFileSystems", "iam:SimulatePrincipalPolicy", "ecs:ListClusters"]}]}))
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10):
        pass

    def client(service):
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])

    yield client, user["Arn"]
    emulator.stop()


def test_a_signed_get_with_a_query_string_passes_the_signature_check(enforcing):
    """EFS DescribeFileSystems?CreationToken=... is a GET without a body: signed over an empty payload."""
    client = enforcing[0]
    assert client("efs").describe_file_systems(CreationToken="litellm-config")["FileSystems"] == []
    with pytest.raises(client("ecs").exceptions.ClientError, match="not authorized to perform: ecs:CreateCluster"):
        client("ecs").create_cluster(clusterName="denied")


def test_simulate_principal_policy_answers_each_action_as_the_emulator_enforces_it(enforcing):
    client, user_arn = enforcing
    results = client("iam").simulate_principal_policy(
        PolicySourceArn=user_arn, ActionNames=["ecs:ListClusters", "ecs:CreateCluster"])["EvaluationResults"]
    assert [(item["EvalActionName"], item["EvalDecision"]) for item in results] == [
        ("ecs:ListClusters", "allowed"), ("ecs:CreateCluster", "implicitDeny")]


@mock_aws
def test_rds_gp3_instance_reports_its_baseline_iops_and_throughput(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.apply_all()
    rds = boto3.client("rds", region_name="us-east-1")
    for name, storage, kind in (("small", 20, "gp3"), ("large", 400, "gp3"), ("old", 20, "gp2")):
        rds.create_db_instance(DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t4g.micro", AllocatedStorage=storage,
                               StorageType=kind, MasterUsername="u", MasterUserPassword="password1234")
    found = {db["DBInstanceIdentifier"]: db for db in rds.describe_db_instances()["DBInstances"]}
    assert (found["small"]["Iops"], found["small"]["StorageThroughput"]) == (3000, 125)
    assert (found["large"]["Iops"], found["large"]["StorageThroughput"]) == (12000, 500)
    assert "StorageThroughput" not in found["old"] and "Iops" not in found["old"]
