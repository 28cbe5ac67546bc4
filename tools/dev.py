#!/usr/bin/env python
"""The project's two entry points, each runnable on a fresh clone.

    python3 tools/dev.py deploy [--keep]   deploy on the embedded default (local AWS emulator) and summarise
    python3 tools/dev.py test [PYTEST ARGS] run the whole test suite
    python3 tools/dev.py stop              stop an emulator left running by 'deploy --keep'
    python3 tools/dev.py bench [--deploy] [--suite]
                                           time a converge against the guide's aws CLI path (tools/benchmark.py)

Each first creates .venv and installs the pinned requirements into it (only when they changed), then
re-runs itself with the virtualenv's Python. The installer is uv (from PyPI, installed once under .cache/uv): it
installs the requirements in seconds where pip takes minutes; where uv cannot be installed, pip does the job.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
VENV = ROOT / ".venv"
STATE = Path(os.environ.get("LITELLM_ECS_STATE_DIR", ROOT / ".state"))
REQUIREMENTS = {"deploy": "requirements-local.txt", "stop": "requirements-local.txt", "test": "requirements-test.txt",
                "bench": "requirements-test.txt"}

sys.path.insert(0, str(TOOLS))


def _requirement_files(name: str) -> list[Path]:
    """The requirements file and every file it includes with -r, in order."""
    files, path = [], ROOT / name
    while path:
        files.append(path)
        included = [line.split(None, 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("-r ")]
        path = ROOT / included[0] if included else None
    return files


# The installer, pinned like every other requirement.
UV = "uv==0.13.9"


def uv() -> Path | None:
    """The uv program, installed once into .cache/uv/<version> with this Python's pip; None where that fails."""
    target = ROOT / ".cache" / "uv" / UV.split("==")[1]
    program = target / "bin" / "uv"
    if not program.exists():
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               "--target", str(target), UV], check=False)
        if done.returncode != 0 or not program.exists():
            print("uv could not be installed; installing with pip instead (slower)", file=sys.stderr, flush=True)
            return None
    return program


def bootstrap(command: str) -> None:
    """Make sure .venv has the pinned requirements, then continue inside it."""
    python = VENV / "bin" / "python"
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in _requirement_files(REQUIREMENTS[command]))).hexdigest()
    stamp = VENV / f".installed-{REQUIREMENTS[command]}"
    if not python.exists() or not stamp.exists() or stamp.read_text(encoding="utf-8") != digest:
        installer = uv()
        if not python.exists():
            print(f"Creating {VENV.relative_to(ROOT)} ...", flush=True)
            if installer:
                subprocess.run([str(installer), "venv", "--quiet", "--seed", "--python", sys.executable, str(VENV)], check=True)
            else:
                venv.EnvBuilder(with_pip=True).create(VENV)
        print(f"Installing {REQUIREMENTS[command]} into {VENV.relative_to(ROOT)} (once) ...", flush=True)
        requirements = str(ROOT / REQUIREMENTS[command])
        if installer:
            subprocess.run([str(installer), "pip", "install", "--quiet", "--python", str(python), "-r", requirements], check=True)
        else:
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements], check=True)
        stamp.write_text(digest, encoding="utf-8")
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def collections_path() -> Path:
    """A collections path in which llmops.litellm_ecs is this working tree."""
    base = ROOT / ".cache" / "collections"
    link = base / "ansible_collections" / "llmops" / "litellm_ecs"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # a parallel test worker made it first
            link.symlink_to(ROOT, target_is_directory=True)
    return base


