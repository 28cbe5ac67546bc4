"""Shared test set-up: make llmops.litellm_ecs importable as this working tree, and tools/ importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import dev  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(dev.collections_path()))

from localaws.harness import Emulator  # noqa: E402  pylint: disable=wrong-import-position

# The slowest test files, slowest first (each is tens of ansible-playbook runs or a cold ansible-test). The test
# command runs one file per worker; starting the long ones first keeps the run from ending on one long file that
# started last. Everything else keeps its collected order after them.
SLOW_FIRST = (  # measured with --junitxml on 2 workers; ansible-test sanity is slower on a fresh clone (no venvs yet)
    "tests/integration/test_deployer_policy.py",
    "tests/integration/test_secret_leaks.py",
    "tests/quality/test_molecule.py",
    "tests/integration/test_interrupted_runs.py",
    "tests/integration/test_bad_input.py",
    "tests/integration/test_foundation.py",
    "tests/integration/test_faults.py",
    "tests/quality/test_collection.py",
    "tests/integration/test_teardown.py",
    "tests/integration/test_redis.py",
    "tests/integration/test_config_delivery.py",
    "tests/integration/test_config_accepted_by_litellm.py",
    "tests/integration/test_service.py",
    "tests/integration/test_observability.py",
    "tests/integration/test_check_mode.py",
    "tests/integration/test_gate.py",
    "tests/integration/test_shared_state.py",
    "tests/tools/test_localaws_runtime.py",
    "tests/integration/test_awx_runner.py",
    "tests/tools/test_harness.py",
    "tests/tools/test_guide_cli.py",
    "tests/integration/test_proxy_probe.py",
    "tests/integration/test_cluster_and_alb.py",
    "tests/tools/test_litellm_proxy_fixture.py",
    "tests/tools/test_litellm_shared_state.py",
    "tests/tools/test_litellm_proxy_read_only.py",
    "tests/integration/test_direct_execution.py",
)


def pytest_collection_modifyitems(items):
    """Order the collected tests so that the slowest files start first."""
    rank = {path: index for index, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.path)).relative_to(ROOT).as_posix(), len(rank)))


# One local AWS emulator per session (per worker), for the integration tests and the tools' tests that need one.


@pytest.fixture(scope="session", name="emulator")
def fixture_emulator(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("emulator"))
    emulator.start(watch_pid=os.getpid())
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session", name="aws")
def fixture_aws(emulator):
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")

    def client(service):
        return session.client(service, endpoint_url=emulator.endpoint)

    return client


@pytest.fixture(name="mocked_aws")
def fixture_mocked_aws(monkeypatch):
    """Dummy credentials, no endpoint override, and every AWS call answered by moto in this process (no network)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield
