# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turning AWS API answers into the deployment_resources entries: tag filters, entries, summary lines (no AWS needed)."""

from __future__ import annotations


from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp

# The service keys of the module's ``services`` option, in the order they are read: ECS before Application Auto
# Scaling, whose resource ids are built from the ECS clusters and services found.
SERVICES = ("iam", "secretsmanager", "ecs", "application-autoscaling", "elbv2", "ec2", "efs", "elasticache", "rds", "logs", "cloudwatch", "s3")

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import ACCESS_DENIED_CODES  # noqa: F401  pylint: disable=unused-import

# IAM is global: its entries carry this instead of a region.
GLOBAL_REGION = "global"

ECS_NAMESPACE = "ecs"
PENDING_DELETION = "scheduled_for_deletion"
# The suffix of the name the redis role gives a deployment's ElastiCache replication group and its cache subnet group.
REDIS_SUFFIX = "-redis"
# The suffix of the name of a deployment's RDS DB instance and DB subnet group, and the infix of the final snapshot
# teardown takes when it deletes the instance (``NAME-database-final-YYYYMMDDHHMMSS``).
DATABASE_SUFFIX = "-database"
FINAL_SNAPSHOT_INFIX = "-final-"


def ordered_services(requested):
    """The requested service keys in reading order, each once (``None`` means all)."""
    wanted = set(SERVICES if requested is None else requested)
    return [service for service in SERVICES if service in wanted]


def has_tag(tags, key, value):
    """Whether ``tags`` carry exactly ``key: value``, whatever shape the API returned them in.

    A dict (CloudWatch Logs), a list of ``{Key, Value}`` (IAM, Secrets Manager, ELBv2, EC2, EFS, ElastiCache, RDS, CloudWatch, S3) or a
    list of ``{key, value}`` (ECS); ``None`` has no tags.
    """
    return read_tags(tags).get(key) == value


def chunks(items, size):
    """``items`` in consecutive lists of at most ``size`` (for APIs that take a bounded batch of ARNs or names)."""
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)]


def partition(region):
    """The ARN partition of ``region`` (for ARNs the API does not return, such as an S3 bucket's)."""
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def log_group_arn(group):
    """A DescribeLogGroups entry's ARN without the trailing ``:*``, the form ListTagsForResource takes."""
    arn = group.get("logGroupArn") or group.get("arn") or ""
    return arn[:-2] if arn.endswith(":*") else arn


def entry(resource_type, resource_id, arn, region, detail=None):
    """One resource of the deployment, as the module returns it."""
    return {"type": resource_type, "id": resource_id, "arn": arn or "", "region": region, "detail": dict(detail or {})}


def role_entry(role, tags, inline_policies, attached_policies):
    return entry("AWS::IAM::Role", role["RoleName"], role.get("Arn"), GLOBAL_REGION, {
        "path": role.get("Path", "/"),
        "inline_policies": sorted(inline_policies or []),
        "managed_policies": sorted(policy["PolicyArn"] for policy in attached_policies or []),
        "tags": read_tags(tags),
    })


def is_pending_deletion(secret):
    """Whether a ListSecrets entry is scheduled for deletion (still recoverable until its DeletedDate)."""
    return bool(secret.get("DeletedDate"))


def secret_entry(secret, region):
    detail = {
        "name": secret["Name"],
        "description": secret.get("Description", ""),
        "kms_key_id": secret.get("KmsKeyId", ""),
        "tags": read_tags(secret.get("Tags")),
    }
    result = entry("AWS::SecretsManager::Secret", secret["Name"], secret.get("ARN"), region, detail)
    if is_pending_deletion(secret):
        result["state"] = PENDING_DELETION
        result["deleted_date"] = timestamp(secret["DeletedDate"])
    return result


def cluster_entry(cluster, region):
    return entry("AWS::ECS::Cluster", cluster["clusterName"], cluster.get("clusterArn"), region, {
        "status": cluster.get("status"),
        "active_services_count": cluster.get("activeServicesCount", 0),
        "running_tasks_count": cluster.get("runningTasksCount", 0),
        "tags": read_tags(cluster.get("tags")),
    })


def is_live_service(service):
    """Whether a DescribeServices entry still exists (INACTIVE ones are deleted and only linger in the answers)."""
    return service.get("status") in ("ACTIVE", "DRAINING")


def cluster_name_of(arn_or_name):
    """A cluster's name from its ARN (``arn:...:cluster/NAME``) or name."""
    return (arn_or_name or "").rsplit("/", 1)[-1]


def service_entry(service, cluster_name, region):
    return entry("AWS::ECS::Service", service["serviceName"], service.get("serviceArn"), region, {
        "cluster": cluster_name,
        "status": service.get("status"),
        "desired_count": service.get("desiredCount", 0),
        "running_count": service.get("runningCount", 0),
        "task_definition": service.get("taskDefinition", ""),
        "tags": read_tags(service.get("tags")),
    })


