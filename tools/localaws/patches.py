"""Fidelity patches for moto: the one place where the emulator is made to behave like AWS.

Each patch is as small as it can be, cites the AWS behaviour it restores, and is covered by a test in
``tests/tools/test_localaws_patches.py``. ``apply_all()`` is called by ``localaws.server`` before
moto serves its first request. Add a patch only when a module of this collection hits the gap.
"""

from __future__ import annotations

import copy
import functools
import os


def iam_service_linked_role_names() -> None:
    """Name service-linked roles the way IAM does.

    AWS: ``CreateServiceLinkedRole`` for ``ecs.amazonaws.com`` creates ``AWSServiceRoleForECS`` under
    the path ``/aws-service-role/ecs.amazonaws.com/`` ("Using service-linked roles for Amazon ECS",
    Amazon ECS Developer Guide). moto 5.2.5 keeps the lower-case service prefix and creates
    ``AWSServiceRoleForecs``; its name table knows only a few services, so the ECS entry is added.
    """
    from moto.iam import models

    models.SERVICE_NAME_CONVERSION.setdefault("ecs", "ECS")


def efs_legacy_tag_calls() -> None:
    """Serve EFS's original tag API: DescribeTags, CreateTags and DeleteTags.

    AWS: these three operations (``GET /2015-02-01/tags/{FileSystemId}/``, ``POST .../create-tags/...``,
    ``POST .../delete-tags/...``) are deprecated in favour of ListTagsForResource/TagResource/
    UntagResource but still served (Amazon EFS API reference), and community.aws ``efs``/``efs_info``
    call them. moto 5.2.5 implements only the newer calls, so the module fails with 404 after the file
    system was created. The legacy calls are answered from the same tag store as the new ones.
    """
    import json

    from moto.efs import urls
    from moto.efs.responses import EFSResponse

    json_headers = {"Content-Type": "application/json"}

    def describe_tags(self):
        tags = self.efs_backend.list_tags_for_resource(self._get_param("FileSystemId"))
        return json.dumps({"Tags": tags}), json_headers

    def create_tags(self):
        tags = {tag["Key"]: tag.get("Value", "") for tag in self._get_param("Tags") or []}
        self.efs_backend.tag_resource(self._get_param("FileSystemId"), tags)
        return 204, json_headers, ""

    def delete_tags(self):
        self.efs_backend.untag_resource(self._get_param("FileSystemId"), self._get_param("TagKeys") or [])
        return 204, json_headers, ""

    for path in ("/2015-02-01/tags/<file_system_id>/", "/2015-02-01/create-tags/<file_system_id>",
                 "/2015-02-01/delete-tags/<file_system_id>"):
        urls.url_paths[path] = urls.response.dispatch
    EFSResponse.describe_tags = describe_tags
    EFSResponse.create_tags = create_tags
    EFSResponse.delete_tags = delete_tags


def efs_update_file_system() -> None:
    """Serve EFS's UpdateFileSystem: change a file system's throughput mode and provisioned throughput.

    AWS: ``PUT /2015-02-01/file-systems/{FileSystemId}`` with ``ThroughputMode`` and, in provisioned mode,
    ``ProvisionedThroughputInMibps`` changes them in place and answers with the file system's description
    (Amazon EFS API reference, UpdateFileSystem). moto 5.2.5 does not implement it, so a changed throughput
    setting fails in llmops.litellm_ecs.efs_file_system.
    """
    import json

    from moto.efs.responses import EFSResponse

    def update_file_system(self):
        file_system = self.efs_backend.describe_file_systems(file_system_id=self._get_param("FileSystemId"))[1][0]
        if self._get_param("ThroughputMode"):
            file_system.throughput_mode = self._get_param("ThroughputMode")
        if self._get_param("ProvisionedThroughputInMibps") is not None:
            file_system.provisioned_throughput_in_mibps = self._get_param("ProvisionedThroughputInMibps")
        return 202, {"Content-Type": "application/json"}, json.dumps(file_system.info_json())

    EFSResponse.update_file_system = update_file_system


_APPLIED: set[str] = set()


def _once(patch):
    """Make a patch that wraps moto methods safe to apply twice (``apply_all`` may run more than once)."""

    @functools.wraps(patch)
    def apply() -> None:
        if patch.__name__ not in _APPLIED:
            patch()
            _APPLIED.add(patch.__name__)

    return apply