def ansible_env(endpoint: str, report: Path | None = None) -> dict[str, str]:
    """The environment for ansible-playbook runs against the emulator at ``endpoint``."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections_path()),
        "ANSIBLE_CALLBACK_PLUGINS": str(TOOLS / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "change_report",
        "ANSIBLE_FORCE_COLOR": env.get("ANSIBLE_FORCE_COLOR", "0"),
        "LITELLM_ECS_AWS_ENDPOINT_URL": endpoint,
        "PATH": f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    })
    if report:
        env["LITELLM_ECS_CHANGE_REPORT"] = str(report)
    return env


def summarise(endpoint: str, report: dict) -> str:
    """A readable account of what the run changed and what now exists in the emulator."""
    import boto3  # pylint: disable=import-outside-toplevel

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    iam = session.client("iam", endpoint_url=endpoint)
    sm = session.client("secretsmanager", endpoint_url=endpoint)
    lines = ["", "=" * 72, "Summary", "=" * 72]
    stats = report.get("stats", {})
    for host, counts in stats.items():
        lines.append(f"{host}: " + ", ".join(f"{key}={counts.get(key, 0)}" for key in ("ok", "changed", "failures", "unreachable", "skipped")))
    lines.append("")
    lines.append(f"Changed in this run ({len(report.get('changed', []))} tasks):")
    lines.extend(f"  - [{item['role'] or 'play'}] {item['task']}" for item in report.get("changed", [])) if report.get("changed") else lines.append("  nothing")
    lines.append("")
    lines.append("What exists now:")
    for role in iam.list_roles()["Roles"]:
        attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]]
        inline = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
        lines.append(f"  IAM role        {role['Arn']}")
        if attached or inline:
            lines.append(f"                  managed: {', '.join(attached) or '-'}; inline: {', '.join(inline) or '-'}")
    for secret in sm.list_secrets()["SecretList"]:
        lines.append(f"  Secret          {secret['Name']}  ({secret['ARN']}; value not shown)")
    ec2, efs, s3 = (session.client(name, endpoint_url=endpoint) for name in ("ec2", "efs", "s3"))
    for group in ec2.describe_security_groups(Filters=[{"Name": "tag-key", "Values": ["litellm-deployment"]}])["SecurityGroups"]:
        sources = [pair["GroupId"] for perm in group["IpPermissions"] for pair in perm.get("UserIdGroupPairs", [])]
        origin = f" (ingress from {', '.join(sources)})" if sources else ""
        lines.append(f"  Security group  {group['GroupId']} {group['GroupName']}{origin}")
    for fs in efs.describe_file_systems()["FileSystems"]:
        targets = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
        points = efs.describe_access_points(FileSystemId=fs["FileSystemId"])["AccessPoints"]
        name = next((tag["Value"] for tag in fs.get("Tags", []) if tag["Key"] == "Name"), "")
        lines.append(f"  EFS             {fs['FileSystemId']} {name} (encrypted: {fs['Encrypted']}, "
                     f"{fs['ThroughputMode']}, {len(targets)} mount targets, access points: "
                     f"{', '.join(p['AccessPointId'] for p in points) or '-'})")
    ecs, elb = session.client("ecs", endpoint_url=endpoint), session.client("elbv2", endpoint_url=endpoint)
    arns = ecs.list_clusters()["clusterArns"]
    for cluster in ecs.describe_clusters(clusters=arns, include=["SETTINGS"])["clusters"] if arns else []:
        insights = {item["name"]: item["value"] for item in cluster.get("settings", [])}.get("containerInsights", "disabled")
        lines.append(f"  ECS cluster     {cluster['clusterName']} ({', '.join(cluster['capacityProviders'])}; "
                     f"Container Insights {insights})")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        listeners = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        ports = ", ".join(f"{item['Protocol']} {item['Port']}" for item in listeners) or "-"
        lines.append(f"  Load balancer   {lb['LoadBalancerName']} {lb['DNSName']} (listeners: {ports})")
    for group in elb.describe_target_groups()["TargetGroups"]:
        lines.append(f"  Target group    {group['TargetGroupName']} ({group['Protocol']} {group['Port']}, "
                     f"health check {group['HealthCheckPath']})")
    for bucket in s3.list_buckets()["Buckets"]:
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])]
        lines.append(f"  S3 bucket       {bucket['Name']} (objects: {', '.join(keys) or '-'})")
    return "\n".join(lines)


LOCAL_DEPLOYMENT = "litellm"  # inventories/local: litellm_name


def deploy(keep: bool) -> int:
    from localaws.harness import Emulator, free_port  # pylint: disable=import-outside-toplevel
    from localaws.runtime import LocalService  # pylint: disable=import-outside-toplevel

    emulator = Emulator(STATE / "emulator")
    # --keep: the emulator outlives this command, so it watches no process (stop it with 'dev.py stop').
    endpoint = emulator.start(watch_pid=0 if keep else os.getpid())
    print(f"Local AWS emulator: {endpoint} (pid {emulator.pid})", flush=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # The service's proxy, run locally from its task definition once site.yml has registered it; the
            # gate at the end of site.yml probes it (litellm_endpoint_url).
            local = LocalService(endpoint, LOCAL_DEPLOYMENT, LOCAL_DEPLOYMENT, free_port(), Path(tmp) / "proxy")
            print(f"Local LiteLLM proxy (started from the deployed task definition): {local.url}", flush=True)
            report_path = Path(tmp) / "report.json"
            with local:
                env = dict(ansible_env(endpoint, report_path), LITELLM_ECS_LOCAL_PROXY_URL=local.url)
                run = subprocess.run(
                    ["ansible-playbook", "-i", str(ROOT / "inventories" / "local"), str(ROOT / "playbooks" / "site.yml")],
                    env=env, cwd=ROOT, check=False,
                )
                if local.error:
                    print(f"The local proxy could not run: {local.error}", file=sys.stderr)
            report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
        print(summarise(endpoint, report))
        return run.returncode
    finally:
        if keep:
            print(f"\nThe emulator is still running at {endpoint}; stop it with: python3 tools/dev.py stop")
        else:
            emulator.stop()
            print("\nStopped the local AWS emulator (its state is gone; use --keep to inspect it).")


def stop() -> int:
    from localaws.harness import Emulator  # pylint: disable=import-outside-toplevel

    print("stopped the emulator" if Emulator(STATE / "emulator").stop() else "no emulator was running")
    return 0


RUN_ID_VARIABLE = "LITELLM_ECS_TEST_RUN"


def emulator_pids(run_id: str) -> set[int]:
    """The emulator processes started by the test run ``run_id`` (they inherit its environment marker)."""
    marker = f"{RUN_ID_VARIABLE}={run_id}".encode()
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if b"localaws.server" in argv and marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def leftover_emulators(run_id: str, grace: float = 5.0) -> set[int]:
    """Emulators of this test run still alive after ``grace`` seconds (each exits soon after its starter)."""
    deadline = time.monotonic() + grace
    while (left := emulator_pids(run_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test(pytest_args: list[str]) -> int:
    run_id = uuid.uuid4().hex
    env = dict(os.environ, PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", **{RUN_ID_VARIABLE: run_id})
    # One worker per core, each test file on one worker (files share module-scoped emulator state).
    parallel = [] if any(arg.startswith(("-n", "--numprocesses", "-p")) for arg in pytest_args) else [
        "-n", str(min(os.cpu_count() or 1, 4)), "--dist", "loadfile"]
    code = subprocess.run([sys.executable, "-m", "pytest", *parallel, *pytest_args], cwd=ROOT, env=env, check=False).returncode
    left = leftover_emulators(run_id)
    if left:
        print(f"error: the test run left emulator processes running: {sorted(left)}; stopping them", file=sys.stderr)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return code or 1
    if code == 5:
        # pytest: no test was collected. A full run always collects tests, so that is a broken suite; a
        # filtered run (-k, a path) that matches nothing is not an error.
        print("pytest collected no test" + (" for this selection" if pytest_args else ": the suite is broken"), file=sys.stderr)
        return 0 if pytest_args else 1
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    deploy_parser = sub.add_parser("deploy", help="deploy on the local emulator and print a summary")
    deploy_parser.add_argument("--keep", action="store_true", help="leave the emulator running afterwards")
    sub.add_parser("test", help="run the whole test suite (extra arguments go to pytest)")
    sub.add_parser("stop", help="stop an emulator left running by 'deploy --keep'")
    sub.add_parser("bench", help="time a converge against the guide's aws CLI path (extra arguments go to tools/benchmark.py)")
    args, rest = parser.parse_known_args()
    if rest and args.command not in ("test", "bench"):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    bootstrap(args.command)
    if args.command == "deploy":
        return deploy(args.keep)
    if args.command == "stop":
        return stop()
    if args.command == "bench":
        import benchmark  # pylint: disable=import-outside-toplevel

        return benchmark.main(rest)
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
