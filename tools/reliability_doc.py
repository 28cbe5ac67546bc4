"""Render docs/reliability.md from the figures one run of the reliability tests recorded (tests/reliability.py).

``python3 tools/dev.py reliability`` runs the tests with ``LITELLM_ECS_RELIABILITY_RECORD`` set and calls ``render``;
every figure in the page comes from that one run.
"""

from __future__ import annotations

import json
from pathlib import Path

# The reliability tests, the trial each records, and what the trial shows.
TESTS = (
    "tests/integration/test_check_mode.py",
    "tests/integration/test_interrupted_runs.py",
    "tests/integration/test_faults.py",
    "tests/integration/test_bad_input.py",
    "tests/integration/test_secret_leaks.py",
    "tests/tools/test_localaws_faults.py",
    "tests/tools/test_leaks.py",
    "tests/tools/test_aws_inventory.py",
    "tests/tools/test_localaws_requestlog.py",
    "tests/integration/test_deployer_policy.py",
)

TRIALS = {
    "check_mode": (
        "Check-mode purity",
        "`ansible-playbook playbooks/site.yml --check --diff` on an account without the deployment, on the converged "
        "stack, and on the converged stack with one input changed. Every AWS request is counted in the emulator's "
        "request log; a request whose action changes something (`localaws.requestlog.mutating`) fails the test. "
        "`tests/integration/test_check_mode.py`; its checker is shown to catch a task that writes under `--check`."),
    "killed_runs": (
        "Killed runs",
        "A cold converge killed with SIGKILL (its whole process tree, as a CI runner dies) the moment the request log "
        "shows the chosen call, then rerun and killed inside the next role, then converged. The end state is compared "
        "with a clean converge's (`tests/aws_inventory.py`: the same resources and counts, no revision twice, the "
        "generated keys unchanged), then torn down. `tests/integration/test_interrupted_runs.py`."),
    "throttling": (
        "A throttling, flaky AWS",
        "The emulator's fault mode (`docs/local-aws.md`) answers a share of requests with throttling errors, HTTP 500 or "
        "503. A cold converge, a no-op rerun and a teardown run through it. `tests/integration/test_faults.py`."),
    "permanent_error": (
        "A permanent error",
        "One action answered with a permanent error every time: the run fails at once with AWS's message, after one "
        "request. `tests/integration/test_faults.py`."),
    "bad_input": (
        "Bad-input corpus",
        "Each malformed inventory of `tests/integration/bad_inputs.yml`, run through site.yml: it must fail with a "
        "message naming the variable and the fix, before the first mutating AWS call (read from the request log). "
        "`tests/integration/test_bad_input.py`."),
    "deployer_policy": (
        "The deployer policy under IAM enforcement",
        "Every scenario the policy is generated from, run by a user holding only the shipped policy, with the emulator's "
        "IAM enforcement on (`docs/deployer-policy.md`). `tests/integration/test_deployer_policy.py`."),
    "deployer_policy_minus_one": (
        "The deployer policy minus one action per service",
        "The same user without one action of each service (its first write): the run fails with AccessDenied naming it."),
    "preflight": (
        "Preflight",
        "The opt-in preflight with one action removed: the run stops before any mutating call, naming it."),
    "parliament": (
        "parliament",
        "parliament's findings on the shipped policy and on the execution and task roles' policies the iam role created."),
    "secret_leak_scan": (
        "Secret-leak scan",
        "Deploy, gate, a rotated key and teardown at `-vvv`, through ansible-playbook and through ansible-runner; the "
        "output, job events, task definitions, CloudWatch log events and every file the runs left are scanned for "
        "every secret value. `tests/integration/test_secret_leaks.py` with `tests/leaks.py`."),
}


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True).replace("|", "\\|")
    return str(value).replace("|", "\\|")


def table(rows: list[dict]) -> str:
    """A Markdown table of rows, the columns in the order the first row that has them gives."""
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in ("trial", "time") and key not in columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(column, "")) for column in columns) + " |" for row in rows]
    return "\n".join(lines)


def read(record_file: Path) -> list[dict]:
    if not record_file.exists():
        return []
    return [json.loads(line) for line in record_file.read_text(encoding="utf-8").splitlines() if line.strip()]


def render(records: list[dict], run: dict) -> str:
    """docs/reliability.md: what was run and each trial's figures."""
    parts = [
        "# Reliability: what the collection does when things go wrong",
        "",
        "Generated from one run by `python3 tools/dev.py reliability` (the reliability tests alone) or",
        "`python3 tools/dev.py reliability --last` (the figures the last `python3 tools/dev.py test` recorded); do not edit",
        "by hand. The run:",
        "",
        f"- Run: {run['date']}, commit {run['commit']}, {run['duration']:.0f} s, pytest exit {run['exit']}.",
        f"- Machine: {run['cores']} cores, load average {run['load_before']} before and {run['load_after']} after.",
        f"- Tests: {run['passed']} passed, {run['failed']} failed, in "
        + (f"a run of {' '.join(run['selection'])}." if run.get("selection") else "a run of the whole test suite (`python3 tools/dev.py test`)."),
        "",
    ]
    for trial, (title, text) in TRIALS.items():
        rows = [item for item in records if item["trial"] == trial]
        parts += [f"## {title}", "", text, ""]
        if trial == "killed_runs":
            for item in rows:
                parts += [table(item.pop("trials")), ""]
        parts += [table(rows) if rows else "_No figures recorded in this run._", ""]
    return "\n".join(parts).rstrip() + "\n"
