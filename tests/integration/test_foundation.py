"""The iam and secrets roles on the emulator: converge, assert with boto3, converge again, --check, secrets stability."""

from __future__ import annotations

import json
import re

import pytest

from conftest import recap_changed
from localaws.requestlog import mutations

pytestmark = pytest.mark.emulator

OPENAI_KEY = "sk-test-openai-Q7pW2xR9"
OPENAI_KEY_ROTATED = "sk-test-openai-rotated-M4kL8vB1"
DATABASE_URL = "postgresql://litellm:Db-Pa55word-Z3x@db.internal.example:5432/litellm"
USER_MASTER_KEY = "sk-user-chosen-master-key-H6nD3sQ0"
EXEC_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def secret_value(aws, name):
    return aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def inline_policy(aws, role, name):
    return aws("iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


def statements(document):
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module", name="shared_secret_arn")
def fixture_shared_secret_arn(aws):
    """A provider key that already lives in Secrets Manager, outside this deployment."""
    secret = aws("secretsmanager").create_secret(Name="shared/anthropic", SecretString=json.dumps({"api_key": "sk-ant-shared"}))
    return secret["ARN"]


@pytest.fixture(scope="module", name="inputs")
def fixture_inputs(shared_secret_arn):
    return {
        "litellm_provider_secrets": {"OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": f"{shared_secret_arn}:api_key::"},
        "litellm_database_url": DATABASE_URL,
    }


@pytest.fixture(scope="module", name="rotated")
def fixture_rotated(inputs):
    """The inputs after the user changed the OpenAI key (the state the later tests start from)."""
    return dict(inputs, litellm_provider_secrets=dict(inputs["litellm_provider_secrets"], OPENAI_API_KEY=OPENAI_KEY_ROTATED))


@pytest.fixture(scope="module", name="first")
def fixture_first(run_site, inputs):
    run = run_site(inputs, outputs=True)
    assert run.rc == 0, run.tail()
    return run


def test_first_converge_creates_everything(first):
    assert first.changed > 0
    assert recap_changed(first.output) == first.changed


def test_roles_trust_only_ecs_tasks_of_this_account(first, aws):
    for name in ("litellm-execution", "litellm-task"):
        trust = aws("iam").get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        (statement,) = statements(trust)
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Action"] == "sts:AssumeRole"
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"


def test_execution_role_attachments(first, aws):
    attached = aws("iam").list_attached_role_policies(RoleName="litellm-execution")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [EXEC_POLICY_ARN]
    assert aws("iam").list_role_policies(RoleName="litellm-execution")["PolicyNames"] == ["litellm-read-secrets"]
    assert aws("iam").list_attached_role_policies(RoleName="litellm-task")["AttachedPolicies"] == []


def test_execution_role_reads_only_this_deployments_secrets(first, aws, shared_secret_arn):
    document = inline_policy(aws, "litellm-execution", "litellm-read-secrets")
    (statement,) = statements(document)  # no kms:Decrypt statement without a customer key
    assert set(as_list(statement["Action"])) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    resources = as_list(statement["Resource"])
    assert "*" not in resources
    assert resources == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm/*", shared_secret_arn]


def test_task_role_is_least_privilege(first, aws):
    by_sid = {s["Sid"]: s for s in statements(inline_policy(aws, "litellm-task", "litellm-task"))}
    # EFS config mode (the default) and no Bedrock models configured: no S3 or Bedrock permission at all.
    assert set(by_sid) == {"MountThisDeploymentsFileSystems", "PutMetricsInOneNamespace", "WriteXRayTraces"}
    efs = by_sid["MountThisDeploymentsFileSystems"]
    assert set(as_list(efs["Action"])) == {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}
    assert as_list(efs["Resource"]) == ["arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/*"]
    assert efs["Condition"] == {"StringEquals": {"aws:ResourceTag/litellm-deployment": "litellm"}}
    metrics = by_sid["PutMetricsInOneNamespace"]
    assert as_list(metrics["Action"]) == ["cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "LiteLLM"}}
    assert all(action.startswith("xray:") for action in as_list(by_sid["WriteXRayTraces"]["Action"]))


def test_ecs_service_linked_role_exists(first, aws):
    roles = aws("iam").list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]
    assert [r["RoleName"] for r in roles] == ["AWSServiceRoleForECS"]
    assert first.outputs["iam"]["service_linked_role_arn"] == roles[0]["Arn"]


def test_secrets_names_and_tags(first, aws):
    listed = {s["Name"]: s for s in aws("secretsmanager").list_secrets()["SecretList"] if s["Name"].startswith("litellm/")}
    # The Anthropic key was given as an ARN: referenced, not copied.
    assert set(listed) == {"litellm/master-key", "litellm/salt-key", "litellm/database-url", "litellm/redis-password",
                           "litellm/provider/OPENAI_API_KEY"}
    for secret in listed.values():
        tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
        assert tags["litellm-deployment"] == "litellm"
        assert tags["managed-by"] == "llmops.litellm_ecs"
        assert tags["environment"] == "local"  # from litellm_tags in inventories/local
    assert secret_value(aws, "litellm/provider/OPENAI_API_KEY") == OPENAI_KEY
    assert secret_value(aws, "litellm/database-url") == DATABASE_URL


def test_generated_keys_are_strong(first, aws):
    for name in ("litellm/master-key", "litellm/salt-key"):
        assert re.fullmatch(r"sk-[A-Za-z0-9]{48}", secret_value(aws, name)), name
    # The created ElastiCache's AUTH token: within its 16-128 printable characters, none of @ " /.
    assert re.fullmatch(r"[A-Za-z0-9]{64}", secret_value(aws, "litellm/redis-password"))
    assert secret_value(aws, "litellm/master-key") != secret_value(aws, "litellm/salt-key")


def test_outputs_are_published(first, aws, shared_secret_arn):
    iam, secrets = first.outputs["iam"], first.outputs["secrets"]
    assert iam["execution_role_arn"] == aws("iam").get_role(RoleName="litellm-execution")["Role"]["Arn"]
    assert iam["task_role_arn"] == aws("iam").get_role(RoleName="litellm-task")["Role"]["Arn"]
    arn = {name: aws("secretsmanager").describe_secret(SecretId=name)["ARN"]
           for name in ("litellm/master-key", "litellm/salt-key", "litellm/database-url", "litellm/redis-password",
                        "litellm/provider/OPENAI_API_KEY")}
    assert secrets["container_secrets"] == [
        {"name": "ANTHROPIC_API_KEY", "valueFrom": f"{shared_secret_arn}:api_key::"},
        {"name": "LITELLM_MASTER_KEY", "valueFrom": arn["litellm/master-key"]},
        {"name": "LITELLM_SALT_KEY", "valueFrom": arn["litellm/salt-key"]},
        {"name": "OPENAI_API_KEY", "valueFrom": arn["litellm/provider/OPENAI_API_KEY"]},
        {"name": "REDIS_PASSWORD", "valueFrom": arn["litellm/redis-password"]},
    ]
    assert secrets["redis_password_arn"] == arn["litellm/redis-password"]
    # The database URL is the database role's secret (an existing database, given by URL).
    database = first.outputs["database"]
    assert (database["mode"], database["url_arn"], database["instance_id"]) == ("existing", arn["litellm/database-url"], "")


def test_second_converge_changes_nothing_and_keeps_generated_keys(first, run_site, inputs, aws):
    before = {name: secret_value(aws, name) for name in ("litellm/master-key", "litellm/salt-key")}
    run = run_site(inputs)
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.changed_tasks
    assert recap_changed(run.output) == 0
    assert {name: secret_value(aws, name) for name in before} == before


def test_check_mode_on_converged_state_changes_nothing(first, run_site, inputs, emulator):
    start = len(emulator.requests())
    run = run_site(inputs, check=True)
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.changed_tasks
    assert mutations(emulator.requests(start)) == []  # not one AWS call that writes (tests/integration/test_check_mode.py)


# A changed secret value reaches the tasks through a new revision (LITELLM_ECS_SECRETS_VERSION); these inputs have a
# database, whose migrations ran once for their revision and do not run again for a changed key.
STORE_SECRETS = "Store the master key, the salt key, the Redis password and the provider keys given by value"
ROLL_WITH_MIGRATIONS = ["task_definition | Register the proxy's task definition",
                        "service | Create or update the service and wait for a steady deployment"]


def change_one_input(run_site, aws, inputs, only_changed_task, secret, expected):
    """Converge with one input changed: the secrets' task changes, its secret gets the value, the salt
    stays, the service rolls onto the new value (the migrations, done for their revision, do not run again), and
    converging again changes nothing."""
    salt = secret_value(aws, "litellm/salt-key")
    run = run_site(inputs)
    assert run.rc == 0, run.tail()
    assert run.changed_tasks == [only_changed_task, *ROLL_WITH_MIGRATIONS], run.changed_tasks
    assert secret_value(aws, secret) == expected
    assert secret_value(aws, "litellm/salt-key") == salt
    again = run_site(inputs)
    assert again.changed == 0, again.changed_tasks


def test_changed_provider_key_updates_only_its_secret(first, run_site, rotated, aws):
    change_one_input(run_site, aws, rotated, STORE_SECRETS,
                     "litellm/provider/OPENAI_API_KEY", OPENAI_KEY_ROTATED)


def test_given_master_key_replaces_generated_one_and_salt_stays(first, run_site, rotated, aws):
    assert run_site(rotated).rc == 0  # the starting state, whichever tests ran before
    change_one_input(run_site, aws, dict(rotated, litellm_master_key=USER_MASTER_KEY),
                     STORE_SECRETS, "litellm/master-key", USER_MASTER_KEY)


def test_no_secret_value_in_verbose_output(first, run_site, rotated, aws):
    run = run_site(dict(rotated, litellm_master_key=USER_MASTER_KEY), verbosity=3)
    assert run.rc == 0, run.tail()
    assert "llmops.litellm_ecs.secrets" in run.output  # the roles really ran at -vvv
    values = {
        "master key": USER_MASTER_KEY,
        "salt key": secret_value(aws, "litellm/salt-key"),
        "provider key": OPENAI_KEY_ROTATED,
        "database URL": DATABASE_URL,
        "database password": "Db-Pa55word-Z3x",
    }
    leaked = [what for what, value in values.items() if value in run.output]
    assert not leaked, f"secret values in the -vvv output: {leaked}"


def test_customer_key_adds_kms_decrypt_on_that_key_only(run_site, aws):
    key_arn = aws("kms").create_key(Description="litellm secrets")["KeyMetadata"]["Arn"]
    run = run_site({"litellm_name": "kmsdemo", "litellm_kms_key_arn": key_arn})
    assert run.rc == 0, run.tail()
    by_sid = {s["Sid"]: s for s in statements(inline_policy(aws, "kmsdemo-execution", "kmsdemo-read-secrets"))}
    assert as_list(by_sid["DecryptTheSecretsKey"]["Action"]) == ["kms:Decrypt"]
    assert as_list(by_sid["DecryptTheSecretsKey"]["Resource"]) == [key_arn]
    assert as_list(by_sid["ReadThisDeploymentsSecrets"]["Resource"]) == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsdemo/*"]
    assert aws("secretsmanager").describe_secret(SecretId="kmsdemo/master-key")["KmsKeyId"] == key_arn


def test_s3_config_and_bedrock_grants_are_scoped(run_site, aws):
    bedrock = ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]
    run = run_site({"litellm_name": "s3demo", "litellm_config_mode": "s3",
                    "litellm_bedrock_model_arns": bedrock, "iam_metrics_namespace": ""}, outputs=True)
    assert run.rc == 0, run.tail()
    by_sid = {s["Sid"]: s for s in statements(inline_policy(aws, "s3demo-task", "s3demo-task"))}
    assert set(by_sid) == {"ReadTheConfigObject", "InvokeTheListedBedrockModels", "WriteXRayTraces"}
    assert as_list(by_sid["ReadTheConfigObject"]["Action"]) == ["s3:GetObject"]
    bucket = "s3demo-config-123456789012-us-east-1"
    assert as_list(by_sid["ReadTheConfigObject"]["Resource"]) == [f"arn:aws:s3:::{bucket}/config.yaml"]
    assert (run.outputs["deployment"]["config_s3_bucket"], run.outputs["deployment"]["config_s3_key"]) == (bucket, "config.yaml")
    assert set(as_list(by_sid["InvokeTheListedBedrockModels"]["Action"])) == {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
    assert as_list(by_sid["InvokeTheListedBedrockModels"]["Resource"]) == bedrock
