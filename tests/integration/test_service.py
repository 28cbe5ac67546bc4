"""The ecs_service role on the emulator: the whole site converged, the task definition field by field, the service, its scaling,
idempotence, check mode, and changes that must reach AWS (config, deployment, network, task size)."""

from __future__ import annotations

import json

import pytest
import yaml

import dev

pytestmark = pytest.mark.emulator

NAME = "svc"
BASE = {"litellm_name": NAME}
# Where LiteLLM writes at run time, as the role points it (its vars/main.yml).
WRITE_PATHS = yaml.safe_load((dev.ROOT / "roles" / "ecs_service" / "vars" / "main.yml").read_text(encoding="utf-8"))["__ecs_service_write_paths"]


def service(aws, name=NAME):
    (found,) = aws("ecs").describe_services(cluster=name, services=[name], include=["TAGS"])["services"]
    return found


def task_definition(aws, arn):
    return aws("ecs").describe_task_definition(taskDefinition=arn, include=["TAGS"])["taskDefinition"]


def active_revisions(aws, family=NAME):
    return aws("ecs").list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]


@pytest.fixture(scope="module", name="site")
def fixture_site(run_site):
    run = run_site(BASE, outputs=True)
    assert run.rc == 0, run.tail()
    return run


@pytest.fixture(scope="module", name="proxy")
def fixture_proxy(site, aws):
    definition = task_definition(aws, site.outputs["ecs_service"]["task_definition_arn"])
    (container,) = [c for c in definition["containerDefinitions"] if c["name"] == "litellm"]
    return definition, container


