"""site.yml and teardown.yml against a throttling, flaky AWS (the emulator's fault mode, localaws.faults): with one
call in ten answered by a throttle, a 500 or a 503, a cold converge, its no-op rerun and the teardown all succeed and
build what a clean converge builds; a permanent error (AccessDenied) fails the run at once, without a retry."""

from __future__ import annotations

from collections import Counter

import pytest

import dev
from aws_inventory import duplicate_revisions
from aws_inventory import left_of
from aws_inventory import shape
from aws_inventory import shape_difference
from conftest import recap_changed
from reliability import record

pytestmark = pytest.mark.emulator

TEARDOWN = dev.ROOT / "playbooks" / "teardown.yml"
RATE, SEED, KINDS = 0.1, 7, ["throttle", "500", "503"]
# Teardown keeps a file system unless forced (test_teardown.py); here nothing at all is to be left.
EVERYTHING = {"efs_config_teardown_delete_file_system": True}


@pytest.fixture(scope="module", name="steady")
def fixture_steady(run_site, aws):
    """The shape of a clean converge (no faults), to compare a faulted one with; torn down afterwards."""
    extra = {"litellm_name": "steady"}
    run = run_site(extra)
    assert run.rc == 0, run.tail()
    yield shape(aws, "steady")
    removed = run_site(dict(extra, **EVERYTHING), playbook=TEARDOWN)
    assert removed.rc == 0, removed.tail()


def faulted_run(emulator, run_site, extra, **kwargs):
    """One playbook run with the fault mode on: the run, the fault mode's counts and the request log of the run."""
    start = len(emulator.requests())
    with emulator.faulty(rate=RATE, seed=SEED, kinds=KINDS):
        run = run_site(extra, **kwargs)
        counts = emulator.fault_counts()
    return run, counts, emulator.requests(start)


def check_faults_were_injected(counts, log):
    """Faults of every kind were answered, each one is in the request log with a failing status, and every AWS request
    of the run went past the fault mode."""
    statuses = Counter(entry["status"] for entry in log)
    assert len(log) == counts["requests"], (len(log), counts)
    assert all(counts[kind] > 0 for kind in KINDS), counts
    # A 500 fault answers 500; a 503 fault 503; a throttle 400 (JSON and query protocols), 429 (EFS) or 503 (EC2).
    assert statuses[500] >= counts["500"] and statuses[503] >= counts["503"], (statuses, counts)
    failed = sum(n for status, n in statuses.items() if status >= 400)
    assert failed >= counts["throttle"] + counts["500"] + counts["503"], (statuses, counts)
    assert 0.03 < (counts["throttle"] + counts["500"] + counts["503"]) / counts["requests"] < 0.25, counts


def test_a_converge_rerun_and_teardown_succeed_with_one_call_in_ten_failing(emulator, run_site, aws, steady):
    extra = {"litellm_name": "flaky"}
    converge, converge_counts, converge_log = faulted_run(emulator, run_site, extra)
    assert converge.rc == 0, converge.tail()
    check_faults_were_injected(converge_counts, converge_log)

    noop, noop_counts, noop_log = faulted_run(emulator, run_site, extra)
    assert noop.rc == 0, noop.tail()
    assert (noop.changed, recap_changed(noop.output)) == (0, 0), noop.changed_tasks
    check_faults_were_injected(noop_counts, noop_log)

    # The fault mode is off again here (faulted_run's block ended): what the converge built, read with boto3.
    assert shape_difference(shape(aws, "flaky"), steady) == []
    assert duplicate_revisions(aws, "flaky") == []

    teardown, teardown_counts, teardown_log = faulted_run(emulator, run_site, dict(extra, **EVERYTHING), playbook=TEARDOWN)
    assert teardown.rc == 0, teardown.tail()
    check_faults_were_injected(teardown_counts, teardown_log)
    assert left_of(aws, "flaky") == []

    runs = {"converge": converge_counts, "noop": noop_counts, "teardown": teardown_counts}
    record("throttling", rate=RATE, seed=SEED,
           requests={name: counts["requests"] for name, counts in runs.items()},
           faults={name: sum(counts[kind] for kind in KINDS) for name, counts in runs.items()},
           by_kind={kind: sum(counts[kind] for counts in runs.values()) for kind in KINDS},
           statuses={name: dict(Counter(entry["status"] for entry in log))
                     for name, log in (("converge", converge_log), ("noop", noop_log), ("teardown", teardown_log))},
           converge_rc=converge.rc, noop_changed=noop.changed, teardown_rc=teardown.rc)


def test_a_permanent_error_fails_the_converge_at_once_without_a_retry(emulator, run_site, aws):
    extra = {"litellm_name": "denied"}
    start = len(emulator.requests())
    with emulator.faulty(deny={"CreateLogGroup": "AccessDenied"}):
        run = run_site(extra)
        counts = emulator.fault_counts()
    log = emulator.requests(start)
    assert run.rc != 0
    assert "AccessDeniedException" in run.output, run.tail()
    assert "is not authorized to perform: logs:CreateLogGroup" in run.output, run.tail()
    creates = [entry for entry in log if entry["action"] == "CreateLogGroup"]
    assert [entry["status"] for entry in creates] == [400]  # asked once: a permanent error is not retried
    assert counts["deny"] == 1
    # The run stopped at the log group: nothing after it in site.yml was asked for.
    assert not [entry for entry in log[log.index(creates[0]) + 1:] if entry["action"] in ("RegisterTaskDefinition", "CreateService")]
    record("permanent_error", action="CreateLogGroup", code="AccessDeniedException", requests=len(log),
           attempts=len(creates), converge_rc=run.rc)
    removed = run_site(dict(extra, **EVERYTHING), playbook=TEARDOWN)
    assert removed.rc == 0, removed.tail()
    assert left_of(aws, "denied") == []
