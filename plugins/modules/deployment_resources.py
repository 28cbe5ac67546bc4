#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployment_resources
short_description: List every AWS resource of one LiteLLM deployment that still exists
version_added: 0.1.0
description:
  - Lists, for one deployment name, the AWS resources of the kinds this collection creates that still exist; that is
    what a deployment consists of, or what a teardown left behind.
  - A resource belongs to the deployment when it carries the tag O(tag_key) with the value O(name), which the
    collection puts on everything it creates. Resources without tags are found through the tagged resource they
    belong to; CloudWatch dashboards, which cannot be filtered by tag, are found by name (O(dashboard_prefix)).
  - >-
    It reads IAM roles (with their inline policy names and attached managed policy ARNs); Secrets Manager secrets;
    ACTIVE ECS clusters, the ACTIVE or DRAINING services in them and ACTIVE task definition revisions; the Application
    Auto Scaling scalable targets and scaling policies (namespace C(ecs)) of C(service/CLUSTER/SERVICE) for every
    service of those clusters and for a service named O(name) in each of them (in a cluster named O(name) when no
    tagged cluster is left or C(ecs) is not in O(services)); ELBv2 load balancers and target groups; EC2 security
    groups; EFS file systems with their mount targets and access points; ElastiCache replication groups and cache subnet
    groups, tagged or named C(NAME-redis) (the name the redis role gives both); RDS DB instances, DB subnet groups
    tagged or named C(NAME-database), and manual DB snapshots (such as the final snapshot
    C(NAME-database-final-YYYYMMDDHHMMSS) teardown takes when it deletes the instance); CloudWatch Logs log groups;
    CloudWatch metric and composite alarms and dashboards; S3 buckets in the region.
  - >-
    An RDS DB instance or snapshot belongs to the deployment when its tags (which DescribeDBInstances and
    DescribeDBSnapshots return) carry the deployment's; a final snapshot named C(NAME-database-final-) and 14 digits
    is listed even without them (an instance whose CopyTagsToSnapshot was off leaves an untagged one). An instance with
    deletion protection on, which teardown keeps, says so in its RV(summary) line.
  - A secret scheduled for deletion is listed in RV(pending_deletion), not in RV(resources), since it can still be
    restored until its deletion date.
  - A service that the credentials may not read (an access denied error) gives a warning and an entry in
    RV(unreadable) instead of a failure; the resources of that service found before the error are still listed.
  - It only reads; it never changes anything.
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description:
      - The deployment's name, the value of the O(tag_key) tag on its resources.
    type: str
    required: true
  tag_key:
    description:
      - The tag whose value names the deployment.
    type: str
    default: litellm-deployment
  services:
    description:
      - The services to look at; by default all of them.
      - They are read in a fixed order whatever the order given here (C(ecs) before C(application-autoscaling), whose
        resource ids come from the ECS clusters and services found).
    type: list
    elements: str
    choices: [iam, secretsmanager, ecs, application-autoscaling, elbv2, ec2, efs, elasticache, rds, logs, cloudwatch, s3]
    default: [iam, secretsmanager, ecs, application-autoscaling, elbv2, ec2, efs, elasticache, rds, logs, cloudwatch, s3]
  dashboard_prefix:
    description:
      - The prefix of the names of the deployment's CloudWatch dashboards (dashboards carry no tag the API can filter
        on); by default O(name).
      - A dashboard of another deployment whose name starts with the same prefix is listed too; choose a longer
        prefix (such as V(litellm-)) when names overlap.
      - An empty string skips the dashboards.
    type: str
