"""The deployer policy, proven on the emulator with IAM enforcement on: a user holding only the generated policy runs
every scenario the policy was generated from; the same user without one action of a service fails on that action,
named; the actions called and the actions granted are the same set, both ways.

moto authorizes a request by its action only (it checks every request against the resource ``*`` and fails any
Condition), so the policy runs here in its emulator view (``deployer_policy.emulator_view``: the same actions on ``*``);
its resources and conditions are checked offline (parliament, ``tests/unit/plugins/module_utils/test_deployer_policy.py``).
"""

from __future__ import annotations

import json

import pytest

import deployer_policy as generator
from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployer_policy
from iam_audit import findings
from localaws.requestlog import mutations
from reliability import record

pytestmark = pytest.mark.emulator

SHIPPED = generator.shipped_operations()  # API operations; the policy's IAM actions are made of them
ACTIONS = deployer_policy.iam_actions(SHIPPED)


@pytest.fixture(scope="module", name="account")
def fixture_account(tmp_path_factory):
    """A deployer holding only the shipped policy (its emulator view), IAM enforcement on."""
    account = generator.Account(tmp_path_factory.mktemp("enforced"), SHIPPED, enforce=True)
    yield account
    account.stop()


def denied(entries):
    return [f"{entry['service']}:{entry['action']}" for entry in entries if entry["status"] in (401, 403)]


@pytest.fixture(scope="module", name="scenarios")
def fixture_scenarios(account):
    """Every scenario the policy is generated from, run by the deployer: each outcome and the requests it made (the
    test's own reads, as the administrator, left out)."""
    entries, outcomes, role_policies = [], [], {}
    for label, playbook, extra, options, must_succeed in generator.scenarios():
        start = len(account.emulator.requests())
        done = account.run(playbook, extra, options)
        entries += account.emulator.requests(start)
        outcomes.append((label, must_succeed, done.returncode, done.stdout + done.stderr))
        if not role_policies and playbook == "site.yml" and done.returncode == 0:
            iam = account.client("iam")
            role_policies = {(role, name): iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                             for role in ("policy-execution", "policy-task")
                             for name in iam.list_role_policies(RoleName=role)["PolicyNames"]}
    return outcomes, entries, role_policies


def test_the_deployer_policy_runs_every_scenario(scenarios):
    outcomes, entries = scenarios[0], scenarios[1]
    for label, must_succeed, code, output in outcomes:
        assert "not authorized to perform" not in output, f"{label}:\n{output[-3000:]}"
        if must_succeed:
            assert code == 0, f"{label}:\n{output[-3000:]}"
        else:  # the gate's scenario fails by design, on the gate
            assert code != 0 and "gate failed" in output.lower(), f"{label}:\n{output[-3000:]}"
    assert denied(entries) == []
    record("deployer_policy", scenarios=len(outcomes), requests=len(entries), operations=len(SHIPPED), actions=len(ACTIONS),
           denied=0)


def test_the_policy_grants_exactly_the_actions_the_collection_calls(scenarios):
    called = generator.operations(scenarios[1])
    assert sorted(called - set(SHIPPED)) == [], "called but not in the policy: run python3 tools/dev.py policy"
    assert sorted(set(SHIPPED) - called) == [], "in the policy but never called: run python3 tools/dev.py policy"
    shipped = json.loads(generator.DOC.read_text(encoding="utf-8"))
    assert shipped == deployer_policy.policy(SHIPPED, **generator.EXAMPLE), "docs/deployer-policy.json is stale"
    granted = {action for statement in shipped["Statement"] for action in statement["Action"]}
    assert granted == set(ACTIONS)
    assert not [action for action in granted if "*" in action]
    passes = [statement for statement in shipped["Statement"] if "iam:PassRole" in statement["Action"]]
    assert [statement["Resource"] for statement in passes] == [["arn:aws:iam::123456789012:role/litellm-execution",
                                                               "arn:aws:iam::123456789012:role/litellm-task"]]
    assert passes[0]["Condition"]["StringEquals"]["iam:PassedToService"] == "ecs-tasks.amazonaws.com"


def test_parliament_finds_nothing_in_the_shipped_policy_nor_in_the_roles_policies(scenarios):
    role_policies = scenarios[2]
    assert {role for role, _name in role_policies} == {"policy-execution", "policy-task"}
    documents = {"docs/deployer-policy.json": json.loads(generator.DOC.read_text(encoding="utf-8")),
                 **{f"{role} {name}": document for (role, name), document in role_policies.items()}}
    # RESOURCE_STAR is accepted only on the actions AWS authorizes on * alone (deployer_policy.RESOURCE_STAR_REQUIRED).
    found = {label: findings(document, accept_resource_star=deployer_policy.RESOURCE_STAR_REQUIRED)
             for label, document in documents.items()}
    assert {label: items for label, items in found.items() if items} == {}
    record("parliament", policies=len(documents), findings=0)


def first_writes(entries):
    """For each service, the IAM action of its first call that changes something, in the order the services first
    write: a run without it fails there, before any later service's resources exist."""
    first = {}
    for entry in mutations(entries):
        operation = f"{entry['service']}:{entry['action']}"
        # The operation's own action (the ones it implies, such as tagging on creation, no request of theirs carries).
        first.setdefault(entry["service"], deployer_policy.IAM_ACTION.get(operation, operation))
    return list(first.items())


