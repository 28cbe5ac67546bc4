"""The module against moto in-process (no network): create, find by path, check mode."""

from __future__ import annotations

import re

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError

from ansible_collections.llmops.litellm_ecs.plugins.modules import iam_service_linked_role
from module_runner import run_module

REGION = "us-east-1"


@pytest.fixture(name="iam")
def fixture_iam(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("iam", region_name=REGION)


def run(capsys, check_mode=False, **args):
    return run_module(iam_service_linked_role.main, capsys, check_mode=check_mode, **args)


def ecs_roles(iam):
    return iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]


def test_creates_the_role_when_missing(iam, capsys):
    result = run(capsys)
    assert result["changed"] is True
    assert result["role"]["path"] == "/aws-service-role/ecs.amazonaws.com/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result["role"]["create_date"])
    assert [r["Arn"] for r in ecs_roles(iam)] == [result["role"]["arn"]]


def test_existing_role_is_found_by_path_not_name(iam, capsys):
    # moto names it AWSServiceRoleForecs (AWS: AWSServiceRoleForECS): the module must not care.
    created = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
    result = run(capsys)
    assert result["changed"] is False
    assert result["role"]["arn"] == created["Arn"]
    assert len(ecs_roles(iam)) == 1


def test_check_mode_reports_but_creates_nothing(iam, capsys):
    result = run(capsys, check_mode=True)
    assert result["changed"] is True
    assert result["role"] == {}
    assert not ecs_roles(iam)


def test_second_run_changes_nothing(iam, capsys):
    first = run(capsys)
    second = run(capsys)
    assert (first["changed"], second["changed"]) == (True, False)
    assert first["role"]["arn"] == second["role"]["arn"]


def test_a_refused_creation_fails_saying_how_to_create_it(iam, capsys, monkeypatch):
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def refusing(self, operation, params):
        if operation == "CreateServiceLinkedRole":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refusing)
    result = run(capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to create the service-linked role of ecs.amazonaws.com. The caller needs iam:CreateServiceLinkedRole")
    assert "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com" in result["msg"]
    assert result["error"]["code"] == "AccessDenied"
