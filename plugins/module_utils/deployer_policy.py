# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The least-privilege IAM policy of whoever runs the collection, from the AWS API operations it calls (no AWS needed).

The input is what the collection really calls, as ``<IAM service prefix>:<API operation>`` strings (botocore's
operation names, e.g. ``s3:HeadObject``, as a request log records them). Three tables turn them into IAM actions:

- ``IAM_ACTION``: the operations whose IAM action has another name (mostly S3: ``HeadObject`` is ``s3:GetObject``);
- ``EXEMPT``: the operations that need no permission (``sts:GetCallerIdentity``);
- ``IMPLIED``: the permissions an operation needs besides its own action: ``iam:PassRole`` for a task definition
  naming roles, tag-on-create actions (``ec2:CreateTags`` for ``CreateSecurityGroup`` with tags...), the
  service-linked roles a service creates on first use, the EC2 calls EFS makes for a mount target...

``STATEMENTS`` scopes every IAM action: the ARNs of the deployment's own resources, named after the deployment
(``{name}``) as the roles name them, or, where an ARN cannot carry the name (security group and file system ids),
a condition on the ``litellm-deployment`` tag every role puts on what it creates. ``Resource: "*"`` is used only for
actions for which the Service Authorization Reference lists no required resource type, and for the two in
``RESOURCE_STAR_REQUIRED`` for which AWS documents that ``*`` is needed anyway; every statement whose ARNs do not
name the deployment says why in ``why``.

``policy`` writes the policy document, ``split`` cuts it into managed policies of IAM's size, ``emulator_view`` gives
the form the local emulator can enforce, ``simulations`` the requests that ask IAM's policy simulator whether a
caller (``principal_arn``) holds it.
"""

from __future__ import annotations

import json

from typing import NamedTuple

TAG_KEY = "litellm-deployment"
VERSION = "2012-10-17"

# API operations whose IAM action has another name (Service Authorization Reference, and the Permissions section of
# each operation in the S3 API reference). elasticfilesystem:DescribeTags is deprecated as an API but still an action.
IAM_ACTION = {
    "s3:DeleteObjects": "s3:DeleteObject",
    "s3:GetBucketAccelerateConfiguration": "s3:GetAccelerateConfiguration",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketInventoryConfiguration": "s3:GetInventoryConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:HeadObject": "s3:GetObject",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
}

# Operations that need no permission: "No permissions are required to perform this operation" (STS API reference).
EXEMPT = frozenset(["sts:GetCallerIdentity"])


class Statement(NamedTuple):
    """One statement of the policy: its Sid, the IAM actions it grants, where and under which condition.

    ``resources`` and ``condition`` are templates with ``{partition}``, ``{region}``, ``{account}``, ``{name}`` and
    ``{bucket}`` (the config bucket). ``implied_only``: the statement only holds permissions that ``IMPLIED`` grants
    for another operation (an action listed here is otherwise scoped by the statement that lists it without it).
    ``why``: why the ARNs do not name the deployment, or why the resource is ``*``.
    """

    sid: str
    actions: tuple
    resources: tuple
    condition: dict = None
    implied_only: bool = False
    why: str = ""


def _arn(service, resource, region="{region}"):
    return f"arn:{{partition}}:{service}:{region}:{{account}}:{resource}"


def _tagged():
    """The condition that the resource carries the deployment's tag."""
    return {"StringEquals": {f"aws:ResourceTag/{TAG_KEY}": "{name}"}}


_ANY = ("*",)
_NO_RESOURCE_TYPE = "the Service Authorization Reference lists no required resource type for these actions"
# deployment_resources (teardown's report of what is left, --check, the gate) finds the deployment's resources by their
# tag; where an API cannot filter by tag it reads the tags of every resource of that kind in the account and region.
_EVERY = "deployment_resources reads the tags of every {what} of the account and region to find the deployment's ({why})"

