"""The secretsmanager_secrets module against moto in-process: given and generated values, restore, tags, teardown."""

from __future__ import annotations

import json

import boto3
import pytest

from ansible_collections.llmops.litellm_ecs.plugins.modules import secretsmanager_secrets
from module_runner import refuse
from module_runner import run_module

REGION = "us-east-1"
TAGS = {"litellm-deployment": "t"}


@pytest.fixture(name="sm")
def fixture_sm(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("secretsmanager", region_name=REGION)


def wanted(master=None, provider="sk-provider-value-1"):
    return [
        {"name": "t/master-key", "description": "master", **({"value": master} if master else {"generate": {"prefix": "sk-", "length": 48}})},
        {"name": "t/salt-key", "description": "salt", "generate": {"prefix": "sk-", "length": 48}},
        {"name": "t/provider/OPENAI_API_KEY", "value": provider},
    ]


def run(capsys, secrets, **args):
    args.setdefault("tags", TAGS)
    return run_module(secretsmanager_secrets.main, capsys, secrets=secrets, **args)


def value(sm, name):
    return sm.get_secret_value(SecretId=name)["SecretString"]


def test_creates_given_and_generated_secrets_and_returns_no_value(sm, capsys):
    result = run(capsys, wanted())
    assert result["changed"] is True
    assert set(result["secrets"]) == {"t/master-key", "t/salt-key", "t/provider/OPENAI_API_KEY"}
    master = value(sm, "t/master-key")
    assert master.startswith("sk-") and len(master) == 51
    assert value(sm, "t/provider/OPENAI_API_KEY") == "sk-provider-value-1"
    assert master not in json.dumps(result) and "sk-provider-value-1" not in json.dumps(result)
    described = sm.describe_secret(SecretId="t/salt-key")
    assert described["Description"] == "salt" and {tag["Key"]: tag["Value"] for tag in described["Tags"]} == TAGS
    assert result["secrets"]["t/salt-key"]["arn"] == described["ARN"]
    assert result["secrets"]["t/salt-key"]["version_id"] in described["VersionIdsToStages"]


def test_generated_values_are_never_replaced_and_a_second_run_changes_nothing(sm, capsys):
    run(capsys, wanted())
    master, salt = value(sm, "t/master-key"), value(sm, "t/salt-key")
    again = run(capsys, wanted())
    assert again["changed"] is False
    assert (value(sm, "t/master-key"), value(sm, "t/salt-key")) == (master, salt)


def test_a_changed_value_makes_one_new_version_of_that_secret_only(sm, capsys):
    first = run(capsys, wanted())["secrets"]
    result = run(capsys, wanted(provider="sk-provider-value-2"), _ansible_diff=True)
    assert result["changed"] is True
    assert [name for name, item in result["secrets"].items() if item["changed"]] == ["t/provider/OPENAI_API_KEY"]
    assert value(sm, "t/provider/OPENAI_API_KEY") == "sk-provider-value-2"
    assert result["secrets"]["t/provider/OPENAI_API_KEY"]["version_id"] != first["t/provider/OPENAI_API_KEY"]["version_id"]
    assert result["secrets"]["t/salt-key"]["version_id"] == first["t/salt-key"]["version_id"]
    assert result["diff"]["after"]["t/provider/OPENAI_API_KEY"]["value"] == "(changed)"
    assert "sk-provider-value" not in json.dumps(result["diff"])


def test_a_given_master_key_replaces_a_generated_one(sm, capsys):
    run(capsys, wanted())
    run(capsys, wanted(master="sk-mine-0123456789"))
    assert value(sm, "t/master-key") == "sk-mine-0123456789"


def test_check_mode_creates_and_changes_nothing(sm, capsys):
    result = run(capsys, wanted(), _ansible_check_mode=True)
    assert result["changed"] is True and result["secrets"]["t/salt-key"]["arn"] == ""
    assert sm.list_secrets()["SecretList"] == []
    run(capsys, wanted())
    changed = run(capsys, wanted(provider="sk-provider-value-2"), _ansible_check_mode=True)
    assert changed["changed"] is True
    assert value(sm, "t/provider/OPENAI_API_KEY") == "sk-provider-value-1"


def test_tags_are_kept_in_line(sm, capsys):
    run(capsys, wanted())
    result = run(capsys, wanted(), tags={"litellm-deployment": "t", "team": "llm"})
    assert result["changed"] is True
    assert {tag["Key"] for tag in sm.describe_secret(SecretId="t/master-key")["Tags"]} == {"litellm-deployment", "team"}


def test_absent_schedules_deletion_once_and_present_restores(sm, capsys):
    run(capsys, wanted())
    master = value(sm, "t/master-key")
    names = [{"name": item["name"]} for item in wanted()]
    gone = run_module(secretsmanager_secrets.main, capsys, secrets=names, state="absent", recovery_window=7)
    assert gone["changed"] is True and all(item["scheduled_for_deletion"] for item in gone["secrets"].values())
    assert "DeletedDate" in sm.describe_secret(SecretId="t/master-key")
    assert run_module(secretsmanager_secrets.main, capsys, secrets=names, state="absent", recovery_window=7)["changed"] is False
    back = run(capsys, wanted())
    assert back["changed"] is True and "DeletedDate" not in sm.describe_secret(SecretId="t/master-key")
    assert value(sm, "t/master-key") == master  # restored, not generated anew


def test_check_mode_on_a_secret_scheduled_for_deletion_reports_the_restore_and_reads_no_value(sm, capsys):
    run(capsys, wanted())
    names = [{"name": item["name"]} for item in wanted()]
    run_module(secretsmanager_secrets.main, capsys, secrets=names, state="absent", recovery_window=7)
    result = run(capsys, wanted(), _ansible_check_mode=True, _ansible_diff=True)
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    assert result["diff"]["after"]["t/provider/OPENAI_API_KEY"]["value"] == "(unknown)"
    assert "DeletedDate" in sm.describe_secret(SecretId="t/provider/OPENAI_API_KEY")  # nothing was restored


def test_absent_with_no_recovery_deletes_at_once(sm, capsys):
    run(capsys, wanted())
    run_module(secretsmanager_secrets.main, capsys, secrets=[{"name": "t/salt-key"}], state="absent", recovery_window=0)
    assert [item["Name"] for item in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]] == ["t/master-key", "t/provider/OPENAI_API_KEY"]


