#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: elasticache_replication_group
short_description: Manage an ElastiCache (Valkey or Redis OSS) replication group with its cache subnet group, encrypted and token-protected
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon ElastiCache replication group of one shard (cluster mode disabled) named
    O(name), together with the cache subnet group of the same name that places it in O(subnet_ids).
  - The group is always encrypted in transit (TLS) and at rest. With O(auth_token_secret_arn) it is protected by an
    AUTH token that the module reads itself from AWS Secrets Manager (C(GetSecretValue)) when it creates the group, so
    the token never passes through Ansible variables; the module never returns, logs or diffs it.
  - The node type, the engine version (upgrades only), Redis OSS to Valkey, the security groups, the description and
    automatic failover are changed in place with C(ApplyImmediately); the subnet group's subnets and the tags of both
    are updated too. What ElastiCache fixes at creation (port, encryption, KMS key, AUTH token, subnet group), and the
    number of nodes, which this module does not change, fail the run before any change, with the option named and
    what to do.
  - With O(state=absent) the group is deleted, the module waits until it is gone (a cache subnet group can be
    deleted only then, whatever O(wait) says), then deletes the subnet group.
  - Unlike M(community.aws.elasticache), it manages replication groups (with failover, TLS and AUTH) rather than
    single cache clusters, and it has a check mode and a diff.
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description:
      - The replication group's id, also the name of its cache subnet group.
      - 1-40 lower-case letters, digits and hyphens, starting with a letter (ElastiCache's rule).
    type: str
    required: true
  description:
    description:
      - The replication group's description; when not set, C(Managed by llmops.litellm_ecs) at creation and not managed
        after.
    type: str
  state:
    description: Whether the replication group and its subnet group should exist.
    type: str
    choices: [present, absent]
    default: present
  engine:
    description:
      - The engine. A Redis OSS group is upgraded to Valkey in place; a Valkey group cannot go back to Redis OSS.
    type: str
    choices: [valkey, redis]
    default: valkey
  engine_version:
    description:
      - The engine version, such as V(8.0) or V(7.2); a prefix of the version the group runs matches it (V(7.2) matches
        C(7.2.4)). A newer one is an in-place upgrade; an older one fails, as ElastiCache does not downgrade.
      - When not set, ElastiCache's default at creation, and not managed after.
    type: str
  node_type:
    description: The node type, changed in place when it differs.
    type: str
    default: cache.t4g.small
  num_cache_clusters:
    description:
      - The number of nodes, 1 to 6. More than one adds replicas in other availability zones, with automatic failover
        and Multi-AZ.
      - Set at creation; a different number on an existing group fails the run with the command that changes it.
    type: int
    default: 1
  port:
    description: The port the nodes listen on (set at creation).
    type: int
    default: 6379
  subnet_ids:
    description:
      - The subnets of the cache subnet group (one VPC); they are replaced when they differ.
      - Needed to create the subnet group; when not set or empty, an existing subnet group's subnets are not managed.
    type: list
    elements: str
  security_group_ids:
    description:
      - The VPC security groups of the nodes; changed in place when they differ.
      - When not set or empty, not managed (ElastiCache gives a new group the VPC's default security group).
    type: list
    elements: str
  auth_token_secret_arn:
    description:
      - The ARN (or name) of a Secrets Manager secret whose C(SecretString) is the AUTH token (16-128 letters, digits and
        C(!&#$^<>-)). The module reads it only when it creates the group; it is needed then.
      - ElastiCache never reveals a token, so a changed secret is not noticed on an existing group; rotate a token with
        ModifyReplicationGroup (C(AuthTokenUpdateStrategy=ROTATE)). An existing group without a token fails the run.
    type: str
  kms_key_id:
    description: The KMS key that encrypts the data at rest (set at creation); when not set, ElastiCache's default key.
    type: str
  wait:
    description:
      - Wait until a created or changed group is available (its endpoint is known only then).
      - A group that is being created or changed is always waited for before it is changed again.
    type: bool
    default: true
  wait_timeout:
    description: How long every wait of one run may take together, in seconds.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - >-
    The IAM permissions it needs: C(elasticache:DescribeReplicationGroups), C(elasticache:DescribeCacheClusters),
    C(elasticache:DescribeCacheSubnetGroups), C(elasticache:ListTagsForResource), C(elasticache:CreateReplicationGroup),
    C(elasticache:ModifyReplicationGroup), C(elasticache:DeleteReplicationGroup), C(elasticache:CreateCacheSubnetGroup),
    C(elasticache:ModifyCacheSubnetGroup), C(elasticache:DeleteCacheSubnetGroup), C(elasticache:AddTagsToResource),
    C(elasticache:RemoveTagsFromResource), C(secretsmanager:GetSecretValue) on the token's secret (and C(kms:Decrypt) on
    its key), and the C(ec2:Describe*) calls ElastiCache makes for the subnets and security groups.
  - O(tags) apply to both the replication group and the cache subnet group.
  - Creating a group takes ElastiCache several minutes, deleting one a few more; changes of the node type take longer.
attributes:
  check_mode:
    support: full
    description: Makes no change and reads no secret; reports what would change and returns the group as it is.
  diff_mode:
    support: full
    description: Shows the engine, version, node type, node count, description, security groups, subnets and tags before and after; never the token.
  idempotent:
    support: full
    description: A group and subnet group that match are not written to; a second run reports no change.
seealso:
  - module: community.aws.elasticache
  - module: community.aws.elasticache_subnet_group
  - module: llmops.litellm_ecs.secretsmanager_secrets
"""

EXAMPLES = r"""
- name: A Valkey group with a replica in another zone, reachable from the proxy's tasks only
  llmops.litellm_ecs.elasticache_replication_group:
    name: litellm-redis
    description: Shared state of the LiteLLM deployment litellm
    engine: valkey
    node_type: cache.t4g.small
    num_cache_clusters: 2
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    security_group_ids: [sg-0123456789abcdef0]
    auth_token_secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm/redis-password-AbCdEf
    tags:
      litellm-deployment: litellm
  register: __redis

- name: Where the proxy connects (TLS, with the token from the secret)
  ansible.builtin.debug:
    msg: "rediss://{{ __redis.replication_group.primary_endpoint.address }}:{{ __redis.replication_group.primary_endpoint.port }}"

- name: Delete it, then its cache subnet group
  llmops.litellm_ecs.elasticache_replication_group:
    name: litellm-redis
    state: absent
"""

RETURN = r"""
replication_group:
  description: The replication group as it is after the run (in check mode, as it is); empty when absent. Never the token.
  returned: always
  type: dict
  contains:
    replication_group_id:
      description: The group's id (O(name)).
      type: str
      sample: litellm-redis
    arn:
      description: The group's ARN.
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:litellm-redis
    status:
      description: C(creating), C(available), C(modifying), C(deleting), ...
      type: str
      sample: available
    description:
      description: Its description.
      type: str
    engine:
      description: C(valkey) or C(redis).
      type: str
    engine_version:
      description: The engine version its nodes run.
      type: str
      sample: 8.0.1
    node_type:
      description: The node type.
      type: str
      sample: cache.t4g.small
    num_cache_clusters:
      description: How many nodes (cache clusters) it has.
      type: int
      sample: 1
    member_clusters:
      description: The ids of its nodes.
      type: list
      elements: str
    primary_endpoint:
      description: Where clients write (empty while the group is being created).
      type: dict
      contains:
        address:
          description: The host name.
          type: str
          sample: master.litellm-redis.abcdef.use1.cache.amazonaws.com
        port:
          description: The port.
          type: int
          sample: 6379
    reader_endpoint:
      description: Where clients may read from the replicas (C(address), C(port)).
      type: dict
    automatic_failover:
      description: C(enabled) or C(disabled).
      type: str
    multi_az:
      description: C(enabled) or C(disabled).
      type: str
    transit_encryption_enabled:
      description: Whether clients must use TLS.
      type: bool
      sample: true
    at_rest_encryption_enabled:
      description: Whether the data is encrypted at rest.
      type: bool
      sample: true
    auth_token_enabled:
      description: Whether clients must give the AUTH token.
      type: bool
      sample: true
    kms_key_id:
      description: The customer-managed key that encrypts it at rest, if any.
      type: str
    security_group_ids:
      description: The security groups of its nodes.
      type: list
      elements: str
    cache_subnet_group_name:
      description: Its cache subnet group.
      type: str
    create_time:
      description: When it was created (ISO 8601, UTC).
      type: str
    tags:
      description: Its tags.
      type: dict
subnet_group:
  description: The cache subnet group as it is after the run (in check mode, as it is); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Its name (O(name)).
      type: str
    arn:
      description: Its ARN.
      type: str
    description:
      description: Its description.
      type: str
    vpc_id:
      description: The VPC of its subnets.
      type: str
    subnet_ids:
      description: Its subnets.
      type: list
      elements: str
    tags:
      description: Its tags.
      type: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import AVAILABLE
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import BUSY
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import DELETING
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import MAX_NODES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import comparable_wanted
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import create_arguments
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import describe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import describe_subnet_group
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import fixed_setting_problems
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import modifications
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import name_problem
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import subnet_ids
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.elasticache_replication_group import token_problem
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import Budget
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import backing_off
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.waiter import waiter_for

# The longest pause between two polls: ElastiCache takes minutes to create, change or delete a group.
LONGEST_PAUSE = 30
DEFAULT_DESCRIPTION = "Managed by llmops.litellm_ecs"
GROUP_MISSING = ("ReplicationGroupNotFoundFault",)
SUBNET_GROUP_MISSING = ("CacheSubnetGroupNotFoundFault",)
CLUSTER_MISSING = ("CacheClusterNotFound",)


class ReplicationGroup:
    """One run over one replication group and its cache subnet group."""

    def __init__(self, module):
        self.module, self.params = module, module.params
        self.name = module.params["name"]
        self.client = retries.client(module, "elasticache")
        self.budget = Budget(module.params["wait_timeout"], clock=time.monotonic)
        self.changed = False

    @AWSErrors.common_error_handler("{what} the ElastiCache replication group {self.name}")
    def call(self, what, action, done=(), **kwargs):
        """Make a change (in check mode, only count it); ``what`` (the ElastiCache replication group ...) names it in the error.

        An error whose code is in ``done`` says the change is made already: the answer to a retry of a call that went
        through (botocore retries a create or delete that timed out), or a change made meanwhile. It returns None.
        """
        answer = {}
        if not self.module.check_mode:
            try:
                answer = action(**kwargs)
            except is_boto3_error_code(list(done)):
                answer = None
        self.changed = True
        return answer

    @AWSErrors.list_error_handler("describe the ElastiCache replication group {self.name}", missing=GROUP_MISSING)
    def find(self):
        return self.client.describe_replication_groups(ReplicationGroupId=self.name)["ReplicationGroups"][0]

    @AWSErrors.list_error_handler("describe the cache subnet group {self.name}", missing=SUBNET_GROUP_MISSING)
    def find_subnet_group(self):
        return self.client.describe_cache_subnet_groups(CacheSubnetGroupName=self.name)["CacheSubnetGroups"][0]

    @AWSErrors.list_error_handler("describe the nodes of the ElastiCache replication group {self.name}", default_value={},
                                  missing=CLUSTER_MISSING)
    def cluster(self, group):
        """The DescribeCacheClusters entry of the group's first node ({} when it has none yet): its security groups,
        engine version and subnet group, which the replication group does not report."""
        members = (group or {}).get("MemberClusters") or []
        if not members:
            return {}
        return self.client.describe_cache_clusters(CacheClusterId=members[0])["CacheClusters"][0]

    @AWSErrors.list_error_handler("list the tags of the ElastiCache resource {arn}", default_value={},
                                  missing=GROUP_MISSING + SUBNET_GROUP_MISSING + ("InvalidARN",))
    def tags(self, arn):
        if not arn:
            return {}
        return read_tags(self.client.list_tags_for_resource(ResourceName=arn).get("TagList", []))

    @AWSErrors.common_error_handler("read the AUTH token of the ElastiCache replication group {self.name} from the secret {arn}")
    def read_token(self, arn):
        """The AUTH token from Secrets Manager; from here on Ansible masks it wherever it would appear in the output."""
        answer = retries.client(self.module, "secretsmanager").get_secret_value(SecretId=arn)
        token = answer.get("SecretString")
        problem = token_problem(token)
        if problem:
            raise AnsibleAWSError(message=f"The secret {arn} cannot be the AUTH token of the ElastiCache replication group "
                                          f"{self.name}: {problem}. Store a valid token in it and run again. Nothing was created.")
        self.module.no_log_values.add(token)
        return token

    def wait(self, fetch, predicate, what):
        outcome = waiter_for(predicate, fetch, check_mode=self.module.check_mode, clock=time.monotonic, sleep=time.sleep).wait(
            timeout=self.budget.remaining(), **backing_off(LONGEST_PAUSE))
        if not outcome.ready:
            self.module.fail_json(msg=f"The ElastiCache replication group {self.name}: {what} did not happen within "
                                      f"{self.params['wait_timeout']} s ({outcome.reason}). Run again to continue, or raise wait_timeout.",
                                  changed=self.changed)
        return outcome.value

    def tag_plan(self, current):
        """How the ``current`` tags change; managed when tags are given."""
        tags = self.params["tags"]
        return tag_changes(current, tags, self.params["purge_tags"] and tags is not None)

    def sync_tags(self, arn, plan, what):
        if plan.to_unset:
            self.call(f"untag {what} of", self.client.remove_tags_from_resource, ResourceName=arn, TagKeys=plan.to_unset)
        if plan.to_set:
            self.call(f"tag {what} of", self.client.add_tags_to_resource, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(plan.to_set))

    def check_fixed_settings(self, group, cluster):
        problems = fixed_setting_problems(self.params, self.name, group, cluster)
        if problems:
            self.module.fail_json(msg=f"The ElastiCache replication group {self.name} cannot be changed to match: " + "; ".join(problems)
                                  + ". Nothing was changed.", changed=False)

    def sync_subnet_group(self, subnet_group, plan):
        wanted = sorted(set(self.params["subnet_ids"] or []))
        if not subnet_group:
            if not wanted and not self.module.check_mode:
                self.module.fail_json(msg=f"subnet_ids is needed to create the cache subnet group {self.name} of the ElastiCache "
                                          "replication group (the subnets its nodes go in). Nothing was changed.", changed=self.changed)
            self.call("create the cache subnet group of", self.client.create_cache_subnet_group, done=("CacheSubnetGroupAlreadyExists",),
                      CacheSubnetGroupName=self.name, CacheSubnetGroupDescription=f"Subnets of the ElastiCache replication group {self.name}",
                      SubnetIds=wanted, Tags=ansible_dict_to_boto3_tag_list(plan.after))
            return
        if wanted and wanted != subnet_ids(subnet_group):
            self.call("change the subnets of the cache subnet group of", self.client.modify_cache_subnet_group,
                      CacheSubnetGroupName=self.name, SubnetIds=wanted)
        if subnet_group.get("ARN"):
            self.sync_tags(subnet_group["ARN"], plan, "the cache subnet group")

    def token(self):
        """The AUTH token a new group gets, read from its secret; the run fails, before any change, without one."""
        arn = self.params["auth_token_secret_arn"]
        if not arn:
            self.module.fail_json(msg=f"auth_token_secret_arn is needed to create the ElastiCache replication group {self.name}: the "
                                      "secret that holds its AUTH token. Nothing was changed.", changed=False)
        return self.read_token(arn)

    def create(self, tags, token):
        if self.module.check_mode:
            self.changed = True
            return None
        kwargs = create_arguments(self.params, self.name, self.params["description"] or DEFAULT_DESCRIPTION, tags)
        kwargs["AuthToken"] = token
        self.call("create", self.client.create_replication_group, done=("ReplicationGroupAlreadyExists",), **kwargs)
        if not self.params["wait"]:
            return self.find()
        return self.wait(self.find, "replication_group_available", "becoming available")

    def present(self):
        before = self.find()
        if before and before.get("Status") == DELETING:
            if not self.module.check_mode:
                self.wait(self.find, "replication_group_deleted", "the deletion that was under way")
            before = None
        cluster = self.cluster(before) if before else {}
        before_tags = self.tags(before.get("ARN")) if before else {}
        subnet_group = self.find_subnet_group()
        subnet_group_tags = self.tags((subnet_group or {}).get("ARN"))
        if before:
            self.check_fixed_settings(before, cluster)
        plan, subnet_plan = self.tag_plan(before_tags), self.tag_plan(subnet_group_tags)
        # What creating the group needs is read before anything is changed.
        token = self.token() if not before and not self.module.check_mode else None
        self.sync_subnet_group(subnet_group, subnet_plan)
        found = before
        if before:
            todo = modifications(self.params, before, cluster)
            settling = before.get("Status") != AVAILABLE and not self.module.check_mode
            if settling and (todo or self.params["wait"]):
                found = self.wait(self.find, "replication_group_available", "becoming available")
            if todo:
                self.call("modify", self.client.modify_replication_group, ReplicationGroupId=self.name, ApplyImmediately=True, **todo)
            self.sync_tags(before["ARN"], plan, "the replication group")
            if todo and self.params["wait"] and not self.module.check_mode:
                found = self.wait(self.find, "replication_group_available", "the change applying")
        else:
            found = self.create(plan.after, token)
        if self.module.check_mode:
            result = dict(changed=self.changed, replication_group=describe(before, cluster, before_tags),
                          subnet_group=describe_subnet_group(subnet_group, subnet_group_tags))
        elif not self.changed:
            result = dict(changed=False, replication_group=describe(found, cluster, before_tags),
                          subnet_group=describe_subnet_group(subnet_group, subnet_group_tags))
        else:
            found = self.find() if found is before else found
            after_subnet_group = self.find_subnet_group()
            result = dict(changed=True, replication_group=describe(found, self.cluster(found), self.tags((found or {}).get("ARN"))),
                          subnet_group=describe_subnet_group(after_subnet_group, self.tags((after_subnet_group or {}).get("ARN"))))
        if self.module._diff:  # pylint: disable=protected-access
            old = comparable(before, cluster, subnet_group, before_tags, subnet_group_tags)
            result["diff"] = {"before": old, "after": comparable_wanted(self.params, old, plan.after, subnet_plan.after)}
        self.module.exit_json(**result)

    def absent(self):
        group = self.find()
        subnet_group = self.find_subnet_group()
        if not group and not subnet_group:
            self.module.exit_json(changed=False, replication_group={}, subnet_group={})
        before = comparable(group, self.cluster(group), subnet_group, self.tags((group or {}).get("ARN")),
                            self.tags((subnet_group or {}).get("ARN"))) if self.module._diff else {}  # pylint: disable=protected-access
        if group:
            if group.get("Status") in BUSY and not self.module.check_mode:
                # A group still being created, modified or snapshotted cannot be deleted yet (e.g. after a timed-out deploy).
                group = self.wait(self.find, "replication_group_available", "settling before its deletion") or group
            if group.get("Status") != DELETING:
                self.call("delete", self.client.delete_replication_group, done=GROUP_MISSING, ReplicationGroupId=self.name,
                          RetainPrimaryCluster=False)
            if not self.module.check_mode:
                self.wait(self.find, "replication_group_deleted", "the replication group going")
        if subnet_group:
            self.call("delete the cache subnet group of", self.client.delete_cache_subnet_group, done=SUBNET_GROUP_MISSING,
                      CacheSubnetGroupName=self.name)
        result = dict(changed=self.changed, replication_group={}, subnet_group={})
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": before, "after": {}}
        self.module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            description=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            engine=dict(type="str", choices=["valkey", "redis"], default="valkey"),
            engine_version=dict(type="str"),
            node_type=dict(type="str", default="cache.t4g.small"),
            num_cache_clusters=dict(type="int", default=1),
            port=dict(type="int", default=6379),
            subnet_ids=dict(type="list", elements="str"),
            security_group_ids=dict(type="list", elements="str"),
            auth_token_secret_arn=dict(type="str", no_log=False),  # the secret's ARN; the token itself is never an input
            kms_key_id=dict(type="str", no_log=False),  # a key id or ARN, not a secret
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=1800),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    problem = name_problem(params["name"])
    if problem:
        module.fail_json(msg=problem + " Nothing was changed.")
    if not 1 <= params["num_cache_clusters"] <= MAX_NODES:
        module.fail_json(msg=f"num_cache_clusters must be 1 to {MAX_NODES} (a primary and up to {MAX_NODES - 1} replicas); "
                             f"got {params['num_cache_clusters']}. Nothing was changed.")
    if not 1 <= params["port"] <= 65535:
        module.fail_json(msg=f"port must be 1-65535; got {params['port']}. Nothing was changed.")
    run = ReplicationGroup(module)
    try:
        (run.absent if params["state"] == "absent" else run.present)()
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", run.changed)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
