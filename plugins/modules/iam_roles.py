#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: iam_roles
short_description: Keep a set of IAM roles with their trust, managed and inline policies and tags, in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes the IAM roles given in O(roles), each with its trust policy, exactly the given managed
    policies attached, its inline policies and the tags.
  - Policies are compared as policies (statement order, single values and lists, account ids and root ARNs), with
    amazon.aws's C(compare_policies); only what differs is written.
  - Where M(amazon.aws.iam_role) and M(amazon.aws.iam_policy) take a module run per role and per inline policy, and
    fail under check mode for a role that does not exist yet, this is one call with a full check mode.
  - O(state=absent) detaches the managed policies, deletes the inline ones, takes the role out of its instance profiles
    and deletes it.
author:
  - llmops maintainers (!UNKNOWN)
options:
  roles:
    description: The roles.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The role's name.
        type: str
        required: true
      path:
        description: The role's path (set when it is created; IAM cannot change it).
        type: str
        default: /
      description:
        description: The role's description; when not set, not managed.
        type: str
      assume_role_policy:
        description: The trust policy (a dict or its JSON); required for a role that should exist.
        type: json
      managed_policies:
        description: ARNs of the managed policies attached to the role, exactly; others are detached. When not set, not managed.
        type: list
        elements: str
      inline_policies:
        description: The role's inline policies, name to policy (a dict or its JSON); with O(purge_inline_policies), others are deleted.
        type: dict
        default: {}
  purge_inline_policies:
    description: Delete inline policies that are not in O(roles[].inline_policies).
    type: bool
    default: true
  state:
    description: Whether the roles should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes no change; reports what would change (a role that would be created has no ARN yet).
  diff_mode:
    support: full
    description: Shows each role's trust, managed and inline policies and tags before and after.
  idempotent:
    support: full
    description: Roles that match are not written to.
seealso:
  - module: amazon.aws.iam_role
  - module: amazon.aws.iam_policy
"""

EXAMPLES = r"""
- name: An ECS task execution role reading one deployment's secrets
  llmops.litellm_ecs.iam_roles:
    roles:
      - name: litellm-execution
        description: Pulls the image, writes logs, reads the deployment's secrets
        assume_role_policy:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}]
        managed_policies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
        inline_policies:
          litellm-read-secrets:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: secretsmanager:GetSecretValue, Resource: "arn:aws:secretsmanager:*:*:secret:litellm/*"}]
    tags:
      litellm-deployment: litellm

- name: Delete it
  llmops.litellm_ecs.iam_roles:
    roles: [{name: litellm-execution}]
    state: absent
