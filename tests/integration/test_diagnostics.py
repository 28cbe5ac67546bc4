"""ecs_service_diagnostics on the emulator: a service whose tasks crash fails its steady-state wait, and the failure message
the rescue composes with ecs_service_diagnostics shows the stopped tasks' reasons and exit codes, the service
events and the last log lines of a stopped task's awslogs stream."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.emulator

PLAYBOOK = Path(__file__).parent / "playbooks" / "diagnostics.yml"
NAME = "diag"
LOG_GROUP = "/ecs/diag"
PREFIX = "diag"
CRASH = "ValueError: model_list[0] has no litellm_params.model - the proxy cannot start"


@pytest.fixture(scope="module", name="crashing_service")
def fixture_crashing_service(aws):
    """A cluster and a never-steady service (tagged for the emulator) with stopped tasks, one of which logged."""
    ec2, ecs, logs = aws("ec2"), aws("ecs"), aws("logs")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"{NAME}-tasks", Description="diagnostics test", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName=NAME)
    logs.create_log_group(logGroupName=LOG_GROUP)
    definition = ecs.register_task_definition(
        family=NAME, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{
            "name": "litellm", "image": "ghcr.io/berriai/litellm:main-stable", "essential": True,
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": LOG_GROUP, "awslogs-region": "us-east-1", "awslogs-stream-prefix": PREFIX}},
        }])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=NAME, serviceName=NAME, taskDefinition=definition, desiredCount=2, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        tags=[{"key": "localaws:never-steady", "value": "true"}])
    stopped = ecs.list_tasks(cluster=NAME, serviceName=NAME, desiredStatus="STOPPED")["taskArns"]
    assert stopped, "the emulator made no stopped tasks for the never-steady service"
    stream = f"{PREFIX}/litellm/{stopped[0].rsplit('/', 1)[-1]}"
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=[
        {"timestamp": now, "message": "INFO:     Started server process [1]"},
        {"timestamp": now + 1, "message": "Using master key sk-diag-secret-master-key"},
        {"timestamp": now + 2, "message": CRASH},
    ])
    yield {"task_definition": definition, "stream": stream}
    ecs.update_service(cluster=NAME, service=NAME, desiredCount=0)
    ecs.delete_service(cluster=NAME, service=NAME)
    ecs.delete_cluster(cluster=NAME)
    logs.delete_log_group(logGroupName=LOG_GROUP)
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


def test_failed_steady_wait_fails_with_stopped_reasons_events_and_log_lines(crashing_service, run_site):
    run = run_site({"diagnostics_cluster": NAME, "diagnostics_service": NAME,
                    "diagnostics_task_definition": crashing_service["task_definition"]}, playbook=PLAYBOOK)
    assert run.rc != 0, run.tail()
    output = run.output
    # The rescue ran, and the play failed in its fail task with the diagnostics as the message.
    assert "TASK [Fail with the diagnostics]" in output, run.tail()
    fatal = output[output.index("TASK [Fail with the diagnostics]"):]
    assert "FAILED!" in fatal, run.tail()
    assert "Run the service and wait until it is steady failed: The ECS service diag in cluster diag did not reach" in fatal
    assert "Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1" in fatal
    assert "(service diag) is unable to consistently start tasks successfully" in fatal
    assert "(service diag) has started 2 tasks" in fatal
    assert f"log lines of {LOG_GROUP} {crashing_service['stream']}" in fatal
    assert CRASH in fatal
    assert "sk-diag-secret-master-key" not in output  # a key in a log line is masked
    assert "Using master key sk-***" in fatal
