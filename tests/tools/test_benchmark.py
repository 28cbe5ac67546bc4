"""The benchmark's figures: every phase's counts and the ratios to the guide's CLI path are printed and stored."""

from __future__ import annotations

import benchmark


def phase(wall, **extra):
    return dict({"wall_seconds": wall, "tasks_run": 40, "tasks_skipped": 2, "module_runs": 20, "module_processes": 6,
                 "module_runs_in_worker": 14, "api_calls": 90, "mutating_calls": 30, "changed": 0,
                 "slowest_tasks": [{"task": "alb: load_balancer | Create", "seconds": 1.2}]}, **extra)


def results():
    return {"when": "2026-12-01T12:00:00+00:00", "label": "test", "commit": "abc1234",
            "machine": {"cpus": 2, "python": "3.11.7", "load_at_start": [0.1, 0.2, 0.3], "load_at_end": [1.0, 0.5, 0.4]},
            "phases": {"cli": phase(20.0, changed=40), "cold": phase(16.0, changed=15), "noop": phase(12.0), "check": phase(11.0),
                       "teardown": phase(10.0)},
            "gate": {"gate_seconds": 0.4, "curl": {"wall_seconds": 0.1, "requests": 6, "status_codes": ["200", "200", "200", "401", "200", "200"]},
                     "gate_tasks": []},
            "deploy_warm": {"wall_seconds": 40.0, "exit_code": 0}}


def test_mutating_calls_are_counted_by_the_request_logs_classification():
    assert benchmark.api_summary([{"action": "CreateRole"}, {"action": "GetRole"}]) == {"api_calls": 2, "mutating_calls": 1}


def test_ratios_compare_each_phase_with_the_cli_path():
    found = benchmark.ratios(results())
    assert found == {"cold_to_cli": 0.8, "noop_to_cli": 0.6, "check_to_cli": 0.55, "check_to_noop": 0.92, "teardown_to_cli": 0.5,
                     "gate_to_curl": 4.0}


def test_every_figure_is_printed():
    data = results()
    data["ratios"] = benchmark.ratios(data)
    text = benchmark.render(data)
    for name in ("cli", "cold", "noop", "check", "teardown"):
        (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
        assert line.split()[1:] == [str(data["phases"][name][key]) for key in (
            "wall_seconds", "tasks_run", "tasks_skipped", "module_runs", "module_processes", "module_runs_in_worker",
            "api_calls", "mutating_calls", "changed")]
    assert "gate: 0.4 s" in text and "0.1 s (status codes 200 200 200 401 200 200)" in text
    assert "noop_to_cli 0.6" in text and "check_to_noop 0.92" in text
    assert "deploy_warm: 40.0 s, exit 0" in text
    assert "load [0.1, 0.2, 0.3] -> [1.0, 0.5, 0.4]" in text
