"""ECS readings as DescribeServices returns them, for the tests of the service's module_utils and of the waiter."""

from __future__ import annotations

TD1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1"
TD2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:2"


def deployment(id_="ecs-svc/1", status="PRIMARY", td=TD1, rollout="COMPLETED", **extra):
    item = {"id": id_, "status": status, "taskDefinition": td, "desiredCount": 2, "runningCount": 2, "pendingCount": 0}
    if rollout is not None:
        item["rolloutState"] = rollout
        item["rolloutStateReason"] = f"ECS deployment {id_} {rollout.lower()}."
    item.update(extra)
    return item


def service(deployments=None, running=2, desired=2, status="ACTIVE", **extra):
    item = {
        "serviceName": "litellm", "status": status, "taskDefinition": TD1, "desiredCount": desired, "runningCount": running,
        "pendingCount": desired - running, "launchType": "FARGATE",
        "deployments": deployments if deployments is not None else [deployment()],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-2", "sg-1"],
                                                         "assignPublicIp": "DISABLED"}},
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                                    "maximumPercent": 200, "minimumHealthyPercent": 100},
        "loadBalancers": [], "enableExecuteCommand": False, "propagateTags": "NONE", "platformVersion": "LATEST",
    }
    item.update(extra)
    return item
