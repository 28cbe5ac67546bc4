"""The test command's configuration: every run ends with its ten slowest tests."""

from __future__ import annotations

import subprocess
import sys

import dev


def test_every_run_reports_its_ten_slowest_tests():
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q",
                           "tests/unit/plugins/module_utils/specs/test_specs.py"], cwd=dev.ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "slowest 10 durations" in done.stdout