"""

RETURN = r"""
roles:
  description: Each role by name, as it is after the run (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    arn:
      description: The role's ARN; empty for one that would be created in check mode, or was deleted.
      type: str
    assume_role_policy_document:
      description: The trust policy.
      type: dict
    managed_policies:
      description: ARNs of the attached managed policies.
      type: list
      elements: str
    inline_policies:
      description: Names of the inline policies.
      type: list
      elements: str
    tags:
      description: The role's tags.
      type: dict
    changed:
      description: Whether this role was (or would be) created, changed or deleted.
      type: bool
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.iam import validate_iam_identifiers
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes

# IAM's answer for a role or policy that is not there.
MISSING = ("NoSuchEntity",)


def policy(value):
    """A policy given as a dict or as its JSON, as a dict."""
    return json.loads(value) if isinstance(value, str) else value


class Roles:
    """The run over one set of roles: the role as IAM has it, then only the writes that make it as wanted."""

    def __init__(self, module, client):
        self.module, self.client = module, client
        self.result, self.diff = {}, {"before": {}, "after": {}}

    @AWSErrors.common_error_handler("{what}")
    def write(self, what, action, **kwargs):
        """One write (skipped in check mode); ``what`` names it in the error."""
        return {} if self.module.check_mode else action(**kwargs)

    @AWSErrors.deletion_error_handler("{what}", missing=MISSING)
    def remove(self, what, action, **kwargs):
        """One removal (skipped in check mode); what is gone already is no error."""
        return self.module.check_mode or action(**kwargs)

    @AWSErrors.list_error_handler("get role {name}", missing=MISSING)
    def get_role(self, name):
        return self.client.get_role(RoleName=name)["Role"]

    @AWSErrors.list_error_handler("get an inline policy of a role", missing=MISSING)
    def get_role_policy(self, name, item):
        return self.client.get_role_policy(RoleName=name, PolicyName=item)["PolicyDocument"]

    @AWSErrors.list_error_handler("list policies for role {name}", default_value=[], missing=MISSING)
    def inline_policy_names(self, name):
        return self.client.get_paginator("list_role_policies").paginate(RoleName=name).build_full_result()["PolicyNames"]

    @AWSErrors.list_error_handler("list policies attached to role {name}", default_value=[], missing=MISSING)
    def managed_policy_arns(self, name):
        attached = self.client.get_paginator("list_attached_role_policies").paginate(RoleName=name).build_full_result()["AttachedPolicies"]
        return sorted(item["PolicyArn"] for item in attached)

    @AWSErrors.list_error_handler("list instance profiles of role {name}", default_value=[], missing=MISSING)
    def instance_profile_names(self, name):
        profiles = self.client.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name).build_full_result()["InstanceProfiles"]
        return [profile["InstanceProfileName"] for profile in profiles]

    def current(self, name):
        """The role as it is (trust, attached ARNs, inline policies by name, tags), or None."""
        role = self.get_role(name)
        if not role:
            return None
        inline = {item: self.get_role_policy(name, item) for item in self.inline_policy_names(name)}
        return {"arn": role["Arn"], "path": role.get("Path", "/"), "description": role.get("Description", ""),
                "assume_role_policy_document": role.get("AssumeRolePolicyDocument") or {},
                "managed_policies": self.managed_policy_arns(name),
                "inline_policies": inline, "tags": read_tags(role.get("Tags") or [])}

    def present(self, spec, tags, purge_tags):
        name = spec["name"]
        if spec.get("assume_role_policy") is None:
            self.module.fail_json(msg=f"roles[{name}].assume_role_policy is required for a role that should exist. Nothing was changed.")
        trust = policy(spec["assume_role_policy"])
        found = self.current(name)
        changed = not found
        if not found:
            kwargs = dict(RoleName=name, Path=spec["path"], AssumeRolePolicyDocument=json.dumps(trust))
            if spec.get("description") is not None:
                kwargs["Description"] = spec["description"]
            if tags:
                kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
            created = self.write(f"create the role {name}", self.client.create_role, **kwargs)
            found = {"arn": created.get("Role", {}).get("Arn", ""), "path": spec["path"], "description": spec.get("description") or "",
                     "assume_role_policy_document": trust, "managed_policies": [], "inline_policies": {},
                     "tags": tag_changes({}, tags).after}
            before = {}
        else:
            before = self.comparable(found)
            if compare_policies(found["assume_role_policy_document"], trust):
                changed = True
                self.write(f"update the trust policy of {name}", self.client.update_assume_role_policy,
                           RoleName=name, PolicyDocument=json.dumps(trust))
            if spec.get("description") is not None and spec["description"] != found["description"]:
                changed = True
                self.write(f"update the description of {name}", self.client.update_role, RoleName=name, Description=spec["description"])
            changes = tag_changes(found["tags"], tags, purge_tags)
            if changes.to_unset:
                self.write(f"remove tags from {name}", self.client.untag_role, RoleName=name, TagKeys=changes.to_unset)
            if changes.to_set:
                self.write(f"tag {name}", self.client.tag_role, RoleName=name, Tags=ansible_dict_to_boto3_tag_list(changes.to_set))
            changed = changed or bool(changes)
            found = dict(found, tags=changes.after)
        managed = found["managed_policies"]
        if spec.get("managed_policies") is not None:
            wanted = sorted(set(spec["managed_policies"]))
            for arn in sorted(set(managed) - set(wanted)):
                changed = True
                self.remove(f"detach role policy {arn} from {name}", self.client.detach_role_policy, RoleName=name, PolicyArn=arn)
            for arn in sorted(set(wanted) - set(managed)):
                changed = True
                self.write(f"attach {arn} to {name}", self.client.attach_role_policy, RoleName=name, PolicyArn=arn)
            managed = wanted
        inline = dict(found["inline_policies"])
        for item, document in spec["inline_policies"].items():
            document = policy(document)
            if item not in inline or compare_policies(inline[item], document):
                changed = True
                self.write(f"put the inline policy {item} of {name}", self.client.put_role_policy,
                           RoleName=name, PolicyName=item, PolicyDocument=json.dumps(document))
            inline[item] = document
        if self.module.params["purge_inline_policies"]:
            for item in sorted(set(inline) - set(spec["inline_policies"])):
                changed = True
                self.remove(f"delete the inline policy {item} of {name}", self.client.delete_role_policy, RoleName=name, PolicyName=item)
                del inline[item]
        after = dict(found, assume_role_policy_document=trust, managed_policies=managed, inline_policies=inline,
                     description=spec["description"] if spec.get("description") is not None else found["description"])
        self.record(name, after, changed)
        self.diff["before"][name], self.diff["after"][name] = before, self.comparable(after)

    def absent(self, spec):
        name = spec["name"]
        found = self.current(name)
        if not found:
            self.record(name, None, False)
            return
        for arn in found["managed_policies"]:
            self.remove(f"detach role policy {arn} from {name}", self.client.detach_role_policy, RoleName=name, PolicyArn=arn)
        for item in found["inline_policies"]:
            self.remove(f"delete the inline policy {item} of {name}", self.client.delete_role_policy, RoleName=name, PolicyName=item)
        for profile in self.instance_profile_names(name):
            self.remove(f"remove role {name} from instance profile {profile}", self.client.remove_role_from_instance_profile,
                        InstanceProfileName=profile, RoleName=name)
        self.remove(f"delete the role {name}", self.client.delete_role, RoleName=name)
        self.record(name, None, True)
        self.diff["before"][name], self.diff["after"][name] = self.comparable(found), {}

    @staticmethod
    def comparable(role):
        return {"assume_role_policy_document": role["assume_role_policy_document"], "managed_policies": role["managed_policies"],
                "inline_policies": role["inline_policies"], "description": role["description"], "tags": role["tags"]}

    def record(self, name, role, changed):
        self.result[name] = {
            "arn": role["arn"] if role else "", "changed": changed,
            "assume_role_policy_document": role["assume_role_policy_document"] if role else {},
            "managed_policies": role["managed_policies"] if role else [],
            "inline_policies": sorted(role["inline_policies"]) if role else [],
            "tags": role["tags"] if role else {},
        }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            roles=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                path=dict(type="str", default="/"),
                description=dict(type="str"),
                assume_role_policy=dict(type="json"),
                managed_policies=dict(type="list", elements="str"),
                inline_policies=dict(type="dict", default={}),
            )),
            purge_inline_policies=dict(type="bool", default=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    for spec in module.params["roles"]:
        problem = validate_iam_identifiers("role", name=spec["name"], path=spec["path"])
        if problem:
            module.fail_json(msg=f"roles[{spec['name']}]: {problem}. Nothing was changed.")
    run = Roles(module, retries.client(module, "iam"))
    try:
        for spec in module.params["roles"]:
            if module.params["state"] == "present":
                run.present(spec, module.params["tags"], module.params["purge_tags"])
            else:
                run.absent(spec)
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)
    result = dict(changed=any(item["changed"] for item in run.result.values()), roles=run.result)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = run.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
