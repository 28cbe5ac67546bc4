#!/usr/bin/env python
"""The project's two entry points, each runnable on a fresh clone.

    python3 tools/dev.py deploy [--keep]   deploy on the embedded default (local AWS emulator) and summarise;
                                           --keep leaves the emulator and the local proxy running, to call
    python3 tools/dev.py test [PYTEST ARGS] run the whole test suite
    python3 tools/dev.py stop              stop the proxy and the emulator left running by 'deploy --keep'
    python3 tools/dev.py bench [--deploy] [--suite]
                                           time a converge against the guide's aws CLI path (tools/benchmark.py)
    python3 tools/dev.py reliability [--last]
                                           run the reliability tests and write docs/reliability.md from that run
                                           (--last: from the figures the last 'test' run recorded)
    python3 tools/dev.py policy            generate the deployer's IAM policy from the calls the collection makes
                                           (tools/deployer_policy.py: docs/deployer-policy.json)

Each first creates .venv and installs the pinned requirements into it (only when they changed), then
re-runs itself with the virtualenv's Python. The installer is uv (from PyPI, installed once under .cache/uv): it
installs the requirements in seconds where pip takes minutes; where uv cannot be installed, pip does the job.

'deploy' and 'test' also need a redis-server 7 or newer on PATH (the local stand-in for ElastiCache, and the tests of
LiteLLM's shared limits). Where there is none and this runs as root with apt-get (a fresh CI machine, a container),
Debian's redis-server package is installed, once, without starting its system service; elsewhere the command stops
and says what to install.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
import uuid
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
VENV = ROOT / ".venv"
STATE = Path(os.environ.get("LITELLM_ECS_STATE_DIR", ROOT / ".state"))
REQUIREMENTS = {"deploy": "requirements-local.txt", "stop": "requirements-local.txt", "test": "requirements-test.txt",
                "bench": "requirements-test.txt", "reliability": "requirements-test.txt",
                "policy": "requirements-test.txt"}

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


REDIS_MINIMUM = (7, 0)
REDIS_PACKAGE = "redis-server"  # Debian 12's is 7.0.15
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def _version_text(version) -> str:
    return ".".join(map(str, version))


def apt_install_redis_server() -> None:
    """``apt-get install redis-server``, non-interactive, with its service kept from starting.

    The package's maintainer scripts start a system-wide redis-server on port 6379 through invoke-rc.d (or
    deb-systemd-invoke); both ask /usr/sbin/policy-rc.d first, so one answering 101 ("action forbidden") is in
    place during the install (Docker images ship one; it is left alone when present, and one made here is removed
    afterwards); RUNLEVEL=1 tells invoke-rc.d the same. The package lists are fetched only when the install cannot
    find the package (a fresh image often has none). Measured on Debian 12 (2 cores): 4 s with the package in
    apt's cache, 7 s from nothing (apt-get update, 1 MB downloaded)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", RUNLEVEL="1")
    wait = ["-o", "DPkg::Lock::Timeout=300"]  # a fresh VM's unattended upgrades may hold the lock for a while
    install = ["apt-get", *wait, "install", "-y", "-q", "--no-install-recommends", REDIS_PACKAGE]
    made_policy = not POLICY_RC_D.exists()
    if made_policy:
        POLICY_RC_D.write_text("#!/bin/sh\n# tools/dev.py: no service starts while it installs redis-server\nexit 101\n", encoding="utf-8")
        POLICY_RC_D.chmod(0o755)
    try:
        if subprocess.run(install, env=env, check=False).returncode != 0:
            subprocess.run(["apt-get", *wait, "update", "-q"], env=env, check=True)
            subprocess.run(install, env=env, check=True)
    finally:
        if made_policy:
            POLICY_RC_D.unlink()


def ensure_redis_server() -> None:
    """Make sure a redis-server 7+ is on PATH: fast when one is; else install Debian's as root, or stop with what to do."""
    from redis_server import installed_version  # pylint: disable=import-outside-toplevel

    version = installed_version()
    if version and version >= REDIS_MINIMUM:
        return
    found = f"redis-server {_version_text(version)} on PATH is older than {_version_text(REDIS_MINIMUM)}" if version else "no redis-server on PATH"
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"{found}: installing the {REDIS_PACKAGE} package with apt-get (once; its service is not started) ...", flush=True)
        started = time.monotonic()
        try:
            apt_install_redis_server()
        except subprocess.CalledProcessError as exc:
            sys.exit(f"error: apt-get could not install {REDIS_PACKAGE} ({exc}); install a redis-server "
                     f"{_version_text(REDIS_MINIMUM)} or newer and put it on PATH")
        version = installed_version()
        if not version or version < REDIS_MINIMUM:
            sys.exit(f"error: after apt-get install {REDIS_PACKAGE}, {'redis-server ' + _version_text(version) if version else 'still no redis-server'} "
                     f"on PATH; this needs {_version_text(REDIS_MINIMUM)} or newer (this distribution's package is too old: "
                     f"put a newer redis-server on PATH)")
        print(f"Installed redis-server {_version_text(version)} in {time.monotonic() - started:.0f} s", flush=True)
        return
    sys.exit(f"error: {found}. The local deployment (the stand-in for ElastiCache) and the tests need redis-server "
             f"{_version_text(REDIS_MINIMUM)} or newer: install it (Debian/Ubuntu: sudo apt-get install {REDIS_PACKAGE}; "
             f"macOS: brew install redis) or put any redis-server {_version_text(REDIS_MINIMUM)}+ on PATH, then run this again.")


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


def _session():
    import boto3  # pylint: disable=import-outside-toplevel

    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")


GATE_PROBE = "gate | Probe the proxy"  # playbooks/tasks/gate.yml


def gate_verdict(report: dict, returncode: int) -> str:
    """The gate's verdict, from the change_report of the site.yml run and the run's exit code."""
    probes = [task for task in report.get("tasks", []) if task.get("task") == GATE_PROBE]
    status = probes[-1]["status"] if probes else ""
    if status in ("ok", "changed"):
        return "passed" if returncode == 0 else f"passed, but the playbook failed afterwards (exit code {returncode})"
    if status in ("failed", "unreachable"):
        return "failed (see the playbook's output above)"
    if status == "skipped":
        return "skipped (litellm_gate is false, or a --check run)"
    return f"not reached (the playbook failed first, exit code {returncode})" if returncode else "not run"


def deployed_service(endpoint: str, name: str = "") -> dict:
    """What the emulator reports about the deployment's service: its task definition, models and load balancer.

    Empty values where the service does not exist (yet)."""
    from localaws.runtime import CONTAINER, config_bytes, container  # pylint: disable=import-outside-toplevel
    import yaml  # pylint: disable=import-outside-toplevel

    name = name or LOCAL_DEPLOYMENT
    session = _session()
    aws = types.SimpleNamespace(client=lambda service: session.client(service, endpoint_url=endpoint))
    ecs, elb = aws.client("ecs"), aws.client("elbv2")
    found = {"task_definition": "", "revision": "", "models": [], "master_key_from": "", "alb_dns": ""}
    try:
        services = [item for item in ecs.describe_services(cluster=name, services=[name])["services"] if item["status"] == "ACTIVE"]
    except ecs.exceptions.ClusterNotFoundException:
        services = []
    if services:
        definition = ecs.describe_task_definition(taskDefinition=services[0]["taskDefinition"])["taskDefinition"]
        proxy = container(definition, CONTAINER)
        environment = {pair["name"]: pair["value"] for pair in proxy.get("environment", [])}
        config = yaml.safe_load(config_bytes(aws, definition, environment)) or {}
        found.update(task_definition=definition["taskDefinitionArn"], revision=f"{definition['family']}:{definition['revision']}",
                     models=[item["model_name"] for item in config.get("model_list") or []],
                     master_key_from=next((item["valueFrom"] for item in proxy.get("secrets", []) if item["name"] == "LITELLM_MASTER_KEY"), ""))
        groups = [item["targetGroupArn"] for item in services[0].get("loadBalancers", []) if item.get("targetGroupArn")]
        balancers = [arn for group in elb.describe_target_groups(TargetGroupArns=groups)["TargetGroups"] for arn in group["LoadBalancerArns"]] if groups else []
        if balancers:
            found["alb_dns"] = elb.describe_load_balancers(LoadBalancerArns=balancers[:1])["LoadBalancers"][0]["DNSName"]
    return found


def summarise(endpoint: str, report: dict, proxy_url: str = "", returncode: int | None = None, kept: bool = False,
              proxy_urls: list[str] | None = None) -> str:
    """A readable account of what the run changed and what now exists in the emulator; it ends with the endpoint
    (every local task's URL, the first ``proxy_url``), the models, the task definition's revision and the gate's verdict."""
    session = _session()
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
    service = deployed_service(endpoint)
    lines.append("")
    lines.append("Endpoint:")
    urls = [proxy_url, *[url for url in proxy_urls or [] if url != proxy_url]] if proxy_url else []
    for index, url in enumerate(urls, 1):
        lines.append(f"  Local task {index}    {url} (the service's task {index} of {len(urls)} run on this machine"
                     f"{', probed by the gate' if index == 1 else ''}; {'kept running' if kept else 'stopped at the end'})")
    lines.append(f"  Load balancer   {service['alb_dns'] or '-'} (its DNS name as the emulator reports it; nothing answers there locally)")
    lines.append(f"Models:           {', '.join(service['models']) or '-'}")
    lines.append(f"Task definition:  {service['revision'] or '-'}" + (f" ({service['task_definition']})" if service["task_definition"] else ""))
    lines.append(f"Gate:             {gate_verdict(report, 0 if returncode is None else returncode)}")
    return "\n".join(lines)


def chat_command(endpoint: str, proxy_url: str, service: dict) -> str:
    """A curl command line for POST /v1/chat/completions on the first model, with the master key the task gets.

    The key is read from the emulator's Secrets Manager now, and appears only in the returned line."""
    from localaws.runtime import secret_value  # pylint: disable=import-outside-toplevel

    key = secret_value(_session().client("secretsmanager", endpoint_url=endpoint), service["master_key_from"])
    body = json.dumps({"model": service["models"][0], "messages": [{"role": "user", "content": "Say hi."}]})
    return shlex.join(["curl", "-sS", f"{proxy_url}/v1/chat/completions", "-H", f"Authorization: Bearer {key}",
                       "-H", "Content-Type: application/json", "-d", body])


LOCAL_DEPLOYMENT = "litellm"  # inventories/local: litellm_name
LOCAL_TASKS = 2  # the local inventory's desired count (ecs_service_desired_count): that many local tasks, one Redis


def deploy(keep: bool) -> int:
    from localaws.harness import Emulator, free_port  # pylint: disable=import-outside-toplevel
    from localaws.runtime import DetachedService, LocalService  # pylint: disable=import-outside-toplevel

    emulator, kept = Emulator(STATE / "emulator"), DetachedService(STATE / "proxy")
    if not emulator.running():
        kept.stop()  # a proxy left by an earlier 'deploy --keep' serves an emulator that is gone
    # --keep: the emulator outlives this command, so it watches no process (stop it with 'dev.py stop').
    endpoint = emulator.start(watch_pid=0 if keep else os.getpid())
    print(f"Local AWS emulator: {endpoint} (pid {emulator.pid})", flush=True)
    proxy_url = ""
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # The service's tasks, run locally as proxies from its task definition once site.yml has registered it
            # (LOCAL_TASKS of them, sharing the local stand-in for the ElastiCache the deployment creates); the gate
            # at the end of site.yml probes the first (litellm_endpoint_url). --keep runs them in a process of its
            # own that outlives this command, like the emulator; otherwise they run in this one.
            if keep:
                local = None
                proxy_url = kept.start(endpoint, LOCAL_DEPLOYMENT, LOCAL_DEPLOYMENT, free_port(), tasks=LOCAL_TASKS)
            else:
                local = LocalService(endpoint, LOCAL_DEPLOYMENT, LOCAL_DEPLOYMENT, free_port(), Path(tmp) / "proxy",
                                     tasks=LOCAL_TASKS)
                proxy_url = local.url
            print(f"Local LiteLLM proxies (the deployed task definition's tasks, up to {LOCAL_TASKS}; the gate probes "
                  f"the first): {proxy_url}", flush=True)
            report_path = Path(tmp) / "report.json"
            with local or contextlib.nullcontext():
                env = dict(ansible_env(endpoint, report_path), LITELLM_ECS_LOCAL_PROXY_URL=proxy_url)
                run = subprocess.run(
                    ["ansible-playbook", "-i", str(ROOT / "inventories" / "local"), str(ROOT / "playbooks" / "site.yml")],
                    env=env, cwd=ROOT, check=False,
                )
                error = local.error if local else kept.error()
                if error:
                    print(f"The local proxy could not run: {error}", file=sys.stderr)
                proxy_urls = local.urls if local else kept.urls
            report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
        print(summarise(endpoint, report, proxy_url, run.returncode, kept=keep, proxy_urls=proxy_urls))
        return run.returncode
    finally:
        if keep:
            print(kept_instructions(endpoint, kept))
        else:
            kept.stop()  # one left by an earlier 'deploy --keep': everything stops
            emulator.stop()
            print("\nStopped the local AWS emulator (its state is gone; use --keep to inspect it).")


def kept_instructions(endpoint: str, kept) -> str:
    """What 'deploy --keep' leaves running, and how to call it and stop it."""
    lines = ["", f"The local AWS emulator is still running at {endpoint}."]
    try:
        service = deployed_service(endpoint) if kept.running() else {}
        call = chat_command(endpoint, kept.url, service) if service.get("models") and service.get("master_key_from") else ""
    except Exception as exc:  # pylint: disable=broad-exception-caught  # still say what runs and how to stop it
        service, call = {}, ""
        lines.append(f"(The deployment could not be read from the emulator: {type(exc).__name__}: {exc})")
    others = [url for url in kept.urls if url != kept.url]
    if call:
        also = f" (and the service's other local task{'s' if len(others) > 1 else ''} at {', '.join(others)})" if others else ""
        lines += [f"The local LiteLLM proxy is still running at {kept.url}{also} ({service['revision']}; log: {kept.log_file}).",
                  f"Call {service['models'][0]} on it (the master key is the deployment's, read from the emulator's Secrets Manager):",
                  "", "  " + call, ""]
    elif kept.running():
        lines.append(f"The local LiteLLM proxy's process is still running for {kept.url}, but the service has no task definition yet.")
    else:
        lines.append(f"The local LiteLLM proxy is not running: {kept.error() or 'it was not started'}.")
    lines.append("Stop them with: python3 tools/dev.py stop")
    return "\n".join(lines)


def stop() -> int:
    from localaws.harness import Emulator  # pylint: disable=import-outside-toplevel
    from localaws.runtime import DetachedService  # pylint: disable=import-outside-toplevel

    emulator, kept = Emulator(STATE / "emulator"), DetachedService(STATE / "proxy")
    pid, port = kept.pid, kept.port
    # The proxy first: it would otherwise outlive its emulator for a few seconds, failing to reach it.
    print(f"stopped the local LiteLLM proxy (pid {pid}, port {port})" if kept.stop() else "no local LiteLLM proxy was running")
    pid = emulator.pid
    print(f"stopped the local AWS emulator (pid {pid})" if emulator.stop() else "no emulator was running")
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


RELIABILITY = STATE / "reliability"


def test(pytest_args: list[str]) -> int:
    run_id = uuid.uuid4().hex
    env = dict(os.environ, PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", **{RUN_ID_VARIABLE: run_id})
    # The reliability tests' figures of this run (tests/reliability.py), for 'reliability --last'.
    shutil.rmtree(RELIABILITY, ignore_errors=True)
    RELIABILITY.mkdir(parents=True)
    env.setdefault("LITELLM_ECS_RELIABILITY_RECORD", str(RELIABILITY / "figures.jsonl"))
    junit = [f"--junitxml={RELIABILITY / 'junit.xml'}"]
    load_before, started = os.getloadavg(), time.monotonic()
    # One worker per core, each test file on one worker (files share module-scoped emulator state), the files in the
    # order tests/conftest.py gives them (slowest first); xdist would otherwise reorder them by their number of tests,
    # and a long file of one test (molecule) would start last.
    parallel = [] if any(arg.startswith(("-n", "--numprocesses", "-p")) for arg in pytest_args) else [
        "-n", str(min(os.cpu_count() or 1, 4)), "--dist", "loadfile", "--no-loadscope-reorder"]
    code = subprocess.run([sys.executable, "-m", "pytest", *parallel, *junit, *pytest_args], cwd=ROOT, env=env, check=False).returncode
    record = run_record(code, time.monotonic() - started, load_before, RELIABILITY / "junit.xml")
    record["selection"] = pytest_args  # [] for the whole suite
    (RELIABILITY / "run.json").write_text(json.dumps(record), encoding="utf-8")
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


def run_record(code: int, duration: float, load_before: tuple, junit: Path) -> dict:
    """What docs/reliability.md says of the run its figures come from: when, which commit, how long, the load, results."""
    from xml.etree import ElementTree  # pylint: disable=import-outside-toplevel

    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    if junit.exists():
        for suite in ElementTree.parse(junit).getroot().iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                 check=False).stdout.strip() or "unknown",
        "duration": duration, "exit": code, "cores": os.cpu_count(),
        "load_before": " ".join(f"{value:.2f}" for value in load_before),
        "load_after": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "passed": counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"],
        "failed": counts["failures"] + counts["errors"],
    }


def reliability(last: bool) -> int:
    """Write docs/reliability.md from one run: the reliability tests run now ('test' with the files
    tools/reliability_doc.py lists), or, with ``last``, the figures the last 'test' run recorded."""
    import reliability_doc  # pylint: disable=import-outside-toplevel

    code = 0 if last else test(list(reliability_doc.TESTS))
    if not (RELIABILITY / "run.json").exists():
        print(f"error: no run recorded in {RELIABILITY}; run 'python3 tools/dev.py test' or 'reliability' first", file=sys.stderr)
        return 1
    run = json.loads((RELIABILITY / "run.json").read_text(encoding="utf-8"))
    page = ROOT / "docs" / "reliability.md"
    page.write_text(reliability_doc.render(reliability_doc.read(RELIABILITY / "figures.jsonl"), run), encoding="utf-8")
    print(f"wrote {page.relative_to(ROOT)} from the run of {run['date']} (commit {run['commit']}, pytest exit {run['exit']})")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    deploy_parser = sub.add_parser("deploy", help="deploy on the local emulator and print a summary")
    deploy_parser.add_argument("--keep", action="store_true", help="leave the emulator and the local proxy running afterwards")
    sub.add_parser("test", help="run the whole test suite (extra arguments go to pytest)")
    sub.add_parser("stop", help="stop the local proxy and the emulator left running by 'deploy --keep'")
    sub.add_parser("bench", help="time a converge against the guide's aws CLI path (extra arguments go to tools/benchmark.py)")
    reliability_parser = sub.add_parser("reliability", help="run the reliability tests and write docs/reliability.md from that run")
    reliability_parser.add_argument("--last", action="store_true",
                                    help="write it from the figures the last 'test' run recorded, running nothing")
    sub.add_parser("policy", help="generate the deployer's IAM policy (docs/deployer-policy.json) from the calls the collection makes")
    args, rest = parser.parse_known_args()
    if rest and args.command not in ("test", "bench"):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    bootstrap(args.command)
    if args.command in ("deploy", "test", "reliability"):
        ensure_redis_server()
    if args.command == "deploy":
        return deploy(args.keep)
    if args.command == "stop":
        return stop()
    if args.command == "bench":
        import benchmark  # pylint: disable=import-outside-toplevel

        return benchmark.main(rest)
    if args.command == "reliability":
        return reliability(args.last)
    if args.command == "policy":
        import deployer_policy  # pylint: disable=import-outside-toplevel

        return deployer_policy.main()
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
