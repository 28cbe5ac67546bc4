"""Generate the deployer's least-privilege policy from the AWS calls the collection really makes.

    python3 tools/dev.py policy            # run the scenarios, write docs/deployer-policy.json and the role's list

On a fresh emulator it runs every scenario of ``SCENARIOS`` (site in both config modes, with and without the optional
parts, a no-op rerun, ``--check``, a gate that fails into its diagnostics, teardown), reads the emulator's request log
and turns the API operations called into IAM actions and a policy scoped to the deployment
(``plugins/module_utils/deployer_policy.py``). It writes:

* ``roles/deployer_policy/vars/main.yml``: the API operations, which the ``deployer_policy`` role renders into a policy
  for a deployment's name, account and region (and its preflight checks the caller against);
* ``docs/deployer-policy.json``: that policy rendered for the example deployment ``litellm`` in account 123456789012,
  region us-east-1.

``tests/integration/test_deployer_policy.py`` runs the same scenarios under the emulator's IAM enforcement with only
that policy, and fails when the collection calls an action the policy does not grant or the policy grants one
nothing calls.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import boto3

import dev
from localaws.harness import Emulator, free_port

ROOT = dev.ROOT
INVENTORY = ROOT / "inventories" / "local"
DOC = ROOT / "docs" / "deployer-policy.json"
ROLE_VARS = ROOT / "roles" / "deployer_policy" / "vars" / "main.yml"
EXAMPLE = {"name": "litellm", "account": "123456789012", "region": "us-east-1"}
ACCOUNT, REGION = "123456789012", "us-east-1"
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"

# Two deployments cover every optional part: EFS config with a created Redis, a created database, autoscaling, an alarm
# topic and the preflight; S3 config with an existing database (the migrations task), an existing Redis and no
# autoscaling.
FULL = {"litellm_name": "policy", "cloudwatch_alarm_emails": ["ops@example.com"], "litellm_preflight": True,
        "litellm_database": "create"}
LEAN = {"litellm_name": "policylean", "litellm_config_mode": "s3",
        "litellm_database_url": "postgresql://litellm:policy-pass-0123@db.internal:5432/litellm",
        "litellm_redis": "existing", "litellm_redis_host": "cache.internal", "litellm_redis_password": "redis-pass-0123456789",
        "ecs_service_autoscaling": False}


def scenarios() -> list[tuple[str, str, dict, list[str], bool]]:
    """(label, playbook, extra vars, options, must succeed) in the order they run."""
    unreachable = f"http://127.0.0.1:{free_port()}"
    return [
        ("site: EFS config, created Redis and database, autoscaling, alarm topic", "site.yml", FULL, [], True),
        ("site again: the no-op rerun", "site.yml", FULL, [], True),
        ("site --check on the converged stack", "site.yml", FULL, ["--check"], True),
        ("site: S3 config, existing database and migrations, existing Redis, no autoscaling", "site.yml", LEAN, [], True),
        ("the gate failing into its diagnostics", "site.yml",
         dict(FULL, litellm_endpoint_url=unreachable, litellm_gate_timeout=5), [], False),
        ("teardown of the S3-config deployment", "teardown.yml", LEAN, [], True),
        ("teardown of the EFS-config deployment, its file system and database too", "teardown.yml",
         dict(FULL, efs_config_teardown_delete_file_system=True, database_teardown_delete_instance=True), [], True),
    ]


class Account:
    """A fresh emulator with an administrator and a deployer user, each with access keys.

    The deployer holds AdministratorAccess (``operations=None``) or one inline policy: the emulator view of the deployer
    policy rendered for ``operations`` (``deployer_policy.emulator_view``). With ``enforce`` the emulator authorizes every
    request from then on (moto's ``INITIAL_NO_AUTH_ACTION_COUNT``, reset to 0).
    """

    def __init__(self, state_dir: Path, operations: list[str] | None = None, enforce: bool = False):
        self.emulator = Emulator(state_dir)
        self.endpoint = self.emulator.start()
        self.keys = {"setup": ("testing", "testing")}
        iam = self.client("iam", "setup")
        for user in ("admin", "deployer"):
            iam.create_user(UserName=user)
            key = iam.create_access_key(UserName=user)["AccessKey"]
            self.keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
        iam.attach_user_policy(UserName="admin", PolicyArn=ADMINISTRATOR)
        if operations is None:
            iam.attach_user_policy(UserName="deployer", PolicyArn=ADMINISTRATOR)
        else:
            self.grant(operations)
        if enforce:
            request = urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth", data=b"0", method="POST",
                                             headers={"Content-Type": "text/plain"})
            with urllib.request.urlopen(request, timeout=10):
                pass

    def client(self, service: str, user: str = "admin"):
        key = self.keys[user]
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=key[0],
                            aws_secret_access_key=key[1])

    def grant(self, operations: list[str], without: tuple[str, ...] = ()) -> None:
        """Give the deployer the emulator view of the deployer policy for ``operations``, less the IAM actions ``without``."""
        from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployer_policy  # pylint: disable=import-outside-toplevel

        document = deployer_policy.policy(operations, "policy", ACCOUNT, REGION)
        for statement in document["Statement"]:
            statement["Action"] = [action for action in statement["Action"] if action not in without]
        document = deployer_policy.emulator_view(document)
        self.client("iam", "admin" if "admin" in self.keys else "setup").put_user_policy(
            UserName="deployer", PolicyName="deployer", PolicyDocument=json.dumps(document))

    def run(self, playbook: str, extra: dict, options: list[str] | tuple = (), user: str = "deployer") -> subprocess.CompletedProcess:
        """One ansible-playbook run with the keys of ``user`` (the deployer's unless told)."""
        key = self.keys[user]
        extra = dict(extra, litellm_aws_access_key=key[0], litellm_aws_secret_key=key[1])
        with tempfile.TemporaryDirectory() as tmp:
            vars_file = Path(tmp) / "vars.json"
            vars_file.write_text(json.dumps(extra), encoding="utf-8")
            return subprocess.run(
                ["ansible-playbook", "-i", str(INVENTORY), str(ROOT / "playbooks" / playbook), "-e", f"@{vars_file}",
                 *options], env=dev.ansible_env(self.endpoint), cwd=ROOT, capture_output=True, text=True, check=False,
                timeout=900)

    def stop(self) -> None:
        self.emulator.stop()


def operations(entries: list[dict]) -> set[str]:
    """The API operations a request log shows, as ``service:Operation``; a request the log could not name is an error
    (the policy would miss it)."""
    unnamed = [entry for entry in entries if not entry["action"]]
    if unnamed:
        raise ValueError(f"the request log could not name {len(unnamed)} request(s) of {sorted({e['service'] for e in unnamed})}")
    return {f"{entry['service']}:{entry['action']}" for entry in entries}


def called_operations() -> set[str]:
    """Run every scenario on a fresh emulator, as a deployer holding AdministratorAccess; the API operations called."""
    with tempfile.TemporaryDirectory() as state:
        account = Account(Path(state))
        try:
            start = len(account.emulator.requests())
            for label, playbook, extra, options, must_succeed in scenarios():
                done = account.run(playbook, extra, options)
                if must_succeed and done.returncode != 0:
                    raise SystemExit(f"scenario '{label}' failed:\n{(done.stdout + done.stderr)[-4000:]}")
                print(f"{label}: exit {done.returncode}")
            return operations(account.emulator.requests(start))
        finally:
            account.stop()


def write(called: set[str]) -> list[str]:
    """Write the role's list of operations and docs/deployer-policy.json; return the operations."""
    from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployer_policy  # pylint: disable=import-outside-toplevel

    shipped = sorted(called)
    ROLE_VARS.parent.mkdir(parents=True, exist_ok=True)
    ROLE_VARS.write_text(
        "---\n# Generated by `python3 tools/dev.py policy` from the AWS calls the collection makes; do not edit by hand.\n"
        "# The API operations a deployer makes; plugins/module_utils/deployer_policy.py turns them into IAM actions, each\n"
        "# scoped to the deployment's own resources.\n"
        "__deployer_policy_operations:\n" + "".join(f"  - {operation}\n" for operation in shipped), encoding="utf-8")
    DOC.write_text(json.dumps(deployer_policy.policy(shipped, **EXAMPLE), indent=2) + "\n", encoding="utf-8")
    return shipped


def shipped_operations() -> list[str]:
    """The operations the role's generated list holds."""
    import yaml  # pylint: disable=import-outside-toplevel

    return yaml.safe_load(ROLE_VARS.read_text(encoding="utf-8"))["__deployer_policy_operations"]


def main() -> int:
    sys.path.insert(0, str(dev.collections_path()))
    from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployer_policy  # pylint: disable=import-outside-toplevel

    shipped = write(called_operations())
    document = json.loads(DOC.read_text(encoding="utf-8"))
    print(f"{len(shipped)} API operations, {len(deployer_policy.iam_actions(shipped))} IAM actions in "
          f"{len(document['Statement'])} statements; wrote {ROLE_VARS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
