"""The deployment_resources RDS helpers: instance, subnet group and snapshot entries, final snapshot names, summary lines."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployment_resources as dr

KEY = "litellm-deployment"
TAGS = [{"Key": KEY, "Value": "litellm"}, {"Key": "managed-by", "Value": "llmops.litellm_ecs"}]
INSTANCE = {
    "DBInstanceIdentifier": "litellm-database", "DBInstanceArn": "arn:aws:rds:us-east-1:1:db:litellm-database", "DBInstanceStatus": "available",
    "Engine": "postgres", "EngineVersion": "16.4", "DBInstanceClass": "db.t4g.micro",
    "Endpoint": {"Address": "litellm-database.abc.us-east-1.rds.amazonaws.com", "Port": 5432},
    "DBSubnetGroup": {"DBSubnetGroupName": "litellm-database"}, "StorageEncrypted": True, "DeletionProtection": True,
    "CopyTagsToSnapshot": True, "TagList": TAGS,
}


def test_rds_is_read_after_elasticache():
    assert dr.SERVICES.index("rds") == dr.SERVICES.index("elasticache") + 1
    assert dr.ordered_services(["s3", "rds", "elasticache"]) == ["elasticache", "rds", "s3"]


def test_database_name_is_the_deployments():
    assert dr.database_name("litellm") == "litellm-database"


@pytest.mark.parametrize("snapshot_id, expected", [
    ("litellm-database-final-20250601100000", True),
    ("litellm-database-final-2025060110000", False),  # 13 digits
    ("litellm-database-final-20250601100000-copy", False),
    ("litellm-database-final-old", False),
    ("litellm-prod-database-final-20250601100000", False),  # another deployment whose name starts with this one's
    ("litellm-database-before-upgrade", False),
    ("", False),
    (None, False),
])
def test_is_final_snapshot_of_needs_the_exact_name(snapshot_id, expected):
    assert dr.is_final_snapshot_of(snapshot_id, "litellm") is expected


def test_a_deployment_named_like_a_final_snapshot_prefix_is_not_confused():
    assert not dr.is_final_snapshot_of("litellm-database-final-20250601100000", "litellm-database")
    assert dr.is_final_snapshot_of("litellm-database-database-final-20250601100000", "litellm-database")


def test_only_manual_snapshots_are_kept():
    assert dr.is_manual_snapshot({"SnapshotType": "manual"}) and dr.is_manual_snapshot({})
    assert not dr.is_manual_snapshot({"SnapshotType": "automated"}) and not dr.is_manual_snapshot({"SnapshotType": "awsbackup"})


def test_db_instance_entry_and_its_deletion_protection_in_the_summary():
    entry = dr.db_instance_entry(INSTANCE, "us-east-1")
    assert (entry["type"], entry["id"], entry["arn"], entry["region"]) == (
        "AWS::RDS::DBInstance", "litellm-database", "arn:aws:rds:us-east-1:1:db:litellm-database", "us-east-1")
    assert entry["detail"] == {
        "status": "available", "engine": "postgres", "engine_version": "16.4", "instance_class": "db.t4g.micro",
        "endpoint": "litellm-database.abc.us-east-1.rds.amazonaws.com", "port": 5432, "db_subnet_group": "litellm-database",
        "multi_az": False, "storage_encrypted": True, "deletion_protection": True, "copy_tags_to_snapshot": True,
        "tags": {KEY: "litellm", "managed-by": "llmops.litellm_ecs"},
    }
    assert dr.summary_line(entry) == "AWS::RDS::DBInstance litellm-database (postgres 16.4 db.t4g.micro, available, deletion protection on)"
    unprotected = dr.db_instance_entry(dict(INSTANCE, DeletionProtection=False, DBInstanceStatus="deleting"), "us-east-1")
    assert dr.summary_line(unprotected) == "AWS::RDS::DBInstance litellm-database (postgres 16.4 db.t4g.micro, deleting)"


def test_db_instance_entry_while_it_is_created_has_no_endpoint_yet():
    entry = dr.db_instance_entry({"DBInstanceIdentifier": "litellm-database", "DBInstanceStatus": "creating"}, "us-east-1")
    assert (entry["arn"], entry["detail"]["endpoint"], entry["detail"]["port"], entry["detail"]["tags"]) == ("", "", None, {})
    assert entry["detail"]["deletion_protection"] is False


def test_db_subnet_group_entry():
    entry = dr.db_subnet_group_entry({"DBSubnetGroupName": "litellm-database", "DBSubnetGroupArn": "arn:aws:rds:us-east-1:1:subgrp:litellm-database",
                                      "VpcId": "vpc-1", "SubnetGroupStatus": "Complete",
                                      "Subnets": [{"SubnetIdentifier": "subnet-2"}, {"SubnetIdentifier": "subnet-1"}, {}]}, TAGS, "us-east-1")
    assert (entry["type"], entry["arn"]) == ("AWS::RDS::DBSubnetGroup", "arn:aws:rds:us-east-1:1:subgrp:litellm-database")
    assert entry["detail"] == {"vpc_id": "vpc-1", "status": "Complete", "subnet_ids": ["subnet-1", "subnet-2"],
                               "tags": {KEY: "litellm", "managed-by": "llmops.litellm_ecs"}}
    assert dr.summary_line(entry) == "AWS::RDS::DBSubnetGroup litellm-database (vpc-1)"


def test_db_snapshot_entry_says_when_it_was_made():
    created = datetime.datetime(2025, 6, 1, 10, 0, 5, 123456, tzinfo=datetime.timezone.utc)
    snapshot = {"DBSnapshotIdentifier": "litellm-database-final-20250601100000", "DBInstanceIdentifier": "litellm-database",
                "DBSnapshotArn": "arn:aws:rds:us-east-1:1:snapshot:litellm-database-final-20250601100000", "SnapshotCreateTime": created,
                "Status": "available", "SnapshotType": "manual", "Engine": "postgres", "EngineVersion": "16.4", "AllocatedStorage": 20,
                "Encrypted": True, "TagList": TAGS}
    entry = dr.db_snapshot_entry(snapshot, "us-east-1")
    assert (entry["type"], entry["id"]) == ("AWS::RDS::DBSnapshot", "litellm-database-final-20250601100000")
    assert entry["detail"] == {"db_instance": "litellm-database", "status": "available", "snapshot_type": "manual", "engine": "postgres",
                               "engine_version": "16.4", "allocated_storage": 20, "encrypted": True, "created": "2025-06-01T10:00:05Z",
                               "tags": {KEY: "litellm", "managed-by": "llmops.litellm_ecs"}}
    assert dr.summary_line(entry) == "AWS::RDS::DBSnapshot litellm-database-final-20250601100000 (created 2025-06-01T10:00:05Z, of litellm-database)"


def test_a_snapshot_being_made_has_no_creation_time_yet():
    entry = dr.db_snapshot_entry({"DBSnapshotIdentifier": "litellm-database-final-20250601100000", "Status": "creating"}, "us-east-1")
    assert entry["detail"]["created"] == "" and entry["detail"]["tags"] == {}
    assert dr.summary_line(entry) == "AWS::RDS::DBSnapshot litellm-database-final-20250601100000 (creating)"
