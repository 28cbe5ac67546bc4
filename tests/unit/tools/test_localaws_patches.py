"""Each emulator fidelity patch restores the AWS behaviour it cites."""

from __future__ import annotations

import boto3
from moto import mock_aws

from localaws import patches


def test_ecs_service_linked_role_gets_its_aws_name(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.iam_service_linked_role_names()
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
        assert role["RoleName"] == "AWSServiceRoleForECS"
        assert role["Path"] == "/aws-service-role/ecs.amazonaws.com/"
        # Services moto already named correctly keep their names.
        other = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
        assert other["RoleName"] == "AWSServiceRoleForAutoScaling"


def test_efs_legacy_tag_calls_are_served(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    patches.efs_legacy_tag_calls()
    with mock_aws():
        efs = boto3.client("efs", region_name="us-east-1")
        fs_id = efs.create_file_system(CreationToken="t", Tags=[{"Key": "Name", "Value": "config"}])["FileSystemId"]
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "Name", "Value": "config"}]
        efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "team", "Value": "llm"}])
        # One tag store: the new API sees what the legacy one wrote, and the other way round.
        assert {"Key": "team", "Value": "llm"} in efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]
        efs.delete_tags(FileSystemId=fs_id, TagKeys=["team"])
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "Name", "Value": "config"}]


def test_apply_all_applies_every_patch():
    assert patches.apply_all() == [patch.__name__ for patch in patches.PATCHES]
    assert "iam_service_linked_role_names" in patches.apply_all()