def emulator_names(action):
    """The names moto may give ``action`` in its AccessDenied: its own, CloudWatch's under its signing name
    (``monitoring:``), an S3 action under the operation's name (``deployer_policy.IAM_ACTION``)."""
    names = {action, action.replace("cloudwatch:", "monitoring:", 1)}
    return names | {operation for operation, iam_action in deployer_policy.IAM_ACTION.items() if iam_action == action}


def denial_named(output, action):
    """Whether the run's output shows AWS denying ``action``: "not authorized to perform: <action>", or for S3, whose
    AccessDenied names no action (on AWS too), "(AccessDenied) when calling the <operation> operation"."""
    names = emulator_names(action)
    if any(f"not authorized to perform: {name}" in output for name in names):
        return True
    return action.startswith("s3:") and any(f"(AccessDenied) when calling the {name.split(':')[1]} operation" in output
                                            for name in names)


def test_one_action_less_per_service_fails_on_that_action(account, scenarios):
    """The policy minus one action of each service (its first write; a read may be one the collection tolerates being
    denied, such as iam:ListAccountAliases): a run fails with AccessDenied naming that action."""
    failures = []
    try:
        for service, action in first_writes(scenarios[1]):
            extra = generator.LEAN if service == "s3" else generator.FULL
            account.grant(SHIPPED, without=(action,))
            # Without the preflight, which would stop the run before AWS is asked.
            done = account.run("site.yml", dict(extra, litellm_name=f"{extra['litellm_name']}probe", litellm_preflight=False))
            output = done.stdout + done.stderr
            assert done.returncode != 0, f"the run without {action} succeeded"
            assert denial_named(output, action), f"without {action}:\n{output[-3000:]}"
            failures.append({"service": service, "removed": action})
    finally:
        account.grant(SHIPPED)
    services = {action.split(":")[0] for action in ACTIONS}
    assert {item["service"] for item in failures} == services
    record("deployer_policy_minus_one", removed=failures, services=len(services))


def test_the_preflight_stops_a_caller_without_an_action_before_any_change(account):
    account.grant(SHIPPED, without=("ecs:CreateService",))
    try:
        start = len(account.emulator.requests())
        done = account.run("site.yml", dict(generator.FULL, litellm_name="preflight"))
        entries = account.emulator.requests(start)
    finally:
        account.grant(SHIPPED)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "preflight | Check that the caller may make every AWS call" in output
    assert "may not perform 1 of the" in output and "ecs:CreateService" in output, output[-3000:]
    assert mutations(entries) == []
    record("preflight", removed="ecs:CreateService", mutating_calls=0)


def test_the_preflight_says_what_it_could_not_check_when_the_simulator_is_denied(account):
    account.grant(SHIPPED, without=("iam:SimulatePrincipalPolicy",))
    try:
        done = account.run("site.yml", dict(generator.FULL, litellm_name="preflight"))
    finally:
        account.grant(SHIPPED)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "could not check" in output and "iam:SimulatePrincipalPolicy" in output and "litellm_preflight_on_unknown" in output


def test_the_deployer_policy_playbook_creates_the_policy_as_managed_policies_that_each_fit(account):
    """playbooks/deployer_policy.yml, run by an administrator: the policy in parts of at most IAM's 6,144 characters,
    together the whole policy; a second run changes nothing."""
    done = account.run("deployer_policy.yml", {"litellm_name": "policy"}, user="admin")
    assert done.returncode == 0, done.stdout[-3000:]
    iam = account.client("iam")
    parts = sorted((item for item in iam.list_policies(Scope="Local")["Policies"] if item["PolicyName"].startswith("policy-deployer-")),
                   key=lambda item: item["PolicyName"])
    expected = deployer_policy.policy(SHIPPED, "policy", generator.ACCOUNT, generator.REGION)
    assert [item["PolicyName"] for item in parts] == [f"policy-deployer-{n}" for n in range(1, len(deployer_policy.split(expected)) + 1)]
    documents = [iam.get_policy_version(PolicyArn=item["Arn"], VersionId=item["DefaultVersionId"])["PolicyVersion"]["Document"]
                 for item in parts]
    assert [statement for document in documents for statement in document["Statement"]] == expected["Statement"]
    assert all(deployer_policy.size(document) <= deployer_policy.MANAGED_POLICY_SIZE for document in documents)
    again = account.run("deployer_policy.yml", {"litellm_name": "policy"}, user="admin")
    assert again.returncode == 0 and " changed=0 " in again.stdout, again.stdout[-2000:]


def test_with_on_unknown_warn_the_preflight_warns_and_the_run_goes_on(account):
    account.grant(SHIPPED, without=("iam:SimulatePrincipalPolicy",))
    try:
        done = account.run("site.yml", dict(generator.FULL, litellm_name="preflight", litellm_preflight_on_unknown="warn"),
                           ["--check"])
    finally:
        account.grant(SHIPPED)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "[WARNING]" in output and "could not check" in output
