"""The benchmark's yardstick: the guide's aws CLI path creates the resources a converge of site.yml creates."""

from __future__ import annotations

import pytest

import guide_cli

pytestmark = pytest.mark.emulator


def test_the_cli_path_creates_the_deployments_resources_one_call_each(emulator, aws):
    before = len(emulator.requests())
    commands = guide_cli.run(emulator.endpoint, name="guide", aws=guide_cli.aws_cli())
    assert all(command[0].endswith("aws") for command in commands)
    assert len(emulator.requests(before)) == len(commands)  # one AWS request per call, as the benchmark counts them
    iam = aws("iam")
    assert iam.list_role_policies(RoleName="guide-execution")["PolicyNames"] == ["guide-read-secrets"]
    assert [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="guide-execution")["AttachedPolicies"]] == [
        "AmazonECSTaskExecutionRolePolicy"]
    assert iam.list_role_policies(RoleName="guide-task")["PolicyNames"] == ["guide-task"]
    secrets = {s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"] if s["Name"].startswith("guide/")}
    assert secrets == {"guide/master-key", "guide/salt-key", "guide/provider/OPENAI_API_KEY", "guide/provider/ANTHROPIC_API_KEY"}
    groups = {g["GroupName"]: g for g in aws("ec2").describe_security_groups()["SecurityGroups"] if g["GroupName"].startswith("guide-")}
    assert sorted(groups) == ["guide-alb", "guide-efs", "guide-tasks"]
    assert groups["guide-efs"]["IpPermissionsEgress"] == [] and groups["guide-tasks"]["IpPermissions"][0]["FromPort"] == 4000
    efs = aws("efs")
    (file_system,) = [fs for fs in efs.describe_file_systems()["FileSystems"] if fs.get("Name") == "guide-config"]
    zones = {s["AvailabilityZone"] for s in aws("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]}
    assert len(efs.describe_mount_targets(FileSystemId=file_system["FileSystemId"])["MountTargets"]) == len(zones)
    assert len(efs.describe_access_points(FileSystemId=file_system["FileSystemId"])["AccessPoints"]) == 1
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/guide")["logGroups"]
    assert group["retentionInDays"] == 30
    (service,) = aws("ecs").describe_services(cluster="guide", services=["guide"])["services"]
    assert service["status"] == "ACTIVE" and service["loadBalancers"][0]["containerPort"] == 4000
    elb = aws("elbv2")
    (balancer,) = elb.describe_load_balancers(Names=["guide-alb"])["LoadBalancers"]
    assert len(elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]) == 1
    scaling = aws("application-autoscaling")
    assert len(scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId="service/guide/guide")["ScalingPolicies"]) == 2
