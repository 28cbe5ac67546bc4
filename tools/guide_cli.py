"""The guide's own path: the ``aws`` CLI calls that create what a converge of ``playbooks/site.yml`` creates.

The LiteLLM ECS guide (``shared/reference/seed-litellm-ecs-deployment-guide.md``) deploys with one ``aws`` command
per step. This is that path written out for the same resources the collection's converge creates on the same
emulator, with the same settings wherever a setting needs a call of its own: the two IAM roles with their
policies and the ECS service-linked role, the four secrets, the three security groups with their rules, the
encrypted EFS file system with a mount target per availability zone and its access point, the log group and its
retention, the cluster, the task definition, the target group and its attributes, the load balancer, its
attributes and listener, the service, and its scaling target and two policies. Alarms and the dashboard, which
the guide has no command for, are left out. Each call is one ``aws`` process, as a person or a CI job would run
it; the IDs one call returns feed the next.

    run(endpoint, name) -> list of the commands run (each a list of arguments)

Used by ``tools/benchmark.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REGION = "us-east-1"


class CliPath:
    """Runs ``aws`` commands against one endpoint and keeps what it ran."""

    def __init__(self, endpoint: str, aws: str = "aws"):
        self.endpoint = endpoint
        self.aws = aws
        self.commands: list[list[str]] = []
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                        AWS_DEFAULT_REGION=REGION, AWS_PAGER="")
        self.env.pop("AWS_PROFILE", None)

    def __call__(self, *args: str, already: str = "") -> dict:
        """Run one ``aws`` command; an error whose text contains ``already`` means the wish is met."""
        command = [self.aws, *args, "--endpoint-url", self.endpoint, "--region", REGION, "--output", "json"]
        self.commands.append(command)
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0 and already and already in done.stderr:
            return {}
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}")
        return json.loads(done.stdout) if done.stdout.strip() else {}


def run(endpoint: str, name: str = "guide", aws: str = "aws") -> list[list[str]]:
    """Create the deployment ``name`` with ``aws`` CLI calls only; return the commands run."""
    cli = CliPath(endpoint, aws)
    account = cli("sts", "get-caller-identity")["Account"]
    subnets = cli("ec2", "describe-subnets", "--filters", "Name=default-for-az,Values=true")["Subnets"]
    vpc = subnets[0]["VpcId"]
    per_zone = {subnet["AvailabilityZone"]: subnet["SubnetId"] for subnet in sorted(subnets, key=lambda s: s["SubnetId"])}
    subnet_ids = sorted(subnet["SubnetId"] for subnet in subnets)
    tags = f"Key=litellm-deployment,Value={name}"

    # IAM: the execution role, the task role, their policies, the ECS service-linked role (guide, step 6).
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]})
    secrets_prefix = f"arn:aws:secretsmanager:{REGION}:{account}:secret:{name}/"
    for role in ("execution", "task"):
        cli("iam", "create-role", "--role-name", f"{name}-{role}", "--assume-role-policy-document", trust, "--tags", tags)
    cli("iam", "attach-role-policy", "--role-name", f"{name}-execution",
        "--policy-arn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    cli("iam", "put-role-policy", "--role-name", f"{name}-execution", "--policy-name", f"{name}-read-secrets",
        "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [secrets_prefix + "*"]}]}))
    cli("iam", "put-role-policy", "--role-name", f"{name}-task", "--policy-name", f"{name}-task",
        "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["elasticfilesystem:ClientMount"],
            "Resource": [f"arn:aws:elasticfilesystem:{REGION}:{account}:file-system/*"]}]}))
    # The guide's tip: create it when ECS says it cannot assume it; an account may have it already.
    cli("iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com", already="EntityAlreadyExists")

    # Secrets Manager (guide, step 5).
    secret_arns = {}
    for env_name, secret in (("LITELLM_MASTER_KEY", "master-key"), ("LITELLM_SALT_KEY", "salt-key"),
                             ("OPENAI_API_KEY", "provider/OPENAI_API_KEY"), ("ANTHROPIC_API_KEY", "provider/ANTHROPIC_API_KEY")):
        secret_arns[env_name] = cli("secretsmanager", "create-secret", "--name", f"{name}/{secret}",
                                    "--secret-string", "sk-benchmark-value-0123456789", "--tags", tags)["ARN"]

    # Security groups: the load balancer's, the tasks', the file system's.
    groups = {}
    for group in ("alb", "tasks", "efs"):
        groups[group] = cli("ec2", "create-security-group", "--group-name", f"{name}-{group}", "--vpc-id", vpc,
                            "--description", f"LiteLLM {group} of {name}")["GroupId"]
    cli("ec2", "authorize-security-group-ingress", "--group-id", groups["alb"], "--protocol", "tcp", "--port", "80",
        "--cidr", "0.0.0.0/0")
    cli("ec2", "authorize-security-group-ingress", "--group-id", groups["tasks"], "--protocol", "tcp", "--port", "4000",
        "--source-group", groups["alb"])
    cli("ec2", "authorize-security-group-ingress", "--group-id", groups["efs"], "--protocol", "tcp", "--port", "2049",
        "--source-group", groups["tasks"])
    cli("ec2", "revoke-security-group-egress", "--group-id", groups["efs"], "--protocol", "-1", "--cidr", "0.0.0.0/0")

    # EFS (guide, "Using Config File with EFS"), a mount target per availability zone, the access point.
    file_system = cli("efs", "create-file-system", "--encrypted", "--performance-mode", "generalPurpose",
                      "--throughput-mode", "provisioned", "--provisioned-throughput-in-mibps", "100",
                      "--tags", f"Key=Name,Value={name}-config", tags)["FileSystemId"]
    for subnet in per_zone.values():
        cli("efs", "create-mount-target", "--file-system-id", file_system, "--subnet-id", subnet,
            "--security-groups", groups["efs"])
    access_point = cli("efs", "create-access-point", "--file-system-id", file_system,
                       "--posix-user", "Uid=1000,Gid=1000",
                       "--root-directory", f"Path=/{name},CreationInfo={{OwnerUid=1000,OwnerGid=1000,Permissions=0755}}",
                       "--tags", tags)["AccessPointId"]

    # CloudWatch Logs (guide, "CloudWatch Setup").
    cli("logs", "create-log-group", "--log-group-name", f"/ecs/{name}")
    cli("logs", "put-retention-policy", "--log-group-name", f"/ecs/{name}", "--retention-in-days", "30")

    # The cluster and the task definition (guide, "Quick Start with Fargate").
    cli("ecs", "create-cluster", "--cluster-name", name, "--capacity-providers", "FARGATE", "FARGATE_SPOT",
        "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1",
        "--settings", "name=containerInsights,value=enabled")
    definition = {
        "family": name, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "1024", "memory": "2048",
        "executionRoleArn": f"arn:aws:iam::{account}:role/{name}-execution",
        "taskRoleArn": f"arn:aws:iam::{account}:role/{name}-task",
        "containerDefinitions": [{
            "name": "litellm", "image": "ghcr.io/berriai/litellm:main-stable", "essential": True,
            "portMappings": [{"containerPort": 4000, "protocol": "tcp"}],
            "secrets": [{"name": key, "valueFrom": arn} for key, arn in sorted(secret_arns.items())],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": f"/ecs/{name}", "awslogs-region": REGION, "awslogs-stream-prefix": name}},
            "mountPoints": [{"sourceVolume": "litellm-config", "containerPath": "/app/config", "readOnly": True}],
            "command": ["--config", "/app/config/config.yaml", "--port", "4000"],
        }],
        "volumes": [{"name": "litellm-config", "efsVolumeConfiguration": {
            "fileSystemId": file_system, "rootDirectory": "/", "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": access_point, "iam": "ENABLED"}}}],
    }
    revision = cli("ecs", "register-task-definition", "--cli-input-json", json.dumps(definition))
    task_definition = revision["taskDefinition"]["taskDefinitionArn"]

    # The load balancer (guide, "Application Load Balancer Setup"), with the collection's attributes.
    target_group = cli("elbv2", "create-target-group", "--name", f"{name}-tg", "--protocol", "HTTP", "--port", "4000",
                       "--vpc-id", vpc, "--target-type", "ip", "--health-check-path", "/health/readiness",
                       "--tags", tags)["TargetGroups"][0]["TargetGroupArn"]
    cli("elbv2", "modify-target-group-attributes", "--target-group-arn", target_group,
        "--attributes", "Key=deregistration_delay.timeout_seconds,Value=30")
    balancer = cli("elbv2", "create-load-balancer", "--name", f"{name}-alb", "--subnets", *subnet_ids,
                   "--security-groups", groups["alb"], "--tags", tags)["LoadBalancers"][0]["LoadBalancerArn"]
    cli("elbv2", "modify-load-balancer-attributes", "--load-balancer-arn", balancer, "--attributes",
        "Key=idle_timeout.timeout_seconds,Value=120", "Key=routing.http.drop_invalid_header_fields.enabled,Value=true")
    cli("elbv2", "create-listener", "--load-balancer-arn", balancer, "--protocol", "HTTP", "--port", "80",
        "--default-actions", f"Type=forward,TargetGroupArn={target_group}")

    # The service (the guide creates it in the console) and its scaling.
    cli("ecs", "create-service", "--cluster", name, "--service-name", name, "--task-definition", task_definition,
        "--desired-count", "2", "--capacity-provider-strategy", "capacityProvider=FARGATE,weight=1",
        "--network-configuration",
        f"awsvpcConfiguration={{subnets=[{','.join(subnet_ids)}],securityGroups=[{groups['tasks']}],assignPublicIp=ENABLED}}",
        "--load-balancers", f"targetGroupArn={target_group},containerName=litellm,containerPort=4000",
        "--health-check-grace-period-seconds", "120",
        "--deployment-configuration",
        "maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}")
    resource = f"service/{name}/{name}"
    cli("application-autoscaling", "register-scalable-target", "--service-namespace", "ecs",
        "--scalable-dimension", "ecs:service:DesiredCount", "--resource-id", resource,
        "--min-capacity", "2", "--max-capacity", "10")
    for metric, target in (("ECSServiceAverageCPUUtilization", 70), ("ECSServiceAverageMemoryUtilization", 80)):
        cli("application-autoscaling", "put-scaling-policy", "--service-namespace", "ecs",
            "--scalable-dimension", "ecs:service:DesiredCount", "--resource-id", resource,
            "--policy-name", f"{name}-{metric}", "--policy-type", "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration",
            json.dumps({"TargetValue": target, "PredefinedMetricSpecification": {"PredefinedMetricType": metric}}))
    return cli.commands


def aws_cli() -> str:
    """The ``aws`` program next to this interpreter (the project's virtualenv), else the one on PATH."""
    beside = Path(os.sys.executable).parent / "aws"
    return str(beside) if beside.exists() else "aws"
