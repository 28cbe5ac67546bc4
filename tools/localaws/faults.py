"""The emulator's fault mode: a share of AWS requests answered the way AWS answers under load, and named actions
denied for good. Off by default.

``Faults`` is WSGI middleware between the request log and moto (``localaws.server`` builds
``faults.control(RequestLog(faults))``), so every faulted request is in the request log with the status it was
answered with. A faulted request is answered here, its body read: moto never sees it, so nothing changes.

Three kinds of transient fault, each answered in the request's protocol with the code its service uses:

* ``throttle``: 400 ``ThrottlingException`` "Rate exceeded" (JSON protocols: ECS, Secrets Manager, Logs, Application
  Auto Scaling), 400 ``Throttling`` (query protocols: IAM, STS, ELBv2, ElastiCache, SNS, CloudWatch), 503
  ``RequestLimitExceeded`` (EC2), 429 ``ThrottlingException`` (EFS), 503 ``SlowDown`` (S3);
* ``500``: ``InternalFailure`` (``InternalError`` on EC2 and S3, ``InternalServerError`` on EFS);
* ``503``: ``ServiceUnavailable`` (``Unavailable`` on EC2).

A service whose own code differs has it (``OVERRIDES``): ECS answers 500 with ``ServerException``, Secrets Manager
with ``InternalServiceError``, IAM with ``ServiceFailure``; Lambda answers a throttle with 429
``TooManyRequestsException``, Organizations with 400 ``TooManyRequestsException``; CloudWatch, a JSON service
compatible with its former query protocol, adds ``x-amzn-query-error: Throttling;Sender``. Every one of these is
retried by botocore's retry modes (standard: ``retries/standard.py``'s throttling codes and 500/502/503/504; legacy:
``data/_retry.json``, which wants EC2's ``RequestLimitExceeded`` with 503, as EC2 sends it).

A deny rule (``{"deny": {"CreateSecret": "AccessDenied"}}``; the key an action, or ``prefix:Action``) answers that
action every time with a permanent error: ``AccessDenied`` is the service's own answer (``AccessDeniedException``
400 on JSON protocols, 403 ``AccessDenied`` on query protocols and S3, 403 ``UnauthorizedOperation`` on EC2, 403
``AccessDeniedException`` on EFS); any other value is used as the error code, with 400.

Switched at run time over HTTP on the emulator's port (``Emulator.faults`` in ``localaws.harness``)::

    POST /_localaws/faults  {"rate": 0.1, "seed": 7, "kinds": ["throttle", "500", "503"], "deny": {...}}
    POST /_localaws/faults  {"rate": 0}                 # off (every POST replaces all the settings)
    GET  /_localaws/faults  -> {"settings": {...}, "counts": {"requests": N, "throttle": N, "500": N, "503": N, "deny": N}}

A POST restarts the seeded generator and the counts, so a seed gives the same faults to the same sequence of
requests. Requests to moto's ``/moto-api/`` and to ``/_localaws/`` are never faulted.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from urllib.parse import parse_qs

from localaws.requestlog import RequestLog, read_request

FAULTS_PATH = "/_localaws/faults"
KINDS = ("throttle", "500", "503")
ACCOUNT = "123456789012"  # moto's default account

_REASONS = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}
_SERVER_FAILURE = "The request processing has failed because of an unknown error, exception or failure."
_UNAVAILABLE = "The request has failed due to a temporary failure of the server."

# (HTTP status, error code, message) of each kind, by the protocol of the request.
ANSWERS = {
    "json": {
        "throttle": (400, "ThrottlingException", "Rate exceeded"),
        "500": (500, "InternalFailure", _SERVER_FAILURE),
        "503": (503, "ServiceUnavailable", _UNAVAILABLE),
        "AccessDenied": (400, "AccessDeniedException", None),
    },
    "query": {
        "throttle": (400, "Throttling", "Rate exceeded"),
        "500": (500, "InternalFailure", _SERVER_FAILURE),
        "503": (503, "ServiceUnavailable", _UNAVAILABLE),
        "AccessDenied": (403, "AccessDenied", None),
    },
    "ec2": {
        "throttle": (503, "RequestLimitExceeded", "Request limit exceeded."),
        "500": (500, "InternalError", "An internal error has occurred."),
        "503": (503, "Unavailable", "The server is overloaded and can't handle the request."),
        "AccessDenied": (403, "UnauthorizedOperation", None),
    },
    "rest-json": {
        "throttle": (429, "ThrottlingException", "Rate exceeded"),
        "500": (500, "InternalServerError", _SERVER_FAILURE),
        "503": (503, "ServiceUnavailable", _UNAVAILABLE),
        "AccessDenied": (403, "AccessDeniedException", None),
    },
    "rest-xml": {
        "throttle": (503, "SlowDown", "Please reduce your request rate."),
        "500": (500, "InternalError", "We encountered an internal error. Please try again."),
        "503": (503, "ServiceUnavailable", "Service is unable to handle request."),
        "AccessDenied": (403, "AccessDenied", "Access Denied"),
    },
}

# A service's own answer where it differs from its protocol's (each from the service's API reference or its botocore
# model's error shapes); the service as IAM's action prefix names it (``localaws.requestlog.describe``).
OVERRIDES = {
    ("ecs", "500"): (500, "ServerException", "Service encountered an internal error."),
    ("secretsmanager", "500"): (500, "InternalServiceError", "An error occurred on the server side."),
    ("application-autoscaling", "500"): (500, "InternalServiceException", "The service encountered an internal error."),
    ("logs", "503"): (503, "ServiceUnavailableException", "The service cannot complete the request."),
    ("iam", "500"): (500, "ServiceFailure", _SERVER_FAILURE),
    ("sns", "500"): (500, "InternalError", "Internal service error."),
    ("cloudwatch", "throttle"): (400, "Throttling", "Rate exceeded"),
    ("cloudwatch", "500"): (500, "InternalServiceError", _SERVER_FAILURE),
    ("cloudwatch", "AccessDenied"): (403, "AccessDenied", None),
    ("lambda", "throttle"): (429, "TooManyRequestsException", "Rate exceeded"),
    ("organizations", "throttle"): (400, "TooManyRequestsException", "Rate exceeded"),
}
# JSON services that still name their errors as their former query protocol did (botocore model: awsQueryCompatible).
QUERY_COMPATIBLE = {"cloudwatch", "sqs"}


def protocol(environ: dict, service: str, body: bytes) -> str:
    """The protocol of one AWS request ("" for one the fault mode cannot answer in kind: RPC v2 CBOR)."""
    if environ.get("HTTP_SMITHY_PROTOCOL"):
        return ""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    query = parse_qs(environ.get("QUERY_STRING", ""))
    form = parse_qs(body.decode("utf-8", "replace")) if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") else {}
    if "Action" in query or "Action" in form:
        return "ec2" if service == "ec2" else "query"
    return "rest-xml" if service == "s3" else "rest-json"


def answer(kind: str, environ: dict, service: str, action: str, body: bytes = b"") -> tuple[str, list, bytes]:
    """(status line, headers, body) of the error ``kind`` (a fault kind, ``AccessDenied`` or an error code) for one
    request of ``service`` (``action``), as that service answers it."""
    proto = protocol(environ, service, body) or "json"
    table = ANSWERS[proto]
    if (service, kind) in OVERRIDES:
        status, code, message = OVERRIDES[(service, kind)]
    elif kind in table:
        status, code, message = table[kind]
    else:
        status, code, message = 400, kind, f"Denied by the emulator's fault mode (a deny rule on {action})."
    if message is None:
        message = (f"User: arn:aws:iam::{ACCOUNT}:user/localaws is not authorized to perform: {service}:{action} "
                   f"because no identity-based policy allows the {service}:{action} action")
    request_id = str(uuid.uuid4())
    sender = status < 500
    if proto in ("json", "rest-json"):
        headers = [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
        if proto == "json":
            headers.append(("Content-Type", environ.get("CONTENT_TYPE") or "application/x-amz-json-1.1"))
            payload = {"__type": code, "message": message}
            if service in QUERY_COMPATIBLE:
                headers.append(("x-amzn-query-error", f"{code};{'Sender' if sender else 'Receiver'}"))
        else:
            headers.append(("Content-Type", "application/json"))
            payload = {"ErrorCode": code, "Message": message}
        data = json.dumps(payload).encode()
    elif proto == "ec2":
        headers = [("Content-Type", "text/xml;charset=UTF-8")]
        data = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{_xml(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
    elif proto == "query":
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        data = (f"<ErrorResponse><Error><Type>{'Sender' if sender else 'Receiver'}</Type><Code>{code}</Code>"
                f"<Message>{_xml(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    else:
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
        data = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{_xml(message)}</Message>'
                f"<RequestId>{request_id}</RequestId></Error>").encode()
    headers.append(("Content-Length", str(len(data))))
    return f"{status} {_REASONS.get(status, 'Error')}", headers, data


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FaultMode:
    """The settings of the fault mode, its seeded generator and its counts; safe to share between threads."""

    def __init__(self, rate: float = 0.0, seed: int | None = 0, kinds=KINDS, deny: dict | None = None):
        self.rate = rate
        self.seed = seed
        self.kinds = tuple(kinds)
        self.deny = dict(deny or {})
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.counts = dict.fromkeys(("requests", *KINDS, "deny"), 0)

    @classmethod
    def from_settings(cls, settings: dict) -> FaultMode:
        """A fault mode from the JSON of a POST; ``ValueError`` says what is wrong with it."""
        if not isinstance(settings, dict):
            raise ValueError("the settings are a JSON object")
        unknown = set(settings) - {"rate", "seed", "kinds", "deny"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; expected rate, seed, kinds, deny")
        rate = settings.get("rate", 0.0)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"rate is a share of requests from 0 to 1, not {rate!r}")
        seed = settings.get("seed", 0)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed is an integer or null, not {seed!r}")
        kinds = settings.get("kinds", list(KINDS))
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(KINDS):
            raise ValueError(f"kinds is a non-empty list of {list(KINDS)}, not {kinds!r}")
        deny = settings.get("deny") or {}
        if not isinstance(deny, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in deny.items()):
            raise ValueError(f'deny maps actions to error codes ({{"CreateSecret": "AccessDenied"}}), not {deny!r}')
        return cls(float(rate), seed, kinds, deny)

    @property
    def on(self) -> bool:
        return self.rate > 0 or bool(self.deny)

    def choose(self, service: str, action: str) -> str | None:
        """The fault to answer a request of ``service`` naming ``action`` with: a kind, a deny rule's error, or None."""
        with self._lock:
            self.counts["requests"] += 1
            denied = self.deny.get(f"{service}:{action}") or self.deny.get(action)
            if denied:
                self.counts["deny"] += 1
                return denied
            if self.rate and self._random.random() < self.rate:
                kind = self._random.choice(self.kinds)
                self.counts[kind] += 1
                return kind
            return None

    def report(self) -> dict:
        with self._lock:
            return {"settings": {"rate": self.rate, "seed": self.seed, "kinds": list(self.kinds), "deny": dict(self.deny)},
                    "on": self.on, "counts": dict(self.counts)}


