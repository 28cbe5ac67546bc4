"""docs/reliability.md is rendered from the figures the reliability tests record (tests/reliability.py)."""

from __future__ import annotations

from pathlib import Path

import reliability_doc
from reliability import RECORD_VARIABLE, record

RUN = {"date": "2026-12-01 21:00 UTC", "commit": "abc1234", "duration": 61.4, "exit": 0, "cores": 2,
       "load_before": "1.00 1.00 1.00", "load_after": "2.00 1.50 1.20", "passed": 7, "failed": 0}


def test_record_writes_one_line_per_trial_only_when_asked(tmp_path, monkeypatch):
    target = tmp_path / "figures.jsonl"
    monkeypatch.delenv(RECORD_VARIABLE, raising=False)
    record("check_mode", requests=3)
    assert not target.exists()
    monkeypatch.setenv(RECORD_VARIABLE, str(target))
    record("check_mode", stack="empty account", requests=24, mutating_calls=0)
    record("bad_input", case="name with spaces", rejected=True)
    rows = reliability_doc.read(target)
    assert [row["trial"] for row in rows] == ["check_mode", "bad_input"]
    assert rows[0]["requests"] == 24


def test_the_page_shows_each_trials_figures_and_the_run():
    records = [
        {"trial": "check_mode", "time": 1.0, "stack": "empty account", "requests": 24, "mutating_calls": 0},
        {"trial": "killed_runs", "time": 2.0, "kills": 2, "trials": [{"kill_at": "iam:CreateRole#1", "role": "iam"},
                                                                     {"kill_at": "ecs:CreateService#1", "role": "ecs_service"}]},
    ]
    page = reliability_doc.render(records, RUN)
    assert "commit abc1234, 61 s, pytest exit 0" in page and "load average 1.00 1.00 1.00 before" in page
    assert "| stack | requests | mutating_calls |\n|---|---|---|\n| empty account | 24 | 0 |" in page
    assert "| kill_at | role |" in page and "| ecs:CreateService#1 | ecs_service |" in page
    assert page.count("_No figures recorded in this run._") == len(reliability_doc.TRIALS) - 2


def test_every_reliability_test_file_exists():
    root = Path(reliability_doc.__file__).resolve().parent.parent
    assert [path for path in reliability_doc.TESTS if not (root / path).exists()] == []
