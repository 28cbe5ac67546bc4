"""A converge killed halfway (SIGKILL, as a CI runner dies) and run again ends where a clean converge ends.

Each trial starts playbooks/site.yml, watches the emulator's request log and kills the run's whole process tree the
moment it sees the chosen AWS call (the Nth call of an action): the call may or may not have been answered, and no
handler, ``always`` or rescue runs. The next trial is a rerun of the same deployment, killed at a call of a later
role, so the trials together kill a run inside every role that changes AWS. A last rerun then converges, and the
deployment must own exactly what a clean converge of the same inputs owns: one file system, one mount target per
availability zone, one load balancer, one target group, one service, one revision per task-definition content, no
duplicate secret or security group; the generated master and salt keys are the ones first generated. Teardown then
leaves nothing (the file system too, when told to delete it).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest

import dev
from aws_inventory import duplicate_revisions, left_of, shape, shape_difference
from conftest import LOCAL_INVENTORY, SITE
from localaws.requestlog import mutations
from reliability import record

pytestmark = pytest.mark.emulator

NAME, CLEAN = "killed", "intact"
TEARDOWN = dev.ROOT / "playbooks" / "teardown.yml"
GENERATED = ("master-key", "salt-key", "redis-password")

# (service, action, n): kill the run at the n-th such call it makes. In site.yml's order, at least one inside each role
# that changes AWS; the role is read from the run's own output at the kill, not assumed.
KILL_AT = (
    ("ec2", "CreateSecurityGroup", 2),
    ("iam", "CreateRole", 1),
    ("secretsmanager", "CreateSecret", 2),
    ("elasticache", "CreateReplicationGroup", 1),
    ("ecs", "CreateCluster", 1),
    ("elasticloadbalancing", "CreateLoadBalancer", 1),
    ("elasticfilesystem", "CreateFileSystem", 1),
    ("elasticfilesystem", "CreateMountTarget", 2),
    ("logs", "CreateLogGroup", 1),
    ("ecs", "RegisterTaskDefinition", 1),
    ("ecs", "CreateService", 1),
    ("cloudwatch", "PutMetricAlarm", 3),
)
# The roles of site.yml that change AWS (deployment and the gate only read).
MUTATING_ROLES = {"network", "iam", "secrets", "redis", "ecs_cluster", "alb", "efs_config", "cloudwatch", "ecs_service"}
ROLE_OF_TASK = re.compile(r"^TASK \[llmops\.litellm_ecs\.(\w+) : ", re.MULTILINE)


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it (Ansible's workers call setsid, so a process group is not enough)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a process and all its descendants at once: stop them all first so none forks or is reparented meanwhile."""
    stopped: set[int] = set()
    while True:
        new = [pid for pid in process_tree(proc.pid) if pid not in stopped]
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            stopped.add(pid)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def interrupted_run(emulator, extra: dict, kill_at: tuple, work) -> dict:
    """Run site.yml with ``extra`` and kill it at the call ``kill_at``; what the request log and the output show."""
    service, action, nth = kill_at
    vars_file, output_file = work / f"{action}-{nth}.vars.json", work / f"{action}-{nth}.out"
    vars_file.write_text(json.dumps(extra), encoding="utf-8")
    env = dict(dev.ansible_env(emulator.endpoint), PYTHONUNBUFFERED="1")
    start = len(emulator.requests())
    with open(output_file, "wb") as output:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["ansible-playbook", "-i", str(LOCAL_INVENTORY), str(SITE), "-e", f"@{vars_file}"],
            env=env, cwd=dev.ROOT, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            calls = [entry for entry in emulator.requests(start) if (entry["service"], entry["action"]) == (service, action)]
            if len(calls) >= nth:
                kill_tree(proc)
                break
            time.sleep(0.02)
        else:
            if proc.poll() is None:
                kill_tree(proc)
            pytest.fail(f"the run ended (rc {proc.returncode}) without calling {service}:{action} {nth} times; "
                        f"see {output_file}")
    entries = emulator.requests(start)
    roles = ROLE_OF_TASK.findall(output_file.read_text(encoding="utf-8", errors="replace"))
    return {"kill_at": f"{service}:{action}#{nth}", "role": roles[-1] if roles else "", "requests": len(entries),
            "mutating_calls": len(mutations(entries))}


def generated_keys(aws, name: str) -> dict:
    """The generated secrets' values that exist so far."""
    values = {}
    client = aws("secretsmanager")
    for key in GENERATED:
        try:
            values[key] = client.get_secret_value(SecretId=f"{name}/{key}")["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            pass
    return values


def test_runs_killed_inside_every_role_end_as_a_clean_converge_does(emulator, run_site, aws, tmp_path):
    clean = run_site({"litellm_name": CLEAN})
    assert clean.rc == 0, clean.tail()
    extra = {"litellm_name": NAME}
    trials, first_keys = [], {}
    for kill_at in KILL_AT:
        trials.append(interrupted_run(emulator, extra, kill_at, tmp_path))
        for key, value in generated_keys(aws, NAME).items():
            first_keys.setdefault(key, value)
    killed_in = {trial["role"] for trial in trials}
    assert MUTATING_ROLES <= killed_in, f"no run was killed inside {sorted(MUTATING_ROLES - killed_in)}: {trials}"

    final = run_site(extra)
    assert final.rc == 0, final.tail()
    difference = shape_difference(shape(aws, NAME), shape(aws, CLEAN))
    assert difference == [], difference
    assert duplicate_revisions(aws, NAME) == []
    assert set(first_keys) == set(GENERATED)
    assert generated_keys(aws, NAME) == first_keys, "a rerun replaced a generated key"

    removed = run_site(dict(extra, efs_config_teardown_delete_file_system=True), playbook=TEARDOWN)
    assert removed.rc == 0, removed.tail()
    assert left_of(aws, NAME) == []
    record("killed_runs", trials=trials, kills=len(trials), roles=sorted(killed_in), rerun_changed=final.changed,
           resources=sum(shape(aws, CLEAN).values()), duplicates=0, left_after_teardown=0)
