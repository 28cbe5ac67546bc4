"""The benchmark: what a deployment costs, side by side with the guide's own ``aws`` CLI path.

    python3 tools/dev.py bench [--deploy] [--suite] [--label TEXT]

In one run, each on a fresh emulator, it times:

* ``cli``      the guide's path as ``aws`` CLI calls creating the same resources (``tools/guide_cli.py``);
* ``cold``     a converge of ``playbooks/site.yml`` with ``inventories/local`` on an empty account;
* ``noop``     the same converge again (the drift check: it must change nothing);
* ``check``    ``--check`` on the converged stack;
* ``teardown`` ``playbooks/teardown.yml``;

each with its wall time, the tasks that ran and were skipped, the module runs (in a new interpreter or in the
controller's worker) and the AWS API calls the emulator's request log counted. Before the teardown it also times
the gate on a healthy proxy (a real LiteLLM started from the deployed task definition, ``tools/localaws/runtime.py``)
against the same requests made by ``curl``. With ``--deploy`` it times ``python3 tools/dev.py deploy`` in this
working tree (``.venv`` present) and on a fresh clone with empty package caches (set-up included); with
``--suite`` it times ``bash .ci/run`` on a fresh clone. It prints the figures and their ratios and writes them as
JSON under ``benchmarks/results/``. Nothing here asserts a time: the figures are reported, never tested.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dev
import guide_cli
from localaws.harness import Emulator, free_port
from localaws.requestlog import mutations

ROOT = dev.ROOT
RESULTS = ROOT / "benchmarks" / "results"
INVENTORY = ROOT / "inventories" / "local"
DEPLOYMENT = dev.LOCAL_DEPLOYMENT


def api_summary(requests: list[dict]) -> dict:
    return {"api_calls": len(requests), "mutating_calls": len(mutations(requests))}


def playbook_phase(emulator: Emulator, playbook: str, *args: str, env: dict | None = None) -> dict:
    """Run one playbook against ``emulator``; its wall time, task and module counts, API calls and recap."""
    before = len(emulator.requests())
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        run_env = dict(dev.ansible_env(emulator.endpoint, report_path), **(env or {}))
        started = time.monotonic()
        done = subprocess.run(["ansible-playbook", "-i", str(INVENTORY), str(ROOT / "playbooks" / playbook), *args],
                              env=run_env, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    if done.returncode != 0:
        raise RuntimeError(f"{playbook} {' '.join(args)} failed ({done.returncode}):\n" + "\n".join(done.stdout.splitlines()[-40:]))
    tasks = report.get("tasks", [])
    recap = next(iter(report.get("stats", {}).values()), {})
    return {
        "wall_seconds": round(wall, 2),
        "tasks_run": sum(1 for task in tasks if task["status"] not in ("skipped", "")),
        "tasks_skipped": sum(1 for task in tasks if task["status"] == "skipped"),
        "module_runs": sum(task["module_runs"] for task in tasks),
        # This collection's modules run in the controller's worker (plugins/plugin_utils/direct_execution.py); the
        # others (amazon.aws, community.aws) each start an interpreter.
        "module_processes": sum(task["module_runs"] - task["collection_runs"] for task in tasks),
        "module_runs_in_worker": sum(task["collection_runs"] for task in tasks),
        **api_summary(emulator.requests(before)),
        "changed": recap.get("changed", 0),
        "slowest_tasks": [{"task": f"{task['role'] or 'play'}: {task['task']}", "seconds": task["seconds"]}
                          for task in sorted(tasks, key=lambda item: -item["seconds"])[:8]],
        "_tasks": tasks,
    }


def cli_phase(state: Path) -> dict:
    emulator = Emulator(state / "cli")
    emulator.start(watch_pid=os.getpid())
    try:
        started = time.monotonic()
        commands = guide_cli.run(emulator.endpoint, aws=guide_cli.aws_cli())
        wall = time.monotonic() - started
        return {"wall_seconds": round(wall, 2), "tasks_run": len(commands), "tasks_skipped": 0,
                "module_runs": len(commands), "module_processes": len(commands), "module_runs_in_worker": 0,
                **api_summary(emulator.requests()), "changed": len(commands)}
    finally:
        emulator.stop()


def curl_gate(url: str, key: str, models: list[str]) -> dict:
    """The gate's requests as curl commands: liveliness, readiness, models with and without the key, a chat each."""
    auth = ["-H", f"Authorization: Bearer {key}"]
    calls = [["/health/liveliness"], ["/health/readiness"], ["/v1/models", *auth], ["/v1/models"]]
    for model in models:
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Say hi."}]})
        calls.append(["/v1/chat/completions", *auth, "-H", "Content-Type: application/json", "-d", body])
    started = time.monotonic()
    codes = []
    for path, *extra in calls:
        done = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "60", *extra, url + path],
                              capture_output=True, text=True, check=False)
        codes.append(done.stdout)
    return {"wall_seconds": round(time.monotonic() - started, 2), "requests": len(calls), "status_codes": codes}


