"""What a deployment owns in the (emulated) AWS account, found with boto3 by name and tag, independently of the collection.

``left_of`` lists each resource with its id (what teardown must leave: nothing). ``shape`` lists the same resources
without ids or the deployment's name, so two deployments converged from the same inputs can be compared: a duplicate
file system, security group or secret shows up as a count that differs. ``duplicate_revisions`` names task-definition
revisions registered twice with the same content (a rerun must reuse the revision it registered before).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter


def _revisions(ecs, family: str) -> list[str]:
    """The ACTIVE revisions of exactly ``family`` (moto takes familyPrefix as a prefix: <name> would list <name>-migrations)."""
    return [arn for arn in ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]
            if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]


def left_of(aws, name):
    """Every resource of deployment ``name``, found with boto3 by name and tag, independently of the collection."""
    found = []
    iam = aws("iam")
    found += [f"role {r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(f"{name}-")]
    secrets = aws("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]
    found += [f"secret {s['Name']}" for s in secrets if s["Name"].startswith(f"{name}/") and "DeletedDate" not in s]
    ecs = aws("ecs")
    clusters = ecs.describe_clusters(clusters=[name])["clusters"]
    found += [f"cluster {c['clusterName']}" for c in clusters if c["status"] == "ACTIVE"]
    if any(c["status"] == "ACTIVE" for c in clusters):
        found += [f"service {arn}" for arn in ecs.list_services(cluster=name)["serviceArns"]]
    for family in (name, f"{name}-migrations"):
        found += [f"task definition {arn}" for arn in _revisions(ecs, family)]
    scaling = aws("application-autoscaling")
    found += [f"scalable target {t['ResourceId']}" for t in scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
              if t["ResourceId"] == f"service/{name}/{name}"]
    found += [f"scaling policy {p['PolicyName']}" for p in scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
              if p["ResourceId"] == f"service/{name}/{name}"]
    elb = aws("elbv2")
    found += [f"load balancer {lb['LoadBalancerName']}" for lb in elb.describe_load_balancers()["LoadBalancers"]
              if lb["LoadBalancerName"] == f"{name}-alb"]
    found += [f"target group {tg['TargetGroupName']}" for tg in elb.describe_target_groups()["TargetGroups"]
              if tg["TargetGroupName"] == f"{name}-tg"]
    ec2 = aws("ec2")
    found += [f"security group {g['GroupName']}" for g in ec2.describe_security_groups()["SecurityGroups"]
              if g["GroupName"] in (f"{name}-alb", f"{name}-tasks", f"{name}-efs", f"{name}-redis")]
    cache = aws("elasticache")
    found += [f"replication group {g['ReplicationGroupId']}" for g in cache.describe_replication_groups()["ReplicationGroups"]
              if g["ReplicationGroupId"] == f"{name}-redis"]
    found += [f"cache subnet group {g['CacheSubnetGroupName']}" for g in cache.describe_cache_subnet_groups()["CacheSubnetGroups"]
              if g["CacheSubnetGroupName"] == f"{name}-redis"]
    # The final snapshot teardown takes of the DB instance (<name>-database-final-<stamp>) is kept on purpose: not listed.
    rds = aws("rds")
    found += [f"db instance {i['DBInstanceIdentifier']}" for i in rds.describe_db_instances()["DBInstances"]
              if i["DBInstanceIdentifier"] == f"{name}-database"]
    found += [f"db subnet group {g['DBSubnetGroupName']}" for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
              if g["DBSubnetGroupName"] == f"{name}-database"]
    efs = aws("efs")
    for fs in efs.describe_file_systems()["FileSystems"]:
        if {"Key": "litellm-deployment", "Value": name} in fs.get("Tags", []):
            found.append(f"file system {fs['FileSystemId']}")
            found += [f"mount target {m['MountTargetId']}" for m in efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]]
            found += [f"access point {a['AccessPointId']}" for a in efs.describe_access_points(FileSystemId=fs["FileSystemId"])["AccessPoints"]]
    found += [f"log group {g['logGroupName']}" for g in aws("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{name}")["logGroups"]]
    found += [f"bucket {b['Name']}" for b in aws("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{name}-config-")]
    return sorted(found)


def _kind(label: str) -> str:
    """A label of ``left_of`` without the resource's id: its kind (the words before the last)."""
    return label.rsplit(" ", 1)[0]


def shape(aws, name: str) -> Counter:
    """How many resources of each kind deployment ``name`` owns; mount targets by availability zone, security groups
    and secrets by their names with the deployment's name replaced (so deployments of different names compare)."""
    found = Counter()
    for label in left_of(aws, name):
        kind = _kind(label)
        if kind in ("secret", "security group", "role", "log group", "load balancer", "target group", "replication group",
                    "cache subnet group", "db instance", "db subnet group", "cluster"):
            found[f"{kind} {label[len(kind) + 1:].replace(name, '<name>')}"] += 1
        elif kind == "bucket":
            found["bucket"] += 1
        elif kind == "task definition":
            family = label.rsplit("/", 1)[-1].split(":")[0].replace(name, "<name>")
            found[f"task definition {family}"] += 1
        else:
            found[kind] += 1
    efs = aws("efs")
    for fs in efs.describe_file_systems()["FileSystems"]:
        if {"Key": "litellm-deployment", "Value": name} in fs.get("Tags", []):
            for target in efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]:
                found[f"mount target in {target['AvailabilityZoneName']}"] += 1
    elb = aws("elbv2")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        if lb["LoadBalancerName"] == f"{name}-alb":
            found["listener"] += len(elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"])
    alarms = aws("cloudwatch").describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"]
    found["alarm"] += len(alarms)
    return +found


def duplicate_revisions(aws, name: str) -> list[str]:
    """Active task-definition revisions of deployment ``name`` whose content an earlier revision already has."""
    ecs = aws("ecs")
    seen, duplicates = {}, []
    for family in (name, f"{name}-migrations"):
        for arn in _revisions(ecs, family):
            definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            content = {key: value for key, value in definition.items()
                       if key not in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy", "status", "deregisteredAt")}
            digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
            if digest in seen:
                duplicates.append(f"{arn} repeats {seen[digest]}")
            else:
                seen[digest] = arn
    return duplicates


def shape_difference(actual: Counter, expected: Counter) -> list[str]:
    """Each kind whose count differs between two shapes, as ``kind: actual (expected)``; empty when they match."""
    return [f"{kind}: {actual.get(kind, 0)} (a clean converge has {expected.get(kind, 0)})"
            for kind in sorted(set(actual) | set(expected)) if actual.get(kind, 0) != expected.get(kind, 0)]