def test_task_definition_is_fargate_awsvpc_with_the_roles(proxy, site):
    definition, container = proxy
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["networkMode"] == "awsvpc"
    assert (definition["cpu"], definition["memory"]) == ("1024", "2048")
    assert definition["runtimePlatform"] == {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
    assert definition["executionRoleArn"] == site.outputs["iam"]["execution_role_arn"]
    assert definition["taskRoleArn"] == site.outputs["iam"]["task_role_arn"]
    assert container["image"].startswith("ghcr.io/berriai/litellm")
    assert container["portMappings"][0]["containerPort"] == 4000
    assert container["essential"] is True


def test_no_secret_in_environment_and_every_secret_by_a_published_arn(proxy, site):
    container = proxy[1]
    env = {item["name"]: item["value"] for item in container["environment"]}
    for secret_name in ("LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "DATABASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "REDIS_PASSWORD"):
        assert secret_name not in env
    values = " ".join(env.values())
    assert "sk-" not in values  # no key of any kind, local fake ones included
    published = site.outputs["secrets"]
    published_arns = {published["master_key_arn"], published["salt_key_arn"], published["redis_password_arn"],
                      *published["provider_secret_arns"].values()}
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert set(secrets) == {"LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "REDIS_PASSWORD"}
    assert set(secrets.values()) <= published_arns
    assert all(value.startswith("arn:aws:secretsmanager:") for value in secrets.values())
    # What the environment does carry: the config's place and hash.
    assert env["LITELLM_CONFIG_SHA256"] == site.outputs["efs_config"]["sha256"]
    assert env["CONFIG_FILE_PATH"] == site.outputs["efs_config"]["config_path"]
    assert "DISABLE_SCHEMA_UPDATE" not in env  # no database here


def test_health_check_uses_python_on_liveliness(proxy):
    container = proxy[1]
    check = container["healthCheck"]
    command = " ".join(check["command"])
    assert check["command"][0] == "CMD-SHELL"
    assert "wget" not in command and "curl" not in command
    assert "urllib.request" in command and "/health/liveliness" in command
    assert (check["interval"], check["timeout"], check["retries"], check["startPeriod"]) == (30, 5, 3, 60)


def test_proxy_runs_in_production_mode_with_one_worker_and_drains_its_longest_request(proxy):
    container = proxy[1]
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert env["LITELLM_MODE"] == "PRODUCTION"
    # litellm_request_timeout (100 s): the proxy drains in-flight requests that long after SIGTERM, ECS waits 10 s more.
    assert env["GRACEFUL_SHUTDOWN_TIMEOUT"] == "100"
    assert container["stopTimeout"] == 110
    # One worker per task while the autoscaler is in charge.
    assert container["command"] == ["--port", "4000", "--num_workers", "1"]


def test_logs_go_to_the_cloudwatch_roles_group(proxy, site, aws):
    definition, container = proxy
    group = site.outputs["cloudwatch"]["log_group_name"]
    assert group == f"/ecs/{NAME}"
    for each in definition["containerDefinitions"]:  # the config writer's output too
        assert each["logConfiguration"]["logDriver"] == "awslogs"
        assert each["logConfiguration"]["options"]["awslogs-group"] == group
    (found,) = aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert found["retentionInDays"] == 30


def test_config_volume_is_encrypted_read_only_and_root_fs_read_only(proxy, site):
    definition, container = proxy
    efs = site.outputs["efs_config"]
    (volume,) = [v for v in definition["volumes"] if "efsVolumeConfiguration" in v]
    config = volume["efsVolumeConfiguration"]
    assert config["fileSystemId"] == efs["file_system_id"]
    assert config["transitEncryption"] == "ENABLED"
    assert config["authorizationConfig"] == {"accessPointId": efs["access_point_id"], "iam": "ENABLED"}
    mounts = {m["containerPath"]: m for m in container["mountPoints"]}
    assert mounts["/app/config"]["readOnly"] is True and mounts["/app/config"]["sourceVolume"] == volume["name"]
    assert container["readonlyRootFilesystem"] is True
    assert mounts["/tmp"]["readOnly"] is False  # task-local scratch space
    assert container["dependsOn"] == [{"containerName": "config-writer", "condition": "SUCCESS"}]
    # LiteLLM's run-time writes (migrations copy, UI, assets, caches) are pointed into the scratch space.
    env = {item["name"]: item["value"] for item in container["environment"]}
    scratch = [path for path, mount in mounts.items() if mount["readOnly"] is False]
    assert WRITE_PATHS and "LITELLM_MIGRATION_DIR" in WRITE_PATHS
    for name, path in WRITE_PATHS.items():
        assert env[name] == path and any(path.startswith(root.rstrip("/") + "/") for root in scratch), (name, path, scratch)


def test_service_runs_behind_the_target_group_with_rollback(site, aws):
    found = service(aws)
    alb = site.outputs["alb"]
    assert found["status"] == "ACTIVE"
    assert found["taskDefinition"] == site.outputs["ecs_service"]["task_definition_arn"]
    assert (found["desiredCount"], found["runningCount"]) == (2, 2)
    assert found["loadBalancers"] == [{"targetGroupArn": alb["target_group_arn"], "containerName": "litellm", "containerPort": 4000}]
    assert found["healthCheckGracePeriodSeconds"] == 120
    deployment = found["deploymentConfiguration"]
    assert deployment["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (deployment["minimumHealthyPercent"], deployment["maximumPercent"]) == (100, 200)
    vpc = found["networkConfiguration"]["awsvpcConfiguration"]
    network = site.outputs["network"]
    assert vpc["securityGroups"] == [network["security_group_ids"]["tasks"]]
    assert sorted(vpc["subnets"]) == sorted(network["subnet_ids"])
    assert vpc["assignPublicIp"] == "ENABLED"  # the default VPC: public subnets, no NAT gateway
    assert [(d["status"], d["rolloutState"]) for d in found["deployments"]] == [("PRIMARY", "COMPLETED")]
    # The target group's check is never the authenticated /health.
    (tg,) = aws("elbv2").describe_target_groups(TargetGroupArns=[alb["target_group_arn"]])["TargetGroups"]
    assert tg["HealthCheckPath"] != "/health"
    # A deregistering task keeps its connections as long as the longest request (litellm_request_timeout).
    attributes = {a["Key"]: a["Value"] for a in aws("elbv2").describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "100"


def test_autoscaling_tracks_cpu_at_60_percent_and_never_memory(site, aws):  # pylint: disable=unused-argument
    scaling = aws("application-autoscaling")
    resource = f"service/{NAME}/{NAME}"
    (target,) = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
    tracked = {p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]:
               p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] for p in policies}
    assert tracked == {"ECSServiceAverageCPUUtilization": 60.0}  # no memory policy: Prisma's memory never falls


def test_config_change_registers_exactly_one_revision_and_updates_the_service(site, run_site, aws):
    before = active_revisions(aws)
    params = {"model": "openai/gpt-4o-mini", "api_key": "os.environ/OPENAI_API_KEY", "mock_response": "hi"}
    models = [{"model_name": "only-one", "litellm_params": params}]
    run = run_site(dict(BASE, litellm_models=models), outputs=True)
    assert run.rc == 0, run.tail()
    after = active_revisions(aws)
    new = sorted(set(after) - set(before))
    assert len(new) == 1, (before, after)
    assert service(aws)["taskDefinition"] == new[0] == run.outputs["ecs_service"]["task_definition_arn"]
    env = {e["name"]: e["value"] for e in task_definition(aws, new[0])["containerDefinitions"][-1]["environment"]}
    assert env["LITELLM_CONFIG_SHA256"] == run.outputs["efs_config"]["sha256"] != site.outputs["efs_config"]["sha256"]
    assert run_site(dict(BASE, litellm_models=models)).changed == 0
    assert len(active_revisions(aws)) == len(after)


def test_deployment_network_and_task_size_changes_reach_aws(site, run_site, aws):
    subnets = sorted(site.outputs["network"]["subnet_ids"])[:2]
    changes = dict(BASE, ecs_service_minimum_healthy_percent=50, ecs_service_maximum_percent=150,
                   litellm_subnet_ids=subnets, litellm_assign_public_ip=False, ecs_service_cpu=2048, ecs_service_memory=4096)
    run = run_site(changes, outputs=True)
    assert run.rc == 0, run.tail()
    assert any("service" in task for task in run.changed_tasks), run.changed_tasks
    found = service(aws)
    assert (found["deploymentConfiguration"]["minimumHealthyPercent"], found["deploymentConfiguration"]["maximumPercent"]) == (50, 150)
    vpc = found["networkConfiguration"]["awsvpcConfiguration"]
    assert (sorted(vpc["subnets"]), vpc["assignPublicIp"]) == (subnets, "DISABLED")
    definition = task_definition(aws, found["taskDefinition"])
    assert (definition["cpu"], definition["memory"]) == ("2048", "4096")
    assert run_site(changes).changed == 0


def test_never_steady_service_fails_inside_its_budget_with_the_reasons(run_site, aws):
    run = run_site({"litellm_name": "stuck", "ecs_service_tags": {"localaws:never-steady": "true"}, "ecs_service_wait_timeout": 20,
                    "ecs_service_autoscaling": False, "ecs_service_cpu": 4096, "ecs_service_memory": 8192})
    assert run.rc != 0
    message = run.output[run.output.index("service | Create or update the service"):]
    assert "stuck" in message and "steady" in message
    assert "events" in message.lower()
    assert "stopped" in message.lower()
    # Without autoscaling the workers follow the task size: one per vCPU and 4 GiB (4 vCPU, 8 GiB: 2).
    latest = max(active_revisions(aws, family="stuck"), key=lambda arn: int(arn.rsplit(":", 1)[1]))
    (container,) = [c for c in task_definition(aws, latest)["containerDefinitions"] if c["name"] == "litellm"]
    assert container["command"] == ["--port", "4000", "--num_workers", "2"]


def test_outputs_are_json_serialisable(site):
    json.dumps(site.outputs["ecs_service"])
    assert site.outputs["ecs_service"]["log_group_name"] == f"/ecs/{NAME}"