@_once
def ecs_create_service_settings() -> None:
    """Keep the deployment settings a CreateService request carries, with ECS's defaults.

    AWS: ``CreateService`` stores ``healthCheckGracePeriodSeconds``, ``deploymentConfiguration``
    (``maximumPercent`` 200, ``minimumHealthyPercent`` 100 and a disabled ``deploymentCircuitBreaker``
    unless given), ``capacityProviderStrategy`` (then no ``launchType``) and ``enableExecuteCommand``
    (default false), and ``DescribeServices`` reports them (Amazon ECS API reference, CreateService and
    DeploymentConfiguration). moto 5.2.5 drops all four on create and honours them only on UpdateService,
    so every second run of a module sees a difference.
    """
    from moto.ecs.responses import EC2ContainerServiceResponse

    create = EC2ContainerServiceResponse.create_service

    def create_service(self):
        result = create(self)
        service = result.result["service"]
        configuration = self._get_param("deploymentConfiguration") or {}
        service.deployment_configuration = {
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            **configuration,
        }
        service.enable_execute_command = bool(self._get_param("enableExecuteCommand"))
        if self._get_param("healthCheckGracePeriodSeconds") is not None:
            service.health_check_grace_period_seconds = self._get_int_param("healthCheckGracePeriodSeconds")
        if self._get_param("capacityProviderStrategy"):
            service.capacity_provider_strategy = self._get_param("capacityProviderStrategy")
            if not self._get_param("launchType"):
                service.launch_type = None
                for deployment in service.deployments:
                    deployment.pop("launchType", None)
                    deployment["capacityProviderStrategy"] = service.capacity_provider_strategy
        return result

    EC2ContainerServiceResponse.create_service = create_service


NEVER_STEADY_TAG = "localaws:never-steady"
NEVER_STEADY_ENV = "LOCALAWS_ECS_NEVER_STEADY"


def never_steady(service) -> bool:
    """Whether the emulator lets this service's tasks fail: its ``localaws:never-steady`` tag is ``true``, or
    its name is listed (comma-separated, ``*`` for all) in the emulator's ``LOCALAWS_ECS_NEVER_STEADY``."""
    tags = {tag.get("key"): tag.get("value") for tag in service.tags or []}
    names = {name.strip() for name in os.environ.get(NEVER_STEADY_ENV, "").split(",")}
    return str(tags.get(NEVER_STEADY_TAG, "")).lower() == "true" or bool(names & {service.name, "*"})


def _ecs_event(service, message: str) -> None:
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    service.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": utcnow(), "message": f"(service {service.name}) {message}"})
    del service.events[100:]  # DescribeServices returns at most the 100 latest events


def _stopped_tasks(backend, service, deployment_id: str, count: int) -> list:
    """``count`` tasks of the service's deployment whose essential container exited with code 1 (AWS shape)."""
    from moto.core.utils import utcnow
    from moto.ecs.models import Task

    cluster = backend._get_cluster(service.cluster_name)
    # A stopped Fargate task's network interface is gone, so none is created for it.
    definition = copy.copy(backend.describe_task_definition(service.task_definition))
    definition.network_mode = None
    tasks = []
    while len(tasks) < count:
        task = Task(cluster, definition, None, None, backend=backend, group=f"service:{service.name}",
                    launch_type=service.launch_type or "", started_by=deployment_id, platform_version=service.platform_version)
        task.last_status = task.desired_status = "STOPPED"
        task.stop_code, task.stopped_reason = "EssentialContainerExited", "Essential container in task exited"
        task.created_at = task.started_at = task.stopping_at = task.stopped_at = utcnow()
        for container in task.containers:
            container.last_status, container.exitCode, container.health_status = "STOPPED", 1, "UNKNOWN"
            container.task_arn = task.task_arn
        backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
        tasks.append(task)
    return tasks


