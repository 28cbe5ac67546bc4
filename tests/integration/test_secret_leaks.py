"""Secret-leak scan: one deployment goes through deploy (gated), a rotated master key (gated with it), a database
added (a given URL; through ansible-runner an RDS instance the collection creates), and teardown, at verbosity 3,
once with ansible-playbook and once with ansible-runner as AWX runs it; every place the runs write to is scanned for
every secret value, and none may hold one.

Values: the given master key and the rotated one, the provider keys (the local inventory's fake ones and one of this
test's), the database URL and its password, and the generated ones read from Secrets Manager before the teardown (the
salt key, the created ElastiCache's AUTH token, a created database's password and the URL assembled from it); through
ansible-runner also the AWS credential AWX injects. Each value is looked for as it is, JSON-escaped, URL-encoded and base64-encoded (tests/leaks.py).

Places: each run's stdout and stderr; each job's events; every revision of the deployment's task definitions, whole;
the events of the deployment's CloudWatch log groups; the config objects in S3 (the runner's deployment uses S3 mode,
the other EFS mode, whose config travels base64-encoded in the task definition); every file a run left: its own HOME
(Ansible's local and remote temporary directories under it) and TMPDIR, the change report and outputs the run_site
fixture collects, the runner's private data directory (artifacts, job events, stdout), the local proxy's work
directory (its log and config), and the repository's files created or changed meanwhile (git status, mtimes).
Excluded: the files the test itself writes as the runs' input (the extra vars, a job's extravars and inventory),
which hold the given values by construction; a test below checks that they do, so the exclusion is exactly those.
ansible-runner's artifacts/<id>/command records the job's whole environment, the AWS credential AWX injects into it
included: that file is scanned for every value but the credential's.

The database cannot be served locally (LiteLLM's Prisma engines cannot be installed here, docs/database.md): it is
added after the gated steps, with the local proxy stopped and the gate off, on the same deployment (its migrations run as a one-off task in the emulator).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import ansible_runner
import pytest
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.text import mask

import dev
from leaks import LeakScan
from localaws.harness import free_port
from localaws.runtime import LocalService
from reliability import record
from test_awx_runner import AWS_SECRET_KEY
from test_awx_runner import AWS_SESSION_TOKEN
from test_awx_runner import Jobs
from test_awx_runner import local_inventory_vars

pytestmark = [pytest.mark.emulator, pytest.mark.litellm]

ROOT = dev.ROOT
SITE, TEARDOWN = ROOT / "playbooks" / "site.yml", ROOT / "playbooks" / "teardown.yml"
SKIP_DIRS = (".git", ".venv", ".cache")  # the repository's history, virtualenv and collection path: not the runs'
TOKEN = secrets.token_hex(6)  # this session's values occur nowhere before it
VERBOSE = "ESTABLISH LOCAL CONNECTION"  # what -vvv adds to the output
# The survey's questions go to a job as extra vars; everything else comes from the inventory (playbooks/awx).
SURVEYED = {"litellm_name", "litellm_master_key", "litellm_config_mode", "litellm_gate_timeout"}


def given(name: str) -> dict[str, str]:
    """The values a deployment is given, by what they are."""
    password = f"Db-{name}-{TOKEN}-pw"
    return {
        "the master key": f"sk-{name}-master-{TOKEN}",
        "the rotated master key": f"sk-{name}-rotated-{TOKEN}",
        "provider key LEAKPROBE_API_KEY": f"lp-{name}-provider-{TOKEN}",
        **{f"provider key {key}": value for key, value in local_inventory_vars()["litellm_provider_secrets"].items()},
        "the database password": password,
        "the database URL": f"postgresql://litellm:{password}@db.internal:5432/litellm",
    }


def deployment_vars(values: dict[str, str]) -> dict:
    providers = {key.removeprefix("provider key "): value for key, value in values.items() if key.startswith("provider key ")}
    return {"litellm_provider_secrets": providers, "litellm_master_key": values["the master key"]}


@dataclass
class Step:
    """What one run left: texts, job events, directories and files to scan, and the test's own input files."""

    label: str
    rc: int
    gate: str
    texts: dict[str, str] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    trees: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)
    holding: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # files that hold these values by construction
    temp: str = ""  # Ansible's temporary directory of the run, in its own HOME (scanned)


def sandbox(home: Path) -> dict[str, str]:
    """A HOME and TMPDIR of the run's own, Ansible's local and remote temporary directories in it."""
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    temp = str(home / ".ansible" / "tmp")
    return {"HOME": str(home), "TMPDIR": str(home / "tmp"), "ANSIBLE_LOCAL_TEMP": temp, "ANSIBLE_REMOTE_TEMP": temp}


