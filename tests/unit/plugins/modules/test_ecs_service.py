"""The ecs_service module against moto in-process, with the emulator's fidelity patches applied.

Each test asserts something community.aws 10.0.0 ``ecs_service`` gets wrong (changed deployment or network
settings go unnoticed, ``wait`` never waits for a steady service) or the module's own contract: it waits for
the deployment it started, fails inside its budget with the service's events and the stopped tasks' reasons,
changes nothing in check mode, and deletes. The clock is fake: no test sleeps.
"""

from __future__ import annotations

import json

import boto3
import pytest
from localaws import patches
from moto.core.exceptions import JsonRESTError
from moto.ecs.responses import EC2ContainerServiceResponse

from ansible_collections.llmops.litellm_ecs.plugins.modules import ecs_service
from module_runner import run_module
from fake_clock import FakeClock

REGION = "us-east-1"
NEVER_STEADY = {"localaws:never-steady": "true"}


@pytest.fixture(name="clock")
def fixture_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ecs_service, "time", fake)
    return fake


@pytest.fixture(name="aws")
def fixture_aws(monkeypatch, clock, mocked_aws):  # pylint: disable=unused-argument
    """A cluster, task definitions app:1 and app:2, two subnets and two security groups, in moto."""
    monkeypatch.delenv(patches.NEVER_STEADY_ENV, raising=False)
    patches.apply_all()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    groups = [ec2.create_security_group(GroupName=f"g{i}", Description="g", VpcId=vpc)["GroupId"] for i in (1, 2)]
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="litellm")
    for family in ("app", "app"):  # revisions 1 and 2
        ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "litellm", "essential": True}])
    return {"ecs": ecs, "subnets": subnets, "groups": groups}


def run(capsys, aws, check_mode=False, diff=False, **args):
    args.setdefault("name", "litellm")
    args.setdefault("cluster", "litellm")
    if args.get("state", "present") == "present":
        args.setdefault("task_definition", "app:1")
        args.setdefault("network_configuration", {"subnets": [aws["subnets"][0]], "security_groups": [aws["groups"][0]]})
    return run_module(ecs_service.main, capsys, check_mode=check_mode, diff=diff, **args)


def described(aws, name="litellm"):
    services = aws["ecs"].describe_services(cluster="litellm", services=[name], include=["TAGS"])["services"]
    return services[0] if services else None


BREAKER = {"minimum_healthy_percent": 50, "maximum_percent": 150,
           "deployment_circuit_breaker": {"enable": True, "rollback": True}}


