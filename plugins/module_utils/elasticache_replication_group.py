# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparing an ElastiCache replication group and its cache subnet group with what they should be (no AWS needed).

A replication group reports its node type, engine, encryption and members; its engine version, security groups
and cache subnet group are reported by its cache clusters (DescribeCacheClusters), so the functions here take
both: ``group`` (a DescribeReplicationGroups entry) and ``cluster`` (the DescribeCacheClusters entry of one of its
members, ``{}`` when there is none to read).
"""

from __future__ import annotations

import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp

# ElastiCache's rule for a replication group id: 1-40 lower-case letters, digits and hyphens, starting with a letter,
# without two hyphens in a row or one at the end (ElastiCache API reference, CreateReplicationGroup).
NAME_PATTERN = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*$")
MAX_NAME = 40
# The AUTH token's rule: 16-128 printable characters, letters, digits and only these special characters.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9!&#$^<>-]*$")
MIN_TOKEN, MAX_TOKEN = 16, 128
MAX_NODES = 6  # a primary and up to five replicas

AVAILABLE = "available"
DELETING = "deleting"
# States in which ElastiCache refuses DeleteReplicationGroup (InvalidReplicationGroupState): wait until they settle.
BUSY = ("creating", "modifying", "snapshotting")

RECREATE = "delete the group (state=absent) and run again to create it anew, which empties the cache"


def name_problem(name):
    """Why ``name`` cannot be a replication group id (None when it can)."""
    if not name or len(name) > MAX_NAME or not NAME_PATTERN.match(name) or name.endswith("-"):
        return (f"name must be 1-{MAX_NAME} lower-case letters, digits and hyphens, starting with a letter, without two "
                f"hyphens in a row or one at the end (ElastiCache's rule for a replication group id); got {name!r}.")
    return None


def token_problem(token):
    """Why ``token`` cannot be an AUTH token (None when it can); the answer never contains the token."""
    if not isinstance(token, str):
        return "it holds no SecretString (a binary secret)"
    if not MIN_TOKEN <= len(token) <= MAX_TOKEN:
        return f"the token has {len(token)} characters; ElastiCache takes {MIN_TOKEN} to {MAX_TOKEN}"
    if not TOKEN_PATTERN.match(token):
        return "the token has characters ElastiCache refuses: only letters, digits and ! & # $ ^ < > - are allowed"
    return None


def version_parts(version):
    """``"7.2.4"`` -> ``(7, 2, 4)``; a part that is not a number is compared as text."""
    return tuple(int(part) if part.isdigit() else part for part in str(version or "").split(".") if part != "")


def version_matches(wanted, current):
    """Whether the engine version ``current`` (``7.2.4``) is ``wanted`` (``7.2``, ``7``, or ``7.2.4``)."""
    wanted_parts = version_parts(wanted)
    return version_parts(current)[:len(wanted_parts)] == wanted_parts


def is_older(wanted, current):
    """Whether ``wanted`` is an older version than ``current`` (a downgrade, which ElastiCache does not do)."""
    wanted_parts, current_parts = version_parts(wanted), version_parts(current)
    try:
        return wanted_parts < current_parts[:len(wanted_parts)]
    except TypeError:
        return False


def primary_endpoint(group):
    """The ``PrimaryEndpoint`` of the group's node group ({} while the group is being created)."""
    node_groups = (group or {}).get("NodeGroups") or [{}]
    return node_groups[0].get("PrimaryEndpoint") or {}


def reader_endpoint(group):
    node_groups = (group or {}).get("NodeGroups") or [{}]
    return node_groups[0].get("ReaderEndpoint") or {}


def security_group_ids(cluster):
    """The security group ids of a DescribeCacheClusters entry, sorted."""
    return sorted(item["SecurityGroupId"] for item in (cluster or {}).get("SecurityGroups") or [] if item.get("SecurityGroupId"))


def subnet_ids(subnet_group):
    """The subnet ids of a DescribeCacheSubnetGroups entry, sorted."""
    return sorted(item["SubnetIdentifier"] for item in (subnet_group or {}).get("Subnets") or [] if item.get("SubnetIdentifier"))


def failover_enabled(group):
    return (group or {}).get("AutomaticFailover") in ("enabled", "enabling")


def kms_key_matches(wanted, current):
    """Whether the group's key ARN ``current`` is the key ``wanted`` (an id or an ARN); an alias cannot be told."""
    if not wanted or "alias/" in wanted:
        return True
    current = current or ""
    return current == wanted or current.endswith("/" + wanted)


