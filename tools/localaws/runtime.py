"""Local Fargate: run the proxy of an ECS service, as registered in the emulator, as a real LiteLLM process.

The emulator (moto) keeps ECS services and task definitions but runs no container. For the embedded default
(``python3 tools/dev.py deploy``) and the gate's tests, this module plays the part of Fargate for one service:

1. it waits until the service exists in the emulator and reads the task definition the service runs;
2. it builds the ``litellm`` container's environment as the ECS agent would: ``environment`` as given, and each
   ``secrets[].valueFrom`` resolved from Secrets Manager (a ``:jsonKey:stage:version`` suffix included);
3. it reads the config the task would read: in EFS mode the bytes the ``config-writer`` init container carries
   (checked against their sha256, as the writer checks them), in S3 mode the object
   ``LITELLM_CONFIG_BUCKET_NAME``/``LITELLM_CONFIG_BUCKET_OBJECT_KEY``;
4. it starts the service's tasks as real LiteLLM proxies with them (``litellm_proxy.LiteLLMProxy``, supervised so
   that none outlives its starter): ``min(desiredCount, tasks)`` of them, the first on a port chosen in advance
   (the one ``litellm_endpoint_url`` names), the others on free ports;
5. when the container's ``REDIS_HOST`` is an ElastiCache endpoint, it plays ElastiCache's part with one local
   ``redis-server`` that all the tasks share (see ``LocalService``); any other ``REDIS_HOST`` is used as given;
6. when the service moves to another revision it replaces all its tasks, as a rolling deployment replaces them.

So the proxies the gate probes run exactly the config and keys the deployment registered; a wrong key or a
missing model in the deployment shows up as the gate would see it on AWS. Only the container image is not the
same: the proxy is the ``litellm[proxy]`` package installed in this virtualenv.

``LocalService`` runs in the process that starts it, and its proxies (and Redis) end with that process. ``DetachedService``
(``python3 tools/dev.py deploy --keep``) runs one in a process of its own that outlives its starter, like the
emulator: its pid, port, URLs and log live in a state directory, and ``stop()`` ends it and its proxies. It also ends
on its own when the emulator is gone. Command line::

    python -m localaws.runtime serve --state-dir DIR --endpoint URL --cluster NAME --service NAME --port PORT [--tasks N]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import boto3

from litellm_proxy import LiteLLMProxy, group_alive
from localaws.harness import TOOLS_DIR, pid_alive
from redis_server import RedisServer

CONTAINER = "litellm"
# Environment the local process must not take from the task definition: where the config is, in the task.
CONFIG_LOCATION = ("CONFIG_FILE_PATH", "LITELLM_CONFIG_BUCKET_NAME", "LITELLM_CONFIG_BUCKET_OBJECT_KEY", "LITELLM_CONFIG_BUCKET_TYPE")


class LocalServiceError(RuntimeError):
    """The service's task cannot be run locally."""


def secret_value(secretsmanager, value_from: str) -> str:
    """The value ECS puts into a container for ``valueFrom`` (a Secrets Manager ARN, optionally with
    ``:json-key:version-stage:version-id``)."""
    parts = value_from.split(":")
    arn, extra = ":".join(parts[:7]), parts[7:] + ["", "", ""]
    json_key, stage, version = extra[:3]
    request = {"SecretId": arn}
    if stage:
        request["VersionStage"] = stage
    if version:
        request["VersionId"] = version
    text = secretsmanager.get_secret_value(**request)["SecretString"]
    return str(json.loads(text)[json_key]) if json_key else text


def container(definition: dict, name: str) -> dict:
    found = [item for item in definition["containerDefinitions"] if item["name"] == name]
    if not found:
        raise LocalServiceError(f"the task definition {definition['taskDefinitionArn']} has no container {name!r}")
    return found[0]


def config_bytes(aws, definition: dict, environment: dict[str, str]) -> bytes:
    """The config.yaml the task would read, from the init container's payload (EFS) or from S3."""
    if environment.get("LITELLM_CONFIG_BUCKET_NAME"):
        s3 = aws.client("s3")
        answer = s3.get_object(Bucket=environment["LITELLM_CONFIG_BUCKET_NAME"], Key=environment["LITELLM_CONFIG_BUCKET_OBJECT_KEY"])
        return answer["Body"].read()
    for item in definition["containerDefinitions"]:
        env = {pair["name"]: pair["value"] for pair in item.get("environment", [])}
        if "LITELLM_CONFIG_B64" in env:
            content = base64.b64decode(env["LITELLM_CONFIG_B64"])
            if hashlib.sha256(content).hexdigest() != env.get("LITELLM_CONFIG_SHA256"):
                raise LocalServiceError(f"the config carried by container {item['name']!r} does not match its LITELLM_CONFIG_SHA256")
            return content
    raise LocalServiceError("the task definition carries no config: neither a config-writer payload nor an S3 location")


def task_inputs(aws, definition: dict) -> tuple[bytes, dict[str, str]]:
    """The proxy container's config bytes and environment, secrets resolved as the ECS agent resolves them.

    ``aws`` is anything with a boto3-like ``client(name)``."""
    proxy = container(definition, CONTAINER)
    environment = {pair["name"]: pair["value"] for pair in proxy.get("environment", [])}
    secretsmanager = aws.client("secretsmanager")
    for secret in proxy.get("secrets", []):
        environment[secret["name"]] = secret_value(secretsmanager, secret["valueFrom"])
    content = config_bytes(aws, definition, environment)
    for name in CONFIG_LOCATION:
        environment.pop(name, None)
    return content, environment


def writable_paths(proxy_container: dict) -> list[str]:
    """Where a container with a read-only root can write: the container paths of its read-write mount points."""
    return sorted({os.path.normpath(point["containerPath"]) for point in proxy_container.get("mountPoints", [])
                   if not point.get("readOnly")})


ELASTICACHE_SUFFIX = ".cache.amazonaws.com"


def is_elasticache_endpoint(host: str) -> bool:
    """Whether ``host`` is an ElastiCache endpoint (``<id>.<random>.<region>.cache.amazonaws.com``)."""
    return host.lower().rstrip(".").endswith(ELASTICACHE_SUFFIX)


