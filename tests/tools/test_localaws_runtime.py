"""The local runtime builds the proxy's inputs exactly as ECS would: secrets resolved, config from the task's source."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import types

import boto3
import pytest

from localaws import runtime
from localaws.harness import free_port
from redis_server import RedisServerError

REGION = "us-east-1"
CONFIG = b"model_list: []\n"


class Aws:
    def client(self, name):
        return boto3.client(name, region_name=REGION)


@pytest.fixture(name="aws")
def fixture_aws(mocked_aws):  # pylint: disable=unused-argument
    return Aws()


def definition(proxy_env, secrets=(), writer_env=None):
    containers = []
    if writer_env is not None:
        containers.append({"name": "config-writer", "environment": [{"name": k, "value": v} for k, v in writer_env.items()]})
    containers.append({"name": "litellm", "environment": [{"name": k, "value": v} for k, v in proxy_env.items()], "secrets": list(secrets)})
    return {"taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/x:1", "containerDefinitions": containers}


def test_secrets_are_resolved_with_json_keys_and_the_config_comes_from_the_writer(aws):
    sm = aws.client("secretsmanager")
    master = sm.create_secret(Name="x/master-key", SecretString="sk-master")["ARN"]
    shared = sm.create_secret(Name="shared", SecretString=json.dumps({"openai": "sk-openai"}))["ARN"]
    writer = {"LITELLM_CONFIG_B64": base64.b64encode(CONFIG).decode(), "LITELLM_CONFIG_SHA256": hashlib.sha256(CONFIG).hexdigest()}
    task = definition({"CONFIG_FILE_PATH": "/app/config/c.yaml", "LITELLM_CONFIG_SHA256": "abc"},
                      [{"name": "LITELLM_MASTER_KEY", "valueFrom": master}, {"name": "OPENAI_API_KEY", "valueFrom": f"{shared}:openai::"}],
                      writer)
    content, env = runtime.task_inputs(aws, task)
    assert content == CONFIG
    assert env == {"LITELLM_CONFIG_SHA256": "abc", "LITELLM_MASTER_KEY": "sk-master", "OPENAI_API_KEY": "sk-openai"}


def test_a_writer_payload_that_does_not_match_its_hash_is_refused(aws):
    writer = {"LITELLM_CONFIG_B64": base64.b64encode(CONFIG).decode(), "LITELLM_CONFIG_SHA256": "0" * 64}
    with pytest.raises(runtime.LocalServiceError, match="does not match"):
        runtime.task_inputs(aws, definition({"CONFIG_FILE_PATH": "/app/config/c.yaml"}, writer_env=writer))


def test_s3_mode_reads_the_object_the_task_would_read(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="cfg")
    s3.put_object(Bucket="cfg", Key="config.yaml", Body=CONFIG)
    content, env = runtime.task_inputs(aws, definition({"LITELLM_CONFIG_BUCKET_NAME": "cfg", "LITELLM_CONFIG_BUCKET_OBJECT_KEY": "config.yaml"}))
    assert content == CONFIG
    assert env == {}


def test_a_task_without_a_config_source_or_proxy_container_is_refused(aws):
    with pytest.raises(runtime.LocalServiceError, match="carries no config"):
        runtime.task_inputs(aws, definition({}))
    with pytest.raises(runtime.LocalServiceError, match="no container 'litellm'"):
        runtime.container({"taskDefinitionArn": "arn:x", "containerDefinitions": [{"name": "other"}]}, "litellm")


# ----- LocalService on the emulator: the service's tasks, and the ElastiCache stand-in

MASTER_KEY = "sk-" + "1" * 32


class FakeProxy:
    """Stands in for LiteLLMProxy in LocalService: keeps what it was given and 'starts' at once on its port."""

    def __init__(self, config_bytes, env, workdir, *, port=None, **options):
        self.config_bytes, self.env, self.workdir, self.fixed_port, self.options = config_bytes, env, workdir, port, options
        self.port, self.pid, self.alive = None, None, False

    def start(self, attempts=3):  # pylint: disable=unused-argument
        self.port, self.alive = self.fixed_port or free_port(), True
        return self.url

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def running(self):
        return self.alive

    def stop(self):
        self.alive = False


@pytest.fixture(name="fake_proxies")
def fixture_fake_proxies(monkeypatch):
    monkeypatch.setattr(runtime, "LiteLLMProxy", FakeProxy)


@pytest.fixture(name="emu")
def fixture_emu(emulator):
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return types.SimpleNamespace(endpoint=emulator.endpoint, client=lambda name: session.client(name, endpoint_url=emulator.endpoint))


def payload(config: bytes) -> dict:
    return {"LITELLM_CONFIG_B64": base64.b64encode(config).decode(), "LITELLM_CONFIG_SHA256": hashlib.sha256(config).hexdigest()}


def register(emu, name, environment, secrets=(), config=CONFIG, **proxy_settings):
    """A new revision of task definition family ``name``: a config writer and the litellm container (with
    ``proxy_settings``: readonlyRootFilesystem, mountPoints on volumes a, b and c)."""
    containers = [
        {"name": "config-writer", "image": "busybox", "essential": False, "memory": 64,
         "environment": [{"name": k, "value": v} for k, v in payload(config).items()]},
        {"name": "litellm", "image": "litellm", "essential": True, "memory": 1024,
         "environment": [{"name": k, "value": v} for k, v in environment.items()],
         "secrets": [{"name": k, "valueFrom": v} for k, v in [("LITELLM_MASTER_KEY", secret(emu, f"{name}/master", MASTER_KEY)), *secrets]],
         **proxy_settings},
    ]
    volumes = [{"name": volume} for volume in "abc"]
    return emu.client("ecs").register_task_definition(family=name, containerDefinitions=containers, volumes=volumes)["taskDefinition"]["taskDefinitionArn"]


def secret(emu, name, value):
    """The ARN of secret ``name``, created with ``value`` or given it as its new current value."""
    sm = emu.client("secretsmanager")
    try:
        return sm.create_secret(Name=name, SecretString=value)["ARN"]
    except sm.exceptions.ResourceExistsException:
        return sm.put_secret_value(SecretId=name, SecretString=value)["ARN"]


def create_service(emu, name, environment, secrets=(), desired=2, config=CONFIG, **proxy_settings):
    ecs = emu.client("ecs")
    ecs.create_cluster(clusterName=name)
    arn = register(emu, name, environment, secrets, config, **proxy_settings)
    ecs.create_service(cluster=name, serviceName=name, taskDefinition=arn, desiredCount=desired)
    return arn


def roll(emu, name, environment, secrets=(), desired=None):
    """Register a new revision and move the service to it."""
    arn = register(emu, name, environment, secrets)
    emu.client("ecs").update_service(cluster=name, service=name, taskDefinition=arn, **({"desiredCount": desired} if desired else {}))
    return arn


def replication_group_endpoint(emu, name):
    group = emu.client("elasticache").create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription=name, Engine="redis", CacheNodeType="cache.t4g.small",
        TransitEncryptionEnabled=True, AuthToken="t" * 32)["ReplicationGroup"]
    group = emu.client("elasticache").describe_replication_groups(ReplicationGroupId=group["ReplicationGroupId"])["ReplicationGroups"][0]
    return group["NodeGroups"][0]["PrimaryEndpoint"]["Address"]


def until(condition, what, budget=30.0):
    """Poll ``condition`` until it is true; ``what`` (a text, or a callable giving one) says what was awaited."""
    deadline = time.monotonic() + budget
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {budget:.0f} s: {what() if callable(what) else what}")
        time.sleep(0.05)
    return value


def running(local, count, revision):
    """Wait until ``local`` runs ``count`` tasks of its ``revision``-th task definition; return its proxies."""
    until(lambda: local.error or (len(local.revisions) == revision and len(local.proxies) == count
                                  and all(proxy.running() for proxy in local.proxies)), f"{count} tasks of revision {revision}")
    assert local.error is None
    return list(local.proxies)


def test_by_default_one_task_runs_on_the_port_whatever_the_desired_count(emu, fake_proxies, tmp_path):  # pylint: disable=unused-argument
    create_service(emu, "one", {"A": "1"}, desired=3)
    port = free_port()
    with runtime.LocalService(emu.endpoint, "one", "one", port, tmp_path, poll=0.05) as local:
        (proxy,) = running(local, 1, 1)
        assert (proxy.port, local.urls, local.url) == (port, [f"http://127.0.0.1:{port}"], f"http://127.0.0.1:{port}")
        assert proxy.env["A"] == "1" and proxy.config_bytes == CONFIG and proxy.workdir == tmp_path / "1"


def test_tasks_follow_the_desired_count_within_the_cap_and_a_new_revision_replaces_them_all(emu, fake_proxies, tmp_path):  # pylint: disable=unused-argument
    create_service(emu, "many", {"REVISION": "1"}, desired=3)
    port = free_port()
    with runtime.LocalService(emu.endpoint, "many", "many", port, tmp_path, poll=0.05, tasks=2) as local:
        first = running(local, 2, 1)
        assert first[0].port == port and first[1].port not in (None, port)
        assert local.urls == [f"http://127.0.0.1:{proxy.port}" for proxy in first]
        assert [proxy.workdir for proxy in first] == [tmp_path / "1", tmp_path / "1-2"]
        # A new revision: both tasks replaced, together, by tasks of the new revision; the first keeps the port.
        roll(emu, "many", {"REVISION": "2"})
        second = running(local, 2, 2)
        assert not any(proxy.running() for proxy in first)
        assert [proxy.env["REVISION"] for proxy in second] == ["2", "2"] and second[0].port == port
        # Scaled in to 1: the last task stops, the first one goes on; scaled out again: a new second task.
        emu.client("ecs").update_service(cluster="many", service="many", desiredCount=1)
        assert running(local, 1, 2) == second[:1] and not second[1].running()
        emu.client("ecs").update_service(cluster="many", service="many", desiredCount=5)
        third = running(local, 2, 2)
        assert third[0] is second[0] and third[1] not in second and third[1].env["REVISION"] == "2"
    assert not any(proxy.running() for proxy in third)


def test_a_read_only_root_is_kept_with_the_read_write_mount_points_as_the_only_writable_paths(emu, fake_proxies, tmp_path):  # pylint: disable=unused-argument
    mounts = [{"sourceVolume": "a", "containerPath": "/tmp", "readOnly": False},
              {"sourceVolume": "b", "containerPath": "/app/config", "readOnly": True},
              {"sourceVolume": "c", "containerPath": "/var/cache/litellm/"}]
    create_service(emu, "readonly", {}, readonlyRootFilesystem=True, mountPoints=mounts)
    create_service(emu, "writable", {}, mountPoints=mounts)
    with runtime.LocalService(emu.endpoint, "readonly", "readonly", free_port(), tmp_path / "r", poll=0.05) as local:
        (proxy,) = running(local, 1, 1)
        assert proxy.options["read_only_root"] is True
        assert proxy.options["writable_paths"] == ["/tmp", "/var/cache/litellm"]
    with runtime.LocalService(emu.endpoint, "writable", "writable", free_port(), tmp_path / "w", poll=0.05) as local:
        (proxy,) = running(local, 1, 1)
        assert "read_only_root" not in proxy.options and "writable_paths" not in proxy.options


def test_an_elasticache_endpoint_is_played_by_one_local_redis_with_the_tasks_password(emu, fake_proxies, tmp_path):  # pylint: disable=unused-argument
    host = replication_group_endpoint(emu, "cache-a")
    assert host.endswith(".cache.amazonaws.com")
    environment = {"REDIS_HOST": host, "REDIS_PORT": "6379", "REDIS_SSL": "True"}
    password = [("REDIS_PASSWORD", secret(emu, "cache-a/redis-password", "p" * 32))]
    create_service(emu, "cache-a", environment, password)
    with runtime.LocalService(emu.endpoint, "cache-a", "cache-a", free_port(), tmp_path, poll=0.05, tasks=2) as local:
        tasks = running(local, 2, 1)
        redis = local.redis
        assert local.redis_endpoint == host and redis.password == "p" * 32
        for proxy in tasks:
            assert {name: proxy.env[name] for name in ("REDIS_HOST", "REDIS_PORT", "REDIS_SSL", "REDIS_PASSWORD")} == {
                "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis.port), "REDIS_SSL": "False", "REDIS_PASSWORD": "p" * 32}
        assert redis.command("PING") == "PONG"
        with pytest.raises(RedisServerError, match="NOAUTH"):
            redis.command("PING", password="")
        assert redis.pid in local.supervisor_pids
        # A new revision with the same endpoint and password keeps the server (and what it holds).
        redis.command("SET", "kept", "1")
        roll(emu, "cache-a", dict(environment, OTHER="x"), password)
        running(local, 2, 2)
        assert local.redis is redis and redis.command("GET", "kept") == "1"
        # A rotated password: a server with the new one.
        password = [("REDIS_PASSWORD", secret(emu, "cache-a/redis-password", "q" * 32))]
        roll(emu, "cache-a", environment, password)
        tasks = running(local, 2, 3)
        assert local.redis is not redis and not redis.running() and local.redis.password == "q" * 32
        assert tasks[1].env["REDIS_PORT"] == str(local.redis.port)
        replaced = local.redis
    assert not replaced.running() and local.redis is None


def test_a_redis_host_that_is_not_elasticache_is_used_as_given(emu, fake_proxies, tmp_path):  # pylint: disable=unused-argument
    environment = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6380", "REDIS_SSL": "False"}
    create_service(emu, "existing", environment)
    with runtime.LocalService(emu.endpoint, "existing", "existing", free_port(), tmp_path, poll=0.05) as local:
        (proxy,) = running(local, 1, 1)
        assert local.redis is None
        assert {name: proxy.env[name] for name in environment} == environment


def test_an_elasticache_endpoint_the_emulator_does_not_know_is_an_error(emu, fake_proxies, tmp_path):  # pylint: disable=unused-argument
    create_service(emu, "unknown", {"REDIS_HOST": "gone.abc123.use1.cache.amazonaws.com", "REDIS_PORT": "6379"})
    with runtime.LocalService(emu.endpoint, "unknown", "unknown", free_port(), tmp_path, poll=0.05) as local:
        until(lambda: local.error, "an error")
        assert "gone.abc123.use1.cache.amazonaws.com" in local.error and "no replication group" in local.error
        assert local.proxies == [] and local.redis is None


SHARED_LIMIT_CONFIG = b"""\
model_list:
  - model_name: limited
    litellm_params: {model: openai/gpt-4o, api_key: fake, mock_response: "hi", rpm: 2}
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 0
  redis_host: os.environ/REDIS_HOST
  redis_port: os.environ/REDIS_PORT
  redis_password: os.environ/REDIS_PASSWORD
"""


def minute():
    return time.strftime("%H-%M", time.gmtime())  # LiteLLM's rpm window (UTC)


@pytest.mark.litellm
def test_two_real_tasks_share_the_elasticache_stand_in(emu, tmp_path):
    """Both tasks of the service reach the local Redis with the task's password: a limit used up through one
    holds on the other (rpm: 2 admits one request a minute; see tests/tools/test_litellm_shared_state.py)."""
    host = replication_group_endpoint(emu, "cache-real")
    password = [("REDIS_PASSWORD", secret(emu, "cache-real/redis-password", "r" * 32))]
    create_service(emu, "cache-real", {"REDIS_HOST": host, "REDIS_PORT": "6379", "REDIS_SSL": "True"}, password,
                   config=SHARED_LIMIT_CONFIG)
    with runtime.LocalService(emu.endpoint, "cache-real", "cache-real", free_port(), tmp_path, poll=0.2, tasks=2) as local:
        # startup_seconds is set once a proxy answered its liveness check.
        until(lambda: local.error or (len(local.proxies) == 2 and all(p.startup_seconds for p in local.proxies)),
              "two live tasks", budget=240)
        assert local.error is None
        a, b = local.proxies
        body = {"model": "limited", "messages": [{"role": "user", "content": "x"}]}
        for _attempt in range(3):
            window = minute()
            assert a.request("POST", "/chat/completions", MASTER_KEY, body)[0] in (200, 429)
            assert a.request("POST", "/chat/completions", MASTER_KEY, body)[0] == 429
            until(lambda: minute() != window or [key for key in local.redis.keys(f"*:rpm:{window}")  # noqa: B023
                                                 if local.redis.command("GET", key)],
                  lambda: f"the rpm count of window {window} in the local Redis (it holds {local.redis.keys()})")  # noqa: B023
            status, answer = b.request("POST", "/chat/completions", MASTER_KEY, body)
            if minute() == window:  # otherwise the requests fell in two windows: again, in one
                break
        else:
            pytest.fail("three minute boundaries in a row")
        assert status == 429, answer
