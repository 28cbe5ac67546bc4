"""The masking function and the time formatter every module prints with."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import timestamp


@pytest.mark.parametrize("text, shown, hidden", [
    ("Authorization: Bearer sk-1234567890abcdef", "Bearer ***", "sk-1234567890abcdef"),
    ("key sk-proj-AbCdEf123456 rejected", "key sk-*** rejected", "AbCdEf123456"),
    ("basic auth: Basic dXNlcjpwYXNz", "Basic ***", "dXNlcjpwYXNz"),
    ("Authorization: Bearer abc:def$ghi!jkl", "Bearer ***", "def$ghi"),
    ('{"Authorization": "Bearer tok3n", "x": 1}', '"Bearer ***", "x": 1', "tok3n"),
    ("id AKIAIOSFODNN7EXAMPLE used", "AKIA***", "IOSFODNN7EXAMPLE"),
    ("postgresql://litellm:hunter2@db:5432/litellm", "postgresql://litellm:***@db:5432/litellm", "hunter2"),
    ("LITELLM_MASTER_KEY=abc123 started", "LITELLM_MASTER_KEY=***", "abc123"),
    ('{"api_key": "xyz789"}', '"api_key": "***"', "xyz789"),
    ("password: s3cret", "password: ***", "s3cret"),
])
def test_key_like_text_is_masked(text, shown, hidden):
    masked = mask(text)
    assert shown in masked and hidden not in masked


def test_given_secrets_are_masked_wherever_they_stand_longest_first():
    masked = mask("got plain-master-key-value and plain-master in the body", secrets=["plain-master", "plain-master-key-value", ""])
    assert masked == "got *** and *** in the body"


def test_arns_and_ordinary_text_stay():
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm/master-key-AbCdEf"
    assert mask(f"valueFrom {arn}") == f"valueFrom {arn}"
    assert mask("task stopped: Essential container in task exited") == "task stopped: Essential container in task exited"


def test_mask_of_nothing_is_empty():
    assert mask(None) == "" and mask(42) == "42"


def test_timestamps_are_iso_8601_in_utc_to_the_second():
    aware = datetime.datetime(2026, 12, 1, 15, 30, 26, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert timestamp(aware) == "2026-12-01T14:30:26Z"
    assert timestamp(datetime.datetime(2026, 12, 1, 14, 30, 26)) == "2026-12-01T14:30:26Z"  # naive: UTC
    assert timestamp(1796135426000) == "2026-12-01T14:30:26Z"  # CloudWatch Logs: milliseconds
    assert timestamp(datetime.date(2026, 12, 1)) == "2026-12-01"


def test_strings_none_and_booleans_pass_through():
    assert timestamp("2026-12-01T14:30:26Z") == "2026-12-01T14:30:26Z"
    assert timestamp(None) is None and timestamp(True) is True