def task_definition_entry(task_definition, tags, region):
    revision = f"{task_definition['family']}:{task_definition['revision']}"
    return entry("AWS::ECS::TaskDefinition", revision, task_definition.get("taskDefinitionArn"), region, {
        "family": task_definition["family"],
        "revision": task_definition["revision"],
        "status": task_definition.get("status"),
        "tags": read_tags(tags),
    })


def scaling_resource_ids(cluster_services, name, ecs_read=True):
    """The Application Auto Scaling resource ids (``service/CLUSTER/SERVICE``) to look at.

    ``cluster_services`` maps each tagged cluster's name to the names of its services. For each cluster, its services
    and a service named ``name``; when no tagged cluster was found (or ECS was not read), ``service/NAME/NAME``.
    """
    ids = []
    clusters = dict(cluster_services or {}) if ecs_read else {}
    for cluster in sorted(clusters) or [name]:
        for service in sorted(set(clusters.get(cluster, [])) | {name}):
            resource_id = f"service/{cluster}/{service}"
            if resource_id not in ids:
                ids.append(resource_id)
    return ids


def for_resource_ids(items, resource_ids):
    """The scalable targets or scaling policies whose ``ResourceId`` is exactly one of ``resource_ids``."""
    wanted = set(resource_ids)
    return [item for item in items or [] if item.get("ResourceId") in wanted]


def scalable_target_entry(target, region):
    return entry("AWS::ApplicationAutoScaling::ScalableTarget", target["ResourceId"], target.get("ScalableTargetARN"), region, {
        "service_namespace": target.get("ServiceNamespace", ECS_NAMESPACE),
        "scalable_dimension": target.get("ScalableDimension", ""),
        "min_capacity": target.get("MinCapacity"),
        "max_capacity": target.get("MaxCapacity"),
    })


def scaling_policy_entry(policy, region):
    return entry("AWS::ApplicationAutoScaling::ScalingPolicy", policy["PolicyName"], policy.get("PolicyARN"), region, {
        "resource_id": policy.get("ResourceId", ""),
        "scalable_dimension": policy.get("ScalableDimension", ""),
        "policy_type": policy.get("PolicyType", ""),
        "alarms": sorted(alarm["AlarmName"] for alarm in policy.get("Alarms") or []),
    })


def load_balancer_entry(load_balancer, tags, region):
    return entry("AWS::ElasticLoadBalancingV2::LoadBalancer", load_balancer["LoadBalancerName"], load_balancer.get("LoadBalancerArn"), region, {
        "dns_name": load_balancer.get("DNSName", ""),
        "type": load_balancer.get("Type", ""),
        "scheme": load_balancer.get("Scheme", ""),
        "state": (load_balancer.get("State") or {}).get("Code", ""),
        "tags": read_tags(tags),
    })


def target_group_entry(target_group, tags, region):
    return entry("AWS::ElasticLoadBalancingV2::TargetGroup", target_group["TargetGroupName"], target_group.get("TargetGroupArn"), region, {
        "protocol": target_group.get("Protocol", ""),
        "port": target_group.get("Port"),
        "target_type": target_group.get("TargetType", ""),
        "load_balancer_arns": list(target_group.get("LoadBalancerArns") or []),
        "tags": read_tags(tags),
    })


def security_group_entry(group, region):
    arn = group.get("SecurityGroupArn")
    if not arn and group.get("OwnerId"):
        arn = f"arn:{partition(region)}:ec2:{region}:{group['OwnerId']}:security-group/{group['GroupId']}"
    return entry("AWS::EC2::SecurityGroup", group["GroupId"], arn, region, {
        "group_name": group.get("GroupName", ""),
        "vpc_id": group.get("VpcId", ""),
        "description": group.get("Description", ""),
        "tags": read_tags(group.get("Tags")),
    })


def is_live_file_system(file_system):
    return file_system.get("LifeCycleState") != "deleted"


def file_system_entry(file_system, region):
    return entry("AWS::EFS::FileSystem", file_system["FileSystemId"], file_system.get("FileSystemArn"), region, {
        "name": file_system.get("Name", ""),
        "life_cycle_state": file_system.get("LifeCycleState", ""),
        "number_of_mount_targets": file_system.get("NumberOfMountTargets", 0),
        "encrypted": file_system.get("Encrypted", False),
        "tags": read_tags(file_system.get("Tags")),
    })


def mount_target_entry(mount_target, region):
    """A mount target has no ARN and no tags; it belongs to the deployment through its file system."""
    return entry("AWS::EFS::MountTarget", mount_target["MountTargetId"], "", region, {
        "file_system_id": mount_target.get("FileSystemId", ""),
        "subnet_id": mount_target.get("SubnetId", ""),
        "ip_address": mount_target.get("IpAddress", ""),
        "life_cycle_state": mount_target.get("LifeCycleState", ""),
    })


def access_point_entry(access_point, region):
    return entry("AWS::EFS::AccessPoint", access_point["AccessPointId"], access_point.get("AccessPointArn"), region, {
        "name": access_point.get("Name", ""),
        "file_system_id": access_point.get("FileSystemId", ""),
        "root_directory": (access_point.get("RootDirectory") or {}).get("Path", "/"),
        "life_cycle_state": access_point.get("LifeCycleState", ""),
        "tags": read_tags(access_point.get("Tags")),
    })


def redis_name(name):
    """The name of a deployment's ElastiCache replication group and cache subnet group (the redis role's)."""
    return f"{name}{REDIS_SUFFIX}"


def replication_group_entry(group, tags, region):
    return entry("AWS::ElastiCache::ReplicationGroup", group["ReplicationGroupId"], group.get("ARN"), region, {
        "status": group.get("Status", ""),
        "engine": group.get("Engine", ""),
        "node_type": group.get("CacheNodeType", ""),
        "member_clusters": list(group.get("MemberClusters") or []),
        "tags": read_tags(tags),
    })


def cache_subnet_group_entry(subnet_group, tags, region):
    return entry("AWS::ElastiCache::SubnetGroup", subnet_group["CacheSubnetGroupName"], subnet_group.get("ARN"), region, {
        "vpc_id": subnet_group.get("VpcId", ""),
        "subnet_ids": sorted(item["SubnetIdentifier"] for item in subnet_group.get("Subnets") or [] if item.get("SubnetIdentifier")),
        "tags": read_tags(tags),
    })


def database_name(name):
    """The name of a deployment's RDS DB instance and DB subnet group."""
    return f"{name}{DATABASE_SUFFIX}"


def is_final_snapshot_of(snapshot_id, name):
    """Whether ``snapshot_id`` is a final snapshot teardown took of deployment ``name``'s DB instance.

    Exactly ``NAME-database-final-`` and 14 digits, so that a deployment whose name starts with another's is not taken
    for it. The snapshot carries the instance's tags when CopyTagsToSnapshot was on; this finds it when it was not.
    """
    prefix = f"{database_name(name)}{FINAL_SNAPSHOT_INFIX}"
    stamp = (snapshot_id or "")[len(prefix):]
    return (snapshot_id or "").startswith(prefix) and len(stamp) == 14 and stamp.isdigit()


def is_manual_snapshot(snapshot):
    """Whether a DescribeDBSnapshots entry is a manual snapshot (automated ones go with their instance)."""
    return snapshot.get("SnapshotType", "manual") == "manual"


def db_instance_entry(instance, region):
    endpoint = instance.get("Endpoint") or {}
    return entry("AWS::RDS::DBInstance", instance["DBInstanceIdentifier"], instance.get("DBInstanceArn"), region, {
        "status": instance.get("DBInstanceStatus", ""),
        "engine": instance.get("Engine", ""),
        "engine_version": instance.get("EngineVersion", ""),
        "instance_class": instance.get("DBInstanceClass", ""),
        "endpoint": endpoint.get("Address", ""),
        "port": endpoint.get("Port"),
        "db_subnet_group": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName", ""),
        "multi_az": instance.get("MultiAZ", False),
        "storage_encrypted": instance.get("StorageEncrypted", False),
        "deletion_protection": instance.get("DeletionProtection", False),
        "copy_tags_to_snapshot": instance.get("CopyTagsToSnapshot", False),
        "tags": read_tags(instance.get("TagList")),
    })


def db_subnet_group_entry(subnet_group, tags, region):
    return entry("AWS::RDS::DBSubnetGroup", subnet_group["DBSubnetGroupName"], subnet_group.get("DBSubnetGroupArn"), region, {
        "vpc_id": subnet_group.get("VpcId", ""),
        "status": subnet_group.get("SubnetGroupStatus", ""),
        "subnet_ids": sorted(item["SubnetIdentifier"] for item in subnet_group.get("Subnets") or [] if item.get("SubnetIdentifier")),
        "tags": read_tags(tags),
    })


def db_snapshot_entry(snapshot, region):
    return entry("AWS::RDS::DBSnapshot", snapshot["DBSnapshotIdentifier"], snapshot.get("DBSnapshotArn"), region, {
        "db_instance": snapshot.get("DBInstanceIdentifier", ""),
        "status": snapshot.get("Status", ""),
        "snapshot_type": snapshot.get("SnapshotType", ""),
        "engine": snapshot.get("Engine", ""),
        "engine_version": snapshot.get("EngineVersion", ""),
        "allocated_storage": snapshot.get("AllocatedStorage"),
        "encrypted": snapshot.get("Encrypted", False),
        "created": timestamp(snapshot.get("SnapshotCreateTime")) or "",
        "tags": read_tags(snapshot.get("TagList")),
    })


