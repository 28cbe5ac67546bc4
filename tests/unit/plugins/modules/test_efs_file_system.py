"""The efs_file_system module against moto in-process: creation, mount targets, throughput, tags, check mode, deletion."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.modules import efs_file_system
from localaws import patches
from module_runner import refuse
from module_runner import run_module

REGION = "us-east-1"


@pytest.fixture(name="network")
def fixture_network(mocked_aws):  # pylint: disable=unused-argument
    patches.efs_update_file_system()  # moto 5.2.5 lacks UpdateFileSystem (tools/localaws/patches.py)
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("abc")]
    groups = [ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"] for name in ("nfs", "other")]
    return {"subnets": subnets, "groups": groups, "efs": boto3.client("efs", region_name=REGION)}


def targets(network, count=2, group=0):
    return [{"subnet_id": subnet, "security_groups": [network["groups"][group]]} for subnet in network["subnets"][:count]]


def run(capsys, network, **args):
    args.setdefault("name", "t-config")
    args.setdefault("targets", targets(network))
    args.setdefault("tags", {"litellm-deployment": "t"})
    args.setdefault("throughput_mode", "provisioned")
    args.setdefault("provisioned_throughput_in_mibps", 100)
    return run_module(efs_file_system.main, capsys, **args)


def only_file_system(efs):
    (found,) = efs.describe_file_systems()["FileSystems"]
    return found


def mount_targets(efs, fs_id):
    found = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    return {t["SubnetId"]: efs.describe_mount_target_security_groups(MountTargetId=t["MountTargetId"])["SecurityGroups"] for t in found}


def test_creates_an_encrypted_file_system_with_a_mount_target_per_subnet(network, capsys):
    efs = network["efs"]
    result = run(capsys, network)
    assert result["changed"] is True
    found = only_file_system(efs)
    assert (found["CreationToken"], found["Encrypted"], found["PerformanceMode"]) == ("t-config", True, "generalPurpose")
    assert (found["ThroughputMode"], found["ProvisionedThroughputInMibps"]) == ("provisioned", 100)
    tags = {t["Key"]: t["Value"] for t in efs.list_tags_for_resource(ResourceId=found["FileSystemId"])["Tags"]}
    assert tags == {"Name": "t-config", "litellm-deployment": "t"}
    assert mount_targets(efs, found["FileSystemId"]) == {subnet: [network["groups"][0]] for subnet in network["subnets"][:2]}
    out = result["file_system"]
    assert out["file_system_id"] == found["FileSystemId"] and out["name"] == "t-config"
    assert sorted(t["subnet_id"] for t in out["mount_targets"]) == sorted(network["subnets"][:2])
    assert all(t["life_cycle_state"] == "available" for t in out["mount_targets"])


def test_second_run_changes_nothing(network, capsys):
    first = run(capsys, network)
    again = run(capsys, network)
    assert again["changed"] is False
    assert again["file_system"]["file_system_id"] == first["file_system"]["file_system_id"]


def test_mount_targets_follow_the_subnets_and_groups(network, capsys):
    efs = network["efs"]
    fs_id = run(capsys, network)["file_system"]["file_system_id"]
    result = run(capsys, network, targets=[targets(network, 3, group=1)[0], *targets(network, 3, group=1)[2:]], _ansible_diff=True)
    assert result["changed"] is True
    assert mount_targets(efs, fs_id) == {network["subnets"][0]: [network["groups"][1]], network["subnets"][2]: [network["groups"][1]]}
    assert sorted(result["diff"]["before"]["mount_targets"]) == sorted(network["subnets"][:2])
    assert sorted(result["diff"]["after"]["mount_targets"]) == sorted([network["subnets"][0], network["subnets"][2]])


def test_throughput_and_tags_are_updated_in_place(network, capsys):
    efs = network["efs"]
    fs_id = run(capsys, network)["file_system"]["file_system_id"]
    result = run(capsys, network, throughput_mode="bursting", tags={"litellm-deployment": "t", "team": "llm"})
    assert result["changed"] is True
    found = only_file_system(efs)
    assert found["FileSystemId"] == fs_id and found["ThroughputMode"] == "bursting"
    assert {t["Key"] for t in efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]} == {"Name", "litellm-deployment", "team"}


def test_tags_not_set_are_left_alone(network, capsys):
    efs = network["efs"]
    fs_id = run(capsys, network)["file_system"]["file_system_id"]
    result = run(capsys, network, tags=None, _ansible_diff=True)
    assert result["changed"] is False
    assert {t["Key"] for t in efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]} == {"Name", "litellm-deployment"}
    assert result["diff"]["after"]["tags"] == {"Name": "t-config", "litellm-deployment": "t"}


def test_an_aws_error_after_a_change_says_what_failed_and_that_something_changed(network, capsys, monkeypatch):
    efs = network["efs"]
    run(capsys, network)
    refuse(monkeypatch, "efs", "TagResource", "AccessDeniedException")
    result = run(capsys, network, throughput_mode="bursting", tags={"litellm-deployment": "t", "team": "llm"})
    assert result["failed"] is True and result["changed"] is True  # the throughput was changed before
    assert result["msg"].startswith("Failed to tag the EFS file system t-config: ")
    assert result["error"]["code"] == "AccessDeniedException"
    assert only_file_system(efs)["ThroughputMode"] == "bursting"


def test_without_wait_the_mount_targets_are_requested_and_the_run_returns(network, capsys):
    result = run(capsys, network, wait=False)
    assert result["changed"] is True
    assert len(result["file_system"]["mount_targets"]) == 2


def test_check_mode_creates_and_changes_nothing(network, capsys):
    efs = network["efs"]
    result = run(capsys, network, _ansible_check_mode=True)
    assert result["changed"] is True and result["file_system"] == {}
    assert efs.describe_file_systems()["FileSystems"] == []
    fs_id = run(capsys, network)["file_system"]["file_system_id"]
    changed = run(capsys, network, targets=targets(network, 3), _ansible_check_mode=True)
    assert changed["changed"] is True and changed["file_system"]["file_system_id"] == fs_id
    assert len(mount_targets(efs, fs_id)) == 2


def test_fixed_settings_are_warned_about_not_changed(network, capsys):
    run(capsys, network)
    result = run(capsys, network, performance_mode="maxIO")
    assert result["changed"] is False
    assert "EFS fixes it at creation" in result["warnings"][0]["event"]["msg"]


def test_absent_deletes_the_mount_targets_then_the_file_system(network, capsys):
    efs = network["efs"]
    run(capsys, network)
    result = run_module(efs_file_system.main, capsys, name="t-config", state="absent")
    assert result["changed"] is True
    assert efs.describe_file_systems()["FileSystems"] == []
    assert run_module(efs_file_system.main, capsys, name="t-config", state="absent")["changed"] is False


def test_provisioned_throughput_needs_a_value(network, capsys):
    result = run(capsys, network, provisioned_throughput_in_mibps=None)
    assert result["failed"] is True and "provisioned_throughput_in_mibps" in result["msg"]
    assert network["efs"].describe_file_systems()["FileSystems"] == []
