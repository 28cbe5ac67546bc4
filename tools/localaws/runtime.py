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
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from pathlib import Path

import boto3

from litellm_proxy import LiteLLMProxy

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
    what went wrong, if anything did.
    """

    def __init__(self, endpoint: str, cluster: str, service: str, port: int, workdir: Path, *,
                 region: str = "us-east-1", budget: float = 900.0, poll: float = 0.5):
        self.session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        self.endpoint, self.cluster, self.service = endpoint, cluster, service
        self.port, self.workdir, self.budget, self.poll = port, Path(workdir), budget, poll
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
                self._stopping.wait(self.poll)
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
