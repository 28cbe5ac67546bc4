"""The ec2_security_groups module against moto in-process: a chain of groups, idempotence, check mode, teardown."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.modules import ec2_security_groups
from fake_clock import FakeClock
from module_runner import refuse
from module_runner import run_module

REGION = "us-east-1"
TAGS = {"litellm-deployment": "t"}


@pytest.fixture(name="ec2")
def fixture_ec2(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture(name="vpc")
def fixture_vpc(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture(name="clock")
def fixture_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ec2_security_groups, "time", fake)
    return fake


def chain(cidrs=("198.51.100.0/24",)):
    return [
        {"name": "t-alb", "description": "load balancer", "ingress": [{"ports": ["80"], "cidrs": list(cidrs), "description": "clients"}]},
        {"name": "t-tasks", "description": "tasks", "ingress": [{"ports": ["4000"], "groups": ["t-alb"]}]},
        {"name": "t-efs", "description": "nfs", "ingress": [{"ports": ["2049"], "groups": ["t-tasks"]}], "egress": []},
    ]


def run(capsys, vpc, groups, check_mode=False, diff=False, **args):
    return run_module(ec2_security_groups.main, capsys, check_mode=check_mode, diff=diff, vpc_id=vpc, groups=groups, tags=TAGS, **args)


def group(ec2, vpc, name):
    found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": [name]}])
    return found["SecurityGroups"][0] if found["SecurityGroups"] else None


def test_creates_a_chain_of_groups_admitting_each_other(ec2, vpc, capsys):
    result = run(capsys, vpc, chain())
    assert result["changed"] is True
    ids = result["group_ids"]
    alb, tasks, efs = (group(ec2, vpc, name) for name in ("t-alb", "t-tasks", "t-efs"))
    assert [alb["GroupId"], tasks["GroupId"], efs["GroupId"]] == [ids["t-alb"], ids["t-tasks"], ids["t-efs"]]
    assert alb["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "198.51.100.0/24", "Description": "clients"}]
    assert tasks["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == ids["t-alb"]
    assert (tasks["IpPermissions"][0]["FromPort"], tasks["IpPermissions"][0]["ToPort"]) == (4000, 4000)
    assert efs["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == ids["t-tasks"]
    assert efs["IpPermissionsEgress"] == []  # egress: [] allows nothing out
    assert tasks["IpPermissionsEgress"][0]["IpProtocol"] == "-1"  # egress not managed: EC2's default stays
    assert {tag["Key"]: tag["Value"] for tag in alb["Tags"]} == TAGS
    assert result["groups"]["t-tasks"]["ingress"] == [f"tcp 4000 from {ids['t-alb']}"]


def test_second_run_changes_nothing(ec2, vpc, capsys):
    first = run(capsys, vpc, chain())
    again = run(capsys, vpc, chain())
    assert again["changed"] is False
    assert again["group_ids"] == first["group_ids"]


def test_a_changed_rule_is_revoked_and_the_new_one_authorised(ec2, vpc, capsys):
    run(capsys, vpc, chain())
    result = run(capsys, vpc, chain(cidrs=["203.0.113.0/24"]), diff=True)
    assert result["changed"] is True
    ranges = group(ec2, vpc, "t-alb")["IpPermissions"][0]["IpRanges"]
    assert [item["CidrIp"] for item in ranges] == ["203.0.113.0/24"]
    assert result["diff"]["before"]["t-alb"]["ingress"] == ["tcp 80 from 198.51.100.0/24"]
    assert result["diff"]["after"]["t-alb"]["ingress"] == ["tcp 80 from 203.0.113.0/24"]


def test_check_mode_on_an_empty_vpc_creates_nothing_and_reports_the_chain(ec2, vpc, capsys):
    result = run(capsys, vpc, chain(), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["group_ids"] == {"t-alb": "", "t-tasks": "", "t-efs": ""}
    assert result["diff"]["after"]["t-tasks"]["ingress"] == ["tcp 4000 from <t-alb>"]
    assert group(ec2, vpc, "t-alb") is None


def test_check_mode_on_a_changed_group_writes_nothing(ec2, vpc, capsys):
    run(capsys, vpc, chain())
    result = run(capsys, vpc, chain(cidrs=["203.0.113.0/24"]), check_mode=True)
    assert result["changed"] is True
    assert group(ec2, vpc, "t-alb")["IpPermissions"][0]["IpRanges"][0]["CidrIp"] == "198.51.100.0/24"


def test_tags_are_kept_in_line(ec2, vpc, capsys):
    run(capsys, vpc, chain())
    result = run_module(ec2_security_groups.main, capsys, vpc_id=vpc, groups=chain(), tags={"litellm-deployment": "t", "team": "llm"})
    assert result["changed"] is True
    assert {tag["Key"]: tag["Value"] for tag in group(ec2, vpc, "t-alb")["Tags"]} == {"litellm-deployment": "t", "team": "llm"}


def test_a_different_description_is_a_warning_not_a_change(ec2, vpc, capsys):
    run(capsys, vpc, chain())
    groups = chain()
    groups[0]["description"] = "another"
    result = run(capsys, vpc, groups)
    assert result["changed"] is False
    assert "cannot change it" in result["warnings"][0]["event"]["msg"]


def test_bad_specs_fail_before_any_call(ec2, vpc, capsys):
    result = run(capsys, vpc, [{"name": "x", "description": "x", "ingress": [{"ports": ["80"], "groups": ["missing"]}]}])
    assert result["failed"] is True
    assert "groups[x].ingress[0].groups names 'missing'" in result["msg"] and "Nothing was changed" in result["msg"]
    assert group(ec2, vpc, "x") is None


def test_absent_deletes_groups_and_kept_ones_lose_their_rules_from_them(ec2, vpc, capsys):
    ids = run(capsys, vpc, chain())["group_ids"]
    result = run_module(ec2_security_groups.main, capsys, vpc_id=vpc, groups=[{"name": "t-alb"}], keep=["t-tasks", "t-efs"], state="absent")
    assert result["changed"] is True
    assert group(ec2, vpc, "t-alb") is None
    assert group(ec2, vpc, "t-tasks")["IpPermissions"] == []  # its rule from the deleted group is gone
    assert group(ec2, vpc, "t-efs")["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == ids["t-tasks"]
    rest = run_module(ec2_security_groups.main, capsys, vpc_id=vpc, groups=[{"name": "t-tasks"}, {"name": "t-efs"}], state="absent")
    assert rest["changed"] is True and group(ec2, vpc, "t-tasks") is None and group(ec2, vpc, "t-efs") is None
    again = run_module(ec2_security_groups.main, capsys, vpc_id=vpc, groups=[{"name": "t-alb"}, {"name": "t-tasks"}], state="absent")
    assert again["changed"] is False


def test_absent_in_check_mode_deletes_nothing(ec2, vpc, capsys):
    run(capsys, vpc, chain())
    result = run_module(ec2_security_groups.main, capsys, check_mode=True, vpc_id=vpc, groups=chain(), state="absent")
    assert result["changed"] is True
    assert all(group(ec2, vpc, name) for name in ("t-alb", "t-tasks", "t-efs"))


def test_a_group_in_use_is_deleted_once_its_network_interface_is_released(ec2, vpc, capsys, clock, monkeypatch):
    run(capsys, vpc, chain())
    refused = refuse(monkeypatch, "ec2", "DeleteSecurityGroup", "DependencyViolation", "resource sg-1 has a dependent object", times=3)
    result = run_module(ec2_security_groups.main, capsys, vpc_id=vpc, groups=chain(), state="absent")
    assert result["changed"] is True and len(refused) == 3
    assert all(group(ec2, vpc, name) is None for name in ("t-alb", "t-tasks", "t-efs"))
    assert clock.sleeps == [1.0, 2.0, 4.0]  # tried again after 1 s, then backing off


def test_a_group_still_in_use_after_delete_timeout_fails_and_says_what_to_do(ec2, vpc, capsys, clock, monkeypatch):
    run(capsys, vpc, chain())
    refuse(monkeypatch, "ec2", "DeleteSecurityGroup", "DependencyViolation", "resource sg-1 has a dependent object")
    result = run_module(ec2_security_groups.main, capsys, vpc_id=vpc, groups=chain(), state="absent", delete_timeout=40)
    assert result["failed"] is True
    assert "The security group t-efs" in result["msg"] and "is still in use after 40 s (resource sg-1 has a dependent object)" in result["msg"]
    assert "Remove what uses it" in result["msg"]
    assert result["changed"] is True  # the rules that admitted the groups were revoked
    assert sum(clock.sleeps) == 40 and max(clock.sleeps) == 15
    assert all(group(ec2, vpc, name) for name in ("t-alb", "t-tasks", "t-efs"))


def test_an_aws_error_says_what_failed_with_aws_code(ec2, vpc, capsys, monkeypatch):
    refuse(monkeypatch, "ec2", "DescribeSecurityGroups", "UnauthorizedOperation", "You are not authorized to perform this operation.")
    result = run(capsys, vpc, chain())
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(f"Failed to describe the security groups t-alb, t-tasks, t-efs of {vpc}: ")
    assert result["error"]["code"] == "UnauthorizedOperation"
