# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparing security groups' rules with the rules they should have (no AWS needed).

A rule is compared as a set of atoms, one per protocol, port range and single source (an IPv4 range, an IPv6
range or a security group): ``(protocol, from_port, to_port, kind, source)``, each with its description. EC2 groups
the same atoms into ``IpPermissions`` in whatever way they were authorised, so atoms are what can be compared.
"""

from __future__ import annotations

import re

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.specs import repeated

PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1", "-1": "-1"}
GROUP_ID = re.compile(r"^sg-[0-9a-f]+$")
# EC2 adds this egress rule to every new group in a VPC.
DEFAULT_EGRESS = (("-1", None, None, "cidr", "0.0.0.0/0"),)


def _ports(rule):
    """(from_port, to_port) pairs of a rule spec: each entry of ``ports`` is a port or a "low-high" range."""
    if PROTOCOLS[rule.get("protocol") or "tcp"] == "-1":
        return [(None, None)]
    pairs = []
    for port in rule.get("ports") or []:
        low, high = (str(port).split("-", 1) + [""])[:2]
        pairs.append((int(low), int(high or low)))
    return pairs


def spec_errors(groups):
    """What is wrong with the groups' specs (names, protocols, ports, sources), as messages naming the field."""
    errors = []
    names = [group["name"] for group in groups]
    for duplicate in repeated(names):
        errors.append(f"groups: the name {duplicate!r} is given more than once")
    for group in groups:
        for direction in ("ingress", "egress"):
            for index, rule in enumerate(group.get(direction) or []):
                where = f"groups[{group['name']}].{direction}[{index}]"
                protocol = rule.get("protocol") or "tcp"
                if protocol not in PROTOCOLS:
                    errors.append(f"{where}.protocol is {protocol!r}: use one of tcp, udp, icmp, all")
                    continue
                try:
                    ports = _ports(rule)
                except ValueError:
                    errors.append(f"{where}.ports {rule.get('ports')} must be ports (80) or ranges ('8000-8010')")
                    continue
                if PROTOCOLS[protocol] != "-1" and not ports:
                    errors.append(f"{where} names no ports: give ports, or protocol all")
                if any(low > high or low < 0 or high > 65535 for low, high in ports if low is not None):
                    errors.append(f"{where}.ports {rule.get('ports')} must lie in 0-65535, each range low-high")
                for source in rule.get("groups") or []:
                    if source not in names and not GROUP_ID.match(source):
                        errors.append(f"{where}.groups names {source!r}, neither a group of this call nor a group id (sg-...)")
                if not (rule.get("cidrs") or rule.get("groups")):
                    errors.append(f"{where} admits nothing: give cidrs or groups")
    return errors


def desired_atoms(rules, group_ids):
    """{atom: description} for rule specs; group sources are names of this call (resolved by ``group_ids``, a name
    whose group does not exist yet stays as ``<name>``) or group ids."""
    atoms = {}
    for rule in rules or []:
        protocol = PROTOCOLS[rule.get("protocol") or "tcp"]
        description = rule.get("description") or ""
        for low, high in _ports(rule):
            for cidr in rule.get("cidrs") or []:
                atoms[(protocol, low, high, "cidr6" if ":" in cidr else "cidr", cidr)] = description
            for source in rule.get("groups") or []:
                resolved = source if GROUP_ID.match(source) else group_ids.get(source) or f"<{source}>"
                atoms[(protocol, low, high, "group", resolved)] = description
    return atoms


def current_atoms(permissions):
    """{atom: description} for EC2 ``IpPermissions``."""
    atoms = {}
    for permission in permissions or []:
        protocol = str(permission.get("IpProtocol", "-1"))
        low, high = (None, None) if protocol == "-1" else (permission.get("FromPort"), permission.get("ToPort"))
        for item in permission.get("IpRanges") or []:
            atoms[(protocol, low, high, "cidr", item["CidrIp"])] = item.get("Description") or ""
        for item in permission.get("Ipv6Ranges") or []:
            atoms[(protocol, low, high, "cidr6", item["CidrIpv6"])] = item.get("Description") or ""
        for item in permission.get("UserIdGroupPairs") or []:
            atoms[(protocol, low, high, "group", item["GroupId"])] = item.get("Description") or ""
    return atoms


def permissions(atoms):
    """EC2 ``IpPermissions`` for {atom: description}, one permission per atom."""
    result = []
    for (protocol, low, high, kind, source), description in sorted(atoms.items(), key=lambda item: atom_text(item[0])):
        permission = {"IpProtocol": protocol}
        if low is not None:
            permission.update(FromPort=low, ToPort=high)
        entry = {"Description": description} if description else {}
        if kind == "cidr":
            permission["IpRanges"] = [dict(CidrIp=source, **entry)]
        elif kind == "cidr6":
            permission["Ipv6Ranges"] = [dict(CidrIpv6=source, **entry)]
        else:
            permission["UserIdGroupPairs"] = [dict(GroupId=source, **entry)]
        result.append(permission)
    return result


def rule_changes(current, desired, purge=True):
    """(to_authorize, to_revoke, descriptions_to_update) between two {atom: description} maps."""
    authorize = {atom: text for atom, text in desired.items() if atom not in current}
    revoke = {atom: text for atom, text in current.items() if atom not in desired} if purge else {}
    describe = {atom: text for atom, text in desired.items() if atom in current and current[atom] != text}
    return authorize, revoke, describe


def atom_text(atom):
    """A rule atom as one readable line: ``tcp 4000 from sg-123``, ``all from 0.0.0.0/0``."""
    protocol, low, high, _kind, source = atom
    ports = "" if low is None else (f" {low}" if low == high else f" {low}-{high}")
    return f"{'all' if protocol == '-1' else protocol}{ports} from {source}"


def references(atoms, group_ids):
    """The atoms of ``atoms`` whose source is one of ``group_ids``."""
    return {atom: text for atom, text in atoms.items() if atom[3] == "group" and atom[4] in group_ids}


def comparable(group, tags):
    """A group as diff mode shows it: its description, rules as readable lines, and tags."""
    if not group:
        return {}
    return {
        "description": group.get("Description", ""),
        "ingress": sorted(atom_text(atom) for atom in current_atoms(group.get("IpPermissions"))),
        "egress": sorted(atom_text(atom) for atom in current_atoms(group.get("IpPermissionsEgress"))),
        "tags": dict(tags),
    }
