from __future__ import annotations

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import AccessPointError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import build_posix_user
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import build_root_directory
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import desired_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import needs_replacement
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import pick_access_point
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import settings

FS = "fs-0123456789abcdef0"


def access_point(ap_id, name, state="available", **extra):
    return {"AccessPointId": ap_id, "Tags": [{"Key": "Name", "Value": name}], "LifeCycleState": state, **extra}


# Building the API's shapes from module options


def test_posix_user_shape():
    assert build_posix_user(None) is None
    assert build_posix_user({"uid": 1, "gid": 2, "secondary_gids": None}) == {"Uid": 1, "Gid": 2}
    assert build_posix_user({"uid": 1, "gid": 2, "secondary_gids": [3]}) == {"Uid": 1, "Gid": 2, "SecondaryGids": [3]}


@pytest.mark.parametrize("user", [{"uid": -1, "gid": 0}, {"uid": 0, "gid": 4294967296}, {"uid": 0, "gid": 0, "secondary_gids": list(range(17))}])
def test_posix_user_out_of_range_is_rejected(user):
    with pytest.raises(AccessPointError):
        build_posix_user(user)


def test_root_directory_defaults_to_slash_and_normalizes_permissions():
    assert build_root_directory(None) == {"Path": "/"}
    info = {"owner_uid": 1, "owner_gid": 2, "permissions": "755"}
    assert build_root_directory({"path": "/a/b", "creation_info": info}) == {
        "Path": "/a/b", "CreationInfo": {"OwnerUid": 1, "OwnerGid": 2, "Permissions": "0755"}}


@pytest.mark.parametrize("path", ["relative", "/trailing/", "/a/b/c/d/e", "/./x", ""])
def test_invalid_paths_are_rejected(path):
    if path == "":
        assert build_root_directory({"path": path}) == {"Path": "/"}  # empty means the default
        return
    with pytest.raises(AccessPointError, match="root_directory.path"):
        build_root_directory({"path": path})


@pytest.mark.parametrize("permissions", ["0999", "75", "07555", 493, None])
def test_invalid_permissions_are_rejected(permissions):
    with pytest.raises(AccessPointError, match="permissions"):
        build_root_directory({"path": "/x", "creation_info": {"owner_uid": 1, "owner_gid": 1, "permissions": permissions}})


# Comparison and identity


def test_settings_ignore_spelling():
    a = settings({"Uid": 1, "Gid": 1, "SecondaryGids": [3, 2]}, {"Path": "/x", "CreationInfo": {"OwnerUid": 1, "OwnerGid": 1, "Permissions": "755"}})
    b = settings({"Uid": 1, "Gid": 1, "SecondaryGids": [2, 3]}, {"Path": "/x", "CreationInfo": {"OwnerUid": 1, "OwnerGid": 1, "Permissions": "0755"}})
    assert a == b
    assert settings(None, None) == {"posix_user": None, "root_directory": {"path": "/", "creation_info": None}}


def test_replacement_when_settings_differ_or_in_error_state():
    wanted = settings({"Uid": 1, "Gid": 1}, {"Path": "/"})
    same = access_point("fsap-1", "n", PosixUser={"Uid": 1, "Gid": 1}, RootDirectory={"Path": "/"})
    assert needs_replacement(same, wanted) == []
    assert needs_replacement(dict(same, PosixUser={"Uid": 2, "Gid": 1}), wanted) == ["posix_user differs"]
    assert needs_replacement(dict(same, RootDirectory={"Path": "/y"}), wanted) == ["root_directory differs"]
    assert needs_replacement(dict(same, PosixUser=None), wanted) == ["posix_user differs"]
    assert needs_replacement(dict(same, LifeCycleState="error"), wanted) == ["the access point is in the error state"]


def test_pick_by_name_ignores_others_and_access_points_being_deleted():
    aps = [access_point("fsap-1", "a"), access_point("fsap-2", "b", "deleting"), access_point("fsap-3", "b")]
    assert pick_access_point(aps, "b", FS)["AccessPointId"] == "fsap-3"
    assert pick_access_point(aps, "c", FS) is None


def test_pick_refuses_to_guess_between_two_of_the_same_name():
    with pytest.raises(AccessPointError, match="fsap-1, fsap-2"):
        pick_access_point([access_point("fsap-1", "a"), access_point("fsap-2", "a")], "a", FS)


def test_tags_always_carry_the_name():
    assert desired_tags("n", None) == {"Name": "n"}
    assert desired_tags("n", {"a": "1"}) == {"a": "1", "Name": "n"}
    assert desired_tags("n", {"Name": "n"}) == {"Name": "n"}
    with pytest.raises(AccessPointError, match="Leave Name out"):
        desired_tags("n", {"Name": "other"})