def test_creates_a_service_and_waits_until_it_is_steady(aws, capsys, clock):
    result = run(capsys, aws, desired_count=2, deployment_configuration=BREAKER, health_check_grace_period_seconds=90,
                 enable_execute_command=True, propagate_tags="SERVICE", tags={"team": "llm"})
    assert result["changed"] is True
    service = described(aws)
    assert service["deploymentConfiguration"] == {
        "minimumHealthyPercent": 50, "maximumPercent": 150, "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    assert (service["healthCheckGracePeriodSeconds"], service["enableExecuteCommand"]) == (90, True)
    assert {"key": "team", "value": "llm"} in service["tags"]
    assert result["service"]["running_count"] == result["service"]["desired_count"] == 2
    assert result["service"]["tags"] == {"team": "llm"}
    deployment = result["deployment"]
    assert (deployment["status"], deployment["rollout_state"], deployment["running_count"]) == ("PRIMARY", "COMPLETED", 2)
    assert deployment["task_definition"].endswith(":task-definition/app:1")
    assert clock.sleeps == []  # steady at the first poll: no waiting at all


def test_second_run_changes_nothing(aws, capsys):
    options = dict(desired_count=2, deployment_configuration=BREAKER, health_check_grace_period_seconds=90,
                   enable_execute_command=True, propagate_tags="SERVICE", tags={"team": "llm"},
                   network_configuration={"subnets": aws["subnets"], "security_groups": aws["groups"], "assign_public_ip": False})
    first = run(capsys, aws, **options)
    # Same settings in another order, and a task definition by ARN instead of family:revision.
    options["network_configuration"] = {"subnets": aws["subnets"][::-1], "security_groups": aws["groups"][::-1],
                                        "assign_public_ip": False}
    second = run(capsys, aws, **dict(options, task_definition=first["deployment"]["task_definition"]), diff=True)
    assert (first["changed"], second["changed"]) == (True, False)
    assert second["diff"]["before"] == second["diff"]["after"]
    assert second["deployment"]["id"] == first["deployment"]["id"]


def test_changed_deployment_configuration_is_applied(aws, capsys):
    run(capsys, aws)
    result = run(capsys, aws, deployment_configuration=BREAKER, diff=True)
    assert result["changed"] is True
    assert described(aws)["deploymentConfiguration"] == {
        "minimumHealthyPercent": 50, "maximumPercent": 150, "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    assert result["diff"]["before"]["deployment_configuration"]["maximum_percent"] == 200
    assert result["diff"]["after"]["deployment_configuration"]["maximum_percent"] == 150
    # A partial setting changes only what it names and keeps the rest.
    partial = run(capsys, aws, deployment_configuration={"maximum_percent": 175})
    assert partial["changed"] is True
    assert described(aws)["deploymentConfiguration"] == {
        "minimumHealthyPercent": 50, "maximumPercent": 175, "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    assert run(capsys, aws, deployment_configuration={"maximum_percent": 175})["changed"] is False


def test_changed_network_configuration_is_applied(aws, capsys):
    run(capsys, aws)
    wider = {"subnets": aws["subnets"], "security_groups": aws["groups"]}
    result = run(capsys, aws, network_configuration=wider)
    assert result["changed"] is True
    vpc = described(aws)["networkConfiguration"]["awsvpcConfiguration"]
    assert (sorted(vpc["subnets"]), sorted(vpc["securityGroups"])) == (sorted(aws["subnets"]), sorted(aws["groups"]))
    # Replacing the security group (same subnets) is a change too.
    other = {"subnets": aws["subnets"], "security_groups": [aws["groups"][1]]}
    assert run(capsys, aws, network_configuration=other)["changed"] is True
    assert described(aws)["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [aws["groups"][1]]
    # Options left out keep the service's values: subnets alone change nothing here.
    assert run(capsys, aws, network_configuration={"subnets": aws["subnets"][::-1]})["changed"] is False


def test_new_task_definition_is_rolled_out_and_waited_for(aws, capsys):
    first = run(capsys, aws, desired_count=2)
    result = run(capsys, aws, task_definition="app:2")
    assert result["changed"] is True
    assert result["deployment"]["id"] != first["deployment"]["id"]
    assert result["deployment"]["task_definition"].endswith(":task-definition/app:2")
    assert result["deployment"]["rollout_state"] == "COMPLETED"
    assert result["service"]["desired_count"] == 2  # desired_count not set: the service keeps its count


def test_never_steady_service_fails_inside_its_budget_with_events_and_stopped_reasons(aws, capsys, clock):
    result = run(capsys, aws, desired_count=2, tags=NEVER_STEADY, wait_timeout=30, wait_sleep=10)
    assert result["failed"] is True
    assert result["changed"] is True
    message = result["msg"]
    assert "did not reach a steady state within 30 s" in message
    assert "IN_PROGRESS; 0 of 2 tasks running" in message
    assert "(service litellm) has started 2 tasks" in message
    assert "is unable to consistently start tasks successfully" in message
    assert "2 tasks: Essential container in task exited [EssentialContainerExited]; container app: exit code 1" in message
    assert "raise wait_timeout (now 30)" in message
    assert len(result["stopped_tasks"]) == 2
    assert all(line.startswith("task ") and " stopped 20" in line and line.count("Z: Essential") == 1 for line in result["stopped_tasks"])
    assert result["deployment"]["rollout_state"] == "IN_PROGRESS"
    # The budget is total: 30 s of (fake) sleeping in pauses doubling from 1 s up to wait_sleep, then it gives up.
    assert clock.sleeps == [1, 2, 4, 8, 10, 5]


def test_circuit_breaker_failure_ends_the_wait_at_once(aws, capsys, clock):
    run(capsys, aws)
    result = run(capsys, aws, task_definition="app:2", deployment_configuration=BREAKER,
                 tags=NEVER_STEADY, wait_timeout=600)
    assert result["failed"] is True
    assert "will not reach a steady state" in result["msg"]
    assert "app:2 failed: ECS deployment circuit breaker: tasks failed to start." in result["msg"]
    assert "raise wait_timeout" not in result["msg"]  # waiting longer would not help
    assert clock.sleeps == []


def test_without_wait_the_module_returns_at_once(aws, capsys, clock):
    result = run(capsys, aws, tags=NEVER_STEADY, wait=False)
    assert result["changed"] is True
    assert result["deployment"]["rollout_state"] == "IN_PROGRESS"
    assert clock.sleeps == []


def test_check_mode_changes_nothing(aws, capsys):
    created = run(capsys, aws, check_mode=True, diff=True)
    assert (created["changed"], created["service"]) == (True, {})
    assert created["diff"]["after"]["task_definition"].endswith(":task-definition/app:1")
    assert described(aws) is None

    run(capsys, aws)
    before = described(aws)
    result = run(capsys, aws, check_mode=True, diff=True, task_definition="app:2", desired_count=3,
                 deployment_configuration=BREAKER, network_configuration={"subnets": aws["subnets"]}, tags={"a": "b"})
    assert result["changed"] is True
    after = described(aws)
    for key in ("taskDefinition", "desiredCount", "deploymentConfiguration", "networkConfiguration", "tags", "deployments"):
        assert after[key] == before[key], key
    assert result["diff"]["after"]["desired_count"] == 3

    deleted = run(capsys, aws, check_mode=True, state="absent")
    assert deleted["changed"] is True
    assert described(aws)["status"] == "ACTIVE"


def test_tags_are_updated_in_place(aws, capsys):
    run(capsys, aws, tags={"a": "1", "b": "2"})
    assert run(capsys, aws, tags={"c": "3"}, purge_tags=False)["changed"] is True
    assert described(aws)["tags"] and {t["key"] for t in described(aws)["tags"]} == {"a", "b", "c"}
    assert run(capsys, aws, tags={"a": "1"})["changed"] is True
    assert described(aws)["tags"] == [{"key": "a", "value": "1"}]
    assert run(capsys, aws)["changed"] is False  # tags not set: not managed


def test_absent_scales_down_and_deletes(aws, capsys):
    run(capsys, aws, desired_count=2)
    result = run(capsys, aws, state="absent", diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    service = described(aws)
    assert (service["status"], service["desiredCount"]) == ("INACTIVE", 0)
    assert run(capsys, aws, state="absent")["changed"] is False
    # A deleted (INACTIVE) service is created anew.
    assert run(capsys, aws)["changed"] is True
    assert described(aws)["status"] == "ACTIVE"


def test_switching_launch_type_to_capacity_providers_is_refused(aws, capsys):
    run(capsys, aws)
    result = run(capsys, aws, capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}])
    assert result["failed"] is True
    assert "runs with launch type FARGATE" in result["msg"] and "state: absent" in result["msg"]
    assert described(aws)["launchType"] == "FARGATE"


def test_missing_task_definition_and_cluster_are_reported(aws, capsys):
    result = run(capsys, aws, task_definition="nope:1", check_mode=True)
    assert result["failed"] is True and "task definition nope:1 does not exist" in result["msg"]
    result = run(capsys, aws, cluster="missing", check_mode=True)
    assert result["failed"] is True and "cluster missing does not exist" in result["msg"]
    assert run(capsys, aws, cluster="missing", state="absent")["changed"] is False


def test_scaled_externally_sets_the_count_only_on_creation(aws, capsys):
    assert run(capsys, aws, desired_count=2, scaled_externally=True)["changed"] is True
    assert described(aws)["desiredCount"] == 2
    aws["ecs"].update_service(cluster="litellm", service="litellm", desiredCount=5)  # what the autoscaler did
    assert run(capsys, aws, desired_count=2, scaled_externally=True)["changed"] is False
    assert described(aws)["desiredCount"] == 5
    # Without the option the given count wins again.
    assert run(capsys, aws, desired_count=2)["changed"] is True
    assert described(aws)["desiredCount"] == 2


def efs_task_definition(aws, file_system_id):
    return aws["ecs"].register_task_definition(
        family="with-efs", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "busybox", "essential": True}],
        volumes=[{"name": "config", "efsVolumeConfiguration": {"fileSystemId": file_system_id, "transitEncryption": "ENABLED"}}],
    )["taskDefinition"]["taskDefinitionArn"]


def test_tasks_that_mount_a_file_system_start_only_once_its_mount_targets_are_available(aws, capsys, clock):
    efs = boto3.client("efs", region_name=REGION)
    fs_id = efs.create_file_system(CreationToken="cfg")["FileSystemId"]
    without = run(capsys, aws, task_definition=efs_task_definition(aws, fs_id), wait_timeout=5, wait_sleep=2)
    assert without["failed"] is True
    assert f"The EFS file system {fs_id}" in without["msg"] and "no available mount targets" in without["msg"]
    assert "no mount target yet" in without["msg"] and "Nothing was changed in the ECS service" in without["msg"]
    assert described(aws) is None  # no service was created
    efs.create_mount_target(FileSystemId=fs_id, SubnetId=aws["subnets"][0])
    clock.sleeps.clear()
    ready = run(capsys, aws, task_definition=efs_task_definition(aws, fs_id))
    assert ready.get("failed") is not True, ready.get("msg")
    assert ready["changed"] is True and clock.sleeps == []  # available at the first look: no wait


def refuse(action):
    def refused(self):  # pylint: disable=unused-argument
        raise JsonRESTError("AccessDeniedException", f"User is not authorized to perform ecs:{action}")
    return refused


def test_an_aws_error_says_what_failed_and_whether_anything_changed(aws, capsys, monkeypatch):
    run(capsys, aws, tags={"a": "1"})
    monkeypatch.setattr(EC2ContainerServiceResponse, "update_service", refuse("UpdateService"))
    result = run(capsys, aws, task_definition="app:2", tags={"a": "2"})
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to update the ECS service litellm in cluster litellm: ")
    assert result["error"]["code"] == "AccessDeniedException"
    assert result["changed"] is True  # the tags were changed before the update was refused
    assert {"key": "a", "value": "2"} in described(aws)["tags"]

    monkeypatch.setattr(EC2ContainerServiceResponse, "create_service", refuse("CreateService"))
    refused = run(capsys, aws, name="other")
    assert refused["msg"].startswith("Failed to create the ECS service other in cluster litellm: ")
    assert refused["changed"] is False  # nothing was created


def test_stopped_tasks_that_cannot_be_read_are_left_to_the_diagnostics(aws, capsys, clock, monkeypatch):  # pylint: disable=unused-argument
    monkeypatch.setattr(EC2ContainerServiceResponse, "list_tasks", refuse("ListTasks"))
    result = run(capsys, aws, desired_count=2, tags=NEVER_STEADY, wait_timeout=30, wait_sleep=10)
    assert result["failed"] is True and "did not reach a steady state within 30 s" in result["msg"]
    # No "none found": the message leaves the section out, and without stopped_tasks the role's rescue asks the
    # diagnostics for them.
    assert "Stopped tasks" not in result["msg"]
    assert "stopped_tasks" not in result
    assert "Failed to list the stopped tasks of the ECS service litellm" in json.dumps(result.get("warnings"))
