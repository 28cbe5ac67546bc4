# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deciding what a set of Secrets Manager secrets needs (no AWS needed). Nothing here returns a secret's value."""

from __future__ import annotations

import json
import secrets
import string
from urllib.parse import quote

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.specs import repeated

ALPHABET = string.ascii_letters + string.digits


def generate(prefix: str, length: int) -> str:
    """A new random value: ``prefix`` and ``length`` letters and digits from the system's secure source."""
    return prefix + "".join(secrets.choice(ALPHABET) for _position in range(length))


class AssembleError(ValueError):
    """A value cannot be assembled from its template and source (the message names fields, never values)."""


def source_fields(text: str) -> dict:
    """The fields a source secret gives a template: a JSON object's keys (as RDS stores a database's credentials:
    username, password, host, port, dbname, engine), else the whole text as ``secret``."""
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict):
        return {str(key): "" if value is None else str(value) for key, value in loaded.items()}
    return {"secret": text}


def assemble(template: str, source_text: str | None, fields: dict, source: str = "") -> str:
    """``template`` with each ``{field}`` replaced, percent-encoded (so a password's ``@`` or ``/`` cannot break a URL),
    from the source secret's fields and then ``fields``, which win."""
    values = dict(source_fields(source_text) if source_text is not None else {})
    values.update({key: "" if value is None else str(value) for key, value in (fields or {}).items()})
    names = [name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name is not None]
    missing = sorted({name for name in names if name not in values or values[name] == ""})
    if missing:
        where = f"the secret {source}" if source else "no source secret"
        raise AssembleError(f"the template needs {', '.join(missing)}, which neither {where} nor fields gives")
    return template.format_map({name: quote(values[name], safe="") for name in names})


def spec_errors(specs: list[dict]) -> list[str]:
    """What is wrong with the secrets' specs, each message naming the field (never a value)."""
    errors = []
    for duplicate in repeated(spec["name"] for spec in specs):
        errors.append(f"secrets: the name {duplicate!r} is given more than once")
    for spec in specs:
        has_value, generated = spec.get("value") is not None, spec.get("generate") is not None
        assembled = spec.get("assemble") is not None
        if has_value + generated + assembled != 1:
            errors.append(f"secrets[{spec['name']}]: give exactly one of value (kept in line with it), generate (created once) "
                          "and assemble (kept in line with its template and source)")
        elif has_value and spec["value"] == "":
            errors.append(f"secrets[{spec['name']}].value is empty: Secrets Manager stores no empty secret")
        elif generated and not 16 <= spec["generate"]["length"] <= 4096:
            errors.append(f"secrets[{spec['name']}].generate.length is {spec['generate']['length']}: use 16 to 4096 characters")
    return errors


def metadata_changes(spec: dict, found: dict, kms_key_id: str | None) -> dict:
    """The UpdateSecret arguments (without a value) that bring ``found`` (DescribeSecret) in line with ``spec``."""
    todo = {}
    if spec.get("description") is not None and spec["description"] != found.get("Description", ""):
        todo["Description"] = spec["description"]
    if kms_key_id and kms_key_id != found.get("KmsKeyId"):
        todo["KmsKeyId"] = kms_key_id
    return todo


def current_version(found: dict) -> str:
    """The id of the version labelled AWSCURRENT ("" when there is none)."""
    return next((version for version, stages in (found.get("VersionIdsToStages") or {}).items() if "AWSCURRENT" in stages), "")


def comparable(found: dict | None, tags: dict, value_changed: bool | None = False) -> dict:
    """A secret as diff mode shows it: description, key, tags and whether the value changes (None: not known), never
    the value."""
    if not found:
        return {}
    value = "(unknown)" if value_changed is None else "(changed)" if value_changed else "(unchanged)"
    return {"description": found.get("Description", ""), "kms_key_id": found.get("KmsKeyId") or "", "tags": dict(tags),
            "value": value, "scheduled_for_deletion": bool(found.get("DeletedDate"))}
