"""The module against moto in-process (no network): identity by Name tag, replacement, tags, check and diff mode."""

from __future__ import annotations


import boto3
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.modules import efs_access_point
from module_runner import refuse
from module_runner import run_module

REGION = "us-east-1"
NAME = "litellm-data"
USER = {"uid": 1000, "gid": 1000}
ROOT = {"path": "/litellm/data", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"}}


@pytest.fixture(name="efs")
def fixture_efs(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("efs", region_name=REGION)


@pytest.fixture(name="fs_id")
def fixture_fs_id(efs):
    return efs.create_file_system(CreationToken="litellm")["FileSystemId"]


def run(capsys, check_mode=False, diff=False, **args):
    return run_module(efs_access_point.main, capsys, check_mode=check_mode, diff=diff, **args)


def ensure(capsys, fs_id, **args):
    """The access point of the tests: NAME with USER and ROOT unless overridden."""
    args = {"file_system_id": fs_id, "name": NAME, "posix_user": USER, "root_directory": ROOT, **args}
    return run(capsys, **args)


def access_points(efs, fs_id):
    return efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"]


def tags_of(access_point):
    return {tag["Key"]: tag["Value"] for tag in access_point["Tags"]}


def test_creates_the_access_point_with_its_settings(efs, fs_id, capsys):
    result = ensure(capsys, fs_id, tags={"Project": "litellm"})
    assert (result["changed"], result["replaced"]) == (True, False)

    [stored] = access_points(efs, fs_id)
    assert stored["AccessPointId"] == result["access_point"]["access_point_id"]
    assert stored["PosixUser"]["Uid"] == 1000 and stored["PosixUser"]["Gid"] == 1000
    assert stored["RootDirectory"] == {
        "Path": "/litellm/data",
        "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0750"},
    }
    assert tags_of(stored) == {"Name": NAME, "Project": "litellm"}

    returned = result["access_point"]
    assert returned["access_point_arn"] == stored["AccessPointArn"]
    assert returned["file_system_id"] == fs_id
    assert returned["name"] == NAME
    assert returned["life_cycle_state"] == "available"
    assert returned["posix_user"] == {"uid": 1000, "gid": 1000, "secondary_gids": []}
    assert returned["root_directory"] == {
        "path": "/litellm/data",
        "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"},
    }
    assert returned["tags"] == {"Name": NAME, "Project": "litellm"}


def test_second_run_changes_nothing(efs, fs_id, capsys):
    first = ensure(capsys, fs_id, tags={"Project": "litellm"})
    second = ensure(capsys, fs_id, tags={"Project": "litellm"})
    assert (first["changed"], second["changed"], second["replaced"]) == (True, False, False)
    assert second["access_point"] == first["access_point"]
    assert len(access_points(efs, fs_id)) == 1


def test_equal_settings_spelt_differently_change_nothing(efs, fs_id, capsys):
    user = {"uid": 1000, "gid": 1000, "secondary_gids": [20, 10]}
    ensure(capsys, fs_id, posix_user=user)
    root = {"path": "/litellm/data", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "750"}}
    again = ensure(capsys, fs_id, posix_user={**user, "secondary_gids": [10, 20]}, root_directory=root)
    assert again["changed"] is False
    assert len(access_points(efs, fs_id)) == 1


def test_check_mode_create_creates_nothing(efs, fs_id, capsys):
    result = ensure(capsys, fs_id, check_mode=True)
    assert (result["changed"], result["replaced"], result["access_point"]) == (True, False, {})
    assert access_points(efs, fs_id) == []


def test_tag_change_updates_tags_in_place(efs, fs_id, capsys):
    created = ensure(capsys, fs_id, tags={"Project": "litellm", "Stage": "dev"})
    updated = ensure(capsys, fs_id, tags={"Project": "litellm", "Owner": "ml"})
    assert (updated["changed"], updated["replaced"]) == (True, False)
    assert updated["access_point"]["access_point_id"] == created["access_point"]["access_point_id"]
    [stored] = access_points(efs, fs_id)
    assert stored["AccessPointId"] == created["access_point"]["access_point_id"]
    assert tags_of(stored) == {"Name": NAME, "Project": "litellm", "Owner": "ml"}
    assert updated["access_point"]["tags"] == tags_of(stored)


def test_purge_tags_false_keeps_other_tags(efs, fs_id, capsys):
    ensure(capsys, fs_id, tags={"Stage": "dev"})
    result = ensure(capsys, fs_id, tags={"Owner": "ml"}, purge_tags=False)
    assert result["changed"] is True
    [stored] = access_points(efs, fs_id)
    assert tags_of(stored) == {"Name": NAME, "Stage": "dev", "Owner": "ml"}


