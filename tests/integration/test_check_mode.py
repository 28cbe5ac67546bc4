"""`--check` is pure: on an empty account and on a converged stack it makes no AWS call that changes anything, counted
in the emulator's request log, and `--diff` shows what a real run would change.

A module that wrote under `--check` could still report changed=0; the request log sees the call itself.
"""

from __future__ import annotations

import pytest

from localaws.requestlog import mutations
from reliability import record

pytestmark = pytest.mark.emulator

NAME, UNBORN = "checked", "unborn"


def mutating_calls(entries: list[dict]) -> list[str]:
    """The checker: each call of a request log that changes something, as ``service:Action``."""
    return [f"{entry['service']}:{entry['action']}" for entry in mutations(entries)]


def checked_run(emulator, run_site, extra: dict):
    """One ``--check --diff`` run of site.yml, and the requests it made."""
    start = len(emulator.requests())
    run = run_site(extra, check=True, diff=True)
    return run, emulator.requests(start)


@pytest.fixture(scope="module", name="converged")
def fixture_converged(run_site):
    run = run_site({"litellm_name": NAME})
    assert run.rc == 0, run.tail()
    return {"litellm_name": NAME}


def test_check_on_an_empty_account_changes_nothing_and_shows_what_it_would_create(emulator, run_site):
    run, entries = checked_run(emulator, run_site, {"litellm_name": UNBORN})
    assert run.rc == 0, run.tail()
    assert mutating_calls(entries) == []
    assert run.changed > 0
    diff = run.output.split("--- before")[1:]
    # Each resource the run would create is in a diff: the security groups, the roles, the cluster, the log group, the
    # Redis, the task definition.
    for expected in (f'"{UNBORN}-alb"', f'"{UNBORN}-execution"', '"FARGATE_SPOT"', f'"/ecs/{UNBORN}"', '"engine": "valkey"',
                     '"containerDefinitions"'):
        assert any(expected in block for block in diff), f"{expected} in no --diff block"
    record("check_mode", stack="empty account", requests=len(entries), mutating_calls=0, reported_changed=run.changed,
           diff_blocks=len(diff))


def test_check_on_a_converged_stack_changes_nothing_and_reports_nothing(converged, emulator, run_site):
    run, entries = checked_run(emulator, run_site, converged)
    assert run.rc == 0, run.tail()
    assert len(entries) > 0
    assert mutating_calls(entries) == []
    assert run.changed == 0, run.changed_tasks
    record("check_mode", stack="converged", requests=len(entries), mutating_calls=0, reported_changed=run.changed)


def test_check_on_a_converged_stack_with_a_changed_input_shows_the_change_and_makes_it_not(converged, emulator, run_site, aws):
    run, entries = checked_run(emulator, run_site, dict(converged, cloudwatch_log_retention_days=90))
    assert run.rc == 0, run.tail()
    assert mutating_calls(entries) == []
    assert run.changed_tasks == ["logs | Create the proxy's log group with its retention"]
    assert '-    "retention_days": 30,\n+    "retention_days": 90,' in run.output
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{NAME}")["logGroups"]
    assert group["retentionInDays"] == 30
    record("check_mode", stack="converged, one input changed", requests=len(entries), mutating_calls=0,
           reported_changed=run.changed)


def test_the_checker_catches_a_task_that_writes_under_check(emulator, run_site, tmp_path):
    """A deliberately broken variant: a task that ignores --check (check_mode: false) is caught by its AWS call."""
    playbook = tmp_path / "writes_under_check.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Write although the run is a check\n"
        "      llmops.litellm_ecs.cloudwatch_log_group:\n"
        "        name: /ecs/broken-check\n        region: us-east-1\n"
        "        endpoint_url: \"{{ litellm_aws_endpoint_url }}\"\n"
        "        access_key: testing\n        secret_key: testing\n"
        "      check_mode: false\n", encoding="utf-8")
    start = len(emulator.requests())
    run = run_site({}, check=True, playbook=playbook)
    assert run.rc == 0, run.tail()
    assert run.changed == 1  # it does report the change: counting changed tasks would not tell a check from a write
    assert mutating_calls(emulator.requests(start))[:1] == ["logs:CreateLogGroup"]
