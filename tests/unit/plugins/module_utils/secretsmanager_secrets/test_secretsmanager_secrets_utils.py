"""Deciding what a set of secrets needs, without AWS and without ever returning a value."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import ALPHABET
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import current_version
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import generate
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import metadata_changes
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import spec_errors


def test_generated_values_have_the_prefix_length_and_alphabet_and_differ():
    first, second = generate("sk-", 48), generate("sk-", 48)
    assert first.startswith("sk-") and len(first) == 51 and set(first[3:]) <= set(ALPHABET)
    assert first != second


def test_spec_errors_want_exactly_one_of_value_and_generate_and_never_show_a_value():
    errors = spec_errors([
        {"name": "a", "value": "s3cr3t-value", "generate": {"prefix": "", "length": 48}},
        {"name": "b", "value": None, "generate": None},
        {"name": "c", "value": "", "generate": None},
        {"name": "d", "value": None, "generate": {"prefix": "", "length": 8}},
        {"name": "d", "value": "x", "generate": None},
    ])
    assert "secrets: the name 'd' is given more than once" in errors
    assert sum("give exactly one of value" in error for error in errors) == 2
    assert any("secrets[c].value is empty" in error for error in errors)
    assert any("secrets[d].generate.length is 8" in error for error in errors)
    assert not any("s3cr3t" in error for error in errors)
    assert spec_errors([{"name": "ok", "value": None, "generate": {"prefix": "sk-", "length": 48}}]) == []


def test_metadata_changes_touch_only_what_is_managed_and_differs():
    found = {"Description": "old", "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/a"}
    assert metadata_changes({"description": "new"}, found, None) == {"Description": "new"}
    assert metadata_changes({"description": None}, found, "") == {}
    assert metadata_changes({"description": "old"}, found, "arn:aws:kms:us-east-1:123456789012:key/b") == {
        "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/b"}


def test_current_version_is_the_awscurrent_one():
    assert current_version({"VersionIdsToStages": {"v1": ["AWSPREVIOUS"], "v2": ["AWSCURRENT"]}}) == "v2"
    assert current_version({}) == ""


def test_comparable_shows_whether_the_value_changes_not_the_value():
    found = {"Description": "d", "DeletedDate": "2026-12-01"}
    expected = {"description": "d", "kms_key_id": "", "tags": {"a": "b"}, "value": "(changed)", "scheduled_for_deletion": True}
    assert comparable(found, {"a": "b"}, True) == expected
    assert comparable(found, {}, None)["value"] == "(unknown)"
    assert comparable(None, {}) == {}


def test_assemble_percent_encodes_every_field_and_lets_given_fields_win():
    from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import assemble
    source = '{"username": "a b", "password": "p@/:?#", "host": "h1", "port": 5432, "dbname": "d"}'
    assert assemble("{username}:{password}@{host}:{port}/{dbname}", source, {"host": "h2"}) == "a%20b:p%40%2F%3A%3F%23@h2:5432/d"
    assert assemble("x:{secret}", "plain-text", {}) == "x:plain-text"


def test_assemble_names_the_missing_fields_never_a_value():
    import pytest
    from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import AssembleError
    from ansible_collections.llmops.litellm_ecs.plugins.module_utils.secretsmanager_secrets import assemble
    with pytest.raises(AssembleError) as raised:
        assemble("{username}:{password}@{host}", '{"username": "u", "password": "s3cr3t", "host": ""}', {}, "rds/x")
    assert str(raised.value) == "the template needs host, which neither the secret rds/x nor fields gives"
    assert "s3cr3t" not in str(raised.value)