def test_tags_not_set_leaves_tags_alone(efs, fs_id, capsys):
    ensure(capsys, fs_id, tags={"Stage": "dev"})
    result = ensure(capsys, fs_id)
    assert result["changed"] is False
    assert tags_of(access_points(efs, fs_id)[0]) == {"Name": NAME, "Stage": "dev"}


def test_check_mode_tag_change_reports_but_changes_nothing(efs, fs_id, capsys):
    ensure(capsys, fs_id, tags={"Stage": "dev"})
    result = ensure(capsys, fs_id, tags={"Stage": "prod"}, check_mode=True)
    assert (result["changed"], result["replaced"]) == (True, False)
    assert result["access_point"]["tags"] == {"Name": NAME, "Stage": "prod"}
    assert tags_of(access_points(efs, fs_id)[0]) == {"Name": NAME, "Stage": "dev"}


def test_posix_user_change_replaces_the_access_point(efs, fs_id, capsys):
    old = ensure(capsys, fs_id, tags={"Stage": "dev"})["access_point"]["access_point_id"]
    result = ensure(capsys, fs_id, posix_user={"uid": 2000, "gid": 2000}, tags={"Stage": "dev"})
    assert (result["changed"], result["replaced"]) == (True, True)
    new = result["access_point"]["access_point_id"]
    assert new != old
    [stored] = access_points(efs, fs_id)
    assert stored["AccessPointId"] == new
    assert (stored["PosixUser"]["Uid"], stored["PosixUser"]["Gid"]) == (2000, 2000)
    assert tags_of(stored) == {"Name": NAME, "Stage": "dev"}
    with pytest.raises(efs.exceptions.AccessPointNotFound):
        efs.describe_access_points(AccessPointId=old)


def test_root_directory_change_replaces_and_keeps_unmanaged_tags(efs, fs_id, capsys):
    old = ensure(capsys, fs_id, tags={"Stage": "dev"})["access_point"]["access_point_id"]
    root = {**ROOT, "creation_info": {**ROOT["creation_info"], "permissions": "0700"}}
    result = ensure(capsys, fs_id, root_directory=root)
    assert result["replaced"] is True
    [stored] = access_points(efs, fs_id)
    assert stored["AccessPointId"] != old
    assert stored["RootDirectory"]["CreationInfo"]["Permissions"] == "0700"
    assert tags_of(stored) == {"Name": NAME, "Stage": "dev"}


def test_check_mode_replacement_reports_but_changes_nothing(efs, fs_id, capsys):
    old = ensure(capsys, fs_id)["access_point"]["access_point_id"]
    result = ensure(capsys, fs_id, posix_user={"uid": 2000, "gid": 2000}, check_mode=True)
    assert (result["changed"], result["replaced"], result["access_point"]) == (True, True, {})
    assert [ap["AccessPointId"] for ap in access_points(efs, fs_id)] == [old]


def test_absent_deletes_the_access_point(efs, fs_id, capsys):
    ensure(capsys, fs_id)
    result = run(capsys, file_system_id=fs_id, name=NAME, state="absent")
    assert (result["changed"], result["access_point"]) == (True, {})
    assert access_points(efs, fs_id) == []


def test_absent_when_missing_changes_nothing(efs, fs_id, capsys):
    result = run(capsys, file_system_id=fs_id, name=NAME, state="absent")
    assert (result["changed"], result["access_point"]) == (False, {})


def test_check_mode_absent_deletes_nothing(efs, fs_id, capsys):
    ensure(capsys, fs_id)
    result = run(capsys, file_system_id=fs_id, name=NAME, state="absent", check_mode=True)
    assert result["changed"] is True
    assert len(access_points(efs, fs_id)) == 1


def test_diff_on_create_tag_change_and_delete(efs, fs_id, capsys):
    created = ensure(capsys, fs_id, tags={"Stage": "dev"}, diff=True)
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"] == {
        "file_system_id": fs_id,
        "name": NAME,
        "posix_user": {"uid": 1000, "gid": 1000, "secondary_gids": []},
        "root_directory": {
            "path": "/litellm/data",
            "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"},
        },
        "tags": {"Name": NAME, "Stage": "dev"},
    }

    retagged = ensure(capsys, fs_id, tags={"Stage": "prod"}, diff=True)
    assert retagged["diff"]["before"]["tags"] == {"Name": NAME, "Stage": "dev"}
    assert retagged["diff"]["after"]["tags"] == {"Name": NAME, "Stage": "prod"}
    assert retagged["diff"]["before"]["posix_user"] == retagged["diff"]["after"]["posix_user"]

    replaced = ensure(capsys, fs_id, posix_user={"uid": 0, "gid": 0}, tags={"Stage": "prod"}, diff=True, check_mode=True)
    assert replaced["diff"]["before"]["posix_user"]["uid"] == 1000
    assert replaced["diff"]["after"]["posix_user"]["uid"] == 0

    deleted = run(capsys, file_system_id=fs_id, name=NAME, state="absent", diff=True)
    assert deleted["diff"]["before"]["name"] == NAME
    assert deleted["diff"]["after"] == {}