notes:
  - >-
    The IAM permissions it needs: C(iam:ListRoles), C(iam:ListRoleTags), C(iam:ListRolePolicies),
    C(iam:ListAttachedRolePolicies), C(secretsmanager:ListSecrets), C(ecs:ListClusters), C(ecs:DescribeClusters),
    C(ecs:ListServices), C(ecs:DescribeServices), C(ecs:ListTaskDefinitions), C(ecs:DescribeTaskDefinition),
    C(ecs:ListTagsForResource), C(application-autoscaling:DescribeScalableTargets),
    C(application-autoscaling:DescribeScalingPolicies), C(elasticloadbalancing:DescribeLoadBalancers),
    C(elasticloadbalancing:DescribeTargetGroups), C(elasticloadbalancing:DescribeTags),
    C(ec2:DescribeSecurityGroups), C(elasticfilesystem:DescribeFileSystems), C(elasticfilesystem:DescribeMountTargets),
    C(elasticfilesystem:DescribeAccessPoints), C(elasticache:DescribeReplicationGroups),
    C(elasticache:DescribeCacheSubnetGroups), C(elasticache:ListTagsForResource), C(rds:DescribeDBInstances),
    C(rds:DescribeDBSubnetGroups), C(rds:DescribeDBSnapshots), C(rds:ListTagsForResource), C(logs:DescribeLogGroups), C(logs:ListTagsForResource),
    C(cloudwatch:DescribeAlarms), C(cloudwatch:ListTagsForResource), C(cloudwatch:ListDashboards),
    C(s3:ListAllMyBuckets) and C(s3:GetBucketTagging); only those of the services in O(services) are used.
  - IAM roles, ElastiCache groups, RDS DB subnet groups, log groups, alarms, task definitions and S3 buckets cannot be filtered by tag,
    so their tags are read one resource at a time; in an account with many of them this takes one API call each.
  - S3 buckets are those whose region is the module's region.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: It only reads, so it runs and returns the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show a difference of.
  idempotent:
    support: full
    description: It only reads and never changes anything; it always returns C(changed=false).
"""

EXAMPLES = r"""
- name: What does the deployment consist of?
  llmops.litellm_ecs.deployment_resources:
    name: litellm
  register: __deployment

- name: Show it
  ansible.builtin.debug:
    var: __deployment.summary

- name: After a teardown, fail on anything left behind
  llmops.litellm_ecs.deployment_resources:
    name: litellm
  register: __leftovers
  failed_when: __leftovers.count > 0 or __leftovers.unreadable | length > 0

- name: Only the network and load balancing part, dashboards named litellm-* only
  llmops.litellm_ecs.deployment_resources:
    name: litellm
    services: [ec2, elbv2]
    dashboard_prefix: litellm-
"""

RETURN = r"""
resources:
  description: The resources of the deployment that exist, sorted by type and id.
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: The resource type, named as CloudFormation names it (an RDS DB snapshot as AWS Config does, C(AWS::RDS::DBSnapshot)).
      type: str
      returned: always
      sample: AWS::EC2::SecurityGroup
    id:
      description:
        - The resource's name or id (for a task definition C(FAMILY:REVISION), for a scalable target its resource id).
      type: str
      returned: always
      sample: sg-0123456789abcdef0
    arn:
      description: The resource's ARN; an empty string for a resource without one (an EFS mount target).
      type: str
      returned: always
      sample: arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0
    region:
      description: The resource's region; V(global) for IAM roles.
      type: str
      returned: always
      sample: us-east-1
    detail:
      description:
        - What else is worth knowing of the resource, by type, with its tags under C(tags) for the types that carry
          tags.
        - For an IAM role C(path), C(inline_policies) (names) and C(managed_policies) (ARNs); for an ECS service
          C(cluster), C(status), C(desired_count), C(running_count) and C(task_definition); for a security group
          C(group_name), C(vpc_id) and C(description); for an ElastiCache replication group C(status), C(engine),
          C(node_type) and C(member_clusters); for a cache subnet group C(vpc_id) and C(subnet_ids); for an RDS DB
          instance C(status), C(engine), C(engine_version), C(instance_class), C(endpoint), C(port), C(db_subnet_group),
          C(multi_az), C(storage_encrypted), C(deletion_protection) and C(copy_tags_to_snapshot); for a DB subnet group
          C(vpc_id), C(status) and C(subnet_ids); for a DB snapshot C(db_instance), C(status), C(snapshot_type), C(engine),
          C(engine_version), C(allocated_storage), C(encrypted) and C(created) (ISO 8601, UTC).
      type: dict
      returned: always
      sample: {group_name: litellm-alb, vpc_id: vpc-0123456789abcdef0, description: ALB, tags: {litellm-deployment: litellm}}
count:
  description: How many resources RV(resources) lists.
  returned: always
  type: int
  sample: 23