def _addresses(value) -> set[str]:
    """Every ``Address`` anywhere in an ElastiCache description (primary, reader, configuration, node endpoints)."""
    if isinstance(value, dict):
        found = {value["Address"].lower()} if isinstance(value.get("Address"), str) else set()
        return found.union(*(_addresses(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_addresses(item) for item in value))
    return set()


def elasticache_endpoints(aws) -> set[str]:
    """The endpoint addresses of the replication groups and cache clusters that exist in the emulator."""
    cache = aws.client("elasticache")
    found = set()
    for page in cache.get_paginator("describe_replication_groups").paginate():
        found |= _addresses(page["ReplicationGroups"])
    for page in cache.get_paginator("describe_cache_clusters").paginate(ShowCacheNodeInfo=True):
        found |= _addresses(page["CacheClusters"])
    return found


class LocalService:
    """Runs the ``litellm`` container of one emulated ECS service as local proxies, one per task.

    ``start()`` returns at once; a thread waits (up to ``budget`` seconds) for the service to exist and then
    starts its tasks, and whenever the service moves to another task definition (a new config, rotated secrets)
    it replaces all of them with tasks run from the new revision. ``stop()`` ends everything. ``error`` holds
    what went wrong, if anything did. The service is polled every ``poll`` seconds, and every ``steady_poll``
    seconds (default: ``poll``) once its tasks run.

    Tasks: ``min(desiredCount, tasks)`` of them, at least one (the gate needs an endpoint even for a service
    scaled to 0), all from the same revision; a change of desiredCount adds or removes tasks at the end, as ECS
    scales a service. The first task listens on ``port`` (the one ``litellm_endpoint_url`` names, known in
    advance), the others on free ports; ``urls`` lists them all once they run. ``tasks=1`` (the default) is one
    proxy on ``port``, whatever the desired count.

    ElastiCache: when the container's ``REDIS_HOST`` is an ElastiCache endpoint (``*.cache.amazonaws.com``, what
    the emulator invents for a replication group) and names a replication group or cache cluster that exists in
    the emulator, this plays ElastiCache's part: one local ``redis-server`` (``redis_server.RedisServer``) with
    ``requirepass`` = the resolved ``REDIS_PASSWORD`` (none when the task gets none), and the tasks get
    ``REDIS_HOST``/``REDIS_PORT`` pointing at it and ``REDIS_SSL=False``: the local server has no TLS, where
    ElastiCache with in-transit encryption needs ``True``. So every task shares one Redis, as on AWS, and the
    server outlives a change of revision (its state too) unless its password or endpoint changes. An
    ElastiCache endpoint the emulator does not know is an error (on AWS its name would not resolve). A
    ``REDIS_HOST`` that is not an ElastiCache endpoint (an existing Redis, 127.0.0.1 in tests) is used as given.
    """

    def __init__(self, endpoint: str, cluster: str, service: str, port: int, workdir: Path, *,
                 region: str = "us-east-1", budget: float = 900.0, poll: float = 0.5, steady_poll: float | None = None,
                 tasks: int = 1):
        if tasks < 1:
            raise ValueError(f"tasks must be at least 1, not {tasks}")
        self.session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        self.endpoint, self.cluster, self.service = endpoint, cluster, service
        self.port, self.workdir, self.budget, self.poll = port, Path(workdir), budget, poll
        self.steady_poll = poll if steady_poll is None else steady_poll
        self.tasks = tasks
        self.proxies: list[LiteLLMProxy] = []
        self.redis: RedisServer | None = None
        self.redis_endpoint: str | None = None  # the ElastiCache endpoint self.redis stands in for
        self.task_definition_arn: str | None = None
        self.revisions: list[str] = []
        self.error: str | None = None
        self._inputs: tuple[bytes, dict[str, str], dict] | None = None  # config, environment, container
        self._deadline = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def proxy(self) -> LiteLLMProxy | None:
        """The first task's proxy (the one on ``port``), or None before it runs."""
        return self.proxies[0] if self.proxies else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def urls(self) -> list[str]:
        """The URL of every task that runs (the first on ``port``); ``[url]`` before any runs."""
        running = [proxy.url for proxy in list(self.proxies) if proxy.port is not None]
        return running or [self.url]

    @property
    def supervisor_pids(self) -> list[int]:
        """The process groups this service runs: each task's proxy supervisor, and the Redis stand-in's."""
        found = [proxy.pid for proxy in list(self.proxies)] + [self.redis.pid if self.redis else None]
        return [pid for pid in found if pid is not None]

    def client(self, name: str):
        return self.session.client(name, endpoint_url=self.endpoint)

    def running_service(self) -> dict | None:
        """The ACTIVE service as DescribeServices returns it, or None."""
        ecs = self.client("ecs")
        try:
            services = ecs.describe_services(cluster=self.cluster, services=[self.service])["services"]
        except ecs.exceptions.ClusterNotFoundException:
            return None
        active = [item for item in services if item["status"] == "ACTIVE"]
        return active[0] if active else None

    def running_task_definition(self) -> str | None:
        service = self.running_service()
        return service["taskDefinition"] if service else None

    def task_count(self, service: dict) -> int:
        """How many tasks run locally for ``service``: its desiredCount, within 1..``tasks``."""
        return max(1, min(int(service.get("desiredCount") or 0), self.tasks))

    def _run(self) -> None:
        self._deadline = time.monotonic() + self.budget
        try:
            while not self._stopping.is_set():
                service = self.running_service()
                arn = service["taskDefinition"] if service else None
                if arn and arn != self.task_definition_arn:
                    self._replace(arn, self.task_count(service))
                elif arn and self.task_count(service) != len(self.proxies):
                    self._scale(self.task_count(service))
                elif not arn and not self.proxies and time.monotonic() > self._deadline:
                    raise LocalServiceError(f"service {self.service} did not appear in cluster {self.cluster} within {self.budget:.0f} s")
                steady = self.proxies and all(proxy.running() for proxy in self.proxies)
                self._stopping.wait(self.steady_poll if steady else self.poll)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # reported to the caller through .error
            self.error = f"{type(exc).__name__}: {exc}"

    def _replace(self, arn: str, count: int) -> None:
        """Run the revision ``arn`` instead of the current one: all tasks replaced together."""
        definition = self.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
        content, environment = task_inputs(self, definition)
        proxy_container = container(definition, CONTAINER)
        self._stop_proxies(self.proxies)
        self.proxies = []
        environment = self._elasticache(environment)
        self.task_definition_arn = arn
        self.revisions.append(arn)
        self._inputs = (content, environment, proxy_container)
        self._scale(count)

    def _scale(self, count: int) -> None:
        """Start tasks (in parallel) or stop the last ones until ``count`` run."""
        if count < len(self.proxies):
            extra, self.proxies = self.proxies[count:], self.proxies[:count]
            self._stop_proxies(extra)
            return
        content, environment, proxy_container = self._inputs
        revision = len(self.revisions)
        new = [self._proxy(content, environment, proxy_container, index, revision) for index in range(len(self.proxies), count)]
        if not new:
            return
        self.proxies = self.proxies + new
        with ThreadPoolExecutor(len(new)) as pool:
            futures = [pool.submit(proxy.start, attempts=1 if proxy.fixed_port else 3) for proxy in new]
        failures = [future.exception() for future in futures if future.exception()]
        if failures:
            raise failures[0]

    def _proxy(self, content: bytes, environment: dict[str, str], proxy_container: dict, index: int, revision: int) -> LiteLLMProxy:
        """Task ``index`` of a revision: in workdir/<revision> (the first) or workdir/<revision>-<N>; a read-only root
        when the container has one, its writable mount points (the task's scratch volumes) its only writable paths."""
        workdir = self.workdir / (str(revision) if index == 0 else f"{revision}-{index + 1}")
        options = {}
        if proxy_container.get("readonlyRootFilesystem"):
            options = {"read_only_root": True, "writable_paths": writable_paths(proxy_container)}
        return LiteLLMProxy(content, environment, workdir, port=self.port if index == 0 else None,
                            budget=max(self._deadline - time.monotonic(), 90), **options)

    @staticmethod
    def _stop_proxies(proxies: list[LiteLLMProxy]) -> None:
        if proxies:
            with ThreadPoolExecutor(len(proxies)) as pool:
                list(pool.map(lambda proxy: proxy.stop(), proxies))

    def _elasticache(self, environment: dict[str, str]) -> dict[str, str]:
        """The tasks' environment, with the local Redis in place of the ElastiCache endpoint it names, if any."""
        host = environment.get("REDIS_HOST", "")
        if not is_elasticache_endpoint(host):
            self._stop_redis()
            return environment
        if host.lower().rstrip(".") not in elasticache_endpoints(self):
            raise LocalServiceError(f"REDIS_HOST {host} is an ElastiCache endpoint, but no replication group or cache "
                                    f"cluster in the emulator has it (on AWS the name would not resolve)")
        password = environment.get("REDIS_PASSWORD") or None
        if self.redis is None or self.redis_endpoint != host or self.redis.password != password:
            self._stop_redis()
            self.redis = RedisServer(password=password).start()
            self.redis_endpoint = host
        return dict(environment, REDIS_HOST=self.redis.host, REDIS_PORT=str(self.redis.port), REDIS_SSL="False")

    def _stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        self.redis, self.redis_endpoint = None, None

    def start(self) -> LocalService:
        self._thread = threading.Thread(target=self._run, name=f"local-{self.service}", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> None:
        if self._thread:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._stopping.set()
        self.wait(5)
        self._stop_proxies(self.proxies)
        self._stop_redis()

    def __enter__(self) -> LocalService:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@dataclass
class DetachedService:
    """A ``LocalService`` in a process of its own (``serve`` below), described by its state directory.

    The process leads its own process group and watches no starter, so it outlives the command that started
    it. Each of its tasks' proxy supervisors (and the Redis stand-in's, if any) is in a group of its own too
    (``litellm_proxy``): their pids are in ``litellm.pid``, one a line, and each ends its process when the
    serving process is gone, however that ended. The tasks' URLs are in ``proxy.urls`` once they run.
    """

    state_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "proxy.pid"

    @property
    def port_file(self) -> Path:
        return self.state_dir / "proxy.port"

    @property
    def supervisor_file(self) -> Path:
        """The pids (and process groups) of the running supervisors, one a line, written by the serving process."""
        return self.state_dir / "litellm.pid"

    @property
    def urls_file(self) -> Path:
        """The URLs of the running tasks, one a line, written by the serving process."""
        return self.state_dir / "proxy.urls"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "proxy.log"

    @property
    def workdir(self) -> Path:
        return self.state_dir / "work"

    @staticmethod
    def _read(path: Path) -> int | None:
        try:
            return int(path.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    @property
    def pid(self) -> int | None:
        return self._read(self.pid_file)

    @property
    def port(self) -> int | None:
        return self._read(self.port_file)

    @property
    def supervisor_pids(self) -> list[int]:
        try:
            return [int(line) for line in self.supervisor_file.read_text(encoding="utf-8").split() if line.isdigit()]
        except FileNotFoundError:
            return []

    @property
    def supervisor_pid(self) -> int | None:
        """The first task's proxy supervisor."""
        pids = self.supervisor_pids
        return pids[0] if pids else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def urls(self) -> list[str]:
        """The URL of every task that runs (the first on ``port``); ``[url]`` until the tasks run."""
        with contextlib.suppress(FileNotFoundError):
            urls = self.urls_file.read_text(encoding="utf-8").split()
            if urls:
                return urls
        return [self.url]

    def running(self) -> bool:
        pid = self.pid
        return pid is not None and pid_alive(pid)

    def start(self, endpoint: str, cluster: str, service: str, port: int, *, budget: float = 900.0, tasks: int = 1) -> str:
        """Start serving ``service`` on ``port`` (the proxies start once the service exists), as at most ``tasks``
        local tasks (see ``LocalService``); return the first task's URL.

        An instance already running is kept, with its port and task count."""
        if self.running():
            return self.url
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TOOLS_DIR), env.get("PYTHONPATH")]))
        cmd = [sys.executable, "-m", "localaws.runtime", "serve", "--state-dir", str(self.state_dir), "--endpoint", endpoint,
               "--cluster", cluster, "--service", service, "--port", str(port), "--budget", str(budget), "--tasks", str(tasks)]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(  # pylint: disable=consider-using-with
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.pid_file.write_text(f"{proc.pid}\n", encoding="utf-8")
        self.port_file.write_text(f"{port}\n", encoding="utf-8")
        return self.url

    def error(self) -> str | None:
        """Why the serving process ended, when it has ended with an error (its log's last ``error:`` line)."""
        if self.running():
            return None
        with contextlib.suppress(FileNotFoundError):
            errors = [line for line in self.log_file.read_text(encoding="utf-8", errors="replace").splitlines() if line.startswith("error: ")]
            if errors:
                return errors[-1][len("error: "):]
        return "the local proxy's process is not running; see " + str(self.log_file) if self.pid else None

    def stop(self, grace: float = 15.0) -> bool:
        """End the serving process and its proxy (supervisor and children included); return whether one ran."""
        pid, supervisors = self.pid, self.supervisor_pids
        was_running = pid is not None and pid_alive(pid)
        if was_running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)  # the serving process stops its proxy, then exits
            _wait(lambda: pid_alive(pid), grace)
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _wait(lambda: pid_alive(pid), 10)
        left = [supervisor for supervisor in supervisors if group_alive(supervisor)]
        if left:
            # Normally gone already; after a killed serving process each supervisor ends its process (EOF on its pipe).
            was_running = True
            _wait(lambda: any(group_alive(supervisor) for supervisor in left), grace)
            for supervisor in left:
                if group_alive(supervisor):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(supervisor, signal.SIGKILL)
            _wait(lambda: any(group_alive(supervisor) for supervisor in left), 10)
        for path in (self.pid_file, self.port_file, self.supervisor_file, self.urls_file):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return was_running


