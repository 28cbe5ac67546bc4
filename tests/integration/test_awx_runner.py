"""Jobs run the way AWX runs them: ansible-runner with a private data directory, an inventory script, survey answers as
``!unsafe`` extra vars beside ``awx_*``/``tower_*`` variables, the AWS credential injected as AWX's credential type does,
``-u root``, env files suppressed; against the emulator and a real LiteLLM proxy for the gate.

One deployment goes through the job templates' playbooks in order: deploy, the same deploy again (changed=0), the
check template (``--check --diff``, changed=0), the gate-only template and teardown. Every job's events and stdout are
scanned for every secret value: the surveyed master key, the generated salt key, the provider keys of the inventory,
the AWS secret key and session token.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import ansible_runner
import pytest
import yaml

import dev
from localaws.harness import free_port
from localaws.runtime import LocalService

pytestmark = [pytest.mark.emulator, pytest.mark.litellm]

ROOT = dev.ROOT
NAME = "awx"
TEMPLATES = ROOT / "playbooks" / "awx" / "controller_templates.yml"
SURVEYED_MASTER_KEY = "sk-awx-survey-master-0123456789abcdef"
AWS_SECRET_KEY = "awx-injected-secret-key-0123456789abcdefABCDEF"
AWS_SESSION_TOKEN = "awx-injected-session-token-FwoGZXIvYXdzEXAMPLE0123456789"
CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"


class Unsafe(str):
    """A string AWX writes as ``!unsafe`` (survey and launch-time answers are never templated)."""


def unsafe_representer(dumper, value):
    return dumper.represent_scalar("!unsafe", str(value))


yaml.SafeDumper.add_representer(Unsafe, unsafe_representer)


def local_inventory_vars() -> dict:
    """The embedded default's variables, as an AWX inventory would carry them, without the AWS keys (the credential
    brings them) and with the proxy URL of this test."""
    merged = {}
    for path in sorted((ROOT / "inventories" / "local" / "group_vars" / "all").glob("*.yml")):
        merged.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    for key in ("litellm_aws_access_key", "litellm_aws_secret_key"):
        merged.pop(key, None)
    return merged


def no_log_task_names() -> set[str]:
    """The names of every task of the roles and playbooks with a literal ``no_log: true``."""
    names = set()
    for path in list((ROOT / "roles").glob("*/tasks/*.yml")) + list((ROOT / "playbooks").rglob("*.yml")):
        def walk(node):
            if isinstance(node, list):
                for item in node:
                    walk(item)
            elif isinstance(node, dict):
                if node.get("no_log") is True and node.get("name"):
                    names.add(node["name"])
                for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks"):
                    walk(node.get(key))
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return names


class Jobs:
    """Runs the templates' playbooks as AWX jobs, one private data directory each, and keeps what they emitted."""

    def __init__(self, emulator, proxy_url: str, work: Path):
        self.emulator, self.work, self.count = emulator, work, 0
        self.templates = {item["name"]: item for item in yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))["controller_templates"]}
        self.inventory_vars = dict(local_inventory_vars(), litellm_aws_endpoint_url=emulator.endpoint,
                                   litellm_endpoint_url=proxy_url, litellm_gate=True)

    def template(self, job_type_or_name: str) -> dict:
        """The template whose name contains ``job_type_or_name`` (case-insensitive), exactly one."""
        found = [item for name, item in self.templates.items() if job_type_or_name.lower() in name.lower()]
        assert len(found) == 1, f"expected one template matching {job_type_or_name!r}, found {[item['name'] for item in found]}"
        return found[0]

    def run(self, template: dict, answers: dict):
        self.count += 1
        data = self.work / f"job-{self.count}"
        (data / "env").mkdir(parents=True)
        (data / "inventory").mkdir()
        # AWX hands the inventory over as a script that prints it as JSON.
        script = data / "inventory" / "hosts"
        inventory = {"all": {"hosts": ["localhost"], "vars": self.inventory_vars},
                     "_meta": {"hostvars": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}
        script.write_text(textwrap.dedent(f"""\
            #!{sys.executable}
            import sys
            sys.stdout.write("{{}}" if "--host" in sys.argv else {json.dumps(inventory)!r})
            """), encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        extravars = {key: Unsafe(value) if isinstance(value, str) else value for key, value in answers.items()}
        for prefix in ("awx", "tower"):
            extravars.update({f"{prefix}_job_id": self.count, f"{prefix}_job_template_name": template["name"],
                              f"{prefix}_user_name": "admin", f"{prefix}_job_launch_type": "manual"})
        (data / "env" / "extravars").write_text(yaml.safe_dump(extravars), encoding="utf-8")
        cmdline = ["-u", "root"]
        if template.get("job_type") == "check":
            cmdline.append("--check")
        if template.get("diff_mode"):
            cmdline.append("--diff")
        if template.get("job_tags"):
            cmdline += ["--tags", template["job_tags"]]
        env = dev.ansible_env(self.emulator.endpoint)
        envvars = {
            # AWX's "Amazon Web Services" credential: the key pair and, with STS, the token under both names.
            "AWS_ACCESS_KEY_ID": "AKIAAWXINJECTED00001", "AWS_SECRET_ACCESS_KEY": AWS_SECRET_KEY,
            "AWS_SECURITY_TOKEN": AWS_SESSION_TOKEN, "AWS_SESSION_TOKEN": AWS_SESSION_TOKEN,
            "ANSIBLE_COLLECTIONS_PATH": env["ANSIBLE_COLLECTIONS_PATH"], "PATH": env["PATH"],
            "ANSIBLE_FORCE_COLOR": "0", "HOME": str(self.work / "home"),
        }
        # The test's own AWS settings must not leak in: only what the job is given counts.
        saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith(("AWS_", "LITELLM_ECS_"))}
        try:
            runner = ansible_runner.run(private_data_dir=str(data), playbook=str(ROOT / template["playbook"]),
                                        inventory=str(script), cmdline=" ".join(cmdline), envvars=envvars,
                                        suppress_env_files=True, quiet=True, project_dir=str(ROOT))
        finally:
            os.environ.update(saved)
        return runner


def stats_changed(runner) -> int:
    stats = [event for event in runner.events if event.get("event") == "playbook_on_stats"]
    assert stats, "no playbook_on_stats event"
    return sum((stats[-1]["event_data"].get("changed") or {}).values())


def failure_text(runner) -> str:
    return "\n".join(event.get("stdout", "") for event in runner.events)[-6000:]


@pytest.fixture(scope="module", name="jobs")
def fixture_jobs(emulator, aws, tmp_path_factory):
    """The deploy, rerun, check, gate-only and teardown jobs of one deployment, run in order; their runners and texts."""
    work = tmp_path_factory.mktemp("awx")
    local = LocalService(emulator.endpoint, NAME, NAME, free_port(), work / "proxy")
    answers = {"litellm_name": NAME, "litellm_master_key": SURVEYED_MASTER_KEY, "litellm_config_mode": "efs",
               "litellm_gate_timeout": 120}
    with local:
        jobs = Jobs(emulator, local.url, work)
        ran = {}
        ran["deploy"] = jobs.run(jobs.template("deploy"), answers)
        ran["rerun"] = jobs.run(jobs.template("deploy"), answers)
        ran["check"] = jobs.run(jobs.template("check"), answers)
        ran["gate"] = jobs.run(jobs.template("gate"), answers)
        salt = aws("secretsmanager").get_secret_value(SecretId=f"{NAME}/salt-key")["SecretString"]
        stored = aws("secretsmanager").get_secret_value(SecretId=f"{NAME}/master-key")["SecretString"]
        ran["teardown"] = jobs.run(jobs.template("teardown"), answers)
    texts = {}
    for key, runner in ran.items():
        stdout = Path(runner.config.artifact_dir, "stdout")
        texts[key] = json.dumps(list(runner.events)) + (stdout.read_text(encoding="utf-8") if stdout.exists() else "")
    yield {"ran": ran, "texts": texts, "salt": salt, "stored_master_key": stored, "local": local}


@pytest.mark.parametrize("job", ["deploy", "rerun", "check", "gate", "teardown"])
def test_every_job_succeeds(jobs, job):
    runner = jobs["ran"][job]
    assert (runner.status, runner.rc) == ("successful", 0), failure_text(runner)


def test_the_rerun_and_the_check_change_nothing(jobs):
    assert stats_changed(jobs["ran"]["deploy"]) > 0
    assert stats_changed(jobs["ran"]["rerun"]) == 0
    assert stats_changed(jobs["ran"]["check"]) == 0


def test_the_surveyed_master_key_is_the_one_in_secrets_manager(jobs):
    assert jobs["stored_master_key"] == SURVEYED_MASTER_KEY


def test_the_gate_only_job_probed_the_proxy(jobs):
    assert jobs["local"].error is None, jobs["local"].error
    text = "\n".join(event.get("stdout", "") for event in jobs["ran"]["gate"].events)
    assert "gate | Probe the proxy" in text


def test_every_no_log_result_is_censored_in_the_events(jobs):
    names = no_log_task_names()
    assert names, "no task with no_log: true found in the roles"
    seen = 0
    for runner in jobs["ran"].values():
        for event in runner.events:
            data = event.get("event_data") or {}
            if event.get("event", "").startswith("runner_") and data.get("task") in names and "res" in data:
                seen += 1
                assert data["res"].get("censored") == CENSORED, (data.get("task"), event.get("event"))
    assert seen, f"no event of the no_log tasks {sorted(names)}"


def test_no_secret_value_in_any_event_or_stdout(jobs):
    secrets = {"the surveyed master key": SURVEYED_MASTER_KEY, "the salt key": jobs["salt"],
               "the AWS secret key": AWS_SECRET_KEY, "the AWS session token": AWS_SESSION_TOKEN}
    secrets.update({f"provider key {name}": value for name, value in local_inventory_vars()["litellm_provider_secrets"].items()})
    for job, text in jobs["texts"].items():
        for what, value in secrets.items():
            assert value not in text, f"{what} appears in the events or stdout of the {job} job"