def fixed_setting_problems(params, name, group, cluster):
    """What differs from ``params`` that ElastiCache cannot change in place (or this module does not), as lines.

    Each line names the option (or the setting), what the group has, and what to do.
    """
    lines = []
    if group.get("ClusterEnabled") or group.get("ClusterMode") == "enabled":
        lines.append(f"the group runs in cluster mode (several shards); this module manages groups of one shard only: {RECREATE}")
    port = primary_endpoint(group).get("Port")
    if port and params.get("port") and int(port) != int(params["port"]):
        lines.append(f"port is {params['port']} but the group listens on {port}; ElastiCache sets the port at creation: "
                     f"set port: {port}, or {RECREATE}")
    if group.get("TransitEncryptionEnabled") is False:
        lines.append("the group is not encrypted in transit and this module keeps transit encryption on; turn it on with "
                     "ModifyReplicationGroup (TransitEncryptionEnabled with TransitEncryptionMode preferred, then required), "
                     f"or {RECREATE}")
    if group.get("AtRestEncryptionEnabled") is False:
        lines.append(f"the group is not encrypted at rest, which ElastiCache sets at creation only: {RECREATE}")
    if params.get("kms_key_id") and not kms_key_matches(params["kms_key_id"], group.get("KmsKeyId")):
        lines.append(f"kms_key_id is {params['kms_key_id']!r} but the group is encrypted with {group.get('KmsKeyId') or 'the default key'!r}, "
                     f"which ElastiCache sets at creation only: leave kms_key_id as it was, or {RECREATE}")
    if params.get("auth_token_secret_arn") and group.get("AuthTokenEnabled") is False:
        lines.append("auth_token_secret_arn is set but the group has no AUTH token; this module sends the token only when it "
                     f"creates a group: {RECREATE}")
    engine, current_engine = params.get("engine"), group.get("Engine") or (cluster or {}).get("Engine")
    if engine and current_engine and engine != current_engine and not (engine == "valkey" and current_engine == "redis"):
        lines.append(f"engine is {engine!r} but the group runs {current_engine!r}; ElastiCache upgrades Redis OSS to Valkey in "
                     f"place but not the other way: set engine: {current_engine}, or {RECREATE}")
    version, current_version = params.get("engine_version"), (cluster or {}).get("EngineVersion")
    if version and current_version and engine == current_engine and is_older(version, current_version):
        lines.append(f"engine_version is {version!r} but the group runs {current_version!r}, and ElastiCache does not downgrade: "
                     f"set engine_version: {current_version!r} (or leave it unset), or {RECREATE}")
    wanted_nodes, nodes = params.get("num_cache_clusters"), len(group.get("MemberClusters") or [])
    if wanted_nodes and nodes and wanted_nodes != nodes:
        lines.append(f"num_cache_clusters is {wanted_nodes} but the group has {nodes} nodes; this module does not add or remove "
                     f"replicas: use IncreaseReplicaCount or DecreaseReplicaCount (aws elasticache increase-replica-count "
                     f"--replication-group-id {name} --new-replica-count {wanted_nodes - 1} --apply-immediately), then run again; "
                     f"or set num_cache_clusters: {nodes}")
    subnet_group = (cluster or {}).get("CacheSubnetGroupName")
    if subnet_group and subnet_group != name:
        lines.append(f"the group is in the cache subnet group {subnet_group!r}, not {name!r}, and ElastiCache cannot move a group to "
                     f"another subnet group: {RECREATE}")
    return lines


def modifications(params, group, cluster):
    """The ModifyReplicationGroup arguments (without the id) that bring the group in line; {} when it is.

    What only a cache cluster reports (engine version, security groups) is compared when ``cluster`` was read.
    """
    todo = {}
    if params.get("node_type") and params["node_type"] != group.get("CacheNodeType"):
        todo["CacheNodeType"] = params["node_type"]
    current_engine = group.get("Engine") or (cluster or {}).get("Engine")
    if params.get("engine") == "valkey" and current_engine == "redis":
        todo["Engine"] = "valkey"
    version, current_version = params.get("engine_version"), (cluster or {}).get("EngineVersion")
    if version and (todo.get("Engine") or (current_version and not version_matches(version, current_version)
                                           and not is_older(version, current_version))):
        todo["EngineVersion"] = version
    groups = sorted(set(params.get("security_group_ids") or []))
    if groups and cluster and groups != security_group_ids(cluster):
        todo["SecurityGroupIds"] = groups
    if params.get("description") is not None and params["description"] != group.get("Description"):
        todo["ReplicationGroupDescription"] = params["description"]
    nodes = len(group.get("MemberClusters") or [])
    if params.get("num_cache_clusters") and nodes == params["num_cache_clusters"]:
        wanted = nodes > 1
        if wanted != failover_enabled(group):
            todo["AutomaticFailoverEnabled"] = wanted
            todo["MultiAZEnabled"] = wanted
    return todo


