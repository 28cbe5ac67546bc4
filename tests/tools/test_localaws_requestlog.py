"""The emulator's request log names each request by the service and action AWS would."""

from __future__ import annotations

import io
import json

from localaws.requestlog import LOG_PATH, RequestLog, describe, rest_action

AUTH = "AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x"


def environ(service, method="POST", path="/", query="", body=b"", **headers):
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "HTTP_AUTHORIZATION": AUTH.format(service=service),
           "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    env.update({f"HTTP_{key.upper()}": value for key, value in headers.items()})
    if "content_type" in headers:
        env["CONTENT_TYPE"] = headers["content_type"]
    return env


def test_json_protocol_action_comes_from_the_target_header():
    env = environ("ecs", X_AMZ_TARGET="AmazonEC2ContainerServiceV20141113.CreateService")
    assert describe(env, b"{}") == ("ecs", "CreateService")


def test_query_protocol_action_comes_from_the_form_body_or_the_query_string():
    body = b"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=x"
    assert describe(environ("ec2", body=body, content_type="application/x-www-form-urlencoded"), body) == ("ec2", "CreateSecurityGroup")
    assert describe(environ("iam", method="GET", query="Action=GetRole&RoleName=r"), b"") == ("iam", "GetRole")


def test_signing_names_become_iam_action_prefixes():
    body = b"Action=PutMetricAlarm"
    assert describe(environ("monitoring", body=body, content_type="application/x-www-form-urlencoded"), body)[0] == "cloudwatch"


def test_rest_operations_are_matched_by_method_path_query_and_required_headers():
    assert rest_action("elasticfilesystem", "POST", "/2015-02-01/file-systems", {}, set()) == "CreateFileSystem"
    assert rest_action("elasticfilesystem", "GET", "/2015-02-01/file-systems", {}, set()) == "DescribeFileSystems"
    assert rest_action("elasticfilesystem", "DELETE", "/2015-02-01/access-points/fsap-1", {}, set()) == "DeleteAccessPoint"
    assert rest_action("s3", "PUT", "/bucket-1", {}, set()) == "CreateBucket"
    assert rest_action("s3", "PUT", "/bucket-1", {"versioning": [""]}, set()) == "PutBucketVersioning"
    assert rest_action("s3", "PUT", "/bucket-1/a/b.yaml", {}, set()) == "PutObject"
    assert rest_action("s3", "PUT", "/bucket-1/a/b.yaml", {}, {"x-amz-copy-source"}) == "CopyObject"
    assert rest_action("unknown-service", "GET", "/", {}, set()) == ""


def test_the_log_records_each_request_with_its_status_and_serves_itself():
    def app(env, start_response):
        start_response("404 Not Found", [])
        return [env["wsgi.input"].read()]  # the body is still there for moto

    log = RequestLog(app, clock=lambda: 42.0)
    body = b"Action=DescribeVpcs"
    answer = log(environ("ec2", body=body, content_type="application/x-www-form-urlencoded"), lambda status, headers, exc=None: None)
    assert answer == [body]
    assert log(environ("ec2", method="GET", path="/moto-api/data.json"), lambda *a: None) == [b""]  # moto's own API: not logged
    assert log.entries == [{"time": 42.0, "service": "ec2", "action": "DescribeVpcs", "status": 404}]
    served = {}
    (payload,) = log({"PATH_INFO": LOG_PATH, "QUERY_STRING": "since=0"}, lambda status, headers: served.update(status=status))
    assert served["status"] == "200 OK" and json.loads(payload) == log.entries
    (later,) = log({"PATH_INFO": LOG_PATH, "QUERY_STRING": "since=1"}, lambda status, headers: None)
    assert json.loads(later) == []


def test_mutating_actions_are_told_from_reads_by_their_verb():
    from localaws.requestlog import mutating, mutations  # pylint: disable=import-outside-toplevel

    for action in ("CreateService", "PutSecretValue", "UpdateService", "DeleteFileSystem", "RegisterTaskDefinition",
                   "DeregisterTargets", "AttachRolePolicy", "DetachRolePolicy", "TagResource", "UntagResource",
                   "ModifyLoadBalancerAttributes", "RunTask", "StopTask", "SetSubnets", "AuthorizeSecurityGroupIngress",
                   "RevokeSecurityGroupEgress", "RestoreSecret", "RotateSecret", "AddTagsToResource", "PutObject",
                   ""):  # a request the log could not name: not provably a read
        assert mutating(action), action
    for action in ("DescribeServices", "GetSecretValue", "ListTagsForResource", "HeadObject", "GetCallerIdentity",
                   "DescribeReplicationGroups", "ListTaskDefinitions", "SimulatePrincipalPolicy", "Settings", "Runtime",
                   "Tagged"):
        assert not mutating(action), action
    log = [{"action": "DescribeServices"}, {"action": "CreateService"}, {"action": "GetRole"}]
    assert mutations(log) == [{"action": "CreateService"}]
