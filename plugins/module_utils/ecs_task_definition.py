# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS task definitions as plain data: typing, normalising, comparing and describing (no boto3 needed).

A task definition is immutable: a change means registering a new revision of its family. Whether a
change is needed is decided by comparing the desired definition (the RegisterTaskDefinition request, in
the API's camelCase shape) with the latest ACTIVE revision (the DescribeTaskDefinition response), after
both went through ``normalize``:

- fields that only a response carries (ARN, revision, status, ...) are dropped;
- values that ECS fills in when a request leaves them out, and that describe then returns, are filled in
  on both sides (container ``essential: true``, ``portMappings[].protocol: tcp``, ``hostPort`` equal to
  ``containerPort`` in the awsvpc and host network modes, health check interval, timeout and retries,
  network mode ``bridge``);
- values that mean the same as leaving the field out are dropped on both sides: empty lists and
  dictionaries (describe returns ``mountPoints: []``, ``volumesFrom: []``, ``systemControls: []``,
  ``placementConstraints: []``, ...), ``false`` booleans whose default is false, container ``cpu: 0``,
  ``hostPort: 0``, an EFS ``rootDirectory`` of ``/`` and ``DISABLED`` EFS transit encryption and IAM
  authorization, ``versionConsistency: enabled``;
- task ``cpu`` and ``memory`` become the strings describe returns (``1024``, ``"1024"`` and ``"1 vCPU"``
  are the same CPU);
- containers are ordered by name, ``environment`` and ``secrets`` are sorted (order-insensitive, but
  every name and value counts), ``requiresCompatibilities`` is sorted;
- everything else is compared exactly, lists in their order (``command`` and ``entryPoint`` are ordered).
"""

from __future__ import annotations

import copy
import datetime
import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp

# Members of the DescribeTaskDefinition ``TaskDefinition`` shape that a RegisterTaskDefinition request
# cannot set (botocore's ECS model: TaskDefinition members minus RegisterTaskDefinitionRequest members).
RESPONSE_ONLY_KEYS = (
    "compatibilities",
    "deleteRequestedAt",
    "deregisteredAt",
    "registeredAt",
    "registeredBy",
    "requiresAttributes",
    "revision",
    "status",
    "taskDefinitionArn",
)
# Request members that the module sets from its own options, not from ``definition``.
OWN_OPTION_KEYS = ("family", "tags")
# Map-valued members: their keys are data (Docker label names, log driver options) and are never renamed.
MAP_KEYS = ("dockerLabels", "options", "driverOpts", "labels")
# Booleans whose ECS default is true: ``false`` is meaningful for them and is kept.
TRUE_BY_DEFAULT = ("essential",)
# Network modes in which ECS sets an omitted hostPort to the containerPort.
STATIC_PORT_MODES = ("awsvpc", "host")
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}

FAMILY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
UNITS_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
ARN_PATTERN = re.compile(r":task-definition/(?P<family>[^:/]+):(?P<revision>\d+)$")


class TaskDefinitionError(ValueError):
    """A module input the module cannot work with; the message says what to do."""


def check_family(family):
    """Fail unless ``family`` is a valid ECS task definition family name."""
    if not FAMILY_PATTERN.match(family or ""):
        raise TaskDefinitionError(
            f"family must be 1 to 255 letters, digits, hyphens and underscores, got {family!r}.")
    return family


def check_definition(definition, allowed_keys):
    """Fail, saying what to do, when ``definition`` cannot be a RegisterTaskDefinition request.

    ``allowed_keys`` are the request's members (from botocore's model); ``family`` and ``tags`` have
    options of their own and response-only fields (an ARN, a revision) cannot be registered.
    """
    if not isinstance(definition, dict):
        raise TaskDefinitionError(f"definition must be a dictionary, got {type(definition).__name__}.")
    own = sorted(key for key in definition if key in OWN_OPTION_KEYS)
    if own:
        raise TaskDefinitionError(
            f"definition must not contain {', '.join(own)}: set them with the module options family, tags "
            f"and purge_tags instead.")
    response_only = sorted(key for key in definition if key in RESPONSE_ONLY_KEYS)
    if response_only:
        raise TaskDefinitionError(
            f"definition contains {', '.join(response_only)}, which ECS sets itself and a registration cannot: "
            f"remove them (a DescribeTaskDefinition response is not a request).")
    allowed = sorted(set(allowed_keys) - set(OWN_OPTION_KEYS))
    unknown = sorted(key for key in definition if key not in allowed)
    if unknown:
        raise TaskDefinitionError(
            f"definition contains {', '.join(unknown)}, which RegisterTaskDefinition does not know. Keys are "
            f"camelCase as in the ECS API: {', '.join(allowed)}.")
    containers = definition.get("containerDefinitions")
    if not isinstance(containers, list) or not containers:
        raise TaskDefinitionError("definition.containerDefinitions must be a non-empty list of container definitions.")
    for index, container in enumerate(containers):
        if not isinstance(container, dict) or not container.get("name") or not container.get("image"):
            raise TaskDefinitionError(
                f"definition.containerDefinitions[{index}] must be a dictionary with at least name and image.")
    return definition


# Typing: the API's types for values that YAML and Jinja may spell differently


def _as_string(value):
    if isinstance(value, bool):
        return "true" if value else "false"  # what log drivers and Docker labels expect, not "True"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _as_integer(value):
    if isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _as_boolean(value):
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return value


def coerce(value, shape):
    """``value`` with scalars converted to the types of botocore ``shape`` where that is unambiguous.

    ``shape`` is a botocore shape (anything with ``type_name`` and, for structures, lists and maps,
    ``members``, ``member`` or ``value``). Unknown members and values that cannot be converted are left
    as they are, for botocore's validation to report.
    """
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {key: coerce(item, shape.members.get(key)) for key, item in value.items()}
    if kind == "list" and isinstance(value, list):
        return [coerce(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {str(key): coerce(item, shape.value) for key, item in value.items()}
    if kind == "string":
        return _as_string(value)
    if kind in ("integer", "long"):
        return _as_integer(value)
    if kind == "boolean":
        return _as_boolean(value)
    return value


# Normalising


def task_units(value, unit):
    """Task-level cpu or memory as the string of units describe returns: 1024, "1024", "1 vCPU" -> "1024".

    ``unit`` is ``vcpu`` for cpu and ``gb`` for memory; both are 1024 of the base unit. Values that are not
    understood are returned as strings unchanged.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(int(value))
    text = str(value)
    found = UNITS_PATTERN.match(text)
    if not found:
        return text
    number, suffix = found.groups()
    suffix = suffix.lower()
    if not suffix:
        return str(int(float(number)))
    if suffix == unit:
        return str(int(float(number) * 1024))
    return text


