"""Security-group rules compared atom by atom, without AWS."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import atom_text
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import current_atoms
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import desired_atoms
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import permissions
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import references
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import rule_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import spec_errors


def test_desired_atoms_expand_ports_sources_and_resolve_group_names():
    rules = [{"ports": ["80", "443"], "cidrs": ["198.51.100.0/24", "2001:db8::/32"], "description": "clients"},
             {"ports": ["4000"], "groups": ["alb", "sg-0123abcd"]},
             {"protocol": "all", "groups": ["new"]}]
    atoms = desired_atoms(rules, {"alb": "sg-aaa"})
    assert atoms == {
        ("tcp", 80, 80, "cidr", "198.51.100.0/24"): "clients", ("tcp", 443, 443, "cidr", "198.51.100.0/24"): "clients",
        ("tcp", 80, 80, "cidr6", "2001:db8::/32"): "clients", ("tcp", 443, 443, "cidr6", "2001:db8::/32"): "clients",
        ("tcp", 4000, 4000, "group", "sg-aaa"): "", ("tcp", 4000, 4000, "group", "sg-0123abcd"): "",
        ("-1", None, None, "group", "<new>"): "",  # a group that does not exist yet (check mode)
    }


def test_current_atoms_read_any_grouping_of_ip_permissions():
    permissions_ = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                     "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "a"}, {"CidrIp": "10.1.0.0/16"}],
                     "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123456789012"}]},
                    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    assert current_atoms(permissions_) == {
        ("tcp", 80, 80, "cidr", "10.0.0.0/8"): "a", ("tcp", 80, 80, "cidr", "10.1.0.0/16"): "",
        ("tcp", 80, 80, "group", "sg-1"): "", ("-1", None, None, "cidr", "0.0.0.0/0"): "", ("-1", None, None, "cidr6", "::/0"): ""}


def test_permissions_round_trip_through_current_atoms():
    atoms = desired_atoms([{"ports": ["8000-8010"], "cidrs": ["10.0.0.0/8"], "description": "d"},
                           {"protocol": "all", "groups": ["sg-1"]}], {})
    assert current_atoms(permissions(atoms)) == atoms


def test_rule_changes_add_missing_revoke_extra_and_fix_descriptions():
    current = {("tcp", 80, 80, "cidr", "a"): "", ("tcp", 81, 81, "cidr", "a"): "", ("tcp", 82, 82, "cidr", "a"): "old"}
    desired = {("tcp", 80, 80, "cidr", "a"): "", ("tcp", 82, 82, "cidr", "a"): "new", ("tcp", 83, 83, "cidr", "a"): ""}
    authorize, revoke, describe = rule_changes(current, desired)
    assert authorize == {("tcp", 83, 83, "cidr", "a"): ""}
    assert revoke == {("tcp", 81, 81, "cidr", "a"): ""}
    assert describe == {("tcp", 82, 82, "cidr", "a"): "new"}
    assert rule_changes(current, desired, purge=False)[1] == {}
    assert rule_changes(desired, desired) == ({}, {}, {})


def test_references_pick_rules_from_given_groups():
    atoms = {("tcp", 80, 80, "group", "sg-1"): "", ("tcp", 80, 80, "cidr", "sg-1"): "", ("tcp", 80, 80, "group", "sg-2"): ""}
    assert references(atoms, {"sg-1"}) == {("tcp", 80, 80, "group", "sg-1"): ""}


def test_atom_text_reads_like_a_rule():
    assert atom_text(("tcp", 4000, 4000, "group", "sg-1")) == "tcp 4000 from sg-1"
    assert atom_text(("udp", 1, 9, "cidr", "10.0.0.0/8")) == "udp 1-9 from 10.0.0.0/8"
    assert atom_text(("-1", None, None, "cidr", "0.0.0.0/0")) == "all from 0.0.0.0/0"


def test_spec_errors_name_the_field_and_the_fix():
    groups = [{"name": "a", "ingress": [{"protocol": "sctp", "ports": ["1"], "cidrs": ["x"]}]},
              {"name": "a", "ingress": [{"ports": ["70000"], "cidrs": ["x"]}, {"ports": ["x-y"], "cidrs": ["x"]},
                                        {"ports": ["80"], "groups": ["nope"]}, {"ports": ["80"]}, {"ports": [], "cidrs": ["x"]}]}]
    errors = spec_errors(groups)
    assert "groups: the name 'a' is given more than once" in errors
    assert any("groups[a].ingress[0].protocol is 'sctp'" in error for error in errors)
    assert any("ingress[0].ports ['70000'] must lie in 0-65535" in error for error in errors)
    assert any("ingress[1].ports ['x-y'] must be ports" in error for error in errors)
    assert any("ingress[2].groups names 'nope'" in error for error in errors)
    assert any("ingress[3] admits nothing" in error for error in errors)
    assert any("ingress[4] names no ports" in error for error in errors)
    assert spec_errors([{"name": "ok", "ingress": [{"ports": ["80"], "groups": ["ok"]}], "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}]) == []
