#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secretsmanager_secrets
short_description: Keep a set of Secrets Manager secrets, given or generated once, in one call
version_added: 0.1.0
description:
  - Creates, updates, restores or schedules for deletion the AWS Secrets Manager secrets given in O(secrets), by name.
  - A secret with O(secrets[].value) is kept equal to it (a new version only when the stored value differs); a
    secret with O(secrets[].generate) gets a random value when it is created and is never given another.
  - A secret scheduled for deletion is restored when it is wanted again.
  - No value is ever returned, shown in a diff or logged; generated values are masked like given ones.
  - One call for the whole set, where M(community.aws.secretsmanager_secret) takes one module run per secret.
author:
  - llmops maintainers (!UNKNOWN)
options:
  secrets:
    description: The secrets.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The secret's name.
        type: str
        required: true
      description:
        description: The secret's description; when not set it is not managed.
        type: str
      value:
        description: The value to keep (a string). Exactly one of O(secrets[].value), O(secrets[].generate) and O(secrets[].assemble).
        type: str
      assemble:
        description:
          - Keep the value equal to O(secrets[].assemble.template) filled in from another secret and given fields, read
            and written here, so the other secret's value never passes through Ansible (a database URL from its password).
          - Each C({field}) is percent-encoded.
        type: dict
        suboptions:
          template:
            description: The value with C({field}) placeholders, e.g. C(postgresql://{username}:{password}@{host}:{port}/{dbname}).
            type: str
            required: true
          source:
            description:
              - The name or ARN of the secret whose value fills the fields - a JSON object's keys (RDS's own format -
                C(username), C(password), C(host), C(port), C(dbname)), else its whole value as C(secret).
              - In check mode a source that does not exist yet leaves the value unknown.
            type: str
          fields:
            description: Fields given here (not secret, such as C(host)); they win over the source's.
            type: dict
            default: {}
      generate:
        description: Create the secret with a random value, once. Exactly one of O(secrets[].value), O(secrets[].assemble) and this.
        type: dict
        suboptions:
          prefix:
            description: The value's prefix.
            type: str
            default: ""
          length:
            description: How many random letters and digits follow the prefix (16-4096).
            type: int
            default: 48
  kms_key_id:
    description:
      - The KMS key of every secret, as Secrets Manager reports it (its ARN); when not set or empty, a new secret uses the
        account's C(aws/secretsmanager) key and an existing secret's key is not managed.
    type: str
  state:
    description: Whether the secrets should exist; V(absent) schedules them for deletion.
    type: str
    choices: [present, absent]
    default: present
  recovery_window:
    description:
      - With O(state=absent), the days a deleted secret stays recoverable (7-30); V(0) deletes it at once, without recovery.
      - A secret already scheduled for deletion is left alone unless this is V(0).
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes no change; reports what would change (a secret that would be created has no ARN yet).
  diff_mode:
    support: full
    description: Shows each secret's description, key, tags and whether its value changes, never the value.
  idempotent:
    support: full
    description: Secrets that match are not written to.
seealso:
  - module: community.aws.secretsmanager_secret
"""

EXAMPLES = r"""
- name: A master key generated once, and a provider key kept in line with the vault
  llmops.litellm_ecs.secretsmanager_secrets:
    secrets:
      - name: litellm/master-key
        description: LITELLM_MASTER_KEY of litellm
        generate: {prefix: sk-, length: 48}
      - name: litellm/provider/OPENAI_API_KEY
        value: "{{ vault_openai_api_key }}"
    tags:
      litellm-deployment: litellm
  no_log: true

- name: Schedule them for deletion, recoverable for 7 days
  llmops.litellm_ecs.secretsmanager_secrets:
    secrets: [{name: litellm/master-key}, {name: litellm/provider/OPENAI_API_KEY}]
    state: absent
    recovery_window: 7
