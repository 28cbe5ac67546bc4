"""Shared test set-up: make llmops.litellm_ecs importable as this working tree, and tools/ importable."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import dev  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(dev.collections_path()))

# The slowest test files, slowest first (each is tens of ansible-playbook runs or a cold ansible-test). The test
# command runs one file per worker; starting the long ones first keeps the run from ending on one long file that
# started last. Everything else keeps its collected order after them.
SLOW_FIRST = (  # measured with --junitxml on 2 workers; ansible-test sanity is slower on a fresh clone (no venvs yet)
    "tests/integration/test_foundation.py",
    "tests/quality/test_collection.py",
    "tests/integration/test_teardown.py",
    "tests/integration/test_config_delivery.py",
    "tests/integration/test_config_accepted_by_litellm.py",
    "tests/integration/test_service.py",
    "tests/integration/test_observability.py",
    "tests/integration/test_bad_input.py",
    "tests/integration/test_gate.py",
    "tests/quality/test_molecule.py",
    "tests/integration/test_harness.py",
    "tests/integration/test_guide_cli.py",
    "tests/integration/test_proxy_probe.py",
    "tests/integration/test_cluster_and_alb.py",
    "tests/integration/test_litellm_proxy_fixture.py",
    "tests/integration/test_direct_execution.py",
)


def pytest_collection_modifyitems(items):
    """Order the collected tests so that the slowest files start first."""
    rank = {path: index for index, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.path)).relative_to(ROOT).as_posix(), len(rank)))