pending_deletion:
  description:
    - The deployment's secrets that are scheduled for deletion, which can be restored until their deletion date.
    - Each has the keys of a RV(resources) entry plus C(state) and C(deleted_date).
  returned: always
  type: list
  elements: dict
  contains:
    state:
      description: Always V(scheduled_for_deletion).
      type: str
      returned: always
      sample: scheduled_for_deletion
    deleted_date:
      description: When the secret was scheduled for deletion (ISO 8601, UTC).
      type: str
      returned: always
      sample: "2025-06-01T10:00:00Z"
  sample:
    - type: AWS::SecretsManager::Secret
      id: litellm/master-key
      arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm/master-key-AbCdEf
      region: us-east-1
      detail: {name: litellm/master-key, description: "", kms_key_id: "", tags: {litellm-deployment: litellm}}
      state: scheduled_for_deletion
      deleted_date: "2025-06-01T10:00:00Z"
unreadable:
  description: What could not be read for want of permission; the list may miss resources of these services.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The service key, as in O(services).
      type: str
      returned: always
      sample: s3
    operation:
      description: The API operation that was denied.
      type: str
      returned: always
      sample: GetBucketTagging
    message:
      description: The error AWS returned.
      type: str
      returned: always
      sample: "An error occurred (AccessDenied) when calling the GetBucketTagging operation: Access Denied"
    resources:
      description: The resources that could not be read, when the error concerned single resources; else empty.
      type: list
      elements: str
      returned: always
      sample: [some-locked-bucket]
summary:
  description: One human readable line per resource, then one per secret scheduled for deletion.
  returned: always
  type: list
  elements: str
  sample:
    - AWS::EC2::SecurityGroup sg-0123456789abcdef0 (litellm-alb)
    - AWS::ECS::Service litellm (cluster litellm, ACTIVE)
    - AWS::RDS::DBInstance litellm-database (postgres 16.4 db.t4g.micro, available, deletion protection on)
    - AWS::RDS::DBSnapshot litellm-database-final-20250601100000 (created 2025-06-01T10:00:05Z, of litellm-database)
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import ACCESS_DENIED_CODES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import ECS_NAMESPACE
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import SERVICES
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import access_point_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import alarm_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import bucket_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import cache_subnet_group_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import chunks
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import cluster_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import cluster_name_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import dashboard_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import database_name
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import db_instance_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import db_snapshot_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import db_subnet_group_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import file_system_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import for_resource_ids
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import has_tag
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import is_final_snapshot_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import is_live_file_system
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import is_live_service
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import is_manual_snapshot
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import is_pending_deletion
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import load_balancer_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import log_group_arn
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import log_group_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import mount_target_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import ordered_services
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import redis_name
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import replication_group_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import role_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import scalable_target_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import scaling_policy_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import scaling_resource_ids
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import secret_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import security_group_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import service_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import summary
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import target_group_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import task_definition_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.deployment_resources import unreadable_entry
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code


def paginate(client, operation, **kwargs):
    """The full, merged result of a paginated operation."""
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()


