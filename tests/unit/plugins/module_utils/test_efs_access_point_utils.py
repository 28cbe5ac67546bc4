from __future__ import annotations

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import AccessPointError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import apply_tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import build_posix_user
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import build_root_directory
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import desired_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import gone
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import needs_replacement
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import pick_access_point
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import settings
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import settled
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.efs_access_point import wait_for
from fake_clock import FakeClock

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
    assert apply_tag_changes({"a": "1", "b": "2"}, {"c": 3}, ["a"]) == {"b": "2", "c": "3"}


# Waiting


def test_wait_returns_at_once_when_ready():
    clock = FakeClock()
    done, value, elapsed = wait_for(lambda: {"LifeCycleState": "available"}, settled, 60, 5, clock, clock.sleep)
    assert (done, value["LifeCycleState"], elapsed, clock.sleeps) == (True, "available", 0, [])


def test_wait_polls_until_the_predicate_holds():
    clock = FakeClock()
    states = iter(["creating", "creating", "available"])
    done, value, elapsed = wait_for(lambda: {"LifeCycleState": next(states)}, settled, 60, 5, clock, clock.sleep)
    assert (done, value["LifeCycleState"], elapsed, clock.sleeps) == (True, "available", 10, [5, 5])


def test_wait_stops_within_its_total_budget():
    clock = FakeClock()
    done, value, elapsed = wait_for(lambda: {"LifeCycleState": "creating"}, settled, 12, 5, clock, clock.sleep)
    assert (done, value["LifeCycleState"]) == (False, "creating")
    assert clock.sleeps == [5, 5, 2]  # the last sleep is cut to what is left of the budget
    assert elapsed == 12


def test_wait_counts_the_time_fetches_take():
    clock = FakeClock()

    def slow_fetch():
        clock.now += 7
        return {"LifeCycleState": "creating"}

    done, value, elapsed = wait_for(slow_fetch, settled, 10, 5, clock, clock.sleep)
    assert (done, value["LifeCycleState"]) == (False, "creating")
    assert clock.sleeps == [3]
    assert elapsed == 17  # budget spent after the second fetch: no further sleep


def test_predicates():
    assert settled({"LifeCycleState": "error"}) and not settled({"LifeCycleState": "creating"}) and not settled(None)
    assert gone(None) and gone({"LifeCycleState": "deleted"}) and not gone({"LifeCycleState": "deleting"})
