"""The module against moto in-process (no network): create, find by path, check mode."""

from __future__ import annotations

import json

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from moto import mock_aws

from ansible_collections.llmops.litellm_ecs.plugins.modules import iam_service_linked_role

REGION = "us-east-1"


@pytest.fixture(name="iam")
def fixture_iam(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("iam", region_name=REGION)


def run(capsys, check_mode=False, **args):
    args.setdefault("region", REGION)
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises(SystemExit):
        iam_service_linked_role.main()
    return json.loads(capsys.readouterr().out)


def ecs_roles(iam):
    return iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]


def test_creates_the_role_when_missing(iam, capsys):
    result = run(capsys)
    assert result["changed"] is True
    assert result["role"]["path"] == "/aws-service-role/ecs.amazonaws.com/"
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
