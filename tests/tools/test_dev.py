"""The test command's configuration: every run ends with its ten slowest tests; the deploy summary's gate verdict."""

from __future__ import annotations

import subprocess
import sys

import dev


def test_every_run_reports_its_ten_slowest_tests():
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q",
                           "tests/unit/plugins/module_utils/specs/test_specs.py"], cwd=dev.ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "slowest 10 durations" in done.stdout


def test_the_gate_verdict_comes_from_the_probe_task_and_the_exit_code():
    def report(status):
        return {"tasks": [{"task": "service | Create or update the service", "status": "changed"},
                          {"task": dev.GATE_PROBE, "status": status}]}

    assert dev.gate_verdict(report("ok"), 0) == "passed"
    assert dev.gate_verdict(report("ok"), 2).startswith("passed, but the playbook failed afterwards")
    assert dev.gate_verdict(report("failed"), 2).startswith("failed")
    assert dev.gate_verdict(report("skipped"), 0).startswith("skipped")
    assert dev.gate_verdict({"tasks": []}, 2).startswith("not reached")
    assert dev.gate_verdict({}, 0) == "not run"
