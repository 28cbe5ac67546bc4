"""An EFS file system and its mount targets compared with what they should be, without AWS."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import fixed_setting_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import target_plan
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_file_system import throughput_changes


def test_target_plan_creates_deletes_and_regroups_by_subnet():
    current = [{"MountTargetId": "a", "SubnetId": "s1", "SecurityGroups": ["g1"]},
               {"MountTargetId": "b", "SubnetId": "s2", "SecurityGroups": ["g1"]},
               {"MountTargetId": "c", "SubnetId": "s3", "SecurityGroups": ["g1"]}]
    wanted = [{"subnet_id": "s1", "security_groups": ["g1"]}, {"subnet_id": "s2", "security_groups": ["g2"]},
              {"subnet_id": "s4", "security_groups": ["g1"]}]
    create, delete, regroup = target_plan(current, wanted)
    assert create == [{"subnet_id": "s4", "security_groups": ["g1"]}]
    assert [target["MountTargetId"] for target in delete] == ["c"]
    assert [(item["target"]["MountTargetId"], item["security_groups"]) for item in regroup] == [("b", ["g2"])]
    assert target_plan(current[:1], wanted[:1]) == ([], [], [])


def test_throughput_changes_only_when_managed_and_different():
    found = {"ThroughputMode": "provisioned", "ProvisionedThroughputInMibps": 100.0}
    assert throughput_changes({"throughput_mode": "provisioned", "provisioned_throughput_in_mibps": 100}, found) == {}
    assert throughput_changes({"throughput_mode": "provisioned", "provisioned_throughput_in_mibps": 50}, found) == {
        "ThroughputMode": "provisioned", "ProvisionedThroughputInMibps": 50.0}
    assert throughput_changes({"throughput_mode": "bursting"}, found) == {"ThroughputMode": "bursting"}
    assert throughput_changes({"throughput_mode": None}, found) == {}


def test_fixed_settings_that_differ_are_named():
    found = {"Encrypted": True, "PerformanceMode": "generalPurpose", "KmsKeyId": "arn:aws:kms:us-east-1:1:key/a"}
    assert fixed_setting_changes({"encrypt": True, "performance_mode": "generalPurpose", "kms_key_id": None}, found) == []
    lines = fixed_setting_changes({"encrypt": False, "performance_mode": "maxIO", "kms_key_id": "arn:aws:kms:us-east-1:1:key/b"}, found)
    assert [line.split()[0] for line in lines] == ["encrypt", "performance_mode", "kms_key_id"]