class WorkingTree:
    """The repository's files (but SKIP_DIRS) before the runs: what they created or changed is what differs after."""

    def __init__(self, values: dict[str, str]):
        self.mtimes, self.status = self._mtimes(), self._status()
        self.before = LeakScan(values)  # what the tree already held (the local inventory's fake keys, in tests too)
        self.before.tree(ROOT, skip_dirs=SKIP_DIRS)

    @staticmethod
    def _mtimes() -> dict[str, int]:
        found = {}
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [name for name in dirs if name not in SKIP_DIRS]
            for name in names:
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    found[path] = os.lstat(path).st_mtime_ns
        return found

    @staticmethod
    def _status() -> set[str]:
        out = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "-uall", "-z"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        entries, tokens = set(), iter(out.split("\0"))
        for token in tokens:
            if token:
                entries.add(token)
                if token[0] in "RC":
                    next(tokens, None)  # a rename's or copy's source path
        return entries

    def changed(self) -> list[str]:
        mtimes = self._mtimes()
        paths = {path for path, mtime in mtimes.items() if self.mtimes.get(path) != mtime}
        paths |= {os.path.join(str(ROOT), entry[3:]) for entry in self._status() - self.status}
        return sorted(path for path in paths if os.path.isfile(path) and not os.path.islink(path))


@dataclass
class Journey:
    """The steps of one deployment, the values it was given or generated, and the scan of everything it left."""

    name: str
    steps: dict[str, Step]
    values: dict[str, str]
    stored: dict[str, str | None]
    scan: LeakScan
    task_definitions: list[str]
    log_events: int
    s3_objects: int
    files: dict[str, int]  # how many files were scanned, by origin
    revisions: list[str]
    proxy_error: str | None


def stored_secret(aws, secret_id: str) -> str | None:
    client = aws("secretsmanager")
    try:
        return client.get_secret_value(SecretId=secret_id)["SecretString"]
    except client.exceptions.ResourceNotFoundException:
        return None


