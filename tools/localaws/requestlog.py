"""The emulator's request log: every AWS request it serves, as service, action, time and status.

``RequestLog`` wraps moto's WSGI application. It names each request the way AWS does:

* the service from the SigV4 credential scope (``Credential=KEY/DATE/REGION/SERVICE/aws4_request``);
* the action from the ``X-Amz-Target`` header (JSON protocols: ECS, Secrets Manager, Logs, ...), else from the
  ``Action`` parameter (query protocols: EC2, IAM, STS, ELBv2, SNS, CloudWatch), else by matching the method and
  path against the service's REST operations in botocore's own model (EFS, S3).

The log is read over HTTP from the same port: ``GET /_localaws/requests`` returns every entry as JSON
(``?since=N`` the entries from index N on). Requests to moto's own ``/moto-api/`` and to ``/_localaws/`` are not
AWS requests and are not logged. Tests and the benchmark read it through ``localaws.harness.Emulator.requests``.

Which actions change something is decided here once (``mutating``): an action whose name starts with a verb that
writes (Create, Put, Update, Delete, Register, ...). Everything else (Describe, Get, List, ...) only reads.
"""

from __future__ import annotations

import functools
import io
import json
import re
import threading
import time
from urllib.parse import parse_qs

LOG_PATH = "/_localaws/requests"
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


# SigV4 signing names that differ from the IAM action prefix, and from botocore's model name (REST services only:
# query and JSON protocols name their action in the request itself).
_IAM_PREFIX = {"monitoring": "cloudwatch"}
_MODEL_NAME = {"elasticfilesystem": "efs", "s3": "s3"}


# The verbs of AWS action names that change something. Every action the collection calls that does not start with one
# of these only reads (Describe*, Get*, List*, Head*, Lookup*, Simulate*, Test*, Validate*, Estimate*, Batch*Get*).
MUTATING_VERBS = (
    "Create", "Put", "Update", "Delete", "Register", "Deregister", "Attach", "Detach", "Tag", "Untag", "Modify", "Run",
    "Start", "Stop", "Set", "Add", "Remove", "Associate", "Disassociate", "Authorize", "Revoke", "Enable", "Disable",
    "Restore", "Rotate", "Cancel", "Reboot", "Reset", "Replace", "Restore", "Copy", "Upload", "Import", "Execute",
    "Invoke", "Publish", "Submit", "Apply", "Increase", "Decrease", "Change", "Rebuild", "Terminate", "Allocate",
    "Release", "Accept", "Reject", "Upgrade", "Failover", "Promote", "Purge", "Send", "Merge", "Move", "Subscribe",
    "Unsubscribe", "Confirm", "Complete", "Abort", "Rebalance", "Initiate", "Discard",
)
_MUTATING = re.compile(r"^(?:%s)(?=[A-Z]|$)" % "|".join(sorted(set(MUTATING_VERBS), key=len, reverse=True)))


def mutating(action: str) -> bool:
    """Whether the AWS action ``action`` (``CreateService``, ``DescribeServices``, ...) changes something. A request the
    log could not name (``""``) counts as a change: no checker can prove it a read."""
    return not action or bool(_MUTATING.match(action))


def mutations(entries: list[dict]) -> list[dict]:
    """The entries of a request log whose action changes something."""
    return [entry for entry in entries if mutating(entry["action"])]


@functools.lru_cache(maxsize=None)
def _rest_operations(signing_name: str) -> list[tuple[str, re.Pattern, frozenset, frozenset, str]]:
    """(method, path pattern, query keys, headers required, operation) for each REST operation of a service, the
    most specific first (more required query keys and headers, then more literal path characters)."""
    import botocore.session  # pylint: disable=import-outside-toplevel

    if signing_name not in _MODEL_NAME:
        return []
    model = botocore.session.get_session().get_service_model(_MODEL_NAME[signing_name])
    operations = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        path, query = (operation.http.get("requestUri", "/").split("?", 1) + [""])[:2]
        pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.sub(r"\\\{[^}+]+\\\}", "[^/]+", re.escape(path.rstrip("/") or "/")))
        keys = frozenset(item.split("=")[0] for item in query.split("&") if item)
        shape = operation.input_shape
        headers = frozenset(
            shape.members[member].serialization["name"].lower() for member in (shape.required_members if shape else [])
            if shape.members[member].serialization.get("location") == "header")
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        rank = 1000 * (len(keys) + len(headers)) + literal
        operations.append((rank, operation.http.get("method", "GET"), re.compile(f"^{pattern}/?$"), keys, headers, name))
    operations.sort(key=lambda item: -item[0])
    return [item[1:] for item in operations]


def rest_action(signing_name: str, method: str, path: str, query: dict, headers: set[str]) -> str:
    """The REST operation that ``method`` on ``path`` with ``query`` and ``headers`` names ("" when none does)."""
    for op_method, pattern, keys, required_headers, name in _rest_operations(signing_name):
        if op_method == method and pattern.match(path) and keys <= set(query) and required_headers <= headers:
            return name
    return ""


def describe(environ: dict, body: bytes) -> tuple[str, str]:
    """(service, action) of one WSGI request; the service as IAM's action prefix names it."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    signing_name = scope.group(1) if scope else ""
    service = _IAM_PREFIX.get(signing_name, signing_name)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return service, target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "Action" in query:
        return service, query["Action"][0]
    if body and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return service, form["Action"][0]
    headers = {key[5:].replace("_", "-").lower() for key in environ if key.startswith("HTTP_")}
    return service, rest_action(signing_name, environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"), query, headers)


_REQUEST_KEY = "localaws.request"


def read_request(environ: dict) -> tuple[str, str, bytes]:
    """(service, action, body) of one WSGI request, read and named once: the body is put back for the application, and
    the answer kept in ``environ`` for every later middleware (the request log and the fault mode both ask)."""
    if _REQUEST_KEY not in environ:
        body = b""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        environ[_REQUEST_KEY] = (*describe(environ, body), body)
    return environ[_REQUEST_KEY]


class RequestLog:
    """WSGI middleware that records each AWS request before moto answers it."""

    def __init__(self, app, clock=time.time):
        self.app = app
        self.clock = clock
        self.entries: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == LOG_PATH:
            return self._serve(environ, start_response)
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        service, action, _body = read_request(environ)
        entry = {"time": self.clock(), "service": service, "action": action, "status": 0}
        with self._lock:
            self.entries.append(entry)

        def recording_start_response(status, headers, exc_info=None):
            entry["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)

    def _serve(self, environ, start_response):
        since = parse_qs(environ.get("QUERY_STRING", "")).get("since", ["0"])[0]
        with self._lock:
            body = json.dumps(self.entries[int(since):]).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
