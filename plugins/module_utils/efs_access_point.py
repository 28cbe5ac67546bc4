# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EFS access point settings and identity, as plain functions (no AWS needed).

An access point's POSIX user and root directory cannot be changed after creation; only its tags can.
The functions here turn module options into the EFS API's shapes, reduce an access point to comparable
settings, and pick the access point of a name among a file system's access points.
"""

from __future__ import annotations

import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags

# The EFS API's own patterns (botocore does not check them client-side; EFS answers BadRequest).
PATH_PATTERN = re.compile(r"^(/|(/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$")
PERMISSIONS_PATTERN = re.compile(r"^[0-7]{3,4}$")
MAX_ID = 4294967295
MAX_SECONDARY_GIDS = 16

# Life cycle states (AccessPointDescription.LifeCycleState) of an access point that no longer holds its name.
GONE = ("deleting", "deleted")


class AccessPointError(ValueError):
    """A module input or an AWS state the module cannot work with; the message says what to do."""


def _check_id(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise AccessPointError(f"{what} must be an integer from 0 to {MAX_ID}, got {value!r}.")
    return value


def build_posix_user(posix_user):
    """The API's ``PosixUser`` for the module option ``posix_user`` (or None when it is not set)."""
    if not posix_user:
        return None
    api = {
        "Uid": _check_id(posix_user.get("uid"), "posix_user.uid"),
        "Gid": _check_id(posix_user.get("gid"), "posix_user.gid"),
    }
    secondary = posix_user.get("secondary_gids") or []
    if len(secondary) > MAX_SECONDARY_GIDS:
        raise AccessPointError(
            f"posix_user.secondary_gids holds {len(secondary)} groups; EFS accepts at most {MAX_SECONDARY_GIDS}.")
    if secondary:
        api["SecondaryGids"] = [_check_id(gid, "each of posix_user.secondary_gids") for gid in secondary]
    return api


def normalize_permissions(permissions):
    """``permissions`` as four octal digits ("755" -> "0755"); only quoted octal strings are accepted."""
    if not isinstance(permissions, str):
        raise AccessPointError(
            f"root_directory.creation_info.permissions must be a quoted string of 3 or 4 octal digits such as "
            f"'0755', got the {type(permissions).__name__} {permissions!r}. Quote the value: YAML reads an "
            f"unquoted 0755 as the number 493.")
    if not PERMISSIONS_PATTERN.match(permissions):
        raise AccessPointError(
            f"root_directory.creation_info.permissions must be 3 or 4 octal digits such as '0755', got {permissions!r}.")
    return f"{int(permissions, 8):04o}"


def build_root_directory(root_directory):
    """The API's ``RootDirectory`` for the module option ``root_directory`` (path C(/) when not set)."""
    root_directory = root_directory or {}
    path = root_directory.get("path") or "/"
    if not PATH_PATTERN.match(path):
        raise AccessPointError(
            f"root_directory.path must be / or an absolute path of one to four directories without a trailing "
            f"slash (for example /litellm/data), got {path!r}.")
    api = {"Path": path}
    info = root_directory.get("creation_info")
    if info:
        api["CreationInfo"] = {
            "OwnerUid": _check_id(info.get("owner_uid"), "root_directory.creation_info.owner_uid"),
            "OwnerGid": _check_id(info.get("owner_gid"), "root_directory.creation_info.owner_gid"),
            "Permissions": normalize_permissions(info.get("permissions")),
        }
    return api


def settings(posix_user, root_directory):
    """Comparable, snake_cased settings from the API's ``PosixUser`` and ``RootDirectory`` (either may be None).

    Secondary groups are a set (sorted) and permissions are four octal digits, so that equal settings
    compare equal whatever their spelling.
    """
    user = None
    if posix_user:
        user = {
            "uid": posix_user.get("Uid"),
            "gid": posix_user.get("Gid"),
            "secondary_gids": sorted(set(posix_user.get("SecondaryGids") or [])),
        }
    root_directory = root_directory or {}
    root = {"path": root_directory.get("Path") or "/", "creation_info": None}
    info = root_directory.get("CreationInfo")
    if info:
        permissions = info.get("Permissions")
        if isinstance(permissions, str) and PERMISSIONS_PATTERN.match(permissions):
            permissions = f"{int(permissions, 8):04o}"
        root["creation_info"] = {
            "owner_uid": info.get("OwnerUid"),
            "owner_gid": info.get("OwnerGid"),
            "permissions": permissions,
        }
    return {"posix_user": user, "root_directory": root}


def settings_of(access_point):
    """Comparable settings of an access point description."""
    return settings(access_point.get("PosixUser"), access_point.get("RootDirectory"))


def desired_tags(name, tags):
    """The tags to converge on: ``tags`` with C(Name) set to ``name``; None when tags are not managed."""
    if tags is None:
        return {"Name": name}
    if "Name" in tags and str(tags["Name"]) != name:
        raise AccessPointError(
            f"tags.Name is {tags['Name']!r} but name is {name!r}: the Name tag is the access point's identity "
            f"and always equals name. Leave Name out of tags.")
    return dict(tags, Name=name)


def is_live(access_point):
    """False for an access point on its way out (deleting, deleted): it no longer holds its name."""
    return access_point.get("LifeCycleState") not in GONE


def named(access_points, name):
    """The live access points whose C(Name) tag is ``name``, oldest listing order kept."""
    return [
        ap for ap in access_points
        if is_live(ap) and read_tags(ap.get("Tags")).get("Name", ap.get("Name")) == name
    ]


def pick_access_point(access_points, name, file_system_id):
    """The one live access point of the file system named ``name``, or None; several is an error."""
    matches = named(access_points, name)
    if len(matches) > 1:
        ids = ", ".join(ap["AccessPointId"] for ap in matches)
        raise AccessPointError(
            f"{len(matches)} access points of {file_system_id} carry the Name tag {name!r} ({ids}), so the module "
            f"cannot tell which one to manage. Delete all but one (aws efs delete-access-point --access-point-id "
            f"<id>) or give them distinct Name tags, then run again.")
    return matches[0] if matches else None


def needs_replacement(access_point, wanted):
    """Why ``access_point`` must be replaced to get the ``wanted`` settings (a list of reasons, empty if not)."""
    if access_point.get("LifeCycleState") == "error":
        return ["the access point is in the error state"]
    current = settings_of(access_point)
    return [f"{key} differs" for key in ("posix_user", "root_directory") if current[key] != wanted[key]]


def describe(access_point):
    """The documented, snake_cased view of an access point description (``{}`` for None)."""
    if not access_point:
        return {}
    tags = read_tags(access_point.get("Tags"))
    current = settings_of(access_point)
    result = {
        "access_point_id": access_point.get("AccessPointId"),
        "access_point_arn": access_point.get("AccessPointArn"),
        "file_system_id": access_point.get("FileSystemId"),
        "name": tags.get("Name", access_point.get("Name")),
        "posix_user": current["posix_user"],
        "root_directory": current["root_directory"],
        "tags": tags,
        "life_cycle_state": access_point.get("LifeCycleState"),
    }
    if access_point.get("OwnerId"):
        result["owner_id"] = access_point["OwnerId"]
    return result


def diff_view(file_system_id, name, wanted_settings, tags):
    """What the diff shows of an access point: its settings and tags."""
    return {
        "file_system_id": file_system_id,
        "name": name,
        "posix_user": wanted_settings["posix_user"],
        "root_directory": wanted_settings["root_directory"],
        "tags": dict(sorted(tags.items())),
    }
