"""The ecs_service_diagnostics module against moto in-process, with the emulator's fidelity patches applied.

A service tagged ``localaws:never-steady`` gets STOPPED tasks (exit code 1) and failure events from the patched
moto; the test writes log lines into a stopped task's awslogs stream and registers a stopped EC2 instance in a
target group (the one way moto reports a target that is not healthy, with a reason). The module must bring
all of it into one message, mask keys, stay within max_chars, and degrade to notes where something is missing.
"""

from __future__ import annotations

import time

import boto3
import pytest
from localaws import patches

from ansible_collections.llmops.litellm_ecs.plugins.modules import ecs_service_diagnostics
from module_runner import run_module

REGION = "us-east-1"
LOG_GROUP = "/ecs/litellm"
PREFIX = "ecs"


@pytest.fixture(name="aws")
def fixture_aws(monkeypatch, mocked_aws):  # pylint: disable=unused-argument
    """A cluster, a task definition logging with awslogs, and a never-steady service with 2 stopped tasks."""
    monkeypatch.delenv(patches.NEVER_STEADY_ENV, raising=False)
    patches.apply_all()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="litellm", Description="litellm", VpcId=vpc)["GroupId"]
    ecs = boto3.client("ecs", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)
    ecs.create_cluster(clusterName="litellm")
    logs.create_log_group(logGroupName=LOG_GROUP)
    ecs.register_task_definition(
        family="litellm", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{
            "name": "litellm", "image": "ghcr.io/berriai/litellm", "essential": True,
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": LOG_GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": PREFIX}},
        }])
    ecs.create_service(
        cluster="litellm", serviceName="litellm", taskDefinition="litellm:1", desiredCount=2, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        tags=[{"key": patches.NEVER_STEADY_TAG, "value": "true"}])
    stopped = ecs.list_tasks(cluster="litellm", serviceName="litellm", desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 2
    return {"ecs": ecs, "logs": logs, "ec2": ec2, "vpc": vpc, "subnet": subnet, "stopped": stopped}


def put_logs(aws, stream, messages):
    aws["logs"].create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    now = int(time.time() * 1000)
    aws["logs"].put_log_events(logGroupName=LOG_GROUP, logStreamName=stream,
                               logEvents=[{"timestamp": now + i, "message": message} for i, message in enumerate(messages)])


def stream_of(task_arn):
    return f"{PREFIX}/litellm/{task_arn.rsplit('/', 1)[-1]}"


def run(capsys, **args):
    args.setdefault("cluster", "litellm")
    args.setdefault("service", "litellm")
    return run_module(ecs_service_diagnostics.main, capsys, **args)


def stopped_instance_target_group(aws):
    """A target group with one registered EC2 instance that is stopped (moto: unused, Target.InvalidState)."""
    elbv2 = boto3.client("elbv2", region_name=REGION)
    arn = elbv2.create_target_group(Name="litellm", Protocol="HTTP", Port=4000, VpcId=aws["vpc"],
                                    TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    image = aws["ec2"].describe_images()["Images"][0]["ImageId"]
    instance = aws["ec2"].run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=aws["subnet"])["Instances"][0]["InstanceId"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance, "Port": 4000}])
    aws["ec2"].stop_instances(InstanceIds=[instance])
    return arn, instance


def test_message_brings_events_stopped_reasons_targets_and_log_lines(aws, capsys):
    task = aws["ecs"].describe_tasks(cluster="litellm", tasks=aws["stopped"])["tasks"][0]["taskArn"]
    put_logs(aws, stream_of(task), ["INFO: Started server process", "ERROR: Invalid config: model_list is empty",
                                    "Traceback: proxy exited with code 1"])
    target_group, instance = stopped_instance_target_group(aws)

    result = run(capsys, target_group_arn=target_group, context="The service did not reach a steady state.")
    assert result["changed"] is False and "failed" not in result
    message = result["message"]
    assert message.startswith("The service did not reach a steady state.\n\nECS service litellm in cluster litellm: ACTIVE, 0 of 2")
    # Deployment, stopped tasks (folded: both stopped for the same reason), events, target, log lines.
    assert "PRIMARY, rollout IN_PROGRESS" in message and "2 failed" in message
    assert ("2 tasks: Essential container in task exited [EssentialContainerExited]; container litellm: exit code 1"
            in message)
    assert "is unable to consistently start tasks successfully" in message
    assert "(service litellm) has started 2 tasks" in message
    assert f"1 unused: Target.InvalidState - Target is in the stopped state ({instance}:4000)" in message
    assert f"Last 3 log lines of {LOG_GROUP} {stream_of(task)} (the latest stopped task that logged)" in message
    assert "ERROR: Invalid config: model_list is empty" in message
    assert message.index("Started server process") < message.index("proxy exited with code 1")  # oldest first

    assert [line["message"] for line in result["log_lines"]][-1] == "Traceback: proxy exited with code 1"
    assert {line["stream"] for line in result["log_lines"]} == {stream_of(task)}
    assert len(result["stopped_tasks"]) == 2
    assert result["stopped_tasks"][0]["containers"][0] == {"name": "litellm", "exit_code": 1, "reason": None, "last_status": "STOPPED"}
    assert result["stopped_tasks"][0]["stop_code"] == "EssentialContainerExited"
    assert result["deployments"][0]["rollout_state"] == "IN_PROGRESS"
    assert result["deployments"][0]["failed_tasks"] == 2
    assert result["targets"] == [{"target_group_arn": target_group, "id": instance, "port": 4000, "availability_zone": None,
                                  "state": "unused", "reason": "Target.InvalidState", "description": "Target is in the stopped state"}]
    assert result["events"][0]["message"].endswith("is unable to consistently start tasks successfully. For more information, "
                                                   "see the Troubleshooting section of the Amazon ECS Developer Guide.")
    assert result["notes"] == []


def test_sections_leave_out_what_the_rollout_message_said(aws, capsys):
    task = aws["stopped"][0]
    put_logs(aws, stream_of(task), ["ERROR: Invalid config: model_list is empty"])
    target_group, instance = stopped_instance_target_group(aws)
    result = run(capsys, target_group_arn=target_group, sections=["log_lines", "targets"])
    message = result["message"]
    assert message.startswith(f"Target group litellm: 1 of 1 targets not healthy:\n  - 1 unused: Target.InvalidState - Target is in the "
                              f"stopped state ({instance}:4000)\n\nLast 1 log lines of {LOG_GROUP} {stream_of(task)}")
    assert "ERROR: Invalid config: model_list is empty" in message
    for left_out in ("ECS service litellm", "deployment", "Stopped tasks", "Service events", "Essential container", "has started"):
        assert left_out not in message
    assert (result["events"], result["stopped_tasks"], result["deployments"], result["notes"]) == ([], [], [], [])
    assert (len(result["targets"]), len(result["log_lines"])) == (1, 1)


def test_keys_in_log_lines_are_masked(aws, capsys):
    put_logs(aws, stream_of(aws["stopped"][0]), [
        "litellm.AuthenticationError: Incorrect API key provided: sk-proj-abcdef1234567890",
        "headers={'Authorization': 'Bearer sk-1234secretmasterkey'}",
        "DATABASE_URL=postgresql://llm:hunter2pass@db.internal:5432/litellm",
    ])
    put_logs(aws, stream_of(aws["stopped"][1]), ["LITELLM_MASTER_KEY=sk-1234secretmasterkey"])
    result = run(capsys)
    text = result["message"] + repr(result["log_lines"])
    for secret in ("abcdef1234567890", "sk-1234secretmasterkey", "hunter2pass"):
        assert secret not in text
    assert "Incorrect API key provided: sk-***" in result["message"]
    assert "postgresql://llm:***@db.internal:5432/litellm" in result["message"]


def test_message_never_exceeds_max_chars(aws, capsys):
    put_logs(aws, stream_of(aws["stopped"][0]), [f"log line {i} " + "x" * 150 for i in range(50)])
    full = run(capsys, log_lines=50, max_chars=100000)
    assert len(full["message"]) > 4000
    assert "log line 0 " in full["message"]

    result = run(capsys, log_lines=50)
    assert len(result["message"]) <= 4000
    assert "more omitted" in result["message"]
    assert "log line 49 " in result["message"] and "log line 0 " not in result["message"]  # the oldest lines go first
    assert "Essential container in task exited" in result["message"]  # the reasons stay
    assert len(result["log_lines"]) == 50  # the result keeps everything

    tiny = run(capsys, log_lines=50, max_chars=200, context="ctx " * 100)
    assert len(tiny["message"]) <= 200 and tiny["message"].endswith("...")


def test_a_missing_service_degrades_to_a_note(aws, capsys):
    result = run(capsys, service="gone", log_group=LOG_GROUP, log_stream_prefix=PREFIX)
    assert "failed" not in result and result["changed"] is False
    assert "ECS service gone in cluster litellm: not found (MISSING)." in result["message"]
    assert (result["stopped_tasks"], result["deployments"], result["events"]) == ([], [], [])

    no_cluster = run(capsys, cluster="nowhere")
    assert "failed" not in no_cluster
    assert "ECS service litellm in cluster nowhere: the cluster nowhere was not found." in no_cluster["message"]
    assert "log lines: no task definition to read the log group from" in no_cluster["message"]


def test_missing_log_group_and_target_group_are_notes(aws, capsys):
    aws["logs"].delete_log_group(logGroupName=LOG_GROUP)
    missing_tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef"
    result = run(capsys, target_group_arn=missing_tg)
    assert "failed" not in result
    assert "Not available:" in result["message"]
    assert f"target health of {missing_tg}: TargetGroupNotFound" in result["message"]
    assert f"log lines ({LOG_GROUP}): ResourceNotFoundException" in result["message"]
    assert "Essential container in task exited" in result["message"]  # the rest is still there


def test_falls_back_to_the_newest_stream_without_stopped_tasks(aws, capsys):
    put_logs(aws, f"{PREFIX}/litellm/older", ["old line"])
    put_logs(aws, f"{PREFIX}/litellm/newer", ["newest line"])
    put_logs(aws, "other/sidecar/x", ["not the proxy"])
    result = run(capsys, stopped_task_limit=0)
    assert f"{LOG_GROUP} {PREFIX}/litellm/newer (the newest stream: no stopped task is known)" in result["message"]
    assert [line["message"] for line in result["log_lines"]] == ["newest line"]
    # With stopped tasks whose streams do not exist, the fallback says so.
    result = run(capsys)
    assert "(the newest stream: no stopped task's stream has any)" in result["message"]


def test_check_mode_reads_the_same(aws, capsys):
    normal = run(capsys)
    checked = run_module(ecs_service_diagnostics.main, capsys, check_mode=True, cluster="litellm", service="litellm")
    assert checked["changed"] is False
    assert checked["message"] == normal["message"]


def test_invalid_options_fail(aws, capsys):
    assert "max_chars must be at least 200" in run(capsys, max_chars=50)["msg"]
    assert "log_lines must be 0 or more" in run(capsys, log_lines=-1)["msg"]
    assert "sections" in run(capsys, sections=["verdict"])["msg"]
