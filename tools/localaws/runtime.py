"""Local Fargate: run the proxy of an ECS service, as registered in the emulator, as a real LiteLLM process.

The emulator (moto) keeps ECS services and task definitions but runs no container. For the embedded default
(``python3 tools/dev.py deploy``) and the gate's tests, this module plays the part of Fargate for one service:

1. it waits until the service exists in the emulator and reads the task definition the service runs;
2. it builds the ``litellm`` container's environment as the ECS agent would: ``environment`` as given, and each
   ``secrets[].valueFrom`` resolved from Secrets Manager (a ``:jsonKey:stage:version`` suffix included);
3. it reads the config the task would read: in EFS mode the bytes the ``config-writer`` init container carries
   (checked against their sha256, as the writer checks them), in S3 mode the object
   ``LITELLM_CONFIG_BUCKET_NAME``/``LITELLM_CONFIG_BUCKET_OBJECT_KEY``;
4. it starts a real LiteLLM proxy with them (``litellm_proxy.LiteLLMProxy``, supervised so that it never
   outlives its starter) on a port chosen in advance, the one ``litellm_endpoint_url`` names;
5. when the service moves to another revision it replaces the proxy, as a rolling deployment replaces tasks.

So the proxy the gate probes runs exactly the config and keys the deployment registered; a wrong key or a
missing model in the deployment shows up as the gate would see it on AWS. Only the container image is not the
same: the proxy is the ``litellm[proxy]`` package installed in this virtualenv.

``LocalService`` runs in the process that starts it, and its proxy ends with that process. ``DetachedService``
(``python3 tools/dev.py deploy --keep``) runs one in a process of its own that outlives its starter, like the
emulator: its pid, port and log live in a state directory, and ``stop()`` ends it and its proxy. It also ends
on its own when the emulator is gone. Command line::

    python -m localaws.runtime serve --state-dir DIR --endpoint URL --cluster NAME --service NAME --port PORT
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
from dataclasses import dataclass
from pathlib import Path

import boto3

from litellm_proxy import LiteLLMProxy, group_alive
from localaws.harness import TOOLS_DIR, pid_alive

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


class LocalService:
    """Runs the ``litellm`` container of one emulated ECS service as a local proxy on ``port``.

    ``start()`` returns at once; a thread waits (up to ``budget`` seconds) for the service to exist and then
    starts the proxy, and whenever the service moves to another task definition (a new config, rotated
    secrets) it replaces the proxy with one run from the new revision. ``stop()`` ends both. ``error`` holds
    what went wrong, if anything did. The service is polled every ``poll`` seconds, and every ``steady_poll``
    seconds (default: ``poll``) once a proxy runs.
    """

    def __init__(self, endpoint: str, cluster: str, service: str, port: int, workdir: Path, *,
                 region: str = "us-east-1", budget: float = 900.0, poll: float = 0.5, steady_poll: float | None = None):
        self.session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        self.endpoint, self.cluster, self.service = endpoint, cluster, service
        self.port, self.workdir, self.budget, self.poll = port, Path(workdir), budget, poll
        self.steady_poll = poll if steady_poll is None else steady_poll
        self.proxy: LiteLLMProxy | None = None
        self.task_definition_arn: str | None = None
        self.revisions: list[str] = []
        self.error: str | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, name: str):
        return self.session.client(name, endpoint_url=self.endpoint)

    def running_task_definition(self) -> str | None:
        ecs = self.client("ecs")
        try:
            services = ecs.describe_services(cluster=self.cluster, services=[self.service])["services"]
        except ecs.exceptions.ClusterNotFoundException:
            return None
        active = [item for item in services if item["status"] == "ACTIVE"]
        return active[0]["taskDefinition"] if active else None

    def _run(self) -> None:
        deadline = time.monotonic() + self.budget
        try:
            while not self._stopping.is_set():
                arn = self.running_task_definition()
                if arn and arn != self.task_definition_arn:
                    self._replace(arn, deadline)
                elif not arn and self.proxy is None and time.monotonic() > deadline:
                    raise LocalServiceError(f"service {self.service} did not appear in cluster {self.cluster} within {self.budget:.0f} s")
                self._stopping.wait(self.steady_poll if self.proxy and self.proxy.running() else self.poll)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # reported to the caller through .error
            self.error = f"{type(exc).__name__}: {exc}"

    def _replace(self, arn: str, deadline: float) -> None:
        """Run the revision ``arn`` instead of the current one, as a rolling deployment replaces a task."""
        definition = self.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
        content, environment = task_inputs(self, definition)
        if self.proxy:
            self.proxy.stop()
        self.task_definition_arn = arn
        self.revisions.append(arn)
        self.proxy = LiteLLMProxy(content, environment, self.workdir / str(len(self.revisions)), port=self.port,
                                  budget=max(deadline - time.monotonic(), 90))
        self.proxy.start(attempts=1)

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
        if self.proxy:
            self.proxy.stop()

    def __enter__(self) -> LocalService:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@dataclass
class DetachedService:
    """A ``LocalService`` in a process of its own (``serve`` below), described by its state directory.

    The process leads its own process group and watches no starter, so it outlives the command that started
    it. Its proxy's supervisor is in a group of its own too (``litellm_proxy``): its pid is in ``litellm.pid``,
    and it ends its proxy when the serving process is gone, however that ended.
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
        """The pid (and process group) of the running proxy's supervisor, written by the serving process."""
        return self.state_dir / "litellm.pid"

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
    def supervisor_pid(self) -> int | None:
        return self._read(self.supervisor_file)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def running(self) -> bool:
        pid = self.pid
        return pid is not None and pid_alive(pid)

    def start(self, endpoint: str, cluster: str, service: str, port: int, *, budget: float = 900.0) -> str:
        """Start serving ``service`` on ``port`` (the proxy itself starts once the service exists); return its URL.

        An instance already running is kept, with its port."""
        if self.running():
            return self.url
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TOOLS_DIR), env.get("PYTHONPATH")]))
        cmd = [sys.executable, "-m", "localaws.runtime", "serve", "--state-dir", str(self.state_dir), "--endpoint", endpoint,
               "--cluster", cluster, "--service", service, "--port", str(port), "--budget", str(budget)]
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
        pid, supervisor = self.pid, self.supervisor_pid
        was_running = pid is not None and pid_alive(pid)
        if was_running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)  # the serving process stops its proxy, then exits
            _wait(lambda: pid_alive(pid), grace)
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _wait(lambda: pid_alive(pid), 10)
        if supervisor is not None and group_alive(supervisor):
            # Normally gone already; after a killed serving process its supervisor ends the proxy (EOF on its pipe).
            was_running = True
            _wait(lambda: group_alive(supervisor), grace)
            if group_alive(supervisor):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(supervisor, signal.SIGKILL)
                _wait(lambda: group_alive(supervisor), 10)
        for path in (self.pid_file, self.port_file, self.supervisor_file):
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
                         steady_poll=2.0)
    print(f"serving service {args.service} of cluster {args.cluster} ({args.endpoint}) on {local.url}", flush=True)
    local.start()
    recorded = None
    try:
        while not stopping.is_set() and local._thread.is_alive():  # pylint: disable=protected-access
            proxy = local.proxy
            if proxy is not None and proxy.pid is not None and proxy.pid != recorded:
                recorded = proxy.pid
                detached.supervisor_file.write_text(f"{recorded}\n", encoding="utf-8")
                print(f"proxy supervisor pid {recorded} runs {local.task_definition_arn}", flush=True)
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
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