def test_bad_input_fails_before_any_call(sm, capsys):
    result = run(capsys, [{"name": "x", "value": "sk-value-123", "generate": {"prefix": "", "length": 48}}])
    assert result["failed"] is True and "give exactly one of value" in result["msg"] and "Nothing was changed" in result["msg"]
    window = run_module(secretsmanager_secrets.main, capsys, secrets=[{"name": "x"}], state="absent", recovery_window=3)
    assert window["failed"] is True and "7 to 30 days" in window["msg"]
    assert sm.list_secrets()["SecretList"] == []


def test_an_aws_error_after_a_change_says_what_failed_and_that_something_changed_without_a_value(sm, capsys, monkeypatch):
    run(capsys, wanted())
    master = value(sm, "t/master-key")
    refuse(monkeypatch, "secrets-manager", "TagResource", "AccessDeniedException")
    secrets = wanted(provider="sk-provider-value-2")
    secrets[0]["description"] = "the master key"
    result = run(capsys, secrets, tags={"litellm-deployment": "t", "team": "llm"})
    assert result["failed"] is True and result["changed"] is True  # the description was changed before
    assert result["msg"].startswith("Failed to tag the secret t/master-key: ")
    assert result["error"]["code"] == "AccessDeniedException"
    assert sm.describe_secret(SecretId="t/master-key")["Description"] == "the master key"
    assert master not in json.dumps(result) and "sk-provider-value" not in json.dumps(result)


URL_TEMPLATE = "postgresql://{username}:{password}@{host}:{port}/{dbname}?sslmode=require"


