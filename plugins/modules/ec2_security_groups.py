#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_security_groups
short_description: Keep a set of VPC security groups whose rules may admit each other, in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes the security groups of one VPC given in O(groups), found by name. A rule may admit
    another group of the same call by its name, so a chain such as load balancer, tasks and file system is kept in
    one call, in order, whatever exists yet.
  - Rules are compared atom by atom (protocol, ports, one source, description); only missing atoms are authorised
    and, with O(purge_rules), only extra ones revoked, so an unchanged group makes no write.
  - Unlike M(amazon.aws.ec2_security_group), a new group is not re-read after fixed sleeps (3 s after each create,
    10 s per retry while waiting for rules); the rules are set from the create call's answer.
  - O(state=absent) deletes the groups, after revoking the rules of the given groups (and of the groups in O(keep))
    that admit a group being deleted; a group still used by a network interface is retried until it is released.
author:
  - llmops maintainers (!UNKNOWN)
options:
  vpc_id:
    description: The VPC of the groups.
    type: str
    required: true
  groups:
    description: The groups, in the order they are created; names are unique within the VPC.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The group's name.
        type: str
        required: true
      description:
        description:
          - The group's description, set when it is created (EC2 cannot change it afterwards; a different one is
            reported as a warning).
          - Required when the group may have to be created.
        type: str
      ingress:
        description:
          - The inbound rules; an empty list admits nothing.
        type: list
        elements: dict
        default: []
        suboptions: &rule
          protocol:
            description: V(tcp), V(udp), V(icmp) or V(all).
            type: str
            default: tcp
          ports:
            description: Ports (V(80)) or ranges (V(8000-8010)); not used with O(groups[].ingress[].protocol=all).
            type: list
            elements: str
            default: []
          cidrs:
            description: IPv4 and IPv6 ranges admitted.
            type: list
            elements: str
            default: []
          groups:
            description: Security groups admitted, by the name of a group of this call or by id (V(sg-...)).
            type: list
            elements: str
            default: []
          description:
            description: The rule's description.
            type: str
      egress:
        description:
          - The outbound rules, in the same form as O(groups[].ingress).
          - When not set, outbound rules are not managed (a new group keeps EC2's allow-all rule); an empty list
            allows nothing out.
        type: list
        elements: dict
        suboptions: *rule
  purge_rules:
    description: Revoke rules that are not given.
    type: bool
    default: true
  keep:
    description:
      - With O(state=absent), names of groups that stay but lose their rules that admit a deleted group.
    type: list
    elements: str
    default: []
  state:
    description: Whether the groups should exist.
    type: str
    choices: [present, absent]
    default: present
  delete_timeout:
    description:
      - With O(state=absent), how long the deletions may wait in all for groups that a network interface still uses, in seconds.
      - Such a group is tried again, one second later at first and at most every 15 seconds, until it is released.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes no change; reports what would change (a group that would be created has no id yet).
  diff_mode:
    support: full
    description: Shows each group's description, rules and tags before and after.
  idempotent:
    support: full
    description: Groups that match are not written to.
seealso:
  - module: amazon.aws.ec2_security_group
"""

EXAMPLES = r"""
- name: A load balancer open on 443, tasks reachable only from it, NFS only from the tasks
  llmops.litellm_ecs.ec2_security_groups:
    vpc_id: vpc-0123456789abcdef0
    tags:
      litellm-deployment: litellm
    groups:
      - name: litellm-alb
        description: LiteLLM load balancer
        ingress:
          - {ports: [443], cidrs: ["198.51.100.0/24"], description: allowed clients}
      - name: litellm-tasks
        description: LiteLLM proxy tasks
        ingress:
          - {ports: [4000], groups: [litellm-alb], description: the proxy from its load balancer}
      - name: litellm-efs
        description: NFS to the config file system
        ingress:
          - {ports: [2049], groups: [litellm-tasks], description: NFS from the tasks}
        egress: []

- name: Delete the load balancer's group; the tasks' group stays, without its rule from it
  llmops.litellm_ecs.ec2_security_groups:
    vpc_id: vpc-0123456789abcdef0
    groups: [{name: litellm-alb}]
    keep: [litellm-tasks]
    state: absent
"""

RETURN = r"""
groups:
  description: The groups by name, as they are after the run (in check mode, as they would be).
  returned: always
  type: dict
  sample: {litellm-alb: {group_id: sg-0123456789abcdef0, vpc_id: vpc-0123456789abcdef0}}
  contains:
    group_id:
      description: The group's id; empty for a group that would be created in check mode, or was deleted.
      type: str
    vpc_id:
      description: The group's VPC.
      type: str
    ingress:
      description: The inbound rules, one readable line per atom (C(tcp 4000 from sg-...)).
      type: list
      elements: str
    egress:
      description: The outbound rules, one readable line per atom.
      type: list
      elements: str
group_ids:
  description: Each group's id by name (empty for one that would be created in check mode, or was deleted).
  returned: always
  type: dict
  sample: {litellm-alb: sg-0123456789abcdef0}
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import DEFAULT_EGRESS
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import atom_text
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import current_atoms
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import desired_atoms
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import permissions
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import references
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import rule_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ec2_security_groups import spec_errors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import waiter_for

RULE = dict(
    protocol=dict(type="str", default="tcp"),
    ports=dict(type="list", elements="str", default=[]),
    cidrs=dict(type="list", elements="str", default=[]),
    groups=dict(type="list", elements="str", default=[]),
    description=dict(type="str"),
)
# The longest pause between two attempts to delete a group that a network interface being released still uses.
LONGEST_PAUSE = 15


class Groups:
    """The run over one set of groups: what exists, what changes, and what the module returns."""

    def __init__(self, module, client):
        self.module, self.client = module, client
        self.vpc_id = module.params["vpc_id"]
        self.specs = module.params["groups"]
        self.existing, self.ids = {}, {}
        self.changed = False
        self.diff = {"before": {}, "after": {}}

    @AWSErrors.common_error_handler("{what}")
    def request(self, what, action, **kwargs):
        """One call to EC2; ``what`` it does names it in the error."""
        return action(**kwargs)

    def call(self, what, action, **kwargs):
        """A change (in check mode, only counted)."""
        answer = {} if self.module.check_mode else self.request(what, action, **kwargs)
        self.changed = True
        return answer

    def find(self):
        """The existing groups of the VPC named in groups or keep, by name."""
        names = [spec["name"] for spec in self.specs] + self.module.params["keep"]
        found = self.request(f"describe the security groups {', '.join(names)} of {self.vpc_id}", self.client.describe_security_groups,
                             Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}, {"Name": "group-name", "Values": names}])
        self.existing = {group["GroupName"]: group for group in found["SecurityGroups"]}
        self.ids = {name: group["GroupId"] for name, group in self.existing.items()}

    def tags_of(self, group):
        return read_tags(group.get("Tags") or [])

    def sync_rules(self, name, direction, current, desired, purge):
        authorize, revoke, describe_ = rule_changes(current, desired, purge)
        group_id = self.ids.get(name)
        ingress = direction == "ingress"
        for atoms, action, verb in (
                (revoke, self.client.revoke_security_group_ingress if ingress else self.client.revoke_security_group_egress, "revoke"),
                (authorize, self.client.authorize_security_group_ingress if ingress else self.client.authorize_security_group_egress, "authorize"),
                (describe_, self.client.update_security_group_rule_descriptions_ingress if ingress
                 else self.client.update_security_group_rule_descriptions_egress, "describe")):
            if atoms:
                self.call(f"{verb} {direction} rules {', '.join(atom_text(atom) for atom in atoms)} of {name}", action,
                          GroupId=group_id, IpPermissions=permissions(atoms))

    def present(self):
        tags = self.module.params["tags"]
        for spec in self.specs:
            name, group = spec["name"], self.existing.get(spec["name"])
            current_tags = self.tags_of(group) if group else {}
            tag_plan = tag_changes(current_tags, tags, self.module.params["purge_tags"])
            before = comparable(group, current_tags)
            if not group:
                if not spec.get("description"):
                    self.module.fail_json(msg=f"groups[{name}].description is required: the group does not exist yet and EC2 needs one to create it")
                kwargs = dict(GroupName=name, Description=spec["description"], VpcId=self.vpc_id)
                if tags:
                    kwargs["TagSpecifications"] = boto3_tag_specifications(tags, ["security-group"])
                created = self.call(f"create the security group {name} in {self.vpc_id}", self.client.create_security_group, **kwargs)
                self.ids[name] = created.get("GroupId", "")
                current_in, current_out = {}, {atom: "" for atom in DEFAULT_EGRESS}
            else:
                current_in, current_out = current_atoms(group.get("IpPermissions")), current_atoms(group.get("IpPermissionsEgress"))
                if spec.get("description") and spec["description"] != group.get("Description"):
                    self.module.warn(f"The security group {name} keeps its description {group.get('Description')!r}: EC2 cannot change it "
                                     f"to {spec['description']!r} (delete the group to have it created anew).")
                self.sync_tags(name, group, tag_plan)
            desired_in = desired_atoms(spec["ingress"], self.ids)
            desired_out = current_out if spec.get("egress") is None else desired_atoms(spec["egress"], self.ids)
            self.sync_rules(name, "ingress", current_in, desired_in, self.module.params["purge_rules"])
            self.sync_rules(name, "egress", current_out, desired_out, self.module.params["purge_rules"])
            after = {"description": group.get("Description", "") if group else spec["description"],
                     "ingress": sorted(atom_text(atom) for atom in desired_in),
                     "egress": sorted(atom_text(atom) for atom in desired_out),
                     "tags": tag_plan.after}
            self.diff["before"][name], self.diff["after"][name] = before, after

    def sync_tags(self, name, group, changes):
        if changes.to_unset:
            self.call(f"remove tags {', '.join(changes.to_unset)} from {name}", self.client.delete_tags, Resources=[group["GroupId"]],
                      Tags=[{"Key": key} for key in changes.to_unset])
        if changes.to_set:
            self.call(f"tag {name}", self.client.create_tags, Resources=[group["GroupId"]], Tags=ansible_dict_to_boto3_tag_list(changes.to_set))

    def absent(self):
        doomed = [spec["name"] for spec in self.specs if spec["name"] in self.existing]
        doomed_ids = {self.ids[name] for name in doomed}
        for name in doomed + [name for name in self.module.params["keep"] if name in self.existing]:
            group = self.existing[name]
            self.diff["before"][name] = comparable(group, self.tags_of(group))
            for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
                atoms = references(current_atoms(group.get(key)), doomed_ids)
                self.sync_rules(name, direction, atoms, {}, purge=True)
            if name not in doomed:
                kept = dict(self.diff["before"][name])
                kept.update({direction: [line for line in kept[direction] if not any(i in line for i in doomed_ids)]
                             for direction in ("ingress", "egress")})
                self.diff["after"][name] = kept
        budget = Budget(self.module.params["delete_timeout"], clock=time.monotonic)
        for name in reversed(doomed):
            self.diff["after"][name] = {}
            if not self.module.check_mode:
                self.delete_once_released(name, budget)
            self.changed = True

    @AWSErrors.common_error_handler("delete the security group {name}")
    def delete(self, name):
        """Try to delete the group: None once it is deleted (or gone), else why EC2 refuses (AWS's DependencyViolation message)."""
        try:
            self.client.delete_security_group(GroupId=self.ids[name])
        except is_boto3_error_code("InvalidGroup.NotFound"):
            return None  # deleted meanwhile: the wish is met
        except is_boto3_error_code("DependencyViolation") as e:  # pylint: disable=duplicate-except
            return e.response["Error"].get("Message") or "DependencyViolation"
        return None

    def delete_once_released(self, name, budget):
        """Delete the group, trying again while a network interface that is being released still uses it."""
        outcome = waiter_for("deleted", lambda: self.delete(name), check_mode=self.module.check_mode, clock=time.monotonic, sleep=time.sleep).wait(
            timeout=budget.remaining(), **backing_off(LONGEST_PAUSE))
        if not outcome.ready:
            self.module.fail_json(msg=f"The security group {name} ({self.ids[name]}) is still in use after {self.module.params['delete_timeout']} s "
                                      f"({mask(outcome.reason)}): a network interface or another group's rule refers to it. Remove what uses it "
                                      "(a load balancer, service or mount target) and run again.", changed=self.changed)
        self.ids[name] = ""

    def output(self):
        groups = {}
        for name in [spec["name"] for spec in self.specs] + [name for name in self.module.params["keep"] if name in self.existing]:
            after = self.diff["after"].get(name) or {}
            groups[name] = {"group_id": self.ids.get(name, "") if after else "", "vpc_id": self.vpc_id,
                            "ingress": after.get("ingress", []), "egress": after.get("egress", [])}
        result = dict(changed=self.changed, groups=groups, group_ids={name: item["group_id"] for name, item in groups.items()})
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = self.diff
        return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            vpc_id=dict(type="str", required=True),
            groups=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                ingress=dict(type="list", elements="dict", default=[], options=RULE),
                egress=dict(type="list", elements="dict", options=RULE),
            )),
            purge_rules=dict(type="bool", default=True),
            keep=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            delete_timeout=dict(type="int", default=300),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    errors = spec_errors(module.params["groups"])
    if errors:
        module.fail_json(msg="The security groups cannot be kept as given: " + "; ".join(errors) + ". Nothing was changed.")
    run = Groups(module, retries.client(module, "ec2"))
    try:
        run.find()
        (run.absent if module.params["state"] == "absent" else run.present)()
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", run.changed)
        fail_json_aws_error(module, e)
    module.exit_json(**run.output())


if __name__ == "__main__":
    main()