def scan_config_objects(scan: LeakScan, aws, name: str) -> int:
    """Every version of every object in the deployment's config bucket (S3 mode); how many."""
    s3, count = aws("s3"), 0
    for bucket in [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{name}-config-")]:
        for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
            body = s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()
            scan.text(f"s3://{bucket}/{version['Key']} version {version['VersionId']}", body)
            count += 1
    return count


def journey(name: str, step, aws, local: LocalService, extra_values: dict[str, str] | None = None, created_database=False) -> Journey:
    """Deploy (gated) -> rotate the master key (gated) -> add a database (proxy stopped, gate off): the given URL, or
    with ``created_database`` an RDS instance (its password generated, its URL assembled; deleted by the teardown)
    -> teardown, each through ``step(label, vars, teardown=False)``; then scan everything."""
    values = dict(given(name), **(extra_values or {}))
    tree = WorkingTree(values)
    base = dict(deployment_vars(values), litellm_name=name)
    rotated = dict(base, litellm_master_key=values["the rotated master key"])
    database = dict(rotated, litellm_gate=False,
                    **({"litellm_database": "create", "database_teardown_delete_instance": True, "database_teardown_final_snapshot": False}
                       if created_database else {"litellm_database_url": values["the database URL"]}))
    steps = {}
    with local:
        steps["deploy"] = step("deploy", base)
        steps["rotate"] = step("rotate", rotated)
    steps["database"] = step("database", database)
    stored = {what: stored_secret(aws, f"{name}/{secret}") for what, secret in
              [("the salt key", "salt-key"), ("the Redis AUTH token", "redis-password"), ("the stored master key", "master-key"),
               ("the stored database URL" if not created_database else "the assembled database URL", "database-url"),
               ("the created database's password", "database-password")]}
    values.update({what: value for what, value in stored.items() if value and not what.startswith("the stored ")})
    scan = LeakScan(values)
    # What AWS holds is read before the teardown removes it.
    arns = scan.task_definitions(aws("ecs"), name)
    log_events = scan.log_events(aws("logs"), f"/ecs/{name}")
    s3_objects = scan_config_objects(scan, aws, name)
    steps["teardown"] = step("teardown", database, teardown=True)
    for item in steps.values():
        for where, text in item.texts.items():
            scan.text(where, text)
        for index, event in enumerate(item.events):
            data = event.get("event_data") or {}
            scan.data(f"event {index} of the {item.label} job ({event.get('event')}, task {data.get('task', '-')!r})", event)
        for root in item.trees:
            scan.tree(root, exclude=item.inputs + list(item.holding))
        for path, names in item.holding.items():
            scan.file(path, ignore=names)
        for path in item.files:
            if path.exists():
                scan.file(path)
    run_files = scan.files
    scan.tree(local.workdir)  # the local proxy's config and log, per revision (and its scratch /tmp)
    proxy_files = scan.files - run_files
    files = tree.changed()
    for path in files:
        scan.file(path)
    scan.discount(tree.before)
    figures = {"run_files": run_files, "proxy_files": proxy_files, "working_tree_files": len(files)}
    return Journey(name, steps, values, stored, scan, arns, log_events, s3_objects, figures, list(local.revisions), local.error)


def masked(text: str, values: dict[str, str]) -> str:
    """``text`` with every secret value masked by the collection's one masking function (a failure's output is shown,
    never a value)."""
    return mask(text, list(values.values()))


def record_figures(path: str, result: Journey) -> None:
    scan = result.scan
    record("secret_leak_scan", path=path, runs=len(result.steps), secrets=scan.secrets, texts_scanned=scan.texts,
           events_scanned=sum(len(item.events) for item in result.steps.values()), files_scanned=scan.files,
           bytes_scanned=scan.bytes, log_events=result.log_events, task_definitions=len(result.task_definitions),
           s3_objects=result.s3_objects, **result.files, occurrences=scan.occurrences)


@pytest.fixture(scope="module", name="playbook_journey")
def fixture_playbook_journey(emulator, run_site, aws, tmp_path_factory):
    """The journey with ansible-playbook -vvv (EFS mode, the local inventory's default)."""
    work = tmp_path_factory.mktemp("leaks-playbook")
    local = LocalService(emulator.endpoint, "leakpb", "leakpb", free_port(), work / "proxy")

    def step(label, variables, teardown=False):
        box = work / label
        if not teardown and variables.get("litellm_gate", True):
            variables = dict(variables, litellm_endpoint_url=local.url)
        env = sandbox(box / "home")
        run = run_site(variables, verbosity=3, playbook=TEARDOWN if teardown else SITE, env=env)
        # run.paths["vars"] is the test's input (the extra vars, the given values in it by construction): not scanned.
        return Step(label, run.rc, dev.gate_verdict(run.report, run.rc), texts={f"output of the {label} run": run.output},
                    trees=[box], files=[run.paths["report"], run.paths["outputs"]], inputs=[run.paths["vars"]],
                    temp=env["ANSIBLE_REMOTE_TEMP"])

    result = journey("leakpb", step, aws, local)
    record_figures("ansible-playbook -vvv", result)
    return result


@contextlib.contextmanager
def verbose_job(home: Path):
    """Jobs.run (test_awx_runner) as AWX runs a job template with verbosity 3, and a TMPDIR of the job's own."""
    original = ansible_runner.run

    def run(**kwargs):
        kwargs["envvars"] = {**kwargs.get("envvars", {}), **{key: value for key, value in sandbox(home).items() if key != "HOME"}}
        return original(verbosity=3, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ansible_runner, "run", run)
        yield


CREDENTIAL = ("the AWS secret key (AWX credential)", "the AWS session token (AWX credential)")


@pytest.fixture(scope="module", name="runner_journey")
def fixture_runner_journey(emulator, aws, tmp_path_factory):
    """The journey as AWX jobs through ansible-runner, verbosity 3 (S3 mode): survey answers as extra vars, the rest
    in the inventory, the AWS credential injected."""
    work = tmp_path_factory.mktemp("leaks-runner")
    local = LocalService(emulator.endpoint, "leakawx", "leakawx", free_port(), work / "proxy")

    def step(label, variables, teardown=False):
        jobs = Jobs(emulator, local.url, work / label)
        variables = dict(variables, litellm_config_mode="s3")
        jobs.inventory_vars.update({key: value for key, value in variables.items() if key not in SURVEYED})
        answers = {key: value for key, value in variables.items() if key in SURVEYED}
        with verbose_job(jobs.work / "home"):
            runner = jobs.run(jobs.template("teardown" if teardown else "deploy"), answers)
        events = list(runner.events)
        probes = [event for event in events if (event.get("event_data") or {}).get("task") == dev.GATE_PROBE
                  and event.get("event", "").startswith("runner_on_")]
        gate = probes[-1]["event"].removeprefix("runner_on_") if probes else "not run"
        data = jobs.work / "job-1"
        stdout = Path(runner.config.artifact_dir, "stdout").read_text(encoding="utf-8", errors="surrogateescape")
        # The job's extravars (the survey's answers) and inventory are the test's input, written by Jobs.run with the
        # given values in them by construction: not scanned. Everything else under the job's directory is.
        # ansible-runner records the job's whole environment in artifacts/<id>/command, AWX's credential injected into it
        # (the AWS keys, by construction): that file is scanned for every other value.
        holding = {path: CREDENTIAL for path in (data / "artifacts").glob("*/command")}
        return Step(label, runner.rc, "passed" if gate == "ok" else gate, texts={f"stdout of the {label} job": stdout},
                    events=events, trees=[jobs.work], inputs=[data / "env" / "extravars", data / "inventory" / "hosts"],
                    holding=holding, temp=sandbox(jobs.work / "home")["ANSIBLE_REMOTE_TEMP"])

    result = journey("leakawx", step, aws, local, dict(zip(CREDENTIAL, (AWS_SECRET_KEY, AWS_SESSION_TOKEN))), created_database=True)
    record_figures("ansible-runner verbosity 3", result)
    return result


JOURNEYS = ["playbook_journey", "runner_journey"]


@pytest.mark.parametrize("journey_name", JOURNEYS)
def test_every_step_succeeds_and_the_gate_passes_with_each_key(journey_name, request):
    result = request.getfixturevalue(journey_name)
    failed = {label: item for label, item in result.steps.items() if item.rc != 0}
    assert not failed, "\n".join(
        f"{label} exit code {item.rc}:\n{masked(''.join(item.texts.values())[-4000:], result.values)}" for label, item in failed.items())
    assert result.steps["deploy"].gate == "passed" and result.steps["rotate"].gate == "passed"
    assert result.proxy_error is None, result.proxy_error
    assert len(result.revisions) >= 2, "the rotated key rolled the local proxy onto a new revision"
    assert result.stored["the stored master key"] == result.values["the rotated master key"]
    if "the assembled database URL" in result.stored:  # a created database: its generated password is in its URL
        assert result.values["the created database's password"] in result.stored["the assembled database URL"]
    else:
        assert result.stored["the stored database URL"] == result.values["the database URL"]
    assert result.stored["the salt key"] and result.stored["the Redis AUTH token"]
    for label, item in result.steps.items():
        text = "".join(item.texts.values())
        assert VERBOSE in text, f"the {label} run's output is not that of verbosity 3"
        # Ansible's module files went to the run's own temporary directory, which the scan reads.
        assert f'echo {item.temp}' in text, f"the {label} run did not use {item.temp}"


@pytest.mark.parametrize("journey_name", JOURNEYS)
def test_the_scan_covered_what_the_runs_left(journey_name, request):
    result = request.getfixturevalue(journey_name)
    scan = result.scan
    assert scan.secrets == len(result.values) >= 9
    assert result.task_definitions, "no task definition scanned"
    assert len(result.task_definitions) >= 3  # deploy, rotation, database (and the migrations' family)
    assert scan.files > 0 and scan.texts >= len(result.steps)
    assert scan.unreadable == [], scan.unreadable
    if journey_name == "runner_journey":
        assert all(item.events for item in result.steps.values())
        assert all(len(item.holding) == 1 for item in result.steps.values()), "one artifacts/<id>/command per job"
        assert result.s3_objects >= 1


@pytest.mark.parametrize("journey_name", JOURNEYS)
def test_the_excluded_inputs_are_the_tests_own_and_hold_the_given_values(journey_name, request):
    """The only files not scanned are the test's inputs; they do hold given values, so a scan of them would fail."""
    result = request.getfixturevalue(journey_name)
    given_values = {what: value for what, value in result.values.items() if what in given(result.name)}
    for item in result.steps.values():
        assert item.inputs and all(path.exists() for path in item.inputs)
        check = LeakScan(given_values)
        for path in item.inputs:
            check.file(path)
        assert {"the master key", "the rotated master key"} & {finding.secret for finding in check.findings}, item.label
        for path, names in item.holding.items():
            held = LeakScan({what: result.values[what] for what in names})
            assert {finding.secret for finding in held.file(path)} == set(names), path


@pytest.mark.parametrize("journey_name", JOURNEYS)
def test_no_secret_value_anywhere_the_runs_wrote(journey_name, request):
    result = request.getfixturevalue(journey_name)
    assert result.scan.occurrences == 0, "secret values found (where, which, form):\n" + result.scan.report()