def wait_answering(url: str, budget: float) -> bool:
    """Whether ``url`` answers 200 within ``budget`` seconds."""
    import urllib.request  # pylint: disable=import-outside-toplevel

    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return True
        time.sleep(0.2)
    return False


def gate_phase(emulator: Emulator, state: Path) -> dict:
    """The gate against a healthy proxy run from the deployed task definition, and the same requests by curl."""
    import yaml  # pylint: disable=import-outside-toplevel
    from localaws.runtime import LocalService, task_inputs  # pylint: disable=import-outside-toplevel

    local = LocalService(emulator.endpoint, DEPLOYMENT, DEPLOYMENT, free_port(), state / "proxy")
    with local:
        if not wait_answering(local.url + "/health/liveliness", 300):
            raise RuntimeError(f"the local proxy did not answer: {local.error or 'no answer within 300 s'}")
        run = playbook_phase(emulator, "site.yml", env={"LITELLM_ECS_LOCAL_PROXY_URL": local.url})
        definition = local.client("ecs").describe_task_definition(taskDefinition=local.task_definition_arn)["taskDefinition"]
        content, environment = task_inputs(local, definition)
        models = [item["model_name"] for item in yaml.safe_load(content)["model_list"]]
        curl = curl_gate(local.url, environment["LITELLM_MASTER_KEY"], models)
    gate_tasks = [task for task in run["_tasks"] if task["task"].startswith("gate | ")]
    return {"gate_seconds": round(sum(task["seconds"] for task in gate_tasks), 2),
            "gate_tasks": [{"task": task["task"], "seconds": task["seconds"], "status": task["status"]} for task in gate_tasks],
            "curl": curl, "site_with_gate_wall_seconds": run["wall_seconds"]}


def timed(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 7200) -> dict:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout)
    return {"wall_seconds": round(time.monotonic() - started, 1), "exit_code": done.returncode,
            "output_tail": done.stdout.splitlines()[-12:] + done.stderr.splitlines()[-6:]}


