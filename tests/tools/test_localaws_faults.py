"""The emulator's fault mode (localaws.faults): AWS's throttling and server errors, as botocore parses and retries them."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler
from wsgiref.simple_server import make_server

import boto3
import botocore.config
import botocore.retries.standard
import botocore.retryhandler
import pytest
from botocore.exceptions import ClientError

from localaws.faults import FAULTS_PATH
from localaws.faults import FaultMode
from localaws.faults import Faults
from localaws.faults import install
from localaws.requestlog import LOG_PATH

AUTH = "AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x"


def environ(service, path="/", target="", body=b""):
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "HTTP_AUTHORIZATION": AUTH.format(service=service),
           "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if target:
        env["HTTP_X_AMZ_TARGET"], env["CONTENT_TYPE"] = target, "application/x-amz-json-1.1"
    else:
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    return env


class Backend:
    """Stands for moto: counts the requests that reach it and answers each with 200."""

    def __init__(self):
        self.calls = []

    def __call__(self, env, start_response):
        self.calls.append(env["wsgi.input"].read(int(env.get("CONTENT_LENGTH") or 0)))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def call(app, env):
    answered = {}
    body = b"".join(app(env, lambda status, headers, exc_info=None: answered.update(status=status, headers=dict(headers))))
    return int(answered["status"].split()[0]), answered["headers"], body


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture(name="server")
def fixture_server():
    """The emulator's composition (fault mode between the request log and moto) around a Backend, on a loopback port."""
    backend = Backend()
    httpd = make_server("127.0.0.1", 0, install(backend), handler_class=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_port}"

    def control(settings=None):
        data = None if settings is None else json.dumps(settings).encode()
        with urllib.request.urlopen(urllib.request.Request(url + FAULTS_PATH, data=data), timeout=10) as answer:
            return json.loads(answer.read())

    def log():
        with urllib.request.urlopen(url + LOG_PATH, timeout=10) as answer:
            return json.loads(answer.read())

    yield type("Server", (), {"url": url, "backend": backend, "control": staticmethod(control), "log": staticmethod(log)})
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(name="no_backoff")
def fixture_no_backoff(monkeypatch):
    """botocore retries at once (both retry modes): the tests count retries, they do not wait for them."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(botocore.retryhandler, "delay_exponential", lambda base, growth_factor, attempts: 0)


def client(url, service, mode="standard", attempts=1):
    config = botocore.config.Config(retries={"mode": mode, "total_max_attempts": attempts})
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=config)


# (service, (operation, arguments), fault kind, error code botocore reads, HTTP status)
ANSWERED = [
    ("ecs", ("list_clusters", {}), "throttle", "ThrottlingException", 400),
    ("ecs", ("list_clusters", {}), "500", "ServerException", 500),
    ("ecs", ("list_clusters", {}), "503", "ServiceUnavailable", 503),
    ("secretsmanager", ("list_secrets", {}), "throttle", "ThrottlingException", 400),
    ("secretsmanager", ("list_secrets", {}), "500", "InternalServiceError", 500),
    ("logs", ("describe_log_groups", {}), "throttle", "ThrottlingException", 400),
    ("logs", ("describe_log_groups", {}), "503", "ServiceUnavailableException", 503),
    ("application-autoscaling", ("describe_scalable_targets", {"ServiceNamespace": "ecs"}), "throttle", "ThrottlingException", 400),
    ("iam", ("list_roles", {}), "throttle", "Throttling", 400),
    ("iam", ("list_roles", {}), "500", "ServiceFailure", 500),
    ("iam", ("list_roles", {}), "503", "ServiceUnavailable", 503),
    ("sts", ("get_caller_identity", {}), "throttle", "Throttling", 400),
    ("elbv2", ("describe_load_balancers", {}), "throttle", "Throttling", 400),
    ("elbv2", ("describe_load_balancers", {}), "500", "InternalFailure", 500),
    ("elasticache", ("describe_replication_groups", {}), "throttle", "Throttling", 400),
    ("cloudwatch", ("describe_alarms", {}), "throttle", "Throttling", 400),
    ("ec2", ("describe_vpcs", {}), "throttle", "RequestLimitExceeded", 503),
    ("ec2", ("describe_vpcs", {}), "500", "InternalError", 500),
    ("ec2", ("describe_vpcs", {}), "503", "Unavailable", 503),
    ("efs", ("describe_file_systems", {}), "throttle", "ThrottlingException", 429),
    ("efs", ("describe_file_systems", {}), "500", "InternalServerError", 500),
    ("s3", ("list_buckets", {}), "throttle", "SlowDown", 503),
    ("lambda", ("list_functions", {}), "throttle", "TooManyRequestsException", 429),
]


@pytest.mark.parametrize("service, request_, kind, code, status", ANSWERED, ids=[f"{c[0]}-{c[2]}" for c in ANSWERED])
def test_faults_parse_as_the_services_own_errors_and_both_retry_modes_retry_them(server, no_backoff, service, request_, kind,
                                                                                 code, status):
    operation, arguments = request_
    server.control({"rate": 1, "kinds": [kind]})
    with pytest.raises(ClientError) as raised:
        getattr(client(server.url, service), operation)(**arguments)
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert error["Error"]["Message"]
    for mode in ("standard", "legacy"):  # standard: ours and botocore's default; legacy: AWS_RETRY_MODE=legacy
        before = len(server.log())
        with pytest.raises(ClientError):
            getattr(client(server.url, service, mode, attempts=3), operation)(**arguments)
        assert [entry["status"] for entry in server.log()[before:]] == [status] * 3, mode
    assert server.backend.calls == []  # nothing reached moto
    assert server.control()["counts"][kind] == 7


# (service, operation and its arguments, deny rule, error code, HTTP status)
DENIED = [
    ("ecs", ("create_cluster", {"clusterName": "c"}), {"CreateCluster": "AccessDenied"}, "AccessDeniedException", 400),
    ("secretsmanager", ("create_secret", {"Name": "s", "SecretString": "x"}), {"secretsmanager:CreateSecret": "AccessDenied"},
     "AccessDeniedException", 400),
    ("iam", ("create_role", {"RoleName": "r", "AssumeRolePolicyDocument": "{}"}), {"CreateRole": "AccessDenied"}, "AccessDenied", 403),
    ("ec2", ("create_security_group", {"GroupName": "g", "Description": "d"}), {"CreateSecurityGroup": "AccessDenied"},
     "UnauthorizedOperation", 403),
    ("efs", ("create_file_system", {"CreationToken": "t"}), {"CreateFileSystem": "AccessDenied"}, "AccessDeniedException", 403),
    ("logs", ("create_log_group", {"logGroupName": "g"}), {"CreateLogGroup": "ResourceAlreadyExistsException"},
     "ResourceAlreadyExistsException", 400),
]


@pytest.mark.parametrize("service, request_, deny, code, status", DENIED, ids=[c[0] for c in DENIED])
def test_a_deny_rule_answers_a_permanent_error_that_is_not_retried(server, no_backoff, service, request_, deny, code, status):
    server.control({"deny": deny})
    operation, arguments = request_
    with pytest.raises(ClientError) as raised:
        getattr(client(server.url, service, attempts=5), operation)(**arguments)
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert [entry["status"] for entry in server.log()] == [status]  # once: not retried
    assert server.control()["counts"]["deny"] == 1 and server.backend.calls == []


def test_access_denied_names_the_action_as_iam_does(server):
    server.control({"deny": {"CreateSecret": "AccessDenied"}})
    with pytest.raises(ClientError) as raised:
        client(server.url, "secretsmanager").create_secret(Name="s", SecretString="x")
    assert "is not authorized to perform: secretsmanager:CreateSecret" in raised.value.response["Error"]["Message"]


def test_rate_0_faults_nothing():
    backend = Backend()
    faults = Faults(backend, FaultMode(rate=0.0, seed=1, deny={"DeleteCluster": "AccessDenied"}))
    answers = [call(faults, environ("ecs", target=f"AmazonEC2ContainerServiceV20141113.{action}", body=b"{}"))[0]
               for action in ("ListClusters", "CreateCluster", "DescribeClusters") * 20]
    assert answers == [200] * 60 and len(backend.calls) == 60
    assert faults.mode.counts == {"requests": 60, "throttle": 0, "500": 0, "503": 0, "deny": 0}
    assert call(Faults(backend), environ("iam", body=b"Action=ListRoles"))[0] == 200  # off by default
    assert Faults(backend).mode.report()["on"] is False


def test_rate_1_faults_every_aws_request_and_counts_each_kind():
    backend = Backend()
    faults = Faults(backend, FaultMode(rate=1.0, seed=3))
    requests = [environ("ecs", target="AmazonEC2ContainerServiceV20141113.ListClusters", body=b"{}"),
                environ("iam", body=b"Action=ListRoles&Version=2010-05-08"), environ("ec2", body=b"Action=DescribeVpcs"),
                environ("elasticfilesystem", path="/2015-02-01/file-systems")] * 15
    statuses = [call(faults, env)[0] for env in requests]
    assert backend.calls == [] and all(status >= 400 for status in statuses)
    counts = faults.mode.counts
    assert counts["requests"] == 60 and counts["throttle"] + counts["500"] + counts["503"] == 60
    assert all(counts[kind] > 0 for kind in ("throttle", "500", "503"))


def test_a_faulted_request_is_answered_without_reaching_the_backend_and_its_body_is_read():
    backend = Backend()
    faults = Faults(backend, FaultMode(rate=1.0, kinds=["throttle"]))
    env = environ("secretsmanager", target="secretsmanager.CreateSecret", body=b'{"Name": "s"}')
    status, headers, body = call(faults, env)
    assert (status, json.loads(body)["__type"], headers["x-amzn-ErrorType"]) == (400, "ThrottlingException", "ThrottlingException")
    assert env["wsgi.input"].read() == b'{"Name": "s"}' and backend.calls == []


def faulted(mode, n=200):
    return [mode.choose("ecs", "ListClusters") for dummy in range(n)]


def test_the_seed_makes_the_faults_reproducible(server):
    assert faulted(FaultMode(rate=0.3, seed=7)) == faulted(FaultMode(rate=0.3, seed=7))
    assert faulted(FaultMode(rate=0.3, seed=7)) != faulted(FaultMode(rate=0.3, seed=8))
    sequence = faulted(FaultMode(rate=0.3, seed=7, kinds=["throttle", "503"]))
    assert {kind for kind in sequence if kind} == {"throttle", "503"} and 20 < sum(map(bool, sequence)) < 100
    # Over HTTP: each POST restarts the generator, so the same settings fault the same requests.
    seen = []
    for dummy in range(2):
        server.control({"rate": 0.5, "seed": 11})
        seen.append([post(server.url, "ecs", "AmazonEC2ContainerServiceV20141113.ListClusters") for dummy in range(20)])
    assert seen[0] == seen[1] and 400 in seen[0] and 200 in seen[0]
    assert [entry["status"] for entry in server.log()] == seen[0] + seen[1]


def post(url, service, target):
    """The HTTP status of one JSON-protocol request (signed in name only: the fault mode reads the credential scope)."""
    request = urllib.request.Request(url + "/", data=b"{}", headers={
        "Authorization": AUTH.format(service=service), "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_moto_api_and_localaws_paths_are_never_faulted(server):
    server.control({"rate": 1})
    with urllib.request.urlopen(server.url + "/moto-api/data.json", timeout=10) as answer:
        assert answer.status == 200
    assert server.log() == []  # the log is served, and it logs no moto-api request
    backend = Backend()
    faults = Faults(backend, FaultMode(rate=1.0))
    for path in ("/moto-api/reset", "/_localaws/anything"):
        assert call(faults, environ("ecs", path=path, target="AmazonEC2ContainerServiceV20141113.ListClusters"))[0] == 200
    assert len(backend.calls) == 2 and faults.mode.counts["requests"] == 0


def test_the_control_endpoint_reports_and_rejects_bad_settings(server):
    report = server.control()
    assert report == {"settings": {"rate": 0.0, "seed": 0, "kinds": ["throttle", "500", "503"], "deny": {}}, "on": False,
                      "counts": {"requests": 0, "throttle": 0, "500": 0, "503": 0, "deny": 0}}
    assert server.control({"rate": 0.25, "seed": 5, "kinds": ["503"]})["settings"]["rate"] == 0.25
    for bad in ({"rate": 2}, {"rate": "x"}, {"kinds": ["timeout"]}, {"deny": ["CreateSecret"]}, {"speed": 1}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.control(bad)
        assert refused.value.code == 400 and json.loads(refused.value.read())["error"]
    assert server.control()["settings"] == {"rate": 0.25, "seed": 5, "kinds": ["503"], "deny": {}}  # unchanged
    assert server.control({"rate": 0})["on"] is False


def seed_for(pattern, rate=0.5):
    """A seed whose first draws fault (True) or pass (False) as ``pattern`` says."""
    return next(seed for seed in range(1000)
                if [bool(kind) for kind in faulted(FaultMode(rate=rate, seed=seed), len(pattern))] == list(pattern))


def test_standard_retries_carry_a_throttled_call_through_on_the_emulator(emulator, no_backoff):
    seed = seed_for([True, True, False])
    ecs = client(emulator.endpoint, "ecs", attempts=3)
    start = len(emulator.requests())
    with emulator.faulty(rate=0.5, seed=seed, kinds=["throttle"]):
        assert "clusterArns" in ecs.list_clusters()
        assert emulator.fault_counts()["throttle"] == 2
    assert [(e["action"], e["status"]) for e in emulator.requests(start)] == [("ListClusters", 400)] * 2 + [("ListClusters", 200)]
    assert emulator.fault_counts()["requests"] == 0  # switched off after the block


def test_a_denied_call_fails_at_once_and_changes_nothing_on_the_emulator(emulator, aws):
    secrets = client(emulator.endpoint, "secretsmanager", attempts=10)
    start = len(emulator.requests())
    with emulator.faulty(deny={"CreateSecret": "AccessDenied"}):
        with pytest.raises(ClientError) as raised:
            secrets.create_secret(Name="faults/denied", SecretString="x")
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert [(e["action"], e["status"]) for e in emulator.requests(start)] == [("CreateSecret", 400)]
    names = [s["Name"] for s in aws("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]]
    assert "faults/denied" not in names
