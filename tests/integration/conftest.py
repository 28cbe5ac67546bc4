"""Real ansible-playbook runs of the real playbooks against one local AWS emulator per session."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import dev

ROOT = dev.ROOT
SITE = ROOT / "playbooks" / "site.yml"
WITH_OUTPUTS = Path(__file__).parent / "playbooks" / "site_with_outputs.yml"
LOCAL_INVENTORY = ROOT / "inventories" / "local"


@dataclass
class Run:
    """One ansible-playbook run: its exit code, output, change report and published outputs."""

    rc: int
    output: str
    report: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)  # the report, outputs and (input) vars files of this run

    @property
    def changed(self) -> int:
        return sum(counts.get("changed", 0) for counts in self.report.get("stats", {}).values())

    @property
    def changed_tasks(self) -> list[str]:
        return [item["task"] for item in self.report.get("changed", [])]

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


@pytest.fixture(scope="session", name="run_site")
def fixture_run_site(emulator, tmp_path_factory):
    """Run playbooks/site.yml (or another playbook) with the local inventory and extra vars."""
    work = tmp_path_factory.mktemp("runs")
    counter = iter(range(10**6))

    def run(extra_vars: dict | None = None, *, check: bool = False, diff: bool = False, verbosity: int = 0,
            playbook: Path = SITE, outputs: bool = False, tags: str = "", env: dict | None = None) -> Run:
        n = next(counter)
        report_path, outputs_path, vars_path = (work / f"{n}-{name}.json" for name in ("report", "outputs", "vars"))
        extra = dict(extra_vars or {})
        if outputs:
            playbook, extra["__test_outputs_file"] = WITH_OUTPUTS, str(outputs_path)
        vars_path.write_text(json.dumps(extra), encoding="utf-8")
        cmd = ["ansible-playbook", "-i", str(LOCAL_INVENTORY), str(playbook), "-e", f"@{vars_path}"]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if tags:
            cmd += ["--tags", tags]
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        # env: variables set over the usual ones (e.g. a HOME and TMPDIR of the run's own).
        proc = subprocess.run(cmd, env={**dev.ansible_env(emulator.endpoint, report_path), **(env or {})}, cwd=ROOT,
                              capture_output=True, text=True, check=False, timeout=900)
        result = Run(proc.returncode, proc.stdout + proc.stderr,
                     paths={"report": report_path, "outputs": outputs_path, "vars": vars_path})
        if report_path.exists():
            result.report = json.loads(report_path.read_text(encoding="utf-8"))
        if outputs_path.exists():
            result.outputs = json.loads(outputs_path.read_text(encoding="utf-8"))
        return result

    return run


def recap_changed(output: str) -> int:
    """changed= from the PLAY RECAP line (a second, independent reading of the change count)."""
    found = re.findall(r"localhost\s*:.*?changed=(\d+)", output)
    assert found, "no PLAY RECAP in the output"
    return int(found[-1])