def assembled(source, **fields):
    return [{"name": "t/database-url", "assemble": {"template": URL_TEMPLATE, "source": source, "fields": fields}}]


def test_assemble_writes_the_template_filled_from_the_source_secret_and_returns_no_value(sm, capsys):
    credentials = {"username": "app", "password": "p@ss/w:rd", "host": "db.internal", "port": 5432, "dbname": "keys"}
    sm.create_secret(Name="rds/master", SecretString=json.dumps(credentials))
    result = run(capsys, assembled("rds/master"))
    assert result["changed"] is True
    assert value(sm, "t/database-url") == "postgresql://app:p%40ss%2Fw%3Ard@db.internal:5432/keys?sslmode=require"
    assert "p@ss/w:rd" not in json.dumps(result) and "p%40ss" not in json.dumps(result)
    assert run(capsys, assembled("rds/master"))["changed"] is False
    # Given fields win over the source's: another host is a new version.
    moved = run(capsys, assembled("rds/master", host="db2.internal"))
    assert moved["changed"] is True and "@db2.internal:5432/" in value(sm, "t/database-url")


def test_assemble_from_a_plain_secret_fills_the_field_secret(sm, capsys):
    sm.create_secret(Name="t/database-password", SecretString="Abc123")
    spec = [{"name": "t/database-url", "assemble": {"template": "postgresql://litellm:{secret}@{host}:5432/litellm",
                                                    "source": "t/database-password", "fields": {"host": "h.example"}}}]
    run(capsys, spec)
    assert value(sm, "t/database-url") == "postgresql://litellm:Abc123@h.example:5432/litellm"
    # The source's new value reaches the URL on the next run.
    sm.put_secret_value(SecretId="t/database-password", SecretString="Xyz789")
    assert run(capsys, spec)["changed"] is True
    assert value(sm, "t/database-url") == "postgresql://litellm:Xyz789@h.example:5432/litellm"


def test_assemble_names_a_missing_field_or_source_and_changes_nothing(sm, capsys):
    sm.create_secret(Name="rds/managed", SecretString=json.dumps({"username": "app", "password": "hunter2-secret"}))
    missing_field = run(capsys, assembled("rds/managed", port="5432"))
    assert missing_field["failed"] is True
    assert "the template needs dbname, host" in missing_field["msg"] and "rds/managed" in missing_field["msg"]
    assert "hunter2-secret" not in json.dumps(missing_field)
    missing_source = run(capsys, assembled("rds/nothing"))
    assert missing_source["failed"] is True and "the secret rds/nothing does not exist" in missing_source["msg"]
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == ["rds/managed"]


def test_assemble_in_check_mode_with_a_source_not_created_yet_makes_no_call(sm, capsys):
    result = run(capsys, assembled("rds/later"), _ansible_check_mode=True)
    assert result["changed"] is True and result["secrets"]["t/database-url"]["arn"] == ""
    assert sm.list_secrets()["SecretList"] == []


def test_assemble_in_check_mode_leaves_unknown_a_source_scheduled_for_deletion_or_a_field_not_known_yet(sm, capsys):
    sm.create_secret(Name="t/database-password", SecretString="Abc123")
    spec = [{"name": "t/database-url", "assemble": {"template": "postgresql://litellm:{secret}@{host}:5432/litellm",
                                                    "source": "t/database-password", "fields": {"host": ""}}}]
    unknown_host = run(capsys, spec, _ansible_check_mode=True)
    assert unknown_host.get("failed") is not True and unknown_host["changed"] is True
    assert run(capsys, spec)["failed"] is True  # a real run refuses what it cannot assemble
    sm.delete_secret(SecretId="t/database-password", RecoveryWindowInDays=7)
    spec[0]["assemble"]["fields"] = {"host": "h.example"}
    pending = run(capsys, spec, _ansible_check_mode=True)
    assert pending.get("failed") is not True and pending["changed"] is True
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == []
