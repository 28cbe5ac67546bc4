"""Bad input fails before anything in AWS changes, with a message naming the variable and the fix.

The cases are data: ``bad_inputs.yml`` beside this file (its header says what a case holds). Each runs playbooks/site.yml
once and is judged by one function, ``rejected_before_any_change``, from the run and the emulator's request log: the
run failed, no mutating AWS call reached the emulator, no task changed anything, and the failure's message holds the
case's expected strings. The checker's own tests below (no emulator) show that it catches a broken variant of each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from localaws.requestlog import mutations
from reliability import record

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS_FILE = HERE / "bad_inputs.yml"
CORPUS = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
CASE_KEYS = {"id", "vars", "expect", "never_shown"}
PLACEHOLDERS = ("__DEFAULT_SUBNETS__", "__ONE_SUBNET__")
# A failed task's result as the default callback prints it: "fatal: [host]: FAILED! => {...}", or for a loop item
# "failed: [host] (item=...) => {...}".
FATAL = re.compile(r"^(?:fatal: \[[^\]]+\]: FAILED!|failed: \[[^\]]+\] \(item=.*\)) => (\{.*\})\s*$", re.MULTILINE)


# --- The checker -----------------------------------------------------------------------------------------------------


def failure_messages(output: str) -> str:
    """What the failed tasks said: each failure's msg, argument errors and errors - not the argument spec that Ansible
    prints beside them (its descriptions name every variable, so a message could not fail to name one)."""
    messages = []
    for found in FATAL.finditer(output):
        try:
            result = json.loads(found.group(1))
        except ValueError:
            messages.append(found.group(1))
            continue
        for key in ("msg", "argument_errors", "errors"):
            value = result.get(key)
            if value:
                messages.extend(value if isinstance(value, list) else [value])
    return "\n".join(str(message) for message in messages)


def rejected_before_any_change(run, entries: list[dict], expected: list[str], never_shown: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with how a run met a bad input (empty: refused in time, and said so).

    ``run`` is an ansible-playbook run (``rc``, ``output``, ``changed``, ``changed_tasks``), ``entries`` the emulator's
    request log over the run, ``expected`` the strings the failure's message must hold and ``never_shown`` values that
    must not appear anywhere in the output."""
    problems = []
    if not expected:
        problems.append("the case expects nothing of the failure's message: it could not tell a good message from a bad one")
    if run.rc == 0:
        problems.append("the input was accepted: the run succeeded (exit code 0)")
    changing = mutations(entries)
    if changing:
        calls = ", ".join(f"{entry['service']}:{entry['action']}" for entry in changing[:8]) + (" ..." if len(changing) > 8 else "")
        problems.append(f"{len(changing)} mutating AWS call(s) reached the emulator before the failure: {calls}")
    if run.changed:
        problems.append(f"{run.changed} task(s) reported a change: {run.changed_tasks}")
    said = failure_messages(run.output)
    missing = [text for text in expected if text not in said]
    if missing and run.rc != 0:
        problems.append(f"the failure's message does not hold {missing}: {said[-2000:] or '(no failed task)'}")
    shown = [index for index, value in enumerate(never_shown) if value and value in run.output]
    if shown:
        problems.append(f"the output shows the secret value(s) given as never_shown{shown}")
    return problems


# --- The checker catches what it must (no emulator) ------------------------------------------------------------------


@dataclass
class FakeRun:
    rc: int
    output: str
    changed: int = 0
    changed_tasks: list = field(default_factory=list)


def fatal(**result) -> str:
    return f"TASK [validate | x] ***\nfatal: [localhost]: FAILED! => {json.dumps(result)}\n"


READ = {"service": "ecs", "action": "DescribeClusters", "time": 0.0, "status": 200}
WRITE = {"service": "iam", "action": "CreateRole", "time": 0.1, "status": 200}
GOOD = FakeRun(2, fatal(msg="litellm_name is 'my proxy': use 2-24 lower-case letters", changed=False))


def test_checker_passes_a_good_rejection():
    assert rejected_before_any_change(GOOD, [READ], ["litellm_name", "lower-case"]) == []


def test_checker_catches_an_accepted_input():
    problems = rejected_before_any_change(FakeRun(0, "PLAY RECAP\nlocalhost : ok=120 changed=0\n"), [READ], ["litellm_name"])
    assert any("the input was accepted" in problem for problem in problems), problems


def test_checker_catches_a_mutating_call_before_the_failure():
    problems = rejected_before_any_change(GOOD, [READ, WRITE], ["litellm_name"])
    assert problems == ["1 mutating AWS call(s) reached the emulator before the failure: iam:CreateRole"]


def test_checker_catches_a_message_that_does_not_name_the_variable():
    """Named only in the argument spec Ansible prints beside the error: the message itself does not name it."""
    run = FakeRun(2, fatal(msg="Validation of arguments failed", argument_errors=["argument 'efs_config_models' is of type dict"],
                           argument_spec_data={"efs_config_models": {"description": "from C(litellm_models)"}}))
    problems = rejected_before_any_change(run, [READ], ["litellm_models", "convert to list"])
    assert len(problems) == 1 and "does not hold ['litellm_models', 'convert to list']" in problems[0], problems