def db_instance_label(detail):
    label = f"{detail.get('engine')} {detail.get('engine_version')} {detail.get('instance_class')}, {detail.get('status')}"
    # Teardown cannot delete an instance with deletion protection on: it is kept, and the line says why.
    return f"{label}, deletion protection on" if detail.get("deletion_protection") else label


def db_snapshot_label(detail):
    parts = []
    if detail.get("created"):
        parts.append(f"created {detail['created']}")
    if detail.get("db_instance"):
        parts.append(f"of {detail['db_instance']}")
    if detail.get("status") not in (None, "", "available"):
        parts.append(detail["status"])
    return ", ".join(parts)


def log_group_entry(group, tags, region):
    return entry("AWS::Logs::LogGroup", group["logGroupName"], log_group_arn(group), region, {
        "retention_days": group.get("retentionInDays") or 0,
        "stored_bytes": group.get("storedBytes", 0),
        "kms_key_id": group.get("kmsKeyId", ""),
        "tags": dict(tags or {}),
    })


def alarm_entry(alarm, tags, region, composite=False):
    detail = {"state": alarm.get("StateValue", ""), "tags": read_tags(tags)}
    if composite:
        detail["alarm_rule"] = alarm.get("AlarmRule", "")
    else:
        detail["namespace"] = alarm.get("Namespace", "")
        detail["metric_name"] = alarm.get("MetricName", "")
    resource_type = "AWS::CloudWatch::CompositeAlarm" if composite else "AWS::CloudWatch::Alarm"
    return entry(resource_type, alarm["AlarmName"], alarm.get("AlarmArn"), region, detail)


def dashboard_entry(dashboard, region):
    return entry("AWS::CloudWatch::Dashboard", dashboard["DashboardName"], dashboard.get("DashboardArn"), region, {
        "size": dashboard.get("Size", 0),
        "last_modified": timestamp(dashboard.get("LastModified")),
    })


def bucket_entry(bucket, tags, region):
    bucket_region = bucket.get("BucketRegion") or region
    return entry("AWS::S3::Bucket", bucket["Name"], f"arn:{partition(bucket_region)}:s3:::{bucket['Name']}", bucket_region, {
        "creation_date": timestamp(bucket.get("CreationDate")),
        "tags": read_tags(tags),
    })


def unreadable_entry(service, operation, message, resources=None):
    """A service (or some of its resources) that could not be read for want of permission."""
    return {"service": service, "operation": operation or "", "message": message or "", "resources": sorted(resources or [])}


LABELS = {
    "AWS::ECS::Service": lambda detail: f"cluster {detail['cluster']}, {detail['status']}",
    "AWS::ECS::Cluster": lambda detail: detail.get("status"),
    "AWS::EC2::SecurityGroup": lambda detail: detail.get("group_name"),
    "AWS::EFS::FileSystem": lambda detail: detail.get("name"),
    "AWS::EFS::MountTarget": lambda detail: f"{detail['file_system_id']} in {detail['subnet_id']}",
    "AWS::EFS::AccessPoint": lambda detail: f"{detail['file_system_id']}:{detail['root_directory']}",
    "AWS::ApplicationAutoScaling::ScalingPolicy": lambda detail: detail.get("resource_id"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": lambda detail: detail.get("dns_name"),
    "AWS::ElastiCache::ReplicationGroup": lambda detail: f"{detail.get('engine')} {detail.get('node_type')}, {detail.get('status')}",
    "AWS::ElastiCache::SubnetGroup": lambda detail: detail.get("vpc_id"),
    "AWS::RDS::DBInstance": db_instance_label,
    "AWS::RDS::DBSubnetGroup": lambda detail: detail.get("vpc_id"),
    "AWS::RDS::DBSnapshot": db_snapshot_label,
}


def summary_line(item):
    """One human readable line for an entry, e.g. ``AWS::EC2::SecurityGroup sg-123 (litellm-alb)``."""
    label = LABELS.get(item["type"], lambda detail: "")(item.get("detail") or {})
    if item.get("state") == PENDING_DELETION:
        label = f"scheduled for deletion on {item.get('deleted_date')}"
    return f"{item['type']} {item['id']} ({label})" if label else f"{item['type']} {item['id']}"


def summary(resources, pending_deletion=None):
    """One line per resource, then one per resource scheduled for deletion."""
    return [summary_line(item) for item in list(resources) + list(pending_deletion or [])]
