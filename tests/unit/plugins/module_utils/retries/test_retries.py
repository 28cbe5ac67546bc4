"""Clients' retries: throttling and 5xx answers are retried with backoff, a permanent error fails at the first answer.

The answers come from a ``before-send`` handler (botocore's own hook for answering a request without the network),
so botocore's real retry handler decides; the sleeps between attempts are recorded, not slept.
"""

from __future__ import annotations

import boto3
import botocore.awsrequest
import botocore.endpoint
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries

OK = b'{"clusters": [], "failures": []}'


class Answers:
    """Answer each request with the next (status, error code) of ``script``; the last one repeats."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = 0

    def __call__(self, request, **kwargs):
        status, code = self.script[min(self.requests, len(self.script) - 1)]
        self.requests += 1
        body = OK if status == 200 else (f'{{"__type": "{code}", "message": "{code} answer"}}'.encode() if code else b"")
        return botocore.awsrequest.AWSResponse(request.url, status, {"x-amzn-RequestId": "r"}, RawBody(body))


class RawBody:
    def __init__(self, body):
        self.body = body

    def stream(self, **kwargs):
        yield self.body

    def read(self, *args):
        body, self.body = self.body, b""
        return body


@pytest.fixture(name="sleeps")
def fixture_sleeps(monkeypatch):
    slept = []

    class Time:
        @staticmethod
        def sleep(seconds):
            slept.append(seconds)

        def __getattr__(self, name):
            import time

            return getattr(time, name)

    monkeypatch.setattr(botocore.endpoint, "time", Time())
    return slept


def ecs_client(answers, max_attempts=retries.MAX_ATTEMPTS):
    client = boto3.client("ecs", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing",
                          endpoint_url="http://127.0.0.1:9", config=retries.retry_config(max_attempts))
    client.meta.events.register("before-send", answers)
    return client


@pytest.mark.parametrize("status, code", [
    (400, "ThrottlingException"), (400, "Throttling"), (400, "TooManyRequestsException"), (400, "RequestLimitExceeded"),
    (500, "InternalFailure"), (503, "ServiceUnavailable"), (503, None), (502, None),
])
def test_throttling_and_server_errors_are_retried_until_an_answer_comes(sleeps, status, code):
    answers = Answers([(status, code), (status, code), (200, None)])
    assert ecs_client(answers).describe_clusters(clusters=["litellm"])["clusters"] == []
    assert answers.requests == 3
    assert len(sleeps) == 2 and all(0 <= pause <= 20 for pause in sleeps)


@pytest.mark.parametrize("code", ["AccessDeniedException", "InvalidParameterException", "ClusterNotFoundException"])
def test_a_permanent_error_fails_at_the_first_answer(sleeps, code):
    answers = Answers([(400, code), (200, None)])
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        ecs_client(answers).describe_clusters(clusters=["litellm"])
    assert raised.value.response["Error"]["Code"] == code
    assert (answers.requests, sleeps) == (1, [])


def test_retries_stop_after_the_attempts_allowed(sleeps):
    answers = Answers([(400, "ThrottlingException")])
    with pytest.raises(botocore.exceptions.ClientError, match=r"reached max retries: 3"):
        ecs_client(answers, max_attempts=4).describe_clusters(clusters=["litellm"])
    assert answers.requests == 4 and len(sleeps) == 3


def test_paginators_retry_as_well(sleeps):
    answers = Answers([(400, "ThrottlingException"), (200, None)])
    pages = list(ecs_client(answers).get_paginator("list_clusters").paginate())
    assert answers.requests == 2 and len(pages) == 1


class Module:
    def __init__(self, aws_config=None):
        self.asked = []
        self.params = {"aws_config": aws_config}

    def client(self, service, retry_decorator=None, **extra):
        self.asked.append((service, retry_decorator, extra))
        return "client"


def test_every_client_is_made_with_standard_retries_through_the_module():
    module = Module()
    assert retries.client(module, "ecs") == "client"
    ((service, decorator, extra),) = module.asked
    assert (service, decorator, list(extra)) == ("ecs", None, ["config"])
    assert extra["config"].retries == {"mode": "standard", "total_max_attempts": 10}
    retries.client(module, "logs", max_attempts=3)
    assert module.asked[1][2]["config"].retries == {"mode": "standard", "total_max_attempts": 3}


def test_the_users_retry_settings_are_laid_over_standard_mode():
    module = Module(aws_config={"retries": {"total_max_attempts": 3}, "connect_timeout": 5})
    retries.client(module, "ecs")
    assert module.params["aws_config"] == {"retries": {"mode": "standard", "total_max_attempts": 3}, "connect_timeout": 5}
    legacy = Module(aws_config={"retries": {"mode": "legacy"}})
    retries.client(legacy, "ecs")
    assert legacy.params["aws_config"]["retries"] == {"mode": "legacy", "total_max_attempts": 10}


def test_limit_exceeded_counts_as_throttling_as_in_every_aws_sdk(sleeps):
    answers = Answers([(400, "LimitExceededException"), (200, None)])
    ecs_client(answers).describe_clusters(clusters=["litellm"])
    assert answers.requests == 2