_ROLES = (_arn("iam", "role/{name}-execution", region=""), _arn("iam", "role/{name}-task", region=""))
_CLUSTER = _arn("ecs", "cluster/{name}")
_SERVICE = _arn("ecs", "service/{name}/{name}")
_TASK_DEFINITIONS = (_arn("ecs", "task-definition/{name}:*"), _arn("ecs", "task-definition/{name}-migrations:*"))
_TASKS = _arn("ecs", "task/{name}/*")
_LOAD_BALANCER = _arn("elasticloadbalancing", "loadbalancer/app/{name}-alb/*")
_LISTENERS = _arn("elasticloadbalancing", "listener/app/{name}-alb/*/*")
_TARGET_GROUP = _arn("elasticloadbalancing", "targetgroup/{name}-tg/*")
_REPLICATION_GROUP = _arn("elasticache", "replicationgroup:{name}-redis")
_CACHE_SUBNET_GROUP = _arn("elasticache", "subnetgroup:{name}-redis")
_CACHE_NODES = _arn("elasticache", "cluster:{name}-redis-*")
_FILE_SYSTEMS = (_arn("elasticfilesystem", "file-system/*"), _arn("elasticfilesystem", "access-point/*"))
_LOG_GROUP = (_arn("logs", "log-group:/ecs/{name}"), _arn("logs", "log-group:/ecs/{name}:*"))
_SECURITY_GROUPS = _arn("ec2", "security-group/*")
_DB_INSTANCE = _arn("rds", "db:{name}-database")
_DB_SUBNET_GROUP = _arn("rds", "subgrp:{name}-database")
_DB_FINAL_SNAPSHOTS = _arn("rds", "snapshot:{name}-database-final-*")


def _service_linked_role(service, role_name):
    """The statement that lets ``service`` create its service-linked role ``role_name``, and nothing else.

    The collection creates the ECS one itself (roles/iam, iam_service_linked_role); the others the services create on
    first use with the caller's permission (``IMPLIED``).
    """
    words = {"ecs.amazonaws.com": "Ecs", "elasticache.amazonaws.com": "ElastiCache", "rds.amazonaws.com": "Rds",
             "elasticloadbalancing.amazonaws.com": "ElasticLoadBalancing", "elasticfilesystem.amazonaws.com": "Efs",
             "ecs.application-autoscaling.amazonaws.com": "ApplicationAutoScalingEcs"}
    return Statement(f"IamCreateThe{words[service]}ServiceLinkedRole", ("iam:CreateServiceLinkedRole",),
                     (_arn("iam", f"role/aws-service-role/{service}/{role_name}", region=""),),
                     {"StringEquals": {"iam:AWSServiceName": service}}, implied_only=service != "ecs.amazonaws.com",
                     why="a service-linked role is the account's, named by AWS after its service")