class DeploymentReader:
    """Reads one service after another, collecting the deployment's resources."""

    def __init__(self, module):
        self.module = module
        self.name = module.params["name"]
        self.tag_key = module.params["tag_key"]
        self.region = module.region
        self.resources = []
        self.pending_deletion = []
        self.unreadable = []
        self.cluster_services = {}  # tagged cluster name -> names of its live services
        self.ecs_read = False

    def client(self, service):
        return retries.client(self.module, service)

    def tagged(self, tags):
        return has_tag(tags, self.tag_key, self.name)

    def deny(self, service, error, resources=None):
        """Record a permission error: a warning and an ``unreadable`` entry."""
        operation = getattr(error, "operation_name", "") or ""
        message = str(error)
        what = f"{len(resources)} resource(s) ({', '.join(sorted(resources))})" if resources else "everything"
        self.module.warn(f"Not allowed to read {what} of {service} ({operation}): the list of the resources of the deployment "
                         f"{self.name} may be incomplete. Grant the permission named in the notes of this module. {message}")
        self.unreadable.append(unreadable_entry(service, operation, message, resources))

    @AWSErrors.common_error_handler("list the {service} resources of the deployment {self.name}; nothing was changed")
    def read(self, service):
        """Reads one service (every AWS call of the module is made below this); a permission error is only recorded."""
        reader = getattr(self, "read_" + service.replace("-", "_"))
        try:
            reader()
        except is_boto3_error_code(ACCESS_DENIED_CODES) as e:
            self.deny(service, e)

    # IAM
    def read_iam(self):
        client = self.client("iam")
        for role in paginate(client, "list_roles").get("Roles", []):
            role_name = role["RoleName"]
            try:
                tags = paginate(client, "list_role_tags", RoleName=role_name).get("Tags", [])
                if not self.tagged(tags):
                    continue
                inline = paginate(client, "list_role_policies", RoleName=role_name).get("PolicyNames", [])
                attached = paginate(client, "list_attached_role_policies", RoleName=role_name).get("AttachedPolicies", [])
            except is_boto3_error_code("NoSuchEntity"):
                continue
            self.resources.append(role_entry(role, tags, inline, attached))

    # Secrets Manager
    def read_secretsmanager(self):
        client = self.client("secretsmanager")
        # tag-key and tag-value are separate (and prefix) filters: the pair is checked again on each answer.
        filters = [{"Key": "tag-key", "Values": [self.tag_key]}, {"Key": "tag-value", "Values": [self.name]}]
        for secret in paginate(client, "list_secrets", Filters=filters, IncludePlannedDeletion=True).get("SecretList", []):
            if not self.tagged(secret.get("Tags")):
                continue
            (self.pending_deletion if is_pending_deletion(secret) else self.resources).append(secret_entry(secret, self.region))

    # ECS
    def read_ecs(self):
        client = self.client("ecs")
        cluster_arns = paginate(client, "list_clusters").get("clusterArns", [])
        clusters = []
        for batch in chunks(cluster_arns, 100):
            clusters.extend(client.describe_clusters(clusters=batch, include=["TAGS"]).get("clusters", []))
        for cluster in clusters:
            if cluster.get("status") != "ACTIVE" or not self.tagged(cluster.get("tags")):
                continue
            self.resources.append(cluster_entry(cluster, self.region))
            self.cluster_services[cluster["clusterName"]] = self.read_ecs_services(client, cluster)
        self.ecs_read = True
        for arn in paginate(client, "list_task_definitions", status="ACTIVE").get("taskDefinitionArns", []):
            try:
                answer = client.describe_task_definition(taskDefinition=arn, include=["TAGS"])
            except is_boto3_error_code("ClientException"):
                continue  # deregistered and deleted since it was listed
            if answer["taskDefinition"].get("status", "ACTIVE") == "ACTIVE" and self.tagged(answer.get("tags")):
                self.resources.append(task_definition_entry(answer["taskDefinition"], answer.get("tags"), self.region))

    def read_ecs_services(self, client, cluster):
        """Lists the live services of a tagged cluster; returns their names."""
        cluster_arn = cluster["clusterArn"]
        names = []
        service_arns = paginate(client, "list_services", cluster=cluster_arn).get("serviceArns", [])
        for batch in chunks(service_arns, 10):
            for service in client.describe_services(cluster=cluster_arn, services=batch, include=["TAGS"]).get("services", []):
                if is_live_service(service):
                    self.resources.append(service_entry(service, cluster_name_of(cluster_arn), self.region))
                    names.append(service["serviceName"])
        return names

    # Application Auto Scaling
    def read_application_autoscaling(self):
        client = self.client("application-autoscaling")
        resource_ids = scaling_resource_ids(self.cluster_services, self.name, self.ecs_read)
        for batch in chunks(resource_ids, 50):
            targets = paginate(client, "describe_scalable_targets", ServiceNamespace=ECS_NAMESPACE, ResourceIds=batch).get("ScalableTargets", [])
            self.resources.extend(scalable_target_entry(target, self.region) for target in for_resource_ids(targets, batch))
        # One call for the namespace's policies rather than one per resource id (DescribeScalingPolicies takes one id).
        policies = paginate(client, "describe_scaling_policies", ServiceNamespace=ECS_NAMESPACE).get("ScalingPolicies", [])
        self.resources.extend(scaling_policy_entry(policy, self.region) for policy in for_resource_ids(policies, resource_ids))

    # ELBv2
    def elbv2_tags(self, client, arns):
        """ARN -> tags of ``arns``, by DescribeTags batches of 20 (its limit); a resource deleted meanwhile is left out."""
        tags = {}
        for batch in chunks(arns, 20):
            try:
                descriptions = client.describe_tags(ResourceArns=batch).get("TagDescriptions", [])
            except is_boto3_error_code(["LoadBalancerNotFound", "TargetGroupNotFound"]):
                descriptions = []
                for arn in batch:
                    try:
                        descriptions.extend(client.describe_tags(ResourceArns=[arn]).get("TagDescriptions", []))
                    except is_boto3_error_code(["LoadBalancerNotFound", "TargetGroupNotFound"]):
                        continue
            for description in descriptions:
                tags[description["ResourceArn"]] = description.get("Tags", [])
        return tags

    def read_elbv2(self):
        client = self.client("elbv2")
        load_balancers = paginate(client, "describe_load_balancers").get("LoadBalancers", [])
        tags = self.elbv2_tags(client, [item["LoadBalancerArn"] for item in load_balancers])
        for item in load_balancers:
            if item["LoadBalancerArn"] in tags and self.tagged(tags[item["LoadBalancerArn"]]):
                self.resources.append(load_balancer_entry(item, tags[item["LoadBalancerArn"]], self.region))
        target_groups = paginate(client, "describe_target_groups").get("TargetGroups", [])
        tags = self.elbv2_tags(client, [item["TargetGroupArn"] for item in target_groups])
        for item in target_groups:
            if item["TargetGroupArn"] in tags and self.tagged(tags[item["TargetGroupArn"]]):
                self.resources.append(target_group_entry(item, tags[item["TargetGroupArn"]], self.region))

    # EC2
    def read_ec2(self):
        client = self.client("ec2")
        filters = [{"Name": f"tag:{self.tag_key}", "Values": [self.name]}]
        for group in paginate(client, "describe_security_groups", Filters=filters).get("SecurityGroups", []):
            if self.tagged(group.get("Tags")):
                self.resources.append(security_group_entry(group, self.region))

    # EFS
    def read_efs(self):
        client = self.client("efs")
        for file_system in paginate(client, "describe_file_systems").get("FileSystems", []):
            if not is_live_file_system(file_system) or not self.tagged(file_system.get("Tags")):
                continue
            file_system_id = file_system["FileSystemId"]
            self.resources.append(file_system_entry(file_system, self.region))
            try:
                mount_targets = paginate(client, "describe_mount_targets", FileSystemId=file_system_id).get("MountTargets", [])
                access_points = paginate(client, "describe_access_points", FileSystemId=file_system_id).get("AccessPoints", [])
            except is_boto3_error_code("FileSystemNotFound"):
                continue
            self.resources.extend(mount_target_entry(item, self.region) for item in mount_targets if item.get("LifeCycleState") != "deleted")
            self.resources.extend(access_point_entry(item, self.region) for item in access_points if item.get("LifeCycleState") != "deleted")

    # ElastiCache
    def read_elasticache(self):
        """Replication groups and cache subnet groups tagged for the deployment, or named as the redis role names them."""
        client = self.client("elasticache")
        own = redis_name(self.name)
        kinds = (("describe_replication_groups", "ReplicationGroups", "ReplicationGroupId", replication_group_entry),
                 ("describe_cache_subnet_groups", "CacheSubnetGroups", "CacheSubnetGroupName", cache_subnet_group_entry))
        for operation, key, name_key, make_entry in kinds:
            for item in paginate(client, operation).get(key, []):
                try:
                    tags = client.list_tags_for_resource(ResourceName=item["ARN"]).get("TagList", []) if item.get("ARN") else []
                except is_boto3_error_code(["ReplicationGroupNotFoundFault", "CacheSubnetGroupNotFoundFault"]):
                    continue  # deleted since it was listed
                if item[name_key] == own or self.tagged(tags):
                    self.resources.append(make_entry(item, tags, self.region))

    # RDS
    def read_rds(self):
        """DB instances and manual DB snapshots tagged for the deployment (their answers carry their tags), its final
        snapshots by name, and DB subnet groups tagged or named as the deployment's database is."""
        client = self.client("rds")
        for instance in paginate(client, "describe_db_instances").get("DBInstances", []):
            if self.tagged(instance.get("TagList")):
                self.resources.append(db_instance_entry(instance, self.region))
        own = database_name(self.name)
        for subnet_group in paginate(client, "describe_db_subnet_groups").get("DBSubnetGroups", []):
            arn = subnet_group.get("DBSubnetGroupArn")
            try:
                tags = client.list_tags_for_resource(ResourceName=arn).get("TagList", []) if arn else []
            except is_boto3_error_code("DBSubnetGroupNotFoundFault"):
                continue  # deleted since it was listed
            if subnet_group["DBSubnetGroupName"] == own or self.tagged(tags):
                self.resources.append(db_subnet_group_entry(subnet_group, tags, self.region))
        for snapshot in paginate(client, "describe_db_snapshots", SnapshotType="manual").get("DBSnapshots", []):
            if not is_manual_snapshot(snapshot):
                continue
            if self.tagged(snapshot.get("TagList")) or is_final_snapshot_of(snapshot["DBSnapshotIdentifier"], self.name):
                self.resources.append(db_snapshot_entry(snapshot, self.region))

    # CloudWatch Logs
    def read_logs(self):
        client = self.client("logs")
        for group in paginate(client, "describe_log_groups").get("logGroups", []):
            try:
                tags = client.list_tags_for_resource(resourceArn=log_group_arn(group)).get("tags", {})
            except is_boto3_error_code("ResourceNotFoundException"):
                continue
            if self.tagged(tags):
                self.resources.append(log_group_entry(group, tags, self.region))

    # CloudWatch
    def read_cloudwatch(self):
        client = self.client("cloudwatch")
        alarms = paginate(client, "describe_alarms", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for composite, key in ((False, "MetricAlarms"), (True, "CompositeAlarms")):
            for alarm in alarms.get(key, []):
                try:
                    tags = client.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", [])
                except is_boto3_error_code("ResourceNotFoundException"):
                    continue
                if self.tagged(tags):
                    self.resources.append(alarm_entry(alarm, tags, self.region, composite=composite))
        prefix = self.module.params["dashboard_prefix"]
        if prefix is None:
            prefix = self.name
        if prefix:
            for dashboard in paginate(client, "list_dashboards", DashboardNamePrefix=prefix).get("DashboardEntries", []):
                self.resources.append(dashboard_entry(dashboard, self.region))

    # S3
    def read_s3(self):
        client = self.client("s3")
        denied = []
        error = None
        for bucket in paginate(client, "list_buckets", BucketRegion=self.region).get("Buckets", []):
            try:
                tags = client.get_bucket_tagging(Bucket=bucket["Name"]).get("TagSet", [])
            except is_boto3_error_code("NoSuchTagSet"):
                tags = []
            except is_boto3_error_code("NoSuchBucket"):  # pylint: disable=duplicate-except
                continue
            except is_boto3_error_code(ACCESS_DENIED_CODES) as e:  # pylint: disable=duplicate-except
                # A bucket policy may deny one bucket: the others are still read.
                denied.append(bucket["Name"])
                error = e
                continue
            if self.tagged(tags):
                self.resources.append(bucket_entry(bucket, tags, self.region))
        if denied:
            self.deny("s3", error, denied)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            tag_key=dict(type="str", default="litellm-deployment", no_log=False),
            services=dict(type="list", elements="str", choices=list(SERVICES), default=list(SERVICES)),
            dashboard_prefix=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    reader = DeploymentReader(module)
    try:
        for service in ordered_services(module.params["services"]):
            reader.read(service)
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)
    resources = sorted(reader.resources, key=lambda item: (item["type"], item["id"], item["arn"]))
    pending = sorted(reader.pending_deletion, key=lambda item: (item["type"], item["id"], item["arn"]))
    module.exit_json(
        changed=False,
        resources=resources,
        count=len(resources),
        pending_deletion=pending,
        unreadable=reader.unreadable,
        summary=summary(resources, pending),
    )


if __name__ == "__main__":
    main()
