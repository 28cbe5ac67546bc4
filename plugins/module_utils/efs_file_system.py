# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparing an EFS file system and its mount targets with what they should be (no AWS needed)."""

from __future__ import annotations

# Settings EFS fixes when it creates the file system.
FIXED = (("encrypt", "Encrypted"), ("performance_mode", "PerformanceMode"), ("kms_key_id", "KmsKeyId"))


def fixed_setting_changes(params, found):
    """Settings the file system cannot change that differ from the ones given, as readable lines."""
    lines = []
    for option, key in FIXED:
        wanted, current = params.get(option), found.get(key)
        if option == "kms_key_id" and not wanted:
            continue  # not managed, or the account's aws/elasticfilesystem key
        if wanted is not None and wanted != current:
            lines.append(f"{option} is {wanted!r} but the file system has {current!r}")
    return lines


def throughput_changes(params, found):
    """The UpdateFileSystem arguments that bring the throughput in line ({} when it is, or is not managed)."""
    mode = params.get("throughput_mode")
    if not mode:
        return {}
    wanted, current = {"ThroughputMode": mode}, {"ThroughputMode": found.get("ThroughputMode")}
    if mode == "provisioned":
        wanted["ProvisionedThroughputInMibps"] = float(params.get("provisioned_throughput_in_mibps") or 0)
        current["ProvisionedThroughputInMibps"] = float(found.get("ProvisionedThroughputInMibps") or 0)
    return wanted if wanted != current else {}


def target_plan(current, wanted):
    """(to_create, to_delete, to_regroup) between the mount targets there are and the ones wanted.

    ``current`` is DescribeMountTargets' list (each with its ``SecurityGroups``); ``wanted`` a list of
    ``{subnet_id, security_groups}``. A mount target is identified by its subnet: one in a subnet that is not
    wanted is deleted, a wanted subnet without one gets one, and one whose security groups differ is given the
    wanted groups (EFS changes them in place).
    """
    by_subnet = {target["SubnetId"]: target for target in current if target.get("LifeCycleState") != "deleted"}
    wanted_by_subnet = {target["subnet_id"]: sorted(target.get("security_groups") or []) for target in wanted}
    to_create = [{"subnet_id": subnet, "security_groups": groups} for subnet, groups in sorted(wanted_by_subnet.items())
                 if subnet not in by_subnet]
    to_delete = [target for subnet, target in sorted(by_subnet.items()) if subnet not in wanted_by_subnet]
    to_regroup = [{"target": by_subnet[subnet], "security_groups": groups} for subnet, groups in sorted(wanted_by_subnet.items())
                  if subnet in by_subnet and groups and sorted(by_subnet[subnet].get("SecurityGroups") or []) != groups]
    return to_create, to_delete, to_regroup


def describe(found, tags, targets):
    """The file system as the module returns it."""
    if not found:
        return {}
    return {
        "file_system_id": found.get("FileSystemId", ""),
        "arn": found.get("FileSystemArn", ""),
        "name": tags.get("Name", ""),
        "life_cycle_state": found.get("LifeCycleState", ""),
        "encrypted": found.get("Encrypted", False),
        "kms_key_id": found.get("KmsKeyId", ""),
        "performance_mode": found.get("PerformanceMode", ""),
        "throughput_mode": found.get("ThroughputMode", ""),
        "provisioned_throughput_in_mibps": found.get("ProvisionedThroughputInMibps"),
        "tags": dict(tags),
        "mount_targets": [{"mount_target_id": target.get("MountTargetId", ""), "subnet_id": target["SubnetId"],
                           "availability_zone": target.get("AvailabilityZoneName", ""),
                           "life_cycle_state": target.get("LifeCycleState", ""),
                           "security_groups": sorted(target.get("SecurityGroups") or [])} for target in targets],
    }