def _roll_out(backend, service, new_deployment: bool) -> None:
    """Bring the service to the state ECS reports once the rollout ends; see ``ecs_service_rollout``."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    cluster = backend._get_cluster(service.cluster_name)
    backend.update_cluster_resources(cluster, -service.running_count, task_state="RUNNING")
    backend.update_cluster_resources(cluster, -service.pending_count, task_state="PENDING")
    if service.task_definition:
        service.task_definition = backend.describe_task_definition(service.task_definition).arn
    previous = service.deployments[0] if service.deployments else None
    now = utcnow()
    if new_deployment or previous is None:
        deployment_id = f"ecs-svc/{mock_random.randint(10**18, 10**19 - 1)}"
        deployment = {"id": deployment_id, "createdAt": now}
    else:
        deployment = dict(previous)
    failing = never_steady(service) and service.desired_count > 0
    breaker = (getattr(service, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
    running = 0 if failing else service.desired_count
    strategy = getattr(service, "capacity_provider_strategy", None)
    deployment.update(
        status="PRIMARY", taskDefinition=service.task_definition, desiredCount=service.desired_count,
        runningCount=running, pendingCount=0, updatedAt=now, platformVersion=service.platform_version,
        networkConfiguration=service.network_configuration or None, failedTasks=0,
        rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
    )
    deployment.pop("launchType", None)
    deployment.pop("capacityProviderStrategy", None)
    deployment.update({"capacityProviderStrategy": strategy} if strategy else {"launchType": service.launch_type})
    service.deployments = [deployment]
    service.running_count, service.pending_count = running, 0
    backend.update_cluster_resources(cluster, running, task_state="RUNNING")
    if not failing:
        _ecs_event(service, f"deployment {deployment['id']} deployment completed.")
        _ecs_event(service, "has reached a steady state.")
        return
    tasks = _stopped_tasks(backend, service, deployment["id"], service.desired_count)
    ids = " ".join(f"(task {task.id})" for task in tasks)
    _ecs_event(service, f"has started {len(tasks)} tasks: {ids}.")
    for balancer in service.load_balancers or []:
        for task in tasks:
            _ecs_event(service, f"(task {task.id}) (port {balancer.get('containerPort')}) is unhealthy in (target-group "
                                f"{balancer.get('targetGroupArn')}) due to (reason Request timed out).")
    _ecs_event(service, "is unable to consistently start tasks successfully. For more information, see the "
                        "Troubleshooting section of the Amazon ECS Developer Guide.")
    deployment.update(failedTasks=len(tasks), rolloutState="IN_PROGRESS",
                      rolloutStateReason=f"ECS deployment {deployment['id']} in progress.")
    if breaker.get("enable"):
        deployment.update(rolloutState="FAILED", rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")
        _ecs_event(service, f"deployment {deployment['id']} deployment failed: tasks failed to start.")


# UpdateService parameters that start a new deployment (Amazon ECS API reference, UpdateService).
_REDEPLOY = ("networkConfiguration", "platformVersion", "loadBalancers", "serviceRegistries", "capacityProviderStrategy")


@_once
def ecs_service_rollout() -> None:
    """Report the state ECS reaches after a rollout, and let a tagged service never get there.

    AWS: a service whose tasks start and pass their health checks reaches a steady state: DescribeServices
    shows ``runningCount == desiredCount`` and one deployment, ``PRIMARY``, on the task definition the
    service was created or last updated with (by ARN), ``rolloutState`` ``COMPLETED``, and the events
    "(service S) deployment ecs-svc/N deployment completed." and "(service S) has reached a steady state."
    (Amazon ECS Developer Guide, "Viewing service event messages" and "Deployment circuit breaker").
    moto 5.2.5 leaves a new service at running 0 / pending N with one ``IN_PROGRESS`` deployment forever
    (``MOTO_ECS_SERVICE_RUNNING`` pins runningCount whatever desiredCount is), keeps the PRIMARY deployment
    on the old task definition after UpdateService, and stores ``family:revision`` instead of the ARN.
    Here create and update settle at once: a new task definition, network configuration, platform version,
    load balancers or capacity provider strategy, or ``forceNewDeployment``, start a new deployment id.

    A service tagged ``localaws:never-steady=true`` (or named in ``LOCALAWS_ECS_NEVER_STEADY``) models
    tasks that crash: running 0, the deployment ``IN_PROGRESS`` (``FAILED`` when the circuit breaker is on,
    as AWS sets it; no rollback is modelled), the events "has started N tasks: (task ...)." and "is unable
    to consistently start tasks successfully..." (plus "... is unhealthy in (target-group ...)" per load
    balancer), and STOPPED tasks with ``stoppedReason`` "Essential container in task exited", stop code
    ``EssentialContainerExited`` and container exit code 1, which ListTasks(desiredStatus=STOPPED) and
    DescribeTasks return.
    """
    from moto.core.utils import camelcase_to_underscores
    from moto.ecs.responses import EC2ContainerServiceResponse

    ecs_create_service_settings()  # first, so that a create settles with the circuit breaker it asked for
    create, update = EC2ContainerServiceResponse.create_service, EC2ContainerServiceResponse.update_service

    def create_service(self):
        result = create(self)
        _roll_out(self.ecs_backend, result.result["service"], new_deployment=True)
        return result

    def update_service(self):
        backend = self.ecs_backend
        before = backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
        old_definition = backend.describe_task_definition(before.task_definition).arn if before.task_definition else None
        old_settings = {key: getattr(before, camelcase_to_underscores(key), None) for key in _REDEPLOY}
        result = update(self)
        service = result.result["service"]
        new_definition = backend.describe_task_definition(service.task_definition).arn
        new = bool(self._get_param("forceNewDeployment")) or new_definition != old_definition or any(
            self._get_param(key) is not None and self._get_param(key) != old_settings[key] for key in _REDEPLOY)
        _roll_out(backend, service, new_deployment=new)
        return result

    EC2ContainerServiceResponse.create_service = create_service
    EC2ContainerServiceResponse.update_service = update_service


@_once
def ecs_list_tasks_filters() -> None:
    """Filter ListTasks by service, and list only RUNNING tasks unless told otherwise.

    AWS: ``serviceName`` "limits the results to tasks that belong to that service" (tasks a service starts
    are in the group ``service:<name>``), and without ``desiredStatus`` ListTasks returns the tasks whose
    desired status is RUNNING (Amazon ECS API reference, ListTasks). moto 5.2.5 ignores ``serviceName`` and
    returns tasks of every status when ``desiredStatus`` is not given.
    """
    from moto.core.responses import ActionResult
    from moto.ecs.responses import EC2ContainerServiceResponse

    def list_tasks(self):
        tasks = self.ecs_backend.list_tasks(
            self._get_param("cluster", "default"), self._get_param("containerInstance"), self._get_param("family"),
            self._get_param("startedBy"), None, self._get_param("desiredStatus") or "RUNNING",
        )
        service = self._get_param("serviceName")
        if service:
            tasks = [task for task in tasks if task.group == f"service:{service.split('/')[-1]}"]
        return ActionResult({"taskArns": [task.task_arn for task in tasks]})

    EC2ContainerServiceResponse.list_tasks = list_tasks


EXIT_CODE_TAG = "localaws:exit-code"
EXIT_CODE_ENV = "LOCALAWS_ECS_TASK_EXIT_CODE"


def task_exit_code(task, definition) -> str:
    """The exit code the emulator gives a task's containers when the task stops by itself: the value of its
    ``localaws:exit-code`` tag (RunTask ``tags``), else of its task definition's, else the emulator's
    ``LOCALAWS_ECS_TASK_EXIT_CODE`` (read on every call), else ``0``; ``none`` means the task failed to start."""
    for tags in (task.tags, definition.tags):
        value = {tag.get("key"): tag.get("value") for tag in tags or []}.get(EXIT_CODE_TAG)
        if value is not None:
            return str(value).strip()
    return os.environ.get(EXIT_CODE_ENV, "").strip() or "0"


@_once
def ecs_run_task() -> None:
    """Run Fargate tasks whose containers set no memory, and report how a task that stopped by itself ended.

    AWS: for Fargate, container-level ``memory``/``memoryReservation`` are optional and the task-level
    ``cpu``/``memory`` are what the task reserves; on EC2 a container needs one only "if task-level memory is
    not specified" (Amazon ECS Developer Guide, "Task definition parameters", Memory). moto 5.2.5 adds up the
    containers' values and RunTask answers 500 (``int += None``) unless every container sets one. Here a
    container without one counts 0 and the task-level values, when given as numbers, are the requirement.

    AWS: a task whose essential container exits is STOPPED with ``desiredStatus`` STOPPED, ``stopCode``
    ``EssentialContainerExited``, ``stoppedReason`` "Essential container in task exited", and each container
    STOPPED with its ``exitCode``; a task whose image cannot be pulled stops with ``stopCode``
    ``TaskFailedToStart``, a ``CannotPullContainerError`` reason, and no exit code (Amazon ECS Developer Guide,
    "Amazon ECS stopped task errors"). moto 5.2.5 moves a task RUNNING -> ... -> STOPPED on successive
    DescribeTasks (state manager model ``ecs::task``) but keeps ``desiredStatus`` RUNNING, no stop code or
    reason, and every container PENDING with exit code 0. Here, when such a task reaches STOPPED, it is
    settled as AWS reports it, with the exit code of ``task_exit_code`` (default 0). Tasks stopped by
    StopTask, or created already stopped (``ecs_service_rollout``), are left as they are.
    """
    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend

    requirements = EC2ContainerServiceBackend._calculate_task_resource_requirements
    describe = EC2ContainerServiceBackend.describe_tasks
    memory_keys = ("memory", "Memory", "memoryReservation", "MemoryReservation")

    def calculate(task_definition):
        counted = copy.copy(task_definition)
        counted.container_definitions = [
            definition if any(key in definition for key in memory_keys) else dict(definition, memory=0)
            for definition in task_definition.container_definitions
        ]
        result = requirements(counted)
        for key, value in (("CPU", task_definition.cpu), ("MEMORY", task_definition.memory)):
            if str(value or "").isdigit():
                result[key] = int(value)
        return result

    def describe_tasks(self, cluster_str, tasks):
        found = describe(self, cluster_str, tasks)
        for task in found:
            if task.last_status != "STOPPED" or task.desired_status != "RUNNING":
                continue
            code = task_exit_code(task, self.describe_task_definition(task.task_definition_arn))
            task.desired_status = "STOPPED"
            task.stopping_at = task.stopped_at = task.execution_stopped_at = utcnow()
            task.stop_code, task.stopped_reason = "EssentialContainerExited", "Essential container in task exited"
            for container in task.containers:
                container.last_status, container.task_arn, container.health_status = "STOPPED", task.task_arn, "UNKNOWN"
                if code.lower() == "none":
                    container.exitCode = None
                    container.reason = (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
                                        f"resolve ref {container.image}: not found")
                    task.stop_code, task.stopped_reason = "TaskFailedToStart", container.reason
                else:
                    container.exitCode = int(code)
        return found

    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate)
    EC2ContainerServiceBackend.describe_tasks = describe_tasks


# What DescribeLoadBalancerAttributes returns for a new Application Load Balancer that set none of them
# (Elastic Load Balancing API reference, LoadBalancerAttribute; the same values show in the console).
ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
}


@_once
def elbv2_application_lb_default_attributes() -> None:
    """Give a new Application Load Balancer the attributes AWS reports for it.

    AWS: DescribeLoadBalancerAttributes on a new ALB lists every attribute with its default (idle timeout
    60 s, HTTP/2 on, desync mitigation "defensive", ...). moto 5.2.5 leaves most of them out, and
    amazon.aws ``elb_application_lb`` reads them (KeyError 'idle_timeout_timeout_seconds'). The defaults
    are filled in when the load balancer is created; values set later still win.
    """
    from moto.elbv2.models import FakeLoadBalancer

    original = FakeLoadBalancer.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.type == "application":
            for key, value in ALB_DEFAULT_ATTRIBUTES.items():
                self.attrs.setdefault(key, value)

    FakeLoadBalancer.__init__ = __init__


# The engine version ElastiCache gives a replication group created without one (its newest, as DescribeCacheClusters
# reports it).
ELASTICACHE_DEFAULT_ENGINE_VERSIONS = {"valkey": "8.0.1", "redis": "7.1.0"}


@_once
def elasticache_replication_group_members() -> None:
    """Create a replication group's NumCacheClusters nodes as cache clusters, with their network settings.

    AWS: ``CreateReplicationGroup`` with ``NumCacheClusters`` N (cluster mode disabled) creates a primary and N-1
    replicas, each a cache cluster that ``DescribeCacheClusters`` reports with its ``ReplicationGroupId``,
    ``CacheSubnetGroupName``, ``SecurityGroups`` (``SecurityGroupId``, ``Status``), ``Engine`` and ``EngineVersion``
    (ElastiCache's default when none was asked for); the replication group itself reports none of these (ElastiCache
    API reference, CreateReplicationGroup, CacheCluster and ReplicationGroup). moto 5.2.5 creates one node whatever
    NumCacheClusters says (it counts ReplicasPerNodeGroup only), creates no cache cluster for it, and never reports a
    cache cluster's security groups.
    """
    import inspect

    from moto.elasticache import models

    CACHE_CLUSTER_ARGUMENTS = [name for name in inspect.signature(models.CacheCluster.__init__).parameters if name != "self"]
    members = models.ReplicationGroup._set_node_members_clusters_disabled
    create = models.ElastiCacheBackend.create_replication_group

    def set_members(self, *args, **kwargs):
        if not kwargs.get("replicas_per_node_group") and (kwargs.get("num_cache_clusters") or 1) > 1:
            kwargs["replicas_per_node_group"] = kwargs["num_cache_clusters"] - 1
        return members(self, *args, **kwargs)

    def create_replication_group(self, *args, **kwargs):
        group = create(self, *args, **kwargs)
        version = kwargs.get("engine_version") or ELASTICACHE_DEFAULT_ENGINE_VERSIONS.get(group.engine)
        group.engine_version = version
        for node_group in group.node_groups:
            for member in node_group["node_group_members"]:
                settings = dict.fromkeys(CACHE_CLUSTER_ARGUMENTS)
                settings.update(
                    account_id=self.account_id, region_name=self.region_name, cache_cluster_id=member["cache_cluster_id"],
                    cache_node_type=group.cache_node_type, replication_group_id=group.replication_group_id, num_cache_nodes=1,
                    preferred_availability_zone=member.get("preferred_availability_zone"), engine=group.engine,
                    engine_version=version, cache_subnet_group_name=group.cache_subnet_group_name,
                    security_group_ids=list(group.security_group_ids or []), transit_encryption_enabled=group.transit_encryption_enabled,
                    port=group.port, auth_token=kwargs.get("auth_token"), log_delivery_configurations=[])
                cluster = models.CacheCluster(**settings)
                cluster.replication_group_id = group.replication_group_id  # moto sets it for engine "redis" only
                cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
                self.cache_clusters[cluster.cache_cluster_id] = cluster
        return group

    models.ReplicationGroup._set_node_members_clusters_disabled = set_members
    models.ElastiCacheBackend.create_replication_group = create_replication_group
    models.CacheCluster.security_groups = property(
        lambda self: [{"SecurityGroupId": group_id, "Status": "active"} for group_id in self.security_group_ids or []])


def _replication_group_clusters(backend, group):
    """The cache clusters of a replication group (those ``elasticache_replication_group_members`` created)."""
    return [backend.cache_clusters[name] for name in group.member_clusters if name in backend.cache_clusters]


@_once
def elasticache_modify_replication_group() -> None:
    """Apply a ModifyReplicationGroup's security groups and engine version, to the group's cache clusters too.

    AWS: ``ModifyReplicationGroup`` with ``SecurityGroupIds``, ``EngineVersion``, ``CacheNodeType`` or ``Engine``
    (and ``ApplyImmediately``) changes them on every cache cluster of the group, which ``DescribeCacheClusters`` then
    reports (ElastiCache API reference, ModifyReplicationGroup). moto 5.2.5 ignores ``SecurityGroupIds`` and
    ``EngineVersion`` and changes the node type and engine on the group only.
    """
    from moto.elasticache.responses import ElastiCacheResponse

    elasticache_replication_group_members()
    modify = ElastiCacheResponse.modify_replication_group

    def modify_replication_group(self):
        result = modify(self)
        group = result.result["ReplicationGroup"]
        groups, version = self._get_param("SecurityGroupIds"), self._get_param("EngineVersion")
        if version:
            group.engine_version = version
        if groups:
            group.security_group_ids = list(groups)
        for cluster in _replication_group_clusters(self.elasticache_backend, group):
            cluster.cache_node_type, cluster.engine = group.cache_node_type, group.engine
            cluster.engine_version = group.engine_version
            cluster.security_group_ids = list(group.security_group_ids or [])
        return result

    ElastiCacheResponse.modify_replication_group = modify_replication_group


@_once
def elasticache_delete_replication_group() -> None:
    """Let a deleted replication group go, with its cache clusters and tags.

    AWS: ``DeleteReplicationGroup`` answers with the group ``deleting``; once deleted (minutes later) the group and its
    cache clusters are gone, ``DescribeReplicationGroups`` answers ``ReplicationGroupNotFoundFault`` and its cache
    subnet group can be deleted (ElastiCache API reference, DeleteReplicationGroup). moto 5.2.5 keeps the group
    ``deleting`` forever, so a wait for its deletion never ends. Here it is gone as soon as the answer is given.
    """
    from moto.elasticache.models import ElastiCacheBackend

    elasticache_replication_group_members()
    delete = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self, replication_group_id, retain_primary_cluster):
        group = self.replication_groups[replication_group_id] if replication_group_id in self.replication_groups else None
        members = list(group.member_clusters) if group else []
        answer = delete(self, replication_group_id, retain_primary_cluster)
        for name in members:
            self.cache_clusters.pop(name, None)
        self.tagging_service.delete_all_tags_for_resource(answer.arn)
        self.replication_groups.pop(replication_group_id, None)
        return answer

    ElastiCacheBackend.delete_replication_group = delete_replication_group


@_once
def elasticache_cache_subnet_group_calls() -> None:
    """Serve ModifyCacheSubnetGroup and DeleteCacheSubnetGroup.

    AWS: ``ModifyCacheSubnetGroup`` replaces a cache subnet group's subnets (and description) and answers with the
    group; ``DeleteCacheSubnetGroup`` deletes one that no cache cluster uses, answers ``CacheSubnetGroupInUse`` for one
    that is used and ``CacheSubnetGroupNotFoundFault`` for one that does not exist (ElastiCache API reference).
    moto 5.2.5 implements neither, so a cache subnet group can be neither changed nor torn down.
    """
    from moto.core.responses import ActionResult
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound
    from moto.elasticache.exceptions import ElastiCacheException
    from moto.elasticache.models import CacheSubnetGroup
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

    def modify_cache_subnet_group(self):
        backend, name = self.elasticache_backend, self._get_param("CacheSubnetGroupName")
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        current = backend.cache_subnet_groups[name]
        subnet_ids = self._get_param("SubnetIds") or current.subnet_ids
        description = self._get_param("CacheSubnetGroupDescription") or current.cache_subnet_group_description
        group = CacheSubnetGroup(backend.account_id, backend.region_name, name, description, list(subnet_ids), current.tags)
        backend.cache_subnet_groups[name] = group
        return ActionResult({"CacheSubnetGroup": group})

    def delete_cache_subnet_group(self):
        backend, name = self.elasticache_backend, self._get_param("CacheSubnetGroupName")
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        users = [cluster.cache_cluster_id for cluster in backend.cache_clusters.values() if cluster.cache_subnet_group_name == name]
        users += [group.replication_group_id for group in backend.replication_groups.values() if group.cache_subnet_group_name == name]
        if users:
            raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache cluster.")
        group = backend.cache_subnet_groups.pop(name)
        backend.tagging_service.delete_all_tags_for_resource(group.arn)
        return EmptyResult()

    ElastiCacheResponse.modify_cache_subnet_group = modify_cache_subnet_group
    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group


@_once
def iam_signature_of_a_request_without_a_body() -> None:
    """Check the signature of a request without a body against an empty payload, as SigV4 signs it.

    AWS: SigV4's canonical request hashes the request's payload, the empty string for a GET without a body
    ("Create a canonical request for Signature Version 4", AWS General Reference). moto 5.2.5, when it checks
    signatures (IAM enforcement, ``INITIAL_NO_AUTH_ACTION_COUNT``), signs ``self._body or self._data``: for a GET whose
    query string it has parsed into ``_data`` (EFS ``DescribeFileSystems?CreationToken=...``) it hashes that query as a
    form body and answers SignatureDoesNotMatch to a correctly signed request. (A form POST's body moto has parsed
    into ``_data`` too, so only the methods that carry no body here are signed empty.)
    """
    from moto.iam.access_control import IAMRequestBase

    original = IAMRequestBase._create_aws_request  # pylint: disable=protected-access

    @functools.wraps(original)
    def create_aws_request(self):
        request = original(self)
        if self._method in ("GET", "HEAD", "DELETE") and not self._body:  # pylint: disable=protected-access
            request.data = b""
        return request

    IAMRequestBase._create_aws_request = create_aws_request  # pylint: disable=protected-access


@_once
def iam_simulate_principal_policy() -> None:
    """Serve IAM's SimulatePrincipalPolicy from moto's own policy evaluation.

    AWS: ``SimulatePrincipalPolicy`` evaluates the policies attached to a user (with its groups') or a role for each
    of ``ActionNames`` on each of ``ResourceArns`` (default ``*``) and answers an ``EvalDecision`` per action:
    ``allowed``, ``explicitDeny`` or ``implicitDeny`` (IAM API Reference). The collection's opt-in preflight calls it
    before any change. moto 5.2.5 does not serve it. The decision here is moto's own, the one it enforces requests
    with (``moto.iam.access_control``): actions and resources, conditions only as moto evaluates them (with the
    request's ``ContextEntries``).
    """
    from moto.core.responses import ActionResult
    from moto.iam import access_control
    from moto.iam.responses import IamResponse

    def principal_policies(backend, arn: str) -> list:
        kind, name = (arn.split(":", 5)[5].split("/", 1) + [""])[:2]
        name = name.rsplit("/", 1)[-1]
        holder_class = access_control.IAMUserAccessKey if kind == "user" else access_control.AssumedRoleAccessKey
        holder = object.__new__(holder_class)
        holder.account_id, holder.partition = backend.account_id, backend.partition
        if kind == "user":
            backend.get_user(name)
            holder._owner_user_name = name  # pylint: disable=protected-access
        else:
            backend.get_role(name)
            holder._owner_role_name = name  # pylint: disable=protected-access
        return holder.collect_policies()

    def simulate_principal_policy(self):
        policies = principal_policies(self.backend, self._get_param("PolicySourceArn"))
        resources = self._get_param("ResourceArns") or ["*"]
        context = {entry["ContextKeyName"]: (entry.get("ContextKeyValues") or [""])[0]
                   for entry in self._get_param("ContextEntries") or []}
        results = []
        for action in self._get_param("ActionNames") or []:
            decisions = set()
            for resource in resources:
                outcome = {access_control.IAMPolicy(policy).is_action_permitted(action, resource, incoming_condition_values=context)
                           for policy in policies}
                decisions.add("explicitDeny" if access_control.PermissionResult.DENIED in outcome else
                              "allowed" if access_control.PermissionResult.PERMITTED in outcome else "implicitDeny")
            decision = next(item for item in ("explicitDeny", "implicitDeny", "allowed") if item in decisions)
            results.append({"EvalActionName": action, "EvalResourceName": resources[0], "EvalDecision": decision})
        return ActionResult({"EvaluationResults": results, "IsTruncated": False})

    IamResponse.simulate_principal_policy = simulate_principal_policy


@_once
def rds_gp3_baseline_performance() -> None:
    """Report a gp3 DB instance's baseline IOPS and storage throughput.

    AWS: a gp3 RDS instance always has IOPS and throughput, and ``DescribeDBInstances`` reports them
    (``Iops``, ``StorageThroughput``). For PostgreSQL below 400 GiB they are the baseline, 3,000 IOPS and
    125 MiB/s, and may not be set; from 400 GiB the baseline is 12,000 IOPS and 500 MiB/s ("gp3 storage",
    Amazon RDS User Guide, Amazon RDS DB instance storage). moto 5.2.5 reports neither unless they were
    given, and amazon.aws ``rds_instance`` fails with ``KeyError: 'StorageThroughput'`` on the next run.
    """
    from moto.rds.models import DBInstance

    original = DBInstance.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.storage_type == "gp3":
            large = int(self.allocated_storage or 0) >= 400
            if self.iops is None:
                self.iops = 12000 if large else 3000
            if self.storage_throughput is None:
                self.storage_throughput = 500 if large else 125

    DBInstance.__init__ = init


PATCHES = (
    iam_service_linked_role_names,
    iam_simulate_principal_policy,
    iam_signature_of_a_request_without_a_body,
    elbv2_application_lb_default_attributes,
    efs_legacy_tag_calls,
    efs_update_file_system,
    ecs_create_service_settings,
    ecs_service_rollout,
    ecs_list_tasks_filters,
    ecs_run_task,
    elasticache_replication_group_members,
    elasticache_modify_replication_group,
    elasticache_delete_replication_group,
    elasticache_cache_subnet_group_calls,
    rds_gp3_baseline_performance,
)


def apply_all() -> list[str]:
    """Apply every patch once; return their names."""
    for patch in PATCHES:
        patch()
    return [patch.__name__ for patch in PATCHES]