def test_name_lookup_picks_the_named_access_point(efs, fs_id, capsys):
    def make(name, uid):
        return efs.create_access_point(
            FileSystemId=fs_id, Tags=[{"Key": "Name", "Value": name}], PosixUser={"Uid": uid, "Gid": uid},
            RootDirectory={"Path": "/"},
        )["AccessPointId"]

    before = make("litellm-config", 1)
    wanted = make(NAME, 1000)
    after = make("litellm-logs", 2)
    result = ensure(capsys, fs_id, root_directory={"path": "/"})
    assert (result["changed"], result["access_point"]["access_point_id"]) == (False, wanted)

    deleted = run(capsys, file_system_id=fs_id, name=NAME, state="absent")
    assert deleted["changed"] is True
    assert sorted(ap["AccessPointId"] for ap in access_points(efs, fs_id)) == sorted([before, after])


def test_access_points_of_other_file_systems_are_not_looked_at(efs, fs_id, capsys):
    other_fs = efs.create_file_system(CreationToken="other")["FileSystemId"]
    other = efs.create_access_point(FileSystemId=other_fs, Tags=[{"Key": "Name", "Value": NAME}])["AccessPointId"]
    result = ensure(capsys, fs_id)
    assert result["changed"] is True and result["access_point"]["access_point_id"] != other
    assert [ap["AccessPointId"] for ap in access_points(efs, other_fs)] == [other]


def test_two_access_points_with_the_name_fail_and_name_them(efs, fs_id, capsys):
    name_tag = [{"Key": "Name", "Value": NAME}]
    ids = [efs.create_access_point(ClientToken=token, FileSystemId=fs_id, Tags=name_tag)["AccessPointId"] for token in ("a", "b")]
    result = ensure(capsys, fs_id)
    assert result["failed"] is True
    assert all(access_point_id in result["msg"] for access_point_id in ids)
    assert "Delete all but one" in result["msg"]
    assert len(access_points(efs, fs_id)) == 2


def test_missing_file_system_fails_and_says_what_to_do(efs, capsys):
    result = ensure(capsys, "fs-00000000")
    assert result["failed"] is True
    assert "fs-00000000 does not exist" in result["msg"]
    assert "Create the file system first" in result["msg"]
    assert efs.describe_access_points()["AccessPoints"] == []


def test_missing_file_system_fails_in_check_mode_too(efs, capsys):
    result = ensure(capsys, "fs-00000000", check_mode=True)
    assert result["failed"] is True
    assert "Create the file system first" in result["msg"]


def test_absent_on_a_missing_file_system_changes_nothing(efs, capsys):
    result = run(capsys, file_system_id="fs-00000000", name=NAME, state="absent")
    assert (result["changed"], result["access_point"]) == (False, {})


def test_unquoted_permissions_are_rejected_with_advice(efs, fs_id, capsys):
    root = {**ROOT, "creation_info": {**ROOT["creation_info"], "permissions": 493}}
    result = ensure(capsys, fs_id, root_directory=root)
    assert result["failed"] is True
    assert "Quote the value" in result["msg"]
    assert access_points(efs, fs_id) == []


def test_a_name_tag_other_than_name_is_rejected(efs, fs_id, capsys):
    result = ensure(capsys, fs_id, tags={"Name": "something-else"})
    assert result["failed"] is True
    assert "Leave Name out of tags" in result["msg"]
    assert access_points(efs, fs_id) == []


def test_an_aws_error_says_what_failed_with_aws_code(efs, fs_id, capsys, monkeypatch):
    access_point_id = ensure(capsys, fs_id, tags={"Stage": "dev"})["access_point"]["access_point_id"]
    refuse(monkeypatch, "efs", "TagResource", "AccessDeniedException")
    result = ensure(capsys, fs_id, tags={"Stage": "prod"})
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to update the tags of the EFS access point {access_point_id}: ")
    assert result["error"]["code"] == "AccessDeniedException"
    assert tags_of(access_points(efs, fs_id)[0]) == {"Name": NAME, "Stage": "dev"}