@contextlib.contextmanager
def fresh_clone():
    """A clone of this repository's HEAD with no .venv, and empty package caches for whatever it installs."""
    with tempfile.TemporaryDirectory(prefix="litellm-ecs-clone-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "ANSIBLE_", "LITELLM_ECS_"))}
        env.update(UV_CACHE_DIR=str(Path(tmp) / "uv-cache"), PIP_NO_CACHE_DIR="1", PATH=os.environ.get("PATH", ""))
        yield clone, env


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def ratios(results: dict) -> dict:
    """Each phase's wall time against the CLI path's, --check against the no-op rerun, the gate against curl."""
    phases, cli = results["phases"], results["phases"]["cli"]["wall_seconds"]
    return {
        "cold_to_cli": ratio(phases["cold"]["wall_seconds"], cli),
        "noop_to_cli": ratio(phases["noop"]["wall_seconds"], cli),
        "check_to_cli": ratio(phases["check"]["wall_seconds"], cli),
        "check_to_noop": ratio(phases["check"]["wall_seconds"], phases["noop"]["wall_seconds"]),
        "teardown_to_cli": ratio(phases["teardown"]["wall_seconds"], cli),
        "gate_to_curl": ratio(results["gate"]["gate_seconds"], results["gate"]["curl"]["wall_seconds"]),
    }


def run(args) -> dict:
    results: dict = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "label": args.label,
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                 check=False).stdout.strip(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_at_start": load()},
        "phases": {},
    }
    phases = results["phases"]
    with tempfile.TemporaryDirectory(prefix="litellm-ecs-bench-") as tmp:
        state = Path(tmp)
        print("cli: the guide's aws CLI path ...", flush=True)
        phases["cli"] = cli_phase(state)
        emulator = Emulator(state / "site")
        emulator.start(watch_pid=os.getpid())
        try:
            for name, playbook, extra in (("cold", "site.yml", ()), ("noop", "site.yml", ()), ("check", "site.yml", ("--check",))):
                print(f"{name}: {playbook} {' '.join(extra)} ...", flush=True)
                phases[name] = playbook_phase(emulator, playbook, *extra)
            print("gate: site.yml with the gate, against a real LiteLLM proxy ...", flush=True)
            results["gate"] = gate_phase(emulator, state)
            print("teardown: teardown.yml ...", flush=True)
            phases["teardown"] = playbook_phase(emulator, "teardown.yml")
        finally:
            emulator.stop()
    for phase in phases.values():
        phase.pop("_tasks", None)
    if args.deploy:
        print("deploy: python3 tools/dev.py deploy (this tree, .venv present) ...", flush=True)
        results["deploy_warm"] = timed([sys.executable, str(ROOT / "tools" / "dev.py"), "deploy"], ROOT)
        print("deploy: on a fresh clone with empty package caches ...", flush=True)
        with fresh_clone() as (clone, env):
            results["deploy_fresh_clone"] = timed(["python3", "tools/dev.py", "deploy"], clone, env)
    if args.suite:
        print("suite: bash .ci/run on a fresh clone ...", flush=True)
        with fresh_clone() as (clone, env):
            results["suite_fresh_clone"] = timed(["bash", ".ci/run"], clone, dict(env, CI="true"))
    results["ratios"] = ratios(results)
    results["machine"]["load_at_end"] = load()
    return results


def render(results: dict) -> str:
    columns = ("wall_seconds", "tasks_run", "tasks_skipped", "module_runs", "module_processes", "module_runs_in_worker",
               "api_calls", "mutating_calls", "changed")
    heads = ("wall s", "tasks", "skipped", "modules", "processes", "in worker", "API calls", "mutating", "changed")
    lines = [f"Benchmark {results['when']} at {results['commit']} ({results['label'] or 'no label'}); "
             f"{results['machine']['cpus']} CPUs, load {results['machine']['load_at_start']} -> {results['machine']['load_at_end']}",
             "", f"{'phase':<10}" + "".join(f"{head:>11}" for head in heads)]
    for name, phase in results["phases"].items():
        lines.append(f"{name:<10}" + "".join(f"{phase.get(column, ''):>11}" for column in columns))
    gate = results["gate"]
    lines += ["", f"gate: {gate['gate_seconds']} s for the gate's tasks; the same {gate['curl']['requests']} requests by curl: "
              f"{gate['curl']['wall_seconds']} s (status codes {' '.join(gate['curl']['status_codes'])})"]
    for key in ("deploy_warm", "deploy_fresh_clone", "suite_fresh_clone"):
        if key in results:
            lines.append(f"{key}: {results[key]['wall_seconds']} s, exit {results[key]['exit_code']}")
    lines += ["", "ratios: " + ", ".join(f"{key} {value}" for key, value in results["ratios"].items())]
    for name in ("cold", "noop", "check"):
        slow = ", ".join(f"{item['task']} {item['seconds']} s" for item in results["phases"][name]["slowest_tasks"][:5])
        lines.append(f"slowest in {name}: {slow}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deploy", action="store_true", help="also time dev.py deploy, here and on a fresh clone")
    parser.add_argument("--suite", action="store_true", help="also time bash .ci/run on a fresh clone")
    parser.add_argument("--label", default="", help="a note stored with the results")
    args = parser.parse_args(argv)
    if not shutil.which("curl"):
        print("error: the benchmark needs curl for the gate's comparison", file=sys.stderr)
        return 2
    results = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["when"].replace(":", "").replace("-", "").replace("+0000", "Z")
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\nwritten: {path.relative_to(ROOT)} (and benchmarks/results/latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