"""

RETURN = r"""
secrets:
  description: Each secret by name, without its value (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    arn:
      description: The secret's ARN; empty for one that would be created in check mode.
      type: str
    version_id:
      description: The id of its current (AWSCURRENT) version; empty in check mode for a new or changing value.
      type: str
    changed:
      description: Whether this secret was (or would be) created, restored, changed or deleted.
      type: bool
    scheduled_for_deletion:
      description: Whether the secret is scheduled for deletion.
      type: bool
  sample: {litellm/master-key: {arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm/master-key-AbCdEf",
           version_id: 0d5c4a3e-8a24-4b6e-9a68-2f4b0f1f2b3c, changed: false, scheduled_for_deletion: false}}
"""

from urllib.parse import quote

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import AssembleError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import assemble
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import current_version
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import generate
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import metadata_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import source_fields
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import spec_errors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes


class Secrets:
    """The run over one set of secrets."""

    def __init__(self, module, client):
        self.module, self.client = module, client
        self.result = {}
        self.diff = {"before": {}, "after": {}}
        self.wrote = False

    @AWSErrors.common_error_handler("{what}")
    def call(self, what, action, **kwargs):
        """One change in Secrets Manager; ``what`` it does (never a value) names it in the error."""
        answer = action(**kwargs)
        self.wrote = True
        return answer

    @AWSErrors.list_error_handler("describe the secret {name}", missing=("ResourceNotFoundException",))
    def describe(self, name):
        return self.client.describe_secret(SecretId=name)

    @AWSErrors.common_error_handler("read the current value of the secret {name} to compare it")
    def value_differs(self, name, value):
        return self.client.get_secret_value(SecretId=name).get("SecretString") != value

    @AWSErrors.list_error_handler("read the secret {name} to assemble a value from it", missing=("ResourceNotFoundException",))
    def source_value(self, name):
        try:
            return self.client.get_secret_value(SecretId=name).get("SecretString")
        except is_boto3_error_code("InvalidRequestException"):
            if self.module.check_mode:  # scheduled for deletion: a real run restores it first (when it is one of the set)
                return None
            raise

    def assembled(self, spec):
        """The value an ``assemble`` spec gives (masked), or None in check mode while its source does not exist yet."""
        recipe = spec["assemble"]
        text = None
        if recipe.get("source"):
            text = self.source_value(recipe["source"])
            if text is None and self.module.check_mode:
                return None
            if text is None:
                self.module.fail_json(msg=f"secrets[{spec['name']}].assemble.source: the secret {recipe['source']} does not exist. "
                                          "Nothing was changed for this secret.", **self.summary())
            self.module.no_log_values.add(text)
            # The source's own secret fields, as they are and as the template writes them.
            for field in ("password", "secret"):
                item = source_fields(text).get(field)
                if item:
                    self.module.no_log_values.update({item, quote(item, safe="")})
        try:
            value = assemble(recipe["template"], text, recipe.get("fields") or {}, recipe.get("source") or "")
        except AssembleError as e:
            if self.module.check_mode:  # e.g. an endpoint not known before the instance exists
                return None
            self.module.fail_json(msg=f"secrets[{spec['name']}].assemble: {e}. Nothing was changed for this secret.", **self.summary())
        self.module.no_log_values.add(value)
        return value

    def present(self, spec, kms_key_id, tags):
        name, check = spec["name"], self.module.check_mode
        if spec.get("assemble") is not None:
            value = self.assembled(spec)
            spec = dict(spec, value=value, assemble=None, unknown=value is None)
        found = self.describe(name)
        if not found:
            value = spec["value"] if spec.get("value") is not None else "" if spec.get("unknown") else generate(**spec["generate"])
            if value:
                self.module.no_log_values.add(value)
            kwargs = dict(Name=name, SecretString=value)
            if spec.get("description") is not None:
                kwargs["Description"] = spec["description"]
            if kms_key_id:
                kwargs["KmsKeyId"] = kms_key_id
            if tags:
                kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
            created = {} if check else self.call(f"create the secret {name}", self.client.create_secret, **kwargs)
            self.record(name, True, created.get("ARN", ""), created.get("VersionId", ""), False)
            self.diff["before"][name], self.diff["after"][name] = {}, {"description": spec.get("description") or "", "tags": dict(tags or {})}
            return
        changed = False
        current_tags = read_tags(found.get("Tags") or [])
        if found.get("DeletedDate"):
            changed = True
            if not check:
                self.call(f"restore the secret {name}, scheduled for deletion", self.client.restore_secret, SecretId=name)
        todo = metadata_changes(spec, found, kms_key_id)
        if spec.get("unknown"):
            value_changed = None  # check mode, and the source it is assembled from does not exist yet
        elif spec.get("value") is None:
            value_changed = False
        elif check and found.get("DeletedDate"):
            value_changed = None  # Secrets Manager reads no value of a secret scheduled for deletion; it would be restored first
        else:
            value_changed = self.value_differs(name, spec["value"])
        if todo or value_changed:
            changed = True
            if not check and todo:
                self.call(f"update the description or key of the secret {name}", self.client.update_secret, SecretId=name, **todo)
            if not check and value_changed:
                self.call(f"store the new value of the secret {name}", self.client.put_secret_value, SecretId=name, SecretString=spec["value"])
        tag_plan = tag_changes(current_tags, tags, self.module.params["purge_tags"])
        changed = changed or bool(tag_plan)
        if not check and tag_plan.to_unset:
            self.call(f"remove tags from the secret {name}", self.client.untag_resource, SecretId=name, TagKeys=tag_plan.to_unset)
        if not check and tag_plan.to_set:
            self.call(f"tag the secret {name}", self.client.tag_resource, SecretId=name, Tags=ansible_dict_to_boto3_tag_list(tag_plan.to_set))
        after = self.describe(name) if changed and not check else found
        version = "" if check and value_changed is not False else current_version(after)
        self.record(name, changed, found["ARN"], version, False)
        self.diff["before"][name] = comparable(found, current_tags)
        predicted = dict(found, **todo, DeletedDate=None)
        self.diff["after"][name] = comparable(predicted, tag_plan.after, value_changed)

    def absent(self, spec, window):
        name = spec["name"]
        found = self.describe(name)
        if not found or (found.get("DeletedDate") and window != 0):
            self.record(name, False, found["ARN"] if found else "", "", bool(found))
            return
        if not self.module.check_mode:
            kwargs = dict(ForceDeleteWithoutRecovery=True) if window == 0 else dict(RecoveryWindowInDays=window)
            self.call(f"delete the secret {name}", self.client.delete_secret, SecretId=name, **kwargs)
        self.record(name, True, found["ARN"], "", window != 0)
        self.diff["before"][name], self.diff["after"][name] = comparable(found, {}), {}

    def record(self, name, changed, arn, version, scheduled):
        self.result[name] = {"arn": arn, "version_id": version, "changed": changed, "scheduled_for_deletion": scheduled}

    def summary(self):
        """The secrets so far, by name, and whether any changed (no value); after a failure, also a change half made."""
        return dict(changed=self.wrote or any(item["changed"] for item in self.result.values()), secrets=self.result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            # The values are marked no_log below; the list itself also carries names and descriptions.
            secrets=dict(type="list", elements="dict", required=True, no_log=False, options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                value=dict(type="str", no_log=True),
                generate=dict(type="dict", options=dict(prefix=dict(type="str", default=""), length=dict(type="int", default=48))),
                assemble=dict(type="dict", no_log=False, options=dict(
                    template=dict(type="str", required=True),
                    source=dict(type="str"),
                    fields=dict(type="dict", default={}),
                )),
            )),
            kms_key_id=dict(type="str", no_log=False),  # a key id or ARN, not a secret
            state=dict(type="str", choices=["present", "absent"], default="present"),
            recovery_window=dict(type="int", default=30, no_log=False),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "present":
        errors = spec_errors(params["secrets"])
        if errors:
            module.fail_json(msg="The secrets cannot be kept as given: " + "; ".join(errors) + ". Nothing was changed.")
    elif params["recovery_window"] != 0 and not 7 <= params["recovery_window"] <= 30:
        module.fail_json(msg=f"recovery_window is {params['recovery_window']}: Secrets Manager keeps a deleted secret recoverable "
                             "for 7 to 30 days; use one of those, or 0 to delete at once without recovery. Nothing was changed.")
    run = Secrets(module, retries.client(module, "secretsmanager"))
    try:
        for spec in params["secrets"]:
            if params["state"] == "present":
                run.present(spec, params["kms_key_id"], params["tags"])
            else:
                run.absent(spec, params["recovery_window"])
    except AnsibleAWSError as e:
        e.kwargs.update(run.summary())  # what was done before the failure
        fail_json_aws_error(module, e)
    result = run.summary()
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = run.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