def default_network_mode(definition):
    """The network mode ECS uses when a definition names none: ``bridge``, except on Windows.

    For Windows containers ECS uses Docker's ``default`` mode; None is returned for them, so that nothing
    is filled in.
    """
    family = (definition.get("runtimePlatform") or {}).get("operatingSystemFamily") or ""
    return None if family.upper().startswith("WINDOWS") else "bridge"


def prune(value, key=None):
    """``value`` without what means the same as leaving a field out: None, empty lists and dictionaries,
    and ``false`` booleans (except those whose default is true, such as ``essential``).

    Elements of lists are pruned but never removed, so that list lengths and positions are kept.
    """
    if isinstance(value, dict):
        if key in MAP_KEYS:
            return dict(value)
        pruned = {}
        for name, item in value.items():
            item = prune(item, name)
            if item is None or item == [] or item == {}:
                continue
            if item is False and name not in TRUE_BY_DEFAULT:
                continue
            pruned[name] = item
        return pruned
    if isinstance(value, list):
        return [prune(item) for item in value]
    return value


def _sort_key(*fields):
    return lambda item: tuple(str(item.get(field, "")) if isinstance(item, dict) else str(item) for field in fields)


def normalize_port_mapping(mapping, network_mode):
    mapping = dict(mapping)
    mapping.setdefault("protocol", "tcp")
    if mapping.get("hostPort") == 0:
        del mapping["hostPort"]
    if network_mode in STATIC_PORT_MODES and "hostPort" not in mapping and "containerPort" in mapping:
        mapping["hostPort"] = mapping["containerPort"]
    return mapping


def normalize_container(container, network_mode):
    """One container definition, normalised (see the module docstring)."""
    container = copy.deepcopy(container)
    if container.get("essential") is None:
        container["essential"] = True
    if container.get("cpu") == 0:
        del container["cpu"]
    if container.get("versionConsistency") == "enabled":
        del container["versionConsistency"]
    if container.get("portMappings"):
        container["portMappings"] = [
            normalize_port_mapping(mapping, network_mode) if isinstance(mapping, dict) else mapping
            for mapping in container["portMappings"]
        ]
    if container.get("environment"):
        container["environment"] = sorted(container["environment"], key=_sort_key("name", "value"))
    if container.get("secrets"):
        container["secrets"] = sorted(container["secrets"], key=_sort_key("name", "valueFrom"))
    health_check = container.get("healthCheck")
    if isinstance(health_check, dict) and health_check.get("command"):
        container["healthCheck"] = dict(HEALTH_CHECK_DEFAULTS, **{k: v for k, v in health_check.items() if v is not None})
    return container