# Every IAM action the collection may need, scoped. The names are the roles' (roles/*/defaults and vars): cluster,
# service and task-definition family <name> (and <name>-migrations), roles <name>-execution and <name>-task (path /),
# secrets <name>/..., load balancer <name>-alb, target group <name>-tg, ElastiCache <name>-redis (nodes
# <name>-redis-001...), log group /ecs/<name>, alarms <name>-<id>, dashboard <name>, topic <name>-alarms, config bucket
# <name>-config-<account>-<region> unless given.
STATEMENTS = (
    # Application Auto Scaling
    Statement("ApplicationAutoScalingActionsWithoutResourceTypes",
              ("application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"),
              _ANY, why=_NO_RESOURCE_TYPE),
    Statement("ApplicationAutoScalingOnEcsServiceDesiredCounts",
              ("application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DeregisterScalableTarget",
               "application-autoscaling:PutScalingPolicy", "application-autoscaling:RegisterScalableTarget"),
              (_arn("application-autoscaling", "scalable-target/*"),),
              {"StringEquals": {"application-autoscaling:service-namespace": "ecs",
                                "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount"}},
              why="a scalable target's ARN ends in an id AWS generates, not in service/<cluster>/<service>, and no condition "
                  "key names the resource id: the namespace and dimension keep these to ECS services' desired counts"),
    # CloudWatch
    Statement("CloudWatchActionsWithoutResourceTypes", ("cloudwatch:ListDashboards",), _ANY, why=_NO_RESOURCE_TYPE),
    Statement("CloudWatchDescribeAlarmsOfEveryKind", ("cloudwatch:DescribeAlarms",), _ANY,
              why="deployment_resources reads metric and composite alarms, and composite alarms are only returned to a "
                  "cloudwatch:DescribeAlarms permission scoped to * (CloudWatch API reference, DescribeAlarms)"),
    Statement("CloudWatchOnTheDeploymentsAlarms", ("cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm"),
              (_arn("cloudwatch", "alarm:{name}-*"),)),
    Statement("CloudWatchOnTheDeploymentsDashboard",
              ("cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"),
              (_arn("cloudwatch", "dashboard/{name}", region=""),)),
    Statement("CloudWatchReadTheTagsOfEveryAlarm", ("cloudwatch:ListTagsForResource",), (_arn("cloudwatch", "alarm:*"),),
              why=_EVERY.format(what="alarm", why="DescribeAlarms has no tag filter")),
    # EC2: security groups are named <name>-alb, -tasks, -efs and -redis, but their ARNs carry ids, so the tag scopes them.
    Statement("Ec2ActionsWithoutResourceTypes",
              ("ec2:DescribeNetworkInterfaceAttribute", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
               "ec2:DescribeSubnets"),
              _ANY, why=_NO_RESOURCE_TYPE),
    # CreateSecurityGroup is authorized on the new group and on the VPC (an input: litellm_vpc_id or the default VPC), in
    # one statement; the tags it must carry are enforced by Ec2TagNewSecurityGroups, which its TagSpecifications need.
    Statement("Ec2CreateSecurityGroups", ("ec2:CreateSecurityGroup",), (_SECURITY_GROUPS, _arn("ec2", "vpc/*")),
              why="a new group has no id yet and the VPC is an input; the tag-on-create statement holds the scope"),
    Statement("Ec2TagNewSecurityGroups", ("ec2:CreateTags",), (_SECURITY_GROUPS,),
              {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup", f"aws:RequestTag/{TAG_KEY}": "{name}"}},
              implied_only=True, why="a new group has no id yet: only groups created with the deployment's tag"),
    Statement("Ec2OnTheDeploymentsSecurityGroups",
              ("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags",
               "ec2:DeleteSecurityGroup", "ec2:DeleteTags", "ec2:RevokeSecurityGroupEgress",
               "ec2:RevokeSecurityGroupIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
               "ec2:UpdateSecurityGroupRuleDescriptionsIngress"),
              (_SECURITY_GROUPS,), _tagged(), why="security group ARNs carry ids: the deployment's tag scopes them"),
    Statement("Ec2ForEfsMountTargetNetworkInterfaces",
              ("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"),
              (_arn("ec2", "network-interface/*"), _arn("ec2", "subnet/*"), _SECURITY_GROUPS), implied_only=True,
              why="EFS creates, re-secures and deletes each mount target's network interface with the caller's "
                  "permissions (EFS API reference: CreateMountTarget, ModifyMountTargetSecurityGroups, DeleteMountTarget); "
                  "the interface is new and untagged, the subnets are inputs"),
    # ECS
    Statement("EcsActionsWithoutResourceTypes",
              ("ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListClusters", "ecs:ListTaskDefinitions"),
              _ANY, why=_NO_RESOURCE_TYPE),
    Statement("EcsOnTheDeploymentsCluster",
              ("ecs:CreateCluster", "ecs:DeleteCluster", "ecs:PutClusterCapacityProviders", "ecs:UpdateCluster"),
              (_CLUSTER,)),
    Statement("EcsDescribeEveryCluster", ("ecs:DescribeClusters",), (_arn("ecs", "cluster/*"),),
              why=_EVERY.format(what="cluster", why="ListClusters has no tag filter; DescribeClusters takes them in batches")),
    Statement("EcsOnTheDeploymentsService",
              ("ecs:CreateService", "ecs:DeleteService", "ecs:DescribeServices", "ecs:UpdateService"), (_SERVICE,)),
    Statement("EcsOnTheDeploymentsTaskDefinitions", ("ecs:RegisterTaskDefinition",), _TASK_DEFINITIONS),
    Statement("EcsRunTheDeploymentsTasksInItsCluster", ("ecs:RunTask",), _TASK_DEFINITIONS,
              {"ArnEquals": {"ecs:cluster": _CLUSTER}}),
    Statement("EcsOnTheDeploymentsTasks", ("ecs:DescribeTasks",), (_TASKS,)),
    Statement("EcsListInTheDeploymentsCluster", ("ecs:ListServices", "ecs:ListTasks"), _ANY,
              {"ArnEquals": {"ecs:cluster": _CLUSTER}},
              why="ListServices has no resource type; ListTasks by cluster and service is not authorized on a container "
                  "instance (ECS developer guide's examples use * with ecs:cluster); the cluster condition scopes both"),
    Statement("EcsTagTheDeploymentsResources",
              ("ecs:ListTagsForResource", "ecs:TagResource", "ecs:UntagResource"),
              (_CLUSTER, _SERVICE) + _TASK_DEFINITIONS + (_TASKS,)),
    # ElastiCache
    Statement("ElastiCacheCreateTheReplicationGroup", ("elasticache:CreateReplicationGroup",),
              (_arn("elasticache", "parametergroup:default.*"), _REPLICATION_GROUP, _CACHE_NODES, _CACHE_SUBNET_GROUP),
              why="the replication group uses its engine's default parameter group (default.<family>), which is AWS's"),
    Statement("ElastiCacheOnTheDeploymentsReplicationGroup",
              ("elasticache:DeleteReplicationGroup", "elasticache:ModifyReplicationGroup"), (_REPLICATION_GROUP,)),
    Statement("ElastiCacheOnTheDeploymentsSubnetGroup",
              ("elasticache:CreateCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup",
               "elasticache:ModifyCacheSubnetGroup"),
              (_CACHE_SUBNET_GROUP,)),
    Statement("ElastiCacheOnTheDeploymentsNodes", ("elasticache:DescribeCacheClusters",), (_CACHE_NODES,)),
    Statement("ElastiCacheTagTheDeploymentsResources",
              ("elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource"),
              (_REPLICATION_GROUP, _CACHE_SUBNET_GROUP, _CACHE_NODES)),
    Statement("ElastiCacheReadEveryGroup",
              ("elasticache:DescribeCacheSubnetGroups", "elasticache:DescribeReplicationGroups",
               "elasticache:ListTagsForResource"),
              (_arn("elasticache", "replicationgroup:*"), _arn("elasticache", "subnetgroup:*")),
              why=_EVERY.format(what="replication group and cache subnet group", why="ElastiCache lists them without a tag "
                                "filter")),
    # EFS: file system and access point ARNs carry ids, so the tag scopes them.
    Statement("EfsDescribeEveryFileSystem", ("elasticfilesystem:DescribeFileSystems",), _ANY,
              why="efs_file_system looks its file system up by creation token and deployment_resources lists them all: "
                  "neither names a file system id, and the action has no required resource type"),
    Statement("EfsCreateEncryptedTaggedFileSystems", ("elasticfilesystem:CreateFileSystem",), _ANY,
              {"StringEquals": {f"aws:RequestTag/{TAG_KEY}": "{name}"}, "Bool": {"elasticfilesystem:Encrypted": "true"}},
              why="CreateFileSystem has no resource type: only encrypted file systems with the deployment's tag"),
    Statement("EfsTagNewFileSystemsAndAccessPoints", ("elasticfilesystem:TagResource",), _FILE_SYSTEMS,
              {"StringEquals": {f"aws:RequestTag/{TAG_KEY}": "{name}",
                                "elasticfilesystem:CreateAction": ["CreateAccessPoint", "CreateFileSystem"]}},
              implied_only=True, why="a new file system or access point has no id yet: only those created with the tag"),
    Statement("EfsOnTheDeploymentsFileSystemsAndAccessPoints",
              ("elasticfilesystem:CreateAccessPoint", "elasticfilesystem:CreateMountTarget",
               "elasticfilesystem:DeleteAccessPoint", "elasticfilesystem:DeleteFileSystem",
               "elasticfilesystem:DeleteMountTarget", "elasticfilesystem:DescribeAccessPoints",
               "elasticfilesystem:DescribeMountTargetSecurityGroups", "elasticfilesystem:DescribeMountTargets",
               "elasticfilesystem:DescribeTags", "elasticfilesystem:ListTagsForResource",
               "elasticfilesystem:ModifyMountTargetSecurityGroups", "elasticfilesystem:TagResource",
               "elasticfilesystem:UntagResource", "elasticfilesystem:UpdateFileSystem"),
              _FILE_SYSTEMS, _tagged(), why="file system and access point ARNs carry ids: the deployment's tag scopes them"),
    # Elastic Load Balancing
    Statement("ElbActionsWithoutResourceTypes",
              ("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancerAttributes",
               "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeRules",
               "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
               "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"),
              _ANY, why=_NO_RESOURCE_TYPE),
    Statement("ElbOnTheDeploymentsLoadBalancer",
              ("elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateLoadBalancer",
               "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyLoadBalancerAttributes",
               "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
               "elasticloadbalancing:SetSubnets"),
              (_LOAD_BALANCER,)),
    # The reference marks both listener/app and listener/net required for these (either one, per request); the
    # network form, of a load balancer with the same name that the collection never creates, satisfies auditors
    # (parliament) that read the two as both required.
    Statement("ElbOnTheDeploymentsListeners", ("elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener"),
              (_LISTENERS, _arn("elasticloadbalancing", "listener/net/{name}-alb/*/*"))),
    Statement("ElbOnTheDeploymentsTargetGroup",
              ("elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
               "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes"),
              (_TARGET_GROUP,)),
    Statement("ElbTagTheDeploymentsResources", ("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"),
              (_LOAD_BALANCER, _LISTENERS, _TARGET_GROUP)),
    # IAM
    Statement("IamActionsWithoutResourceTypes", ("iam:ListAccountAliases", "iam:ListRoles"), _ANY, why=_NO_RESOURCE_TYPE),
    Statement("IamOnTheDeploymentsRoles",
              ("iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:GetRole", "iam:GetRolePolicy",
               "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies",
               "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"),
              _ROLES),
    # The execution role's one managed policy (roles/iam); nothing else may be attached to either role.
    Statement("IamAttachOnlyTheEcsTaskExecutionPolicy", ("iam:AttachRolePolicy", "iam:DetachRolePolicy"), _ROLES,
              {"ArnEquals": {"iam:PolicyARN": "arn:{partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}}),
    Statement("IamPassTheDeploymentsRolesToEcsTasks", ("iam:PassRole",), _ROLES,
              {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, implied_only=True),
    Statement("IamSimulateTheCallersOwnPolicies", ("iam:SimulatePrincipalPolicy",),
              (_arn("iam", "user/*", region=""), _arn("iam", "role/*", region="")),
              why="the opt-in preflight (litellm_preflight) simulates the caller's own policies, the caller being any user "
                  "or role of the account"),
    Statement("IamReadTheTagsOfEveryRole", ("iam:ListRoleTags",), (_arn("iam", "role/*", region=""),),
              why=_EVERY.format(what="role", why="ListRoles has no tag filter")),
    _service_linked_role("ecs.amazonaws.com", "AWSServiceRoleForECS"),
    _service_linked_role("elasticache.amazonaws.com", "AWSServiceRoleForElastiCache"),
    _service_linked_role("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"),
    _service_linked_role("elasticfilesystem.amazonaws.com", "AWSServiceRoleForAmazonElasticFileSystem"),
    _service_linked_role("ecs.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ECSService"),
    # CloudWatch Logs: a log group's ARN is used both with and without the :* suffix.
    Statement("LogsActionsWithoutResourceTypes", ("logs:DescribeLogGroups",), _ANY, why=_NO_RESOURCE_TYPE),
    Statement("LogsOnTheDeploymentsLogGroup",
              ("logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy",
               "logs:DisassociateKmsKey", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource"),
              _LOG_GROUP),
    Statement("LogsReadTheDeploymentsLogEvents", ("logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"),
              _LOG_GROUP + (_arn("logs", "log-group:/ecs/{name}:log-stream:*"),),
              why="the failure diagnostics (ecs_service_diagnostics) read the proxy's last log lines"),
    Statement("LogsReadTheTagsOfEveryLogGroup", ("logs:ListTagsForResource",), (_arn("logs", "log-group:*"),),
              why=_EVERY.format(what="log group", why="DescribeLogGroups has no tag filter")),
    # RDS: the instance and its DB subnet group are <name>-database; a final snapshot <name>-database-final-<time>.
    Statement("RdsCreateTheInstance", ("rds:CreateDBInstance",),
              (_DB_INSTANCE, _DB_SUBNET_GROUP, _arn("rds", "og:default:postgres-*"), _arn("rds", "pg:default.postgres*")),
              why="the instance uses its engine's default option and parameter groups, which are AWS's"),
    Statement("RdsOnTheDeploymentsInstance", ("rds:DeleteDBInstance", "rds:ModifyDBInstance"), (_DB_INSTANCE,)),
    Statement("RdsOnTheDeploymentsSubnetGroup",
              ("rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:ModifyDBSubnetGroup"), (_DB_SUBNET_GROUP,)),
    Statement("RdsTakeTheFinalSnapshot", ("rds:CreateDBSnapshot",), (_DB_INSTANCE, _DB_FINAL_SNAPSHOTS), implied_only=True,
              why="teardown deletes a created instance (only when told to) after a final snapshot"),
    Statement("RdsTagTheDeploymentsResources", ("rds:AddTagsToResource", "rds:RemoveTagsFromResource"),
              (_DB_INSTANCE, _DB_SUBNET_GROUP, _DB_FINAL_SNAPSHOTS)),
    Statement("RdsReadEveryInstanceSubnetGroupAndSnapshot",
              ("rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"),
              (_arn("rds", "db:*"), _arn("rds", "subgrp:*"), _arn("rds", "snapshot:*")),
              why=_EVERY.format(what="DB instance, subnet group and snapshot", why="their listings have no tag filter")),
    _service_linked_role("rds.amazonaws.com", "AWSServiceRoleForRDS"),
    # S3
    Statement("S3ActionsWithoutResourceTypes", ("s3:ListAllMyBuckets",), _ANY, why=_NO_RESOURCE_TYPE),
    Statement("S3OnTheConfigBucket",
              ("s3:CreateBucket", "s3:DeleteBucket", "s3:GetAccelerateConfiguration", "s3:GetBucketAcl",
               "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
               "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketVersioning",
               "s3:GetEncryptionConfiguration", "s3:GetInventoryConfiguration", "s3:ListBucket", "s3:ListBucketVersions",
               "s3:PutBucketOwnershipControls", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging",
               "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration"),
              ("arn:{partition}:s3:::{bucket}",)),
    Statement("S3OnTheConfigBucketsObjects",
              ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion",
               "s3:PutObject", "s3:PutObjectTagging"),
              ("arn:{partition}:s3:::{bucket}/*",)),
    Statement("S3ReadTheTagsOfEveryBucketOfTheAccount", ("s3:GetBucketTagging",), ("arn:{partition}:s3:::*",),
              {"StringEquals": {"s3:ResourceAccount": "{account}"}},
              why=_EVERY.format(what="bucket", why="S3 lists buckets without their tags")
              + "; bucket ARNs name no account, the s3:ResourceAccount condition does"),
    # Secrets Manager
    Statement("SecretsManagerActionsWithoutResourceTypes",
              ("secretsmanager:GetRandomPassword", "secretsmanager:ListSecrets"), _ANY, why=_NO_RESOURCE_TYPE),
    Statement("SecretsManagerOnTheDeploymentsSecrets",
              ("secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret",
               "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:RestoreSecret",
               "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:UpdateSecret"),
              (_arn("secretsmanager", "secret:{name}/*"),)),
    # SNS
    Statement("SnsActionsWithoutResourceTypes", ("sns:GetSubscriptionAttributes", "sns:ListTopics", "sns:Unsubscribe"),
              _ANY, why=_NO_RESOURCE_TYPE),
    Statement("SnsOnTheAlarmsTopic",
              ("sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic",
               "sns:ListTagsForResource", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource",
               "sns:UntagResource"),
              (_arn("sns", "{name}-alarms"),)),
)

# Actions the Service Authorization Reference gives a resource type but AWS documents as needing Resource "*" for
# the calls the collection makes (an auditor that trusts the reference calls the * unnecessary).
RESOURCE_STAR_REQUIRED = {
    "cloudwatch:DescribeAlarms": "composite alarms are only returned to a permission scoped to * (CloudWatch API reference)",
    "ecs:ListTasks": "listing by cluster and service names no container instance; ECS's own examples use * with ecs:cluster",
}

_PASS_ROLE = ("iam:PassRole", "IamPassTheDeploymentsRolesToEcsTasks")
_ECS_TAGS = ("ecs:TagResource", "EcsTagTheDeploymentsResources")


def _slr(service):
    """The grant that lets ``service`` create its service-linked role on first use."""
    return ("iam:CreateServiceLinkedRole", next(statement.sid for statement in STATEMENTS if statement.condition
                                                and statement.condition.get("StringEquals", {}).get("iam:AWSServiceName") == service))


# API operation -> (IAM action, Sid) pairs it needs besides its own action. A Sid of None: the action's own statement.
IMPLIED = {
    # A task definition naming the execution and task roles passes them to ECS (RegisterTaskDefinition, and RunTask per
    # the Service Authorization Reference); ECS authorizes tags given at creation as ecs:TagResource (tagResourceAuthorization).
    "ecs:RegisterTaskDefinition": (_PASS_ROLE, _ECS_TAGS),
    "ecs:RunTask": (_PASS_ROLE, _ECS_TAGS),
    "ecs:CreateService": (_ECS_TAGS,),
    # ECS creates its service-linked role with the first cluster (CreateCluster API reference).
    "ecs:CreateCluster": (_ECS_TAGS, _slr("ecs.amazonaws.com")),
    "ec2:CreateSecurityGroup": (("ec2:CreateTags", "Ec2TagNewSecurityGroups"),),
    "elasticloadbalancing:CreateLoadBalancer": (("elasticloadbalancing:AddTags", None),
                                                _slr("elasticloadbalancing.amazonaws.com")),
    "elasticloadbalancing:CreateTargetGroup": (("elasticloadbalancing:AddTags", None),),
    "elasticache:CreateReplicationGroup": (("elasticache:AddTagsToResource", None), _slr("elasticache.amazonaws.com")),
    "elasticache:CreateCacheSubnetGroup": (("elasticache:AddTagsToResource", None),),
    # RDS authorizes tags given at creation as rds:AddTagsToResource, creates its service-linked role with the first
    # instance, and a final snapshot on deletion as rds:CreateDBSnapshot (RDS User Guide, IAM for RDS).
    "rds:CreateDBInstance": (("rds:AddTagsToResource", None), _slr("rds.amazonaws.com")),
    "rds:CreateDBSubnetGroup": (("rds:AddTagsToResource", None),),
    "rds:DeleteDBInstance": (("rds:CreateDBSnapshot", "RdsTakeTheFinalSnapshot"),),
    "elasticfilesystem:CreateFileSystem": (("elasticfilesystem:TagResource", "EfsTagNewFileSystemsAndAccessPoints"),
                                           _slr("elasticfilesystem.amazonaws.com")),
    "elasticfilesystem:CreateAccessPoint": (("elasticfilesystem:TagResource", "EfsTagNewFileSystemsAndAccessPoints"),),
    # "This operation also requires permissions for the following Amazon EC2 actions" (EFS API reference).
    "elasticfilesystem:CreateMountTarget": (("ec2:CreateNetworkInterface", "Ec2ForEfsMountTargetNetworkInterfaces"),
                                            ("ec2:DescribeNetworkInterfaces", None), ("ec2:DescribeSubnets", None),
                                            _slr("elasticfilesystem.amazonaws.com")),
    "elasticfilesystem:DeleteMountTarget": (("ec2:DeleteNetworkInterface", "Ec2ForEfsMountTargetNetworkInterfaces"),),
    "elasticfilesystem:ModifyMountTargetSecurityGroups": (("ec2:ModifyNetworkInterfaceAttribute",
                                                           "Ec2ForEfsMountTargetNetworkInterfaces"),),
    "elasticfilesystem:DescribeMountTargetSecurityGroups": (("ec2:DescribeNetworkInterfaceAttribute", None),),
    # Application Auto Scaling creates the ECS service's service-linked role (RegisterScalableTarget API reference).
    "application-autoscaling:RegisterScalableTarget": (_slr("ecs.application-autoscaling.amazonaws.com"),),
    "iam:CreateRole": (("iam:TagRole", None),),
    "logs:CreateLogGroup": (("logs:TagResource", None),),
    "secretsmanager:CreateSecret": (("secretsmanager:TagResource", None),),
    "sns:CreateTopic": (("sns:TagResource", None),),
    # HeadObject answers 404 for a missing object only with s3:ListBucket (403 otherwise); DeleteObjects deletes versions.
    "s3:HeadObject": (("s3:ListBucket", None),),
    "s3:DeleteObjects": (("s3:DeleteObjectVersion", None),),
}


def _own_statement(action):
    """The Sid of the statement that scopes ``action`` when the collection calls it itself."""
    sids = [statement.sid for statement in STATEMENTS if action in statement.actions and not statement.implied_only]
    return sids[0] if len(sids) == 1 else None


def grants(operations):
    """The (IAM action, Sid) pairs ``operations`` need, sorted; raises ValueError naming any action without a scope.

    ``operations`` are API operations, or IAM actions such as ``iam_actions`` returns (or both): an IAM action given
    is granted in its own statement, and one that has none (``iam:PassRole``) only where another item implies it.
    """
    items = sorted(set(operations) - EXEMPT)
    pairs, unknown = set(), []
    for item in items:
        for action, sid in IMPLIED.get(item, ()):
            sid = sid or _own_statement(action)
            if sid is None:
                unknown.append(f"{action} (for {item})")
            else:
                pairs.add((action, sid))
    implied = {action for action, _sid in pairs}
    for item in items:
        action = IAM_ACTION.get(item, item)
        sid = _own_statement(action)
        if sid is not None:
            pairs.add((action, sid))
        elif action not in implied:
            unknown.append(action if action == item else f"{action} (for {item})")
    if unknown:
        raise ValueError(f"no scope is known for {', '.join(unknown)}: add each to deployer_policy.STATEMENTS "
                         "(with its ARNs and conditions) before granting it")
    return sorted(pairs)


def iam_actions(operations):
    """The IAM actions, sorted, that the API ``operations`` (``service:Operation``) need: mapped, implied, exempt ones left out."""
    return sorted({action for action, _sid in grants(operations)})


def _render(template, values):
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {key.format(**values): _render(value, values) for key, value in template.items()}
    return [_render(item, values) for item in template]


def policy(operations, name, account, region, partition="aws", config_bucket=None):
    """The deployer's policy document for the API ``operations`` the collection calls, for the deployment ``name``.

    ``operations`` are API operations (``s3:HeadObject``, as a request log names them) or the IAM actions ``iam_actions``
    made of them (see ``grants``). Operations are exact; from IAM actions, the actions that are both implied and
    callable (``ec2:CreateTags``, ``elasticfilesystem:TagResource``) are granted for both uses. ``config_bucket``: the
    S3 config bucket when it is not the default ``<name>-config-<account>-<region>``. One statement per scope (the Sids
    name the scope), statements in ``STATEMENTS`` order, actions sorted: the same operations give the same document.
    """
    values = {"name": name, "account": account, "region": region, "partition": partition,
              "bucket": config_bucket or f"{name}-config-{account}-{region}"}
    actions_of = {}
    for action, sid in grants(operations):
        actions_of.setdefault(sid, set()).add(action)
    statements = []
    for statement in STATEMENTS:
        if statement.sid not in actions_of:
            continue
        rendered = {"Sid": statement.sid, "Effect": "Allow", "Action": sorted(actions_of[statement.sid]),
                    "Resource": _render(list(statement.resources), values)}
        if statement.condition:
            rendered["Condition"] = _render(statement.condition, values)
        statements.append(rendered)
    return {"Version": VERSION, "Statement": statements}


def emulator_view(document, aliases=True):
    """``document``'s actions on ``Resource: "*"`` without conditions: what the local emulator can enforce.

    moto 5.2.5 (``moto/iam/access_control.py``) authorizes almost every request against the resource ``*`` (S3 against
    the bucket or object ARN), so an ARN-scoped statement never matches there, and it treats a statement whose
    Condition it cannot meet (it knows no request context) as an explicit DENY. Only the actions can be checked on the
    emulator; ARNs and conditions are checked offline (parliament). With ``aliases``, the API operation names that
    ``IAM_ACTION`` maps are granted too: moto authorizes some S3 requests under the operation's name (``s3:HeadBucket``,
    ``s3:GetPublicAccessBlock``) instead of the IAM action's, and CloudWatch's under its signing name (``monitoring:``).
    """
    actions = {action for statement in document["Statement"] for action in statement["Action"]}
    if aliases:
        actions |= {operation for operation, action in IAM_ACTION.items() if action in actions}
        # moto names an action by the request's signing name: CloudWatch signs as "monitoring".
        actions |= {"monitoring:" + action.split(":", 1)[1] for action in actions if action.startswith("cloudwatch:")}
    return {"Version": VERSION,
            "Statement": [{"Sid": "EmulatorActionsOnAnyResource", "Effect": "Allow", "Action": sorted(actions), "Resource": "*"}]}


# IAM's quota on a customer managed policy: 6,144 characters, white space not counted (IAM and AWS STS quotas).
MANAGED_POLICY_SIZE = 6144


def size(document):
    """``document``'s size as IAM counts it against its quotas (the JSON without white space)."""
    return len(json.dumps(document, separators=(",", ":")))


def split(document, limit=MANAGED_POLICY_SIZE):
    """``document``'s statements, in order and whole, over as few documents as fit ``limit`` each (greedy, in order).

    The whole policy is larger than one managed policy may be: attach the parts to the same role or user.
    """
    parts = []
    for statement in document["Statement"]:
        if parts and size({"Version": VERSION, "Statement": parts[-1] + [statement]}) <= limit:
            parts[-1].append(statement)
            continue
        if size({"Version": VERSION, "Statement": [statement]}) > limit:
            raise ValueError(f"the statement {statement.get('Sid')} alone is larger than {limit} characters")
        parts.append([statement])
    return [{"Version": VERSION, "Statement": statements} for statements in parts]


def principal_arn(arn):
    """The IAM ARN to simulate for the caller ``arn`` (GetCallerIdentity's): an assumed role's role, else ``arn``.

    An assumed-role ARN does not carry the role's path: a role under a path other than / needs its real ARN.
    """
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
    return arn


def simulations(document):
    """One ``iam:SimulatePrincipalPolicy`` request per statement of ``document``: its actions, resources and context.

    Each is a dict: ``actions``, ``resources`` (``["*"]``: none to name) and ``context`` (``ContextEntries`` that meet
    the statement's conditions: the deployment's tag, the service a role is passed to...; the first of several values).
    """
    requests = []
    for statement in document["Statement"]:
        context = []
        for operator, block in sorted((statement.get("Condition") or {}).items()):
            for key, value in sorted(block.items()):
                first = str(value[0] if isinstance(value, list) else value)
                boolean = operator == "Bool"
                context.append({"ContextKeyName": key, "ContextKeyValues": [first.lower() if boolean else first],
                                "ContextKeyType": "boolean" if boolean else "string"})
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        requests.append({"actions": list(statement["Action"]), "resources": list(resources), "context": context})
    return requests
