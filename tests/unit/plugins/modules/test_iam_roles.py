"""The iam_roles module against moto in-process: trust, managed and inline policies, tags, check mode, deletion."""

from __future__ import annotations

import json

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError

from ansible_collections.llmops.litellm_ecs.plugins.modules import iam_roles
from module_runner import run_module

MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def inline(action="secretsmanager:GetSecretValue"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [action], "Resource": ["*"]}]}


@pytest.fixture(name="iam")
def fixture_iam(mocked_aws, monkeypatch):  # pylint: disable=unused-argument
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return boto3.client("iam", region_name="us-east-1")


def roles(action="secretsmanager:GetSecretValue", managed=(MANAGED,), trust=None):
    return [{"name": "t-execution", "description": "exec", "assume_role_policy": trust or TRUST, "managed_policies": list(managed),
             "inline_policies": {"t-read": inline(action)}},
            {"name": "t-task", "assume_role_policy": TRUST, "managed_policies": [], "inline_policies": {}}]


def run(capsys, specs, **args):
    args.setdefault("tags", {"litellm-deployment": "t"})
    return run_module(iam_roles.main, capsys, roles=specs, **args)


def test_creates_roles_with_trust_policies_and_tags(iam, capsys):
    result = run(capsys, roles())
    assert result["changed"] is True
    role = iam.get_role(RoleName="t-execution")["Role"]
    assert result["roles"]["t-execution"]["arn"] == role["Arn"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert [item["PolicyArn"] for item in iam.list_attached_role_policies(RoleName="t-execution")["AttachedPolicies"]] == [MANAGED]
    assert iam.get_role_policy(RoleName="t-execution", PolicyName="t-read")["PolicyDocument"] == inline()
    assert iam.list_role_policies(RoleName="t-task")["PolicyNames"] == []
    assert {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName="t-task")["Tags"]} == {"litellm-deployment": "t"}
    assert result["roles"]["t-execution"]["managed_policies"] == [MANAGED]
    assert result["roles"]["t-execution"]["inline_policies"] == ["t-read"]


def test_second_run_changes_nothing(iam, capsys):
    run(capsys, roles())
    assert run(capsys, roles())["changed"] is False


def test_changed_policies_are_written_and_extras_removed(iam, capsys):
    run(capsys, roles())
    iam.put_role_policy(RoleName="t-task", PolicyName="stray", PolicyDocument=json.dumps(inline("s3:GetObject")))
    result = run(capsys, roles(action="secretsmanager:DescribeSecret", managed=[]), _ansible_diff=True)
    assert [name for name, item in result["roles"].items() if item["changed"]] == ["t-execution", "t-task"]
    assert iam.get_role_policy(RoleName="t-execution", PolicyName="t-read")["PolicyDocument"] == inline("secretsmanager:DescribeSecret")
    assert iam.list_attached_role_policies(RoleName="t-execution")["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName="t-task")["PolicyNames"] == []
    assert result["diff"]["before"]["t-execution"]["managed_policies"] == [MANAGED]
    assert result["diff"]["after"]["t-execution"]["managed_policies"] == []


def test_a_changed_trust_policy_is_updated(iam, capsys):
    run(capsys, roles())
    trust = {"Version": "2012-10-17", "Statement": [dict(TRUST["Statement"][0], Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})]}
    assert run(capsys, roles(trust=trust))["changed"] is True
    assert iam.get_role(RoleName="t-execution")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]


def test_check_mode_creates_and_changes_nothing(iam, capsys):
    result = run(capsys, roles(), _ansible_check_mode=True)
    assert result["changed"] is True and result["roles"]["t-execution"]["arn"] == ""
    assert iam.list_roles()["Roles"] == []
    run(capsys, roles())
    assert run(capsys, roles(action="s3:GetObject"), _ansible_check_mode=True)["changed"] is True
    assert iam.get_role_policy(RoleName="t-execution", PolicyName="t-read")["PolicyDocument"] == inline()


def test_absent_deletes_roles_with_their_policies(iam, capsys):
    run(capsys, roles())
    result = run_module(iam_roles.main, capsys, roles=[{"name": "t-execution"}, {"name": "t-task"}], state="absent")
    assert result["changed"] is True
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == []
    assert run_module(iam_roles.main, capsys, roles=[{"name": "t-execution"}], state="absent")["changed"] is False


def test_bad_input_fails_before_any_call(iam, capsys):
    bad = run(capsys, [{"name": "t bad", "assume_role_policy": TRUST}])
    assert bad["failed"] is True and "roles[t bad]" in bad["msg"]
    missing = run(capsys, [{"name": "t-x"}])
    assert missing["failed"] is True and "roles[t-x].assume_role_policy is required" in missing["msg"]
    assert iam.list_roles()["Roles"] == []


def test_an_aws_error_fails_naming_the_write_and_keeps_the_aws_error(iam, capsys, monkeypatch):
    original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

    def denying(self, operation, params):
        if operation == "PutRolePolicy":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", denying)
    result = run(capsys, roles())
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to put the inline policy t-read of t-execution")
    assert result["error"]["code"] == "AccessDenied"
