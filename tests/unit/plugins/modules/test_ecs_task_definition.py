"""The module against moto in-process (no network).

Each behaviour here is one that community.aws 10.0.0 ecs_taskdefinition gets wrong: it misses a changed
environment value, command element or task cpu/memory, re-registers unchanged EFS volumes, re-uses an
older matching revision and shows no diff in check mode.
"""

from __future__ import annotations

import copy

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError

from ansible_collections.llmops.litellm_ecs.plugins.modules import ecs_task_definition
from module_runner import run_module

REGION = "us-east-1"
FAMILY = "litellm"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm-master-key-AbCdEf"
DEFINITION = {
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "512",
    "memory": "1024",
    "executionRoleArn": "arn:aws:iam::123456789012:role/litellm-execution",
    "containerDefinitions": [
        {
            "name": "litellm",
            "image": "ghcr.io/berriai/litellm:main-stable",
            "command": ["--config", "/app/config.yaml", "--port", "4000"],
            "portMappings": [{"containerPort": 4000}],
            "environment": [
                {"name": "CONFIG_SHA256", "value": "1111"},
                {"name": "AWS_REGION", "value": "us-east-1"},
                {"name": "LITELLM_LOG", "value": "INFO"},
            ],
            "secrets": [{"name": "LITELLM_MASTER_KEY", "valueFrom": SECRET}],
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/litellm", "awslogs-region": REGION}},
        },
    ],
    # No rootDirectory: ECS (and moto) describe it as "/".
    "volumes": [{"name": "data", "efsVolumeConfiguration": {
        "fileSystemId": "fs-0123456789abcdef0", "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": "fsap-0123456789abcdef0", "iam": "ENABLED"}}}],
}


