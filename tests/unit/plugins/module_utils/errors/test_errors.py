"""The error handler: botocore errors become AnsibleAWSError naming the call, "missing" codes give defaults, and main fails once."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error


def client_error(code, message="no", operation="DescribeClusters"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def raising(error):
    def call(*args, **kwargs):
        raise error

    return call


class Cluster:
    name = "litellm"

    @AWSErrors.common_error_handler("describe the ECS cluster {self.name} in {region}")
    def describe(self, region, fail_with=None):
        if fail_with:
            raise fail_with
        return {"clusterName": self.name, "region": region}


def test_a_call_that_succeeds_returns_its_value():
    assert Cluster().describe("eu-west-1") == {"clusterName": "litellm", "region": "eu-west-1"}


def test_a_client_error_names_the_call_and_keeps_the_aws_error():
    error = client_error("AccessDeniedException", "User is not authorized to perform: ecs:DescribeClusters")
    with pytest.raises(AnsibleAWSError) as raised:
        Cluster().describe("eu-west-1", fail_with=error)
    assert raised.value.message == "Failed to describe the ECS cluster litellm in eu-west-1"
    assert raised.value.exception is error
    assert "not authorized to perform: ecs:DescribeClusters" in str(raised.value)


def test_a_botocore_error_and_a_waiter_error_are_handled_too():
    with pytest.raises(AnsibleAWSError, match="Failed to describe the ECS cluster litellm in x"):
        Cluster().describe("x", fail_with=botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    waiter_error = botocore.exceptions.WaiterError(name="ServicesStable", reason="Max attempts exceeded", last_response={})
    with pytest.raises(AnsibleAWSError, match="Timeout trying to describe the ECS cluster litellm in x"):
        Cluster().describe("x", fail_with=waiter_error)


def test_a_description_that_names_no_argument_is_used_as_it_is():
    handled = AWSErrors.common_error_handler("list the {unknown} things")(raising(client_error("Boom")))
    with pytest.raises(AnsibleAWSError, match="Failed to list the {unknown} things"):
        handled()


def test_other_exceptions_pass_through():
    handled = AWSErrors.common_error_handler("read it")(raising(KeyError("clusters")))
    with pytest.raises(KeyError):
        handled()


def named_call(error):
    """A call taking ``name`` that raises ``error``."""

    def call(name):
        raise error

    return call


def test_a_missing_code_gives_the_default_and_other_codes_fail():
    read = AWSErrors.list_error_handler("read the log group {name}", default_value={}, missing=("ResourceNotFoundException",))
    assert read(named_call(client_error("ResourceNotFoundException")))(name="/ecs/x") == {}
    with pytest.raises(AnsibleAWSError, match="Failed to read the log group /ecs/x"):
        read(named_call(client_error("ThrottlingException")))(name="/ecs/x")


def test_deleting_what_is_gone_returns_false():
    delete = AWSErrors.deletion_error_handler("delete the secret {name}", missing=("ResourceNotFoundException",))
    assert delete(lambda name: True)(name="a") is True
    assert delete(named_call(client_error("ResourceNotFoundException")))(name="a") is False
    with pytest.raises(AnsibleAWSError):
        delete(named_call(client_error("AccessDeniedException")))(name="a")


class Module:
    def __init__(self):
        self.calls = []

    def fail_json_aws(self, exception, msg=None, **kwargs):
        self.calls.append(("fail_json_aws", exception, msg, kwargs))
        raise SystemExit(1)

    def fail_json(self, msg=None, **kwargs):
        self.calls.append(("fail_json", None, msg, kwargs))
        raise SystemExit(1)


def test_main_fails_once_with_the_aws_error_and_the_extra_results():
    module = Module()
    error = client_error("ValidationException", "bad")
    wrapped = AnsibleAWSError(message="Failed to update the ECS service litellm", exception=error, changed=True)
    with pytest.raises(SystemExit):
        fail_json_aws_error(module, wrapped)
    assert module.calls == [("fail_json_aws", error, "Failed to update the ECS service litellm", {"changed": True})]


def test_main_fails_with_the_message_alone_when_no_aws_error_is_wrapped():
    module = Module()
    with pytest.raises(SystemExit):
        fail_json_aws_error(module, AnsibleAWSError(message="The cluster is gone"))
    assert module.calls == [("fail_json", None, "The cluster is gone", {})]
