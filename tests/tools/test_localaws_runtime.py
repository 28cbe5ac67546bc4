"""The local runtime builds the proxy's inputs exactly as ECS would: secrets resolved, config from the task's source."""

from __future__ import annotations

import base64
import hashlib
import json

import boto3
import pytest

from localaws import runtime

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