@pytest.fixture(name="ecs")
def fixture_ecs(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("ecs", region_name=REGION)


def run(capsys, check_mode=False, diff=False, **args):
    return run_module(ecs_task_definition.main, capsys, check_mode=check_mode, diff=diff, **args)


def ensure(capsys, definition=None, **args):
    return run(capsys, family=FAMILY, definition=definition or DEFINITION, **args)


def edited(**container_changes):
    """DEFINITION with fields of its container replaced."""
    definition = copy.deepcopy(DEFINITION)
    definition["containerDefinitions"][0].update(container_changes)
    return definition


def with_env(name, value):
    env = [dict(item, value=value) if item["name"] == name else item for item in DEFINITION["containerDefinitions"][0]["environment"]]
    return edited(environment=env)


def active(ecs):
    return ecs.list_task_definitions(familyPrefix=FAMILY, status="ACTIVE")["taskDefinitionArns"]


def tags_of(ecs, arn):
    return {tag["key"]: tag["value"] for tag in ecs.list_tags_for_resource(resourceArn=arn)["tags"]}


# Registering and idempotence


def test_registers_the_first_revision(ecs, capsys):
    result = ensure(capsys, tags={"Project": "litellm"})
    assert result["changed"] is True
    assert result["family_revision"] == "litellm:1"
    assert result["task_definition"]["revision"] == 1
    assert active(ecs) == [result["task_definition"]["task_definition_arn"]]
    assert tags_of(ecs, active(ecs)[0]) == {"Project": "litellm"}
    container = result["task_definition"]["container_definitions"][0]
    assert {"name": "CONFIG_SHA256", "value": "1111"} in container["environment"]
    assert container["log_configuration"]["options"]["awslogs-group"] == "/ecs/litellm"


def test_second_run_changes_nothing(ecs, capsys):
    first = ensure(capsys, tags={"Project": "litellm"})
    second = ensure(capsys, tags={"Project": "litellm"})
    assert (first["changed"], second["changed"]) == (True, False)
    assert second["family_revision"] == "litellm:1"
    assert second["differences"] == []
    assert len(active(ecs)) == 1


def test_one_environment_value_registers_exactly_one_new_revision(ecs, capsys):
    ensure(capsys)
    changed = ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    again = ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    assert changed["changed"] is True
    assert changed["family_revision"] == "litellm:2"
    assert changed["differences"] == ["containerDefinitions[0].environment[1].value"]
    assert again["changed"] is False
    assert again["family_revision"] == "litellm:2"
    assert len(active(ecs)) == 2
    env = ecs.describe_task_definition(taskDefinition="litellm:2")["taskDefinition"]["containerDefinitions"][0]["environment"]
    assert {"name": "CONFIG_SHA256", "value": "2222"} in env


@pytest.mark.parametrize("field,value", [("cpu", "1024"), ("memory", "2048")])
def test_task_cpu_or_memory_change_registers_a_new_revision(ecs, capsys, field, value):
    ensure(capsys)
    result = ensure(capsys, definition=dict(DEFINITION, **{field: value}))
    assert result["changed"] is True
    assert result["family_revision"] == "litellm:2"
    assert result["task_definition"][field] == value
    assert result["differences"] == [field]


def test_cpu_and_memory_spelling_changes_nothing(ecs, capsys):
    ensure(capsys)
    result = ensure(capsys, definition=dict(DEFINITION, cpu=512, memory="1 GB"))
    assert result["changed"] is False
    assert len(active(ecs)) == 1


def test_reordered_environment_changes_nothing(ecs, capsys):
    ensure(capsys)
    reordered = edited(environment=list(reversed(DEFINITION["containerDefinitions"][0]["environment"])))
    result = ensure(capsys, definition=reordered)
    assert result["changed"] is False
    assert result["family_revision"] == "litellm:1"
    assert len(active(ecs)) == 1


@pytest.mark.parametrize("command", [
    ["--config", "/app/config.yaml", "--port", "4001"],
    ["--port", "4000", "--config", "/app/config.yaml"],
])
def test_changed_command_registers_a_new_revision(ecs, capsys, command):
    ensure(capsys)
    result = ensure(capsys, definition=edited(command=command))
    assert result["changed"] is True
    assert result["family_revision"] == "litellm:2"
    described = ecs.describe_task_definition(taskDefinition="litellm:2")["taskDefinition"]
    assert described["containerDefinitions"][0]["command"] == command


def test_changed_mount_point_registers_a_new_revision(ecs, capsys):
    ensure(capsys)
    result = ensure(capsys, definition=edited(mountPoints=[{"sourceVolume": "data", "containerPath": "/var/lib/litellm"}]))
    assert result["changed"] is True
    assert len(active(ecs)) == 2


@pytest.mark.parametrize("root_directory", [None, "/"])
def test_efs_volume_with_the_same_settings_changes_nothing(ecs, capsys, root_directory):
    definition = copy.deepcopy(DEFINITION)
    if root_directory:
        definition["volumes"][0]["efsVolumeConfiguration"]["rootDirectory"] = root_directory
    ensure(capsys)
    described = ecs.describe_task_definition(taskDefinition="litellm:1")["taskDefinition"]
    assert described["volumes"][0]["efsVolumeConfiguration"]["rootDirectory"] == "/"  # filled in by ECS
    result = ensure(capsys, definition=definition)
    assert result["changed"] is False
    assert len(active(ecs)) == 1


def test_compares_with_the_latest_revision_not_an_older_match(ecs, capsys):
    ensure(capsys)
    ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    back = ensure(capsys)  # equal to revision 1, but revision 2 is the latest
    assert back["changed"] is True
    assert back["family_revision"] == "litellm:3"


def test_deregistered_revisions_are_not_compared(ecs, capsys):
    ensure(capsys)
    ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    ecs.deregister_task_definition(taskDefinition="litellm:2")
    result = ensure(capsys)  # revision 1 is the latest ACTIVE one and matches
    assert result["changed"] is False
    assert result["family_revision"] == "litellm:1"


def test_values_are_typed_like_the_api(ecs, capsys):
    definition = edited(environment=[{"name": "PORT", "value": 4000}], memoryReservation="512")
    first = ensure(capsys, definition=definition)
    second = ensure(capsys, definition=definition)
    assert (first["changed"], second["changed"]) == (True, False)
    container = ecs.describe_task_definition(taskDefinition="litellm:1")["taskDefinition"]["containerDefinitions"][0]
    assert (container["environment"], container["memoryReservation"]) == ([{"name": "PORT", "value": "4000"}], 512)


# Check and diff mode


def test_check_mode_registers_nothing_and_diffs_the_changed_value(ecs, capsys):
    ensure(capsys)
    result = ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["family_revision"] is None
    assert "task_definition_arn" not in result["task_definition"]
    assert len(active(ecs)) == 1
    before, after = result["diff"]["before"], result["diff"]["after"]
    env_before = before["definition"]["containerDefinitions"][0]["environment"]
    env_after = after["definition"]["containerDefinitions"][0]["environment"]
    assert [e["name"] for e in env_before] == ["AWS_REGION", "CONFIG_SHA256", "LITELLM_LOG"]  # sorted
    assert [e for e in env_before if e not in env_after] == [{"name": "CONFIG_SHA256", "value": "1111"}]
    assert [e for e in env_after if e not in env_before] == [{"name": "CONFIG_SHA256", "value": "2222"}]
    assert dict(before, definition=None) == dict(after, definition=None)  # nothing else differs
    before["definition"]["containerDefinitions"][0]["environment"] = env_after
    assert before == after


def test_check_mode_of_a_new_family_registers_nothing(ecs, capsys):
    result = ensure(capsys, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["family"] == FAMILY
    assert result["task_definition"]["family"] == FAMILY
    assert not active(ecs)


def test_diff_of_an_unchanged_definition_is_empty(ecs, capsys):
    ensure(capsys)
    result = ensure(capsys, check_mode=True, diff=True)
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["family_revision"] == "litellm:1"


def test_a_refused_registration_fails_saying_what_to_check(ecs, capsys, monkeypatch):
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def refusing(self, operation, params):
        if operation == "RegisterTaskDefinition":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed to pass the role"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refusing)
    result = ensure(capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to register a new revision of the task definition family {FAMILY}.")
    assert "iam:PassRole" in result["msg"] and result["error"]["code"] == "AccessDeniedException"
    assert active(ecs) == []


def test_invalid_definition_fails_in_check_mode_too(ecs, capsys):
    result = ensure(capsys, definition=edited(memory="lots"), check_mode=True)
    assert result["failed"] is True
    assert "not a valid ECS RegisterTaskDefinition request" in result["msg"]
    assert "memory" in result["msg"]


@pytest.mark.parametrize("definition,message", [
    (dict(DEFINITION, family="other"), "module options family"),
    (dict(DEFINITION, containers=[]), "does not know"),
])
def test_wrong_keys_are_named(ecs, capsys, definition, message):
    result = ensure(capsys, definition=definition)
    assert result["failed"] is True
    assert message in result["msg"]


def test_revision_with_state_present_is_refused(ecs, capsys):
    result = ensure(capsys, revision=1)
    assert result["failed"] is True
    assert "revision applies only to state=absent" in result["msg"]


# Tags


def test_tag_only_change_updates_tags_without_a_new_revision(ecs, capsys):
    ensure(capsys, tags={"Project": "litellm", "Owner": "ml"})
    result = ensure(capsys, tags={"Project": "litellm", "Stage": "prod"}, diff=True)
    assert result["changed"] is True
    assert result["family_revision"] == "litellm:1"
    assert len(active(ecs)) == 1
    assert tags_of(ecs, active(ecs)[0]) == {"Project": "litellm", "Stage": "prod"}
    assert result["task_definition"]["tags"] == {"Project": "litellm", "Stage": "prod"}
    assert result["diff"]["before"]["tags"] == {"Owner": "ml", "Project": "litellm"}


def test_tag_change_in_check_mode_changes_nothing(ecs, capsys):
    ensure(capsys, tags={"Project": "litellm"})
    result = ensure(capsys, tags={"Project": "other"}, check_mode=True)
    assert result["changed"] is True
    assert tags_of(ecs, active(ecs)[0]) == {"Project": "litellm"}


def test_purge_tags_false_keeps_other_tags(ecs, capsys):
    ensure(capsys, tags={"Project": "litellm"})
    result = ensure(capsys, tags={"Stage": "prod"}, purge_tags=False)
    assert result["changed"] is True
    assert tags_of(ecs, active(ecs)[0]) == {"Project": "litellm", "Stage": "prod"}


def test_new_revision_keeps_the_tags_when_tags_are_not_set(ecs, capsys):
    ensure(capsys, tags={"Project": "litellm"})
    result = ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    assert result["family_revision"] == "litellm:2"
    assert tags_of(ecs, result["task_definition"]["task_definition_arn"]) == {"Project": "litellm"}


# state=absent


def test_absent_deregisters_every_active_revision(ecs, capsys):
    ensure(capsys)
    ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    result = run(capsys, family=FAMILY, state="absent", diff=True)
    assert result["changed"] is True
    assert sorted(result["deregistered"]) == sorted(f"arn:aws:ecs:{REGION}:123456789012:task-definition/litellm:{n}" for n in (1, 2))
    assert result["diff"] == {"before": {"family": FAMILY, "active_revisions": [1, 2]}, "after": {"family": FAMILY, "active_revisions": []}}
    assert not active(ecs)
    statuses = [ecs.describe_task_definition(taskDefinition=f"litellm:{n}")["taskDefinition"]["status"] for n in (1, 2)]
    assert statuses == ["INACTIVE", "INACTIVE"]


def test_absent_with_a_revision_deregisters_only_that_one(ecs, capsys):
    ensure(capsys)
    ensure(capsys, definition=with_env("CONFIG_SHA256", "2222"))
    result = run(capsys, family=FAMILY, state="absent", revision=1)
    again = run(capsys, family=FAMILY, state="absent", revision=1)
    assert (result["changed"], again["changed"]) == (True, False)
    assert [arn.rsplit(":", 1)[1] for arn in active(ecs)] == ["2"]


def test_absent_in_check_mode_deregisters_nothing(ecs, capsys):
    ensure(capsys)
    result = run(capsys, family=FAMILY, state="absent", check_mode=True)
    assert result["changed"] is True
    assert len(result["deregistered"]) == 1
    assert len(active(ecs)) == 1


def test_absent_when_there_is_none_changes_nothing(ecs, capsys):
    result = run(capsys, family=FAMILY, state="absent")
    assert result["changed"] is False
    assert result["deregistered"] == []
    assert result["family_revision"] is None