class Faults:
    """WSGI middleware that answers the requests its ``FaultMode`` chooses, and passes the rest to ``app``."""

    def __init__(self, app, mode: FaultMode | None = None):
        self.app = app
        self.mode = mode or FaultMode()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        mode = self.mode
        if not mode.on or path.startswith(("/moto-api", "/_localaws/")):
            return self.app(environ, start_response)
        service, action, body = read_request(environ)
        if not service or not protocol(environ, service, body):
            return self.app(environ, start_response)
        kind = mode.choose(service, action)
        if kind is None:
            return self.app(environ, start_response)
        status, headers, data = answer(kind, environ, service, action, body)
        start_response(status, headers)
        return [data]

    def control(self, app):
        """A WSGI application serving ``FAULTS_PATH`` and passing every other request to ``app``."""

        def route(environ, start_response):
            if environ.get("PATH_INFO", "") == FAULTS_PATH:
                return self._serve(environ, start_response)
            return app(environ, start_response)

        return route

    def _serve(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        status = "200 OK"
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b"{}"
            try:
                self.mode = FaultMode.from_settings(json.loads(raw or b"{}"))
                result = self.mode.report()
            except ValueError as exc:  # json.JSONDecodeError is one
                status, result = "400 Bad Request", {"error": str(exc)}
        elif method == "GET":
            result = self.mode.report()
        else:
            status, result = "405 Method Not Allowed", {"error": "GET or POST"}
        data = json.dumps(result).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


def install(app):
    """moto's WSGI application ``app`` behind the fault mode and the request log: what the emulator serves."""
    faults = Faults(app)
    return faults.control(RequestLog(faults))