def _wait(condition, budget: float) -> None:
    deadline = time.monotonic() + budget
    while condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def serve(args: argparse.Namespace) -> int:
    """Run one ``LocalService`` until SIGTERM, or until it fails (the emulator gone, a task it cannot run)."""
    detached = DetachedService(args.state_dir)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    shutil.rmtree(detached.workdir, ignore_errors=True)
    # Fast polls while the deployment converges; slower ones once the proxy runs, so that the emulator's request
    # log is not flooded while it is kept for inspection.
    local = LocalService(args.endpoint, args.cluster, args.service, args.port, detached.workdir, budget=args.budget,
                         steady_poll=2.0, tasks=args.tasks)
    print(f"serving service {args.service} of cluster {args.cluster} ({args.endpoint}) on {local.url} "
          f"(at most {args.tasks} tasks)", flush=True)
    local.start()
    recorded: tuple = ()
    try:
        while not stopping.is_set() and local._thread.is_alive():  # pylint: disable=protected-access
            # Recorded once every task of a revision runs (or the set changed): the pids stop() waits for, the URLs.
            running = tuple(proxy for proxy in local.proxies if proxy.running())
            state = (tuple(local.supervisor_pids), tuple(local.urls))
            if running and len(running) == len(local.proxies) and state != recorded:
                recorded = state
                detached.supervisor_file.write_text("".join(f"{pid}\n" for pid in state[0]), encoding="utf-8")
                detached.urls_file.write_text("".join(f"{url}\n" for url in state[1]), encoding="utf-8")
                print(f"supervisor pids {' '.join(map(str, state[0]))} run {local.task_definition_arn} on "
                      f"{' '.join(state[1])}", flush=True)
            stopping.wait(0.2)
    finally:
        local.stop()
    if local.error:
        print(f"error: {local.error}", flush=True)
        return 1
    print("stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run an emulated ECS service's proxy locally.")
    sub = parser.add_subparsers(dest="action", required=True)
    serve_parser = sub.add_parser("serve", help="run the service's proxy until SIGTERM (see DetachedService)")
    serve_parser.add_argument("--state-dir", required=True, type=Path)
    serve_parser.add_argument("--endpoint", required=True)
    serve_parser.add_argument("--cluster", required=True)
    serve_parser.add_argument("--service", required=True)
    serve_parser.add_argument("--port", required=True, type=int)
    serve_parser.add_argument("--budget", type=float, default=900.0, help="seconds to wait for the service to appear")
    serve_parser.add_argument("--tasks", type=int, default=1, help="run at most this many of the service's tasks")
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
