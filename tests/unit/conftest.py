"""Unit-test fixtures: moto in-process, never the network."""

from __future__ import annotations

import pytest
from moto import mock_aws


@pytest.fixture(name="mocked_aws")
def fixture_mocked_aws(monkeypatch):
    """Dummy credentials, no endpoint override, and every AWS call answered by moto in this process."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield
