"""Normalising and comparing task definitions: a request must compare equal to what ECS describes for it."""

from __future__ import annotations

import copy
import datetime

import botocore.session
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import MAP_KEYS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import OWN_OPTION_KEYS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import RESPONSE_ONLY_KEYS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import TaskDefinitionError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import check_definition
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import check_family
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import coerce
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import describe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import differences
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import family_revision
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import latest_arn
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import normalize
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import revisions_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import task_units

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/{}:{}"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm-master-key-AbCdEf"

# What a playbook asks for: a Fargate LiteLLM task, leaving out everything ECS defaults.
REQUEST = {
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "1 vCPU",
    "memory": 2048,
    "executionRoleArn": "arn:aws:iam::123456789012:role/litellm-execution",
    "containerDefinitions": [
        {
            "name": "litellm",
            "image": "ghcr.io/berriai/litellm:main-stable",
            "command": ["--config", "/app/config.yaml", "--port", "4000"],
            "portMappings": [{"containerPort": 4000}],
            "environment": [{"name": "CONFIG_SHA256", "value": "abc"}, {"name": "AWS_REGION", "value": "us-east-1"}],
            "secrets": [{"name": "LITELLM_MASTER_KEY", "valueFrom": SECRET}],
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}],
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:4000/health/liveliness || exit 1"]},
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/litellm"}},
        },
    ],
    "volumes": [{"name": "data", "efsVolumeConfiguration": {
        "fileSystemId": "fs-1", "transitEncryption": "ENABLED", "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}],
}

# What DescribeTaskDefinition returns for it on AWS (response-only fields, defaults filled in, empty lists).
DESCRIBED = {
    "taskDefinitionArn": ARN.format("litellm", 3),
    "family": "litellm",
    "revision": 3,
    "status": "ACTIVE",
    "compatibilities": ["EC2", "FARGATE"],
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
    "registeredAt": datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc),
    "registeredBy": "arn:aws:sts::123456789012:assumed-role/deployer/ansible",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "1024",
    "memory": "2048",
    "executionRoleArn": "arn:aws:iam::123456789012:role/litellm-execution",
    "placementConstraints": [],
    "containerDefinitions": [
        {
            "name": "litellm",
            "image": "ghcr.io/berriai/litellm:main-stable",
            "cpu": 0,
            "command": ["--config", "/app/config.yaml", "--port", "4000"],
            "portMappings": [{"containerPort": 4000, "hostPort": 4000, "protocol": "tcp"}],
            "essential": True,
            "environment": [{"name": "AWS_REGION", "value": "us-east-1"}, {"name": "CONFIG_SHA256", "value": "abc"}],
            "secrets": [{"name": "LITELLM_MASTER_KEY", "valueFrom": SECRET}],
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": False}],
            "volumesFrom": [],
            "systemControls": [],
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:4000/health/liveliness || exit 1"],
                            "interval": 30, "timeout": 5, "retries": 3},
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/litellm"}, "secretOptions": []},
        },
    ],
    "volumes": [{"name": "data", "configuredAtLaunch": False, "efsVolumeConfiguration": {
        "fileSystemId": "fs-1", "rootDirectory": "/", "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}],
}


def ecs_model():
    return botocore.session.get_session().get_service_model("ecs")


def register_shape():
    return ecs_model().operation_model("RegisterTaskDefinition").input_shape


def changed(request=None, **container_changes):
    """REQUEST with the container's fields replaced."""
    request = copy.deepcopy(request or REQUEST)
    request["containerDefinitions"][0].update(container_changes)
    return request


# A request compares equal to what ECS describes for it


def test_request_equals_its_aws_description():
    assert normalize(REQUEST) == normalize(DESCRIBED)
    assert differences(normalize(DESCRIBED), normalize(REQUEST)) == []


def test_normalize_does_not_modify_its_input():
    before = copy.deepcopy(DESCRIBED)
    normalize(DESCRIBED)
    assert DESCRIBED == before


def test_response_only_fields_are_dropped():
    assert not set(RESPONSE_ONLY_KEYS) & set(normalize(DESCRIBED))
    assert "family" not in normalize(DESCRIBED)


def test_response_only_keys_follow_botocores_model():
    """If botocore's ECS model grows a response-only field, the list must grow with it."""
    model = ecs_model()
    response = set(model.shape_for("TaskDefinition").members)
    request = set(register_shape().members)
    assert set(RESPONSE_ONLY_KEYS) == response - request
    assert request - response == {"tags"}
    assert set(OWN_OPTION_KEYS) == {"family", "tags"}


def test_map_keys_are_every_map_in_the_request():
    found = set()

    def walk(shape, seen):
        for name, member in getattr(shape, "members", {}).items():
            if member.type_name == "map":
                found.add(name)
            target = member.member if member.type_name == "list" else member
            if target.name not in seen:
                walk(target, seen | {target.name})

    walk(register_shape(), set())
    assert found == set(MAP_KEYS)


# Order-insensitive where ECS is, value-sensitive everywhere


def test_environment_order_does_not_matter():
    reordered = changed(environment=list(reversed(REQUEST["containerDefinitions"][0]["environment"])))
    assert normalize(reordered) == normalize(REQUEST)


def test_one_environment_value_matters():
    env = [{"name": "CONFIG_SHA256", "value": "def"}, {"name": "AWS_REGION", "value": "us-east-1"}]
    after = normalize(changed(environment=env))
    assert after != normalize(DESCRIBED)
    # Sorted by name: AWS_REGION first, CONFIG_SHA256 second.
    assert differences(normalize(DESCRIBED), after) == ["containerDefinitions[0].environment[1].value"]


def test_environment_names_matter_with_equal_length():
    env = [{"name": "CONFIG_SHA", "value": "abc"}, {"name": "AWS_REGION", "value": "us-east-1"}]
    assert normalize(changed(environment=env)) != normalize(REQUEST)


def test_secrets_compare_as_a_set():
    two = [{"name": "B", "valueFrom": SECRET + "b"}, {"name": "A", "valueFrom": SECRET + "a"}]
    assert normalize(changed(secrets=two)) == normalize(changed(secrets=list(reversed(two))))
    other = [{"name": "B", "valueFrom": SECRET + "a"}, {"name": "A", "valueFrom": SECRET + "b"}]
    assert normalize(changed(secrets=two)) != normalize(changed(secrets=other))


@pytest.mark.parametrize("command", [
    ["--config", "/app/config.yaml", "--port", "4001"],  # one element changed
    ["--port", "4000", "--config", "/app/config.yaml"],  # same elements, other order
])
def test_command_is_ordered_and_exact(command):
    assert normalize(changed(command=command)) != normalize(DESCRIBED)


def test_entry_point_is_ordered():
    assert normalize(changed(entryPoint=["a", "b"])) != normalize(changed(entryPoint=["b", "a"]))


def test_mount_points_are_compared_exactly():
    other = [{"sourceVolume": "data", "containerPath": "/other"}]
    assert normalize(changed(mountPoints=other)) != normalize(DESCRIBED)


def test_containers_are_matched_by_name_not_position():
    sidecar = {"name": "a-sidecar", "image": "busybox", "essential": False}
    one = copy.deepcopy(REQUEST)
    one["containerDefinitions"].append(sidecar)
    two = copy.deepcopy(REQUEST)
    two["containerDefinitions"].insert(0, sidecar)
    assert normalize(one) == normalize(two)


# Task-level cpu and memory


@pytest.mark.parametrize("cpu", [1024, "1024", "1 vCPU", "1vcpu", " 1 VCPU "])
def test_cpu_spellings_are_equal(cpu):
    assert normalize({"cpu": cpu})["cpu"] == "1024"


@pytest.mark.parametrize("memory", [2048, "2048", "2 GB", "2GB"])
def test_memory_spellings_are_equal(memory):
    assert normalize({"memory": memory})["memory"] == "2048"


def test_task_units():
    assert task_units("0.25 vCPU", "vcpu") == "256"
    assert task_units("0.5 GB", "gb") == "512"
    assert task_units("512 MiB", "gb") == "512 MiB"  # not understood: left as it is, for ECS to judge
    assert task_units(None, "vcpu") is None


@pytest.mark.parametrize("field,value", [("cpu", "2048"), ("memory", "4096")])
def test_task_cpu_and_memory_changes_matter(field, value):
    assert normalize(dict(REQUEST, **{field: value})) != normalize(DESCRIBED)


# Defaults ECS fills in, and values that mean "not set"


def test_container_defaults():
    bare = normalize({"networkMode": "awsvpc", "containerDefinitions": [{"name": "c", "image": "i"}]})
    filled = normalize({"networkMode": "awsvpc", "containerDefinitions": [
        {"name": "c", "image": "i", "essential": True, "cpu": 0, "environment": [], "mountPoints": [], "volumesFrom": [],
         "portMappings": [], "systemControls": [], "privileged": False, "versionConsistency": "enabled"}]})
    assert bare == filled


def test_non_essential_container_differs_from_default():
    essential = normalize({"containerDefinitions": [{"name": "c", "image": "i"}]})
    non_essential = normalize({"containerDefinitions": [{"name": "c", "image": "i", "essential": False}]})
    assert essential != non_essential
    assert non_essential["containerDefinitions"][0]["essential"] is False


def test_awsvpc_host_port_defaults_to_container_port():
    container = {"name": "c", "image": "i", "portMappings": [{"containerPort": 80}]}
    mapping = normalize({"networkMode": "awsvpc", "containerDefinitions": [container]})["containerDefinitions"][0]["portMappings"][0]
    assert mapping == {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}


def test_bridge_host_port_zero_is_dynamic_like_omitted():
    def mapping(**extra):
        container = {"name": "c", "image": "i", "memory": 128, "portMappings": [{"containerPort": 80, **extra}]}
        return normalize({"containerDefinitions": [container]})["containerDefinitions"][0]["portMappings"][0]
    assert mapping() == mapping(hostPort=0) == {"containerPort": 80, "protocol": "tcp"}
    assert mapping(hostPort=8080) != mapping()


def test_network_mode_defaults_to_bridge_except_on_windows():
    assert normalize({})["networkMode"] == "bridge"
    assert normalize({}) == normalize({"networkMode": "bridge"})
    windows = {"runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}}
    assert "networkMode" not in normalize(windows)


def test_health_check_defaults():
    short = normalize(changed(healthCheck={"command": ["CMD", "true"]}))
    full = normalize(changed(healthCheck={"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3}))
    assert short == full
    assert normalize(changed(healthCheck={"command": ["CMD", "true"], "interval": 10})) != short


def test_efs_defaults_are_equal_to_omitted():
    def volume(**efs):
        return normalize({"volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", **efs}}]})
    assert volume() == volume(rootDirectory="/") == volume(transitEncryption="DISABLED")
    assert volume(authorizationConfig={"iam": "DISABLED"}) == volume()
    assert volume(rootDirectory="/data") != volume()
    assert volume(transitEncryption="ENABLED") != volume()


def test_volumes_are_matched_by_name():
    a, b = {"name": "a", "host": {"sourcePath": "/a"}}, {"name": "b"}
    assert normalize({"volumes": [a, b]}) == normalize({"volumes": [b, a]})


def test_maps_are_compared_exactly():
    labels = normalize(changed(dockerLabels={"com.example.Team": "ml"}))
    assert labels["containerDefinitions"][0]["dockerLabels"] == {"com.example.Team": "ml"}
    assert normalize(changed(dockerLabels={"com.example.Team": "ops"})) != labels


# Typing module input the way the API wants it


def test_coerce_follows_the_api_types():
    request = coerce({
        "cpu": 512,
        "memory": 1024,
        "ephemeralStorage": {"sizeInGiB": "30"},
        "containerDefinitions": [{
            "name": "c", "image": "i", "memory": "512", "essential": "yes",
            "portMappings": [{"containerPort": "4000"}],
            "environment": [{"name": "PORT", "value": 4000}, {"name": "DEBUG", "value": False}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-create-group": True}},
            "dockerLabels": {"n": 1},
            "notAField": "kept",
        }],
    }, register_shape())
    container = request["containerDefinitions"][0]
    assert (request["cpu"], request["memory"], request["ephemeralStorage"]) == ("512", "1024", {"sizeInGiB": 30})
    assert (container["memory"], container["essential"], container["portMappings"]) == (512, True, [{"containerPort": 4000}])
    assert container["environment"] == [{"name": "PORT", "value": "4000"}, {"name": "DEBUG", "value": "false"}]
    assert container["logConfiguration"]["options"] == {"awslogs-create-group": "true"}
    assert container["dockerLabels"] == {"n": "1"}
    assert container["notAField"] == "kept"  # for botocore's validation to report


def test_coerce_leaves_what_it_cannot_convert():
    shape = register_shape()
    assert coerce({"containerDefinitions": [{"memory": "lots"}]}, shape) == {"containerDefinitions": [{"memory": "lots"}]}
    assert coerce({"containerDefinitions": [{"essential": "maybe"}]}, shape)["containerDefinitions"][0]["essential"] == "maybe"


# Checking module input


def test_check_family():
    assert check_family("litellm-proxy_2") == "litellm-proxy_2"
    for bad in ("", "lite:llm", "a" * 256, None):
        with pytest.raises(TaskDefinitionError, match="family"):
            check_family(bad)


@pytest.mark.parametrize("definition,message", [
    (dict(REQUEST, family="x"), "module options family"),
    (dict(REQUEST, tags=[]), "module options family, tags"),
    (dict(REQUEST, revision=3, taskDefinitionArn="x"), "ECS sets itself"),
    (dict(REQUEST, containers=[]), "does not know"),
    ({"cpu": "256"}, "containerDefinitions must be a non-empty list"),
    ({"containerDefinitions": [{"name": "c"}]}, r"containerDefinitions\[0\] must be a dictionary with at least name and image"),
    ([], "must be a dictionary"),
])
def test_check_definition_says_what_is_wrong(definition, message):
    with pytest.raises(TaskDefinitionError, match=message):
        check_definition(definition, register_shape().members)


def test_check_definition_accepts_the_request():
    assert check_definition(REQUEST, register_shape().members) is REQUEST


# Revisions


def test_latest_arn_is_the_highest_revision_of_exactly_that_family():
    arns = [ARN.format("litellm", 2), ARN.format("litellm", 10), ARN.format("litellm-worker", 99), ARN.format("litellm", 9)]
    assert latest_arn(arns, "litellm") == ARN.format("litellm", 10)
    assert list(revisions_of(arns, "litellm")) == [2, 9, 10]
    assert latest_arn([], "litellm") is None


# What the module returns


def test_describe_snake_cases_keys_but_not_data():
    described = describe(changed(DESCRIBED, dockerLabels={"com.example.MyLabel": "x"}), {"Project": "litellm"})
    container = described["container_definitions"][0]
    assert described["task_definition_arn"] == ARN.format("litellm", 3)
    assert described["registered_at"] == "2026-11-29T12:00:00Z"
    assert container["docker_labels"] == {"com.example.MyLabel": "x"}
    assert container["log_configuration"]["options"] == {"awslogs-group": "/ecs/litellm"}
    assert container["secrets"] == [{"name": "LITELLM_MASTER_KEY", "value_from": SECRET}]
    assert {"name": "CONFIG_SHA256", "value": "abc"} in container["environment"]
    assert described["tags"] == {"Project": "litellm"}
    assert describe({}, {}) == {}


def test_family_revision():
    assert family_revision(DESCRIBED) == "litellm:3"
    assert family_revision(dict(REQUEST, family="litellm")) is None
    assert family_revision({}) is None


def test_differences_lists_paths():
    assert differences({"a": [1, 2], "b": {"c": 1}}, {"a": [1, 3], "b": {"c": 1, "d": 2}}) == ["a[1]", "b.d"]
    assert differences({"a": [1]}, {"a": [1, 2]}) == ["a"]