def normalize_volume(volume):
    """One task volume, normalised: EFS settings that equal the defaults are dropped."""
    volume = copy.deepcopy(volume)
    efs = volume.get("efsVolumeConfiguration")
    if isinstance(efs, dict):
        if efs.get("rootDirectory") == "/":
            del efs["rootDirectory"]
        if efs.get("transitEncryption") == "DISABLED":
            del efs["transitEncryption"]
        authorization = efs.get("authorizationConfig")
        if isinstance(authorization, dict) and authorization.get("iam") == "DISABLED":
            del authorization["iam"]
    return volume


def normalize(definition):
    """A task definition (request or describe response, camelCase) in the canonical form to compare.

    Equal results mean that registering ``definition`` would give a revision with the same settings.
    The input is not modified.
    """
    definition = {
        key: copy.deepcopy(value) for key, value in (definition or {}).items()
        if key not in RESPONSE_ONLY_KEYS and key not in OWN_OPTION_KEYS
    }
    if "cpu" in definition:
        definition["cpu"] = task_units(definition["cpu"], "vcpu")
    if "memory" in definition:
        definition["memory"] = task_units(definition["memory"], "gb")
    network_mode = definition.get("networkMode") or default_network_mode(definition)
    if network_mode:
        definition["networkMode"] = network_mode
    if isinstance(definition.get("requiresCompatibilities"), list):
        definition["requiresCompatibilities"] = sorted(definition["requiresCompatibilities"])
    if isinstance(definition.get("containerDefinitions"), list):
        definition["containerDefinitions"] = sorted(
            (normalize_container(c, network_mode) for c in definition["containerDefinitions"]),
            key=_sort_key("name"))
    if isinstance(definition.get("volumes"), list):
        definition["volumes"] = sorted((normalize_volume(v) for v in definition["volumes"]), key=_sort_key("name"))
    return prune(definition)


def differences(before, after, path=""):
    """Where two normalised definitions differ, as a sorted list of dotted paths (``[]`` when equal)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found.extend(differences(before.get(key), after.get(key), f"{path}.{key}" if path else key))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (old, new) in enumerate(zip(before, after)):
            found.extend(differences(old, new, f"{path}[{index}]"))
        return found
    return [] if before == after else [path]


# Revisions and what the module returns


def parse_arn(arn):
    """``(family, revision)`` of a task definition ARN, or ``(None, None)``."""
    found = ARN_PATTERN.search(arn or "")
    if not found:
        return None, None
    return found.group("family"), int(found.group("revision"))


def revisions_of(arns, family):
    """``{revision: arn}`` of the ARNs that belong to ``family`` (exactly, not by prefix)."""
    revisions = {}
    for arn in arns:
        arn_family, revision = parse_arn(arn)
        if arn_family == family:
            revisions[revision] = arn
    return dict(sorted(revisions.items()))


def latest_arn(arns, family):
    """The ARN of the highest revision of ``family`` among ``arns`` (whatever their order), or None."""
    revisions = revisions_of(arns, family)
    return revisions[max(revisions)] if revisions else None


def _snake_key(key):
    return next(iter(camel_dict_to_snake_dict({key: None})))


def snake_case(value, key=None):
    """``value`` with camelCase keys snake_cased, except inside maps whose keys are data (MAP_KEYS).

    ``camel_dict_to_snake_dict`` alone would rename Docker label names and log driver options
    (``com.example.MyLabel`` -> ``com.example._my_label``); values, such as environment variable names
    inside ``environment`` lists, are never changed; times (``registeredAt``) become ISO 8601 strings.
    """
    if isinstance(value, dict):
        if key in MAP_KEYS:
            return dict(value)
        return {_snake_key(name): snake_case(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [snake_case(item) for item in value]
    if isinstance(value, datetime.date):
        return timestamp(value)
    return value


def describe(task_definition, tags):
    """The documented view of a task definition description: snake_cased, with ``tags`` as a dictionary."""
    if not task_definition:
        return {}
    result = snake_case(task_definition)
    result["tags"] = dict(sorted((tags or {}).items()))
    return result


def family_revision(task_definition):
    """``family:revision`` of a task definition description (what ECS services take), or None."""
    if not task_definition or task_definition.get("revision") is None:
        return None
    return f"{task_definition['family']}:{task_definition['revision']}"


def diff_view(family, normalized, tags):
    """What the diff shows of a task definition: its family, normalised definition and tags."""
    return {"family": family, "definition": normalized, "tags": dict(sorted((tags or {}).items()))}
