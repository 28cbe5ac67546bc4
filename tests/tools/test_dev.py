"""The test command's configuration: every run ends with its ten slowest tests; the deploy summary's gate verdict;
the redis-server the test and deploy commands need."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

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


# ----- redis-server: present, installed with apt-get as root, or a clear stop

@pytest.fixture(name="machine")
def fixture_machine(monkeypatch):
    """A machine whose redis-server version, user and apt-get the test chooses; records apt installs."""
    import redis_server  # pylint: disable=import-outside-toplevel

    state = types.SimpleNamespace(versions=[None], uid=0, apt_get="/usr/bin/apt-get", installs=0)

    def version(program="redis-server"):  # pylint: disable=unused-argument
        return state.versions[min(state.installs, len(state.versions) - 1)]

    def install():
        state.installs += 1

    monkeypatch.setattr(redis_server, "installed_version", version)
    monkeypatch.setattr(dev.os, "geteuid", lambda: state.uid)
    monkeypatch.setattr(dev.shutil, "which", lambda name: state.apt_get if name == "apt-get" else None)
    monkeypatch.setattr(dev, "apt_install_redis_server", install)
    return state


def test_a_recent_redis_server_is_used_as_it_is(machine):
    machine.versions = [(7, 2, 4)]
    dev.ensure_redis_server()
    assert machine.installs == 0


def test_as_root_with_apt_get_a_missing_or_old_redis_server_is_installed(machine, capsys):
    for before in (None, (6, 0, 16)):
        machine.versions, machine.installs = [before, (7, 0, 15)], 0
        dev.ensure_redis_server()
        assert machine.installs == 1
        assert "Installed redis-server 7.0.15" in capsys.readouterr().out


def test_a_package_that_is_still_too_old_stops_the_command(machine):
    machine.versions = [None, (6, 0, 16)]
    with pytest.raises(SystemExit, match="redis-server 6.0.16 on PATH; this needs 7.0 or newer"):
        dev.ensure_redis_server()


@pytest.mark.parametrize("uid, apt_get", [(1000, "/usr/bin/apt-get"), (0, None)])
def test_elsewhere_the_command_stops_and_says_what_to_install(machine, uid, apt_get):
    machine.uid, machine.apt_get = uid, apt_get
    with pytest.raises(SystemExit, match=r"no redis-server on PATH.*apt-get install redis-server.*redis-server 7\.0\+ on PATH"):
        dev.ensure_redis_server()
    assert machine.installs == 0
    machine.versions = [(5, 0, 7)]
    with pytest.raises(SystemExit, match="redis-server 5.0.7 on PATH is older than 7.0"):
        dev.ensure_redis_server()