def test_checker_catches_a_changed_task_and_a_shown_secret():
    run = FakeRun(2, GOOD.output + "ok: sk-given-Kk1\n", changed=1, changed_tasks=["secrets | Store the secrets"])
    problems = rejected_before_any_change(run, [READ], ["litellm_name"], never_shown=("sk-given-Kk1",))
    assert problems == ["1 task(s) reported a change: ['secrets | Store the secrets']",
                        "the output shows the secret value(s) given as never_shown[0]"]


def test_checker_catches_a_case_that_expects_nothing():
    assert rejected_before_any_change(GOOD, [READ], []) != []


def test_checker_reads_the_message_of_a_failed_loop_item():
    run = FakeRun(2, 'failed: [localhost] (item=alb) => {"msg": "litellm_name is \'X\': use lower-case letters"}\n')
    assert rejected_before_any_change(run, [], ["litellm_name", "lower-case"]) == []


# --- The corpus (no emulator) ----------------------------------------------------------------------------------------


def declared_variables() -> set[str]:
    """The collection-wide variables: the litellm_* options the deployment role declares (what its validation knows)."""
    spec = yaml.safe_load((ROOT / "roles" / "deployment" / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    return {name for name in spec["argument_specs"]["validate"]["options"] if name.startswith("litellm_")}


def test_the_corpus_is_well_formed():
    ids = [case.get("id") for case in CORPUS]
    assert len(CORPUS) >= 45 and len(set(ids)) == len(ids), ids
    for case in CORPUS:
        assert set(case) <= CASE_KEYS and {"id", "vars", "expect"} <= set(case), case
        assert isinstance(case["vars"], dict) and case["vars"], case["id"]
        assert case["expect"] and all(isinstance(text, str) and text for text in case["expect"]), case["id"]
        assert all(isinstance(value, str) for value in case.get("never_shown", [])), case["id"]


def test_the_corpus_uses_only_declared_variables_except_the_one_a_case_is_about():
    """A typo in the corpus would otherwise test the unknown-variable check instead of what the case says."""
    declared = declared_variables()
    for case in CORPUS:
        for name in case["vars"]:
            if name.startswith("litellm_") and name not in declared:
                assert any(text.startswith(name + " ") for text in case["expect"]), (case["id"], name)


# --- The corpus against the emulator ---------------------------------------------------------------------------------


def resolve(value, subnets: list[str]):
    """The case's vars with the placeholders replaced (see bad_inputs.yml)."""
    if value == "__DEFAULT_SUBNETS__":
        return list(subnets)
    if value == "__ONE_SUBNET__":
        return subnets[0]
    if isinstance(value, dict):
        return {key: resolve(item, subnets) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, subnets) for item in value]
    return value


def uses_placeholders(value) -> bool:
    return any(placeholder in json.dumps(value) for placeholder in PLACEHOLDERS)


@pytest.mark.emulator
@pytest.mark.parametrize("case", CORPUS, ids=[case["id"] for case in CORPUS])
def test_bad_input_fails_before_any_change(case, run_site, emulator, aws):
    extra = case["vars"]
    if uses_placeholders(extra):
        found = aws("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        extra = resolve(extra, sorted(subnet["SubnetId"] for subnet in found))
    before = len(emulator.requests())
    run = run_site(extra)
    entries = emulator.requests(before)
    problems = rejected_before_any_change(run, entries, case["expect"], tuple(case.get("never_shown", ())))
    record("bad_input", case=case["id"], rejected=run.rc != 0 and not mutations(entries),
           mutating_calls=len(mutations(entries)), requests=len(entries))
    assert problems == [], f"{case['id']}:\n" + "\n".join(problems) + f"\n--- the run's last lines:\n{run.tail(30)}"


@pytest.mark.emulator
def test_bad_input_fails_before_any_change_when_steps_are_chosen_by_tag(run_site, emulator):
    """Validation runs whatever --tags selects: a bad key stops a run of the alb step alone before it changes anything."""
    before = len(emulator.requests())
    run = run_site({"litellm_master_key": "sk-1234"}, tags="alb")
    assert rejected_before_any_change(run, emulator.requests(before), ["litellm_master_key", "sk-1234"]) == []
    assert "validate | Check the master key" in run.output


@pytest.mark.emulator
def test_the_iam_role_on_its_own_refuses_to_guess_the_account(run_site, emulator, tmp_path):
    """Without the deployment role's outputs the trust policy would name no account: the role stops before any change."""
    playbook = tmp_path / "iam_only.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.include_role:\n        name: llmops.litellm_ecs.iam\n", encoding="utf-8")
    before = len(emulator.requests())
    run = run_site({"litellm_name": "lonely"}, playbook=playbook)
    assert rejected_before_any_change(run, emulator.requests(before), ["iam_account_id", "llmops.litellm_ecs.deployment first"]) == []