def create_arguments(params, name, description, tags):
    """The CreateReplicationGroup arguments, without the AUTH token (the caller adds it)."""
    nodes = params.get("num_cache_clusters") or 1
    kwargs = {
        "ReplicationGroupId": name,
        "ReplicationGroupDescription": description,
        "Engine": params.get("engine") or "valkey",
        "CacheNodeType": params["node_type"],
        "NumCacheClusters": nodes,
        "AutomaticFailoverEnabled": nodes > 1,
        "MultiAZEnabled": nodes > 1,
        "Port": params.get("port") or 6379,
        "CacheSubnetGroupName": name,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
        "Tags": [{"Key": key, "Value": str(value)} for key, value in sorted((tags or {}).items())],
    }
    if params.get("engine_version"):
        kwargs["EngineVersion"] = params["engine_version"]
    if params.get("security_group_ids"):
        kwargs["SecurityGroupIds"] = sorted(set(params["security_group_ids"]))
    if params.get("kms_key_id"):
        kwargs["KmsKeyId"] = params["kms_key_id"]
    return kwargs


def describe(group, cluster, tags):
    """The replication group as the module returns it ({} when there is none); never a token."""
    if not group:
        return {}
    endpoint, reader = primary_endpoint(group), reader_endpoint(group)
    return {
        "replication_group_id": group.get("ReplicationGroupId", ""),
        "arn": group.get("ARN", ""),
        "status": group.get("Status", ""),
        "description": group.get("Description", ""),
        "engine": group.get("Engine") or (cluster or {}).get("Engine", ""),
        "engine_version": (cluster or {}).get("EngineVersion", ""),
        "node_type": group.get("CacheNodeType", ""),
        "num_cache_clusters": len(group.get("MemberClusters") or []),
        "member_clusters": list(group.get("MemberClusters") or []),
        "primary_endpoint": {"address": endpoint.get("Address", ""), "port": endpoint.get("Port")},
        "reader_endpoint": {"address": reader.get("Address", ""), "port": reader.get("Port")},
        "automatic_failover": group.get("AutomaticFailover", ""),
        "multi_az": group.get("MultiAZ", ""),
        "transit_encryption_enabled": bool(group.get("TransitEncryptionEnabled")),
        "at_rest_encryption_enabled": bool(group.get("AtRestEncryptionEnabled")),
        "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
        "kms_key_id": group.get("KmsKeyId", ""),
        "security_group_ids": security_group_ids(cluster),
        "cache_subnet_group_name": (cluster or {}).get("CacheSubnetGroupName", ""),
        "create_time": timestamp(group.get("ReplicationGroupCreateTime")),
        "tags": dict(tags or {}),
    }


def describe_subnet_group(subnet_group, tags):
    """The cache subnet group as the module returns it ({} when there is none)."""
    if not subnet_group:
        return {}
    return {
        "name": subnet_group.get("CacheSubnetGroupName", ""),
        "arn": subnet_group.get("ARN", ""),
        "description": subnet_group.get("CacheSubnetGroupDescription", ""),
        "vpc_id": subnet_group.get("VpcId", ""),
        "subnet_ids": subnet_ids(subnet_group),
        "tags": dict(tags or {}),
    }


def comparable(group, cluster, subnet_group, tags, subnet_group_tags):
    """What the diff shows of the group and its subnet group as they are ({} when neither exists)."""
    if not group and not subnet_group:
        return {}
    group, cluster = group or {}, cluster or {}
    return {
        "engine": group.get("Engine") or cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "node_type": group.get("CacheNodeType"),
        "num_cache_clusters": len(group.get("MemberClusters") or []) if group else None,
        "description": group.get("Description"),
        "security_group_ids": security_group_ids(cluster) if group else None,
        "subnet_ids": subnet_ids(subnet_group) if subnet_group else None,
        "tags": dict(tags or {}) if group else None,
        "subnet_group_tags": dict(subnet_group_tags or {}) if subnet_group else None,
    }


def comparable_wanted(params, before, tags, subnet_group_tags):
    """What the diff shows of the group and its subnet group as they will be."""
    before = dict(before or {})
    version = params.get("engine_version")
    return {
        "engine": params.get("engine") or before.get("engine"),
        "engine_version": version if version and not version_matches(version, before.get("engine_version")) else before.get("engine_version"),
        "node_type": params.get("node_type") or before.get("node_type"),
        "num_cache_clusters": params.get("num_cache_clusters") or before.get("num_cache_clusters"),
        "description": params["description"] if params.get("description") is not None else before.get("description"),
        "security_group_ids": sorted(set(params.get("security_group_ids") or [])) or before.get("security_group_ids"),
        "subnet_ids": sorted(set(params.get("subnet_ids") or [])) or before.get("subnet_ids"),
        "tags": tags,
        "subnet_group_tags": subnet_group_tags,
    }
