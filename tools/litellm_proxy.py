"""Start a real LiteLLM proxy process from config.yaml bytes, for tests that need LiteLLM's own verdict.

    from litellm_proxy import LiteLLMProxy, new_master_key

    key = new_master_key()
    with LiteLLMProxy(config_bytes, {"LITELLM_MASTER_KEY": key}, workdir) as proxy:
        assert proxy.models(key) == ["gpt-4o-mini"]

What it does, and why:

- The config is written to ``workdir/config.yaml`` (mode 0600: it may hold keys) and the proxy is started as
  ``litellm --config FILE --host 127.0.0.1 --port PORT`` with the interpreter running this code, on a free
  loopback port, its output in ``workdir/litellm.log``.
- Its environment is NOT inherited: a small allow-list (PATH, HOME, locale, TLS bundle) plus the offline
  defaults below plus ``env``. A ``DATABASE_URL``, provider key or HTTP proxy in the developer's shell can
  therefore not change what a test sees. ``LITELLM_LOCAL_MODEL_COST_MAP=True`` stops the start-up download
  of the model cost map (3 tries, 5 s each, otherwise); with it the proxy makes no outbound connection at
  all (checked with ``strace -f -e trace=connect`` on litellm 1.108.7: no connect() call from start to
  answering requests).
- Readiness is ``GET /health/liveliness`` answering 200, polled on a monotonic clock within a budget; the
  start fails at once, with the log's tail, if the process exits first. An explicit ``--port`` that is taken
  makes the proxy exit (only the default 4000 is silently replaced); that race with another process is
  retried on a new port.
- No orphan proxy. The proxy is started under a small supervisor (this file run as a script) that leads its
  own process group (``start_new_session``). The supervisor's stdin is the read end of a pipe whose only
  write end stays in the starting process (the fd is close-on-exec, so no other program it runs gets a
  copy). When the starting process ends, by ``stop()``, an exception, or SIGKILL, the kernel closes that
  end; the supervisor sees EOF and ends the proxy (SIGTERM, then SIGKILL after a grace period) and
  anything else left in the group. The supervisor in turn sets ``PR_SET_PDEATHSIG`` on the proxy (Linux),
  so the proxy also dies if the supervisor itself is killed. ``PR_SET_PDEATHSIG`` set from the test process
  directly would not be enough: it needs ``preexec_fn`` (unsafe when the test process has threads), it
  fires when the *thread* that started the child ends rather than the process, and it reaches only the
  direct child, not the workers or engines the proxy may start.
- ``stop()`` signals the whole process group (SIGTERM, then SIGKILL), reaps the supervisor and waits until
  the group is gone.
- ``read_only_root=True`` runs the proxy as ECS runs a container with ``readonlyRootFilesystem: true``: in a
  private mount namespace (set up by the supervisor just before it starts the proxy) every mount but the kernel's
  (/proc, /sys, /dev) is read-only, the root file system, the virtualenv, HOME and the working directory
  included, and each of ``writable_paths`` (the task's scratch volumes, default ``/tmp``) is a directory of this
  proxy's own, ``workdir/scratch/<path>``. The environment is passed as it is: ``/tmp/litellm/ui`` in the task
  definition is ``workdir/scratch/tmp/litellm/ui`` on this machine (``scratch_path()``), and no other proxy
  shares it. Writes anywhere else fail with EROFS, as on Fargate. The work directory, when a scratch path hides
  it, is mounted again, read-only, at its own path, so the config stays readable; the log is written through a
  descriptor the supervisor opened before. A read-only root needs root with CAP_SYS_ADMIN (a mount namespace);
  elsewhere the proxy runs on the normal file system and ``read_only_unavailable`` says why (root alone does
  not do: root ignores permission bits, which is why the enforcement is a read-only mount, not a file mode).

Only the standard library is used, so the module imports anywhere (tests, tools, a future gate's tests).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# This file also runs on its own as the proxy's supervisor, so it finds tools/ itself.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from localaws.harness import free_port  # noqa: E402  pylint: disable=wrong-import-position

HOST = "127.0.0.1"
LIVENESS_PATH = "/health/liveliness"

# Environment every proxy started here gets unless ``env`` overrides it.
OFFLINE_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no cost-map download at start
    "LITELLM_TELEMETRY_DISABLED": "true",  # telemetry veto (off by default already; made explicit)
    "HF_HUB_OFFLINE": "1",  # no tokenizer downloads from a model hub
    "PYTHONUNBUFFERED": "1",  # the log is complete when a start fails
    "NO_COLOR": "1",
}
# The only variables taken from the test process's environment.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")

_PORT_TAKEN = re.compile(r"address already in use|errno 98", re.IGNORECASE)
_PR_SET_PDEATHSIG = 1

# Linux unshare(2) and mount(2) flags, for read_only_root.
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
# Per-mount options a read-only remount keeps (mountinfo's names).
_MOUNT_FLAGS = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": 8, "noatime": 1024, "nodiratime": 2048,
                "relatime": 1 << 21, "strictatime": 1 << 24}
# The kernel's file systems, which a container keeps as they are (the proxy writes /dev/null, for one).
KERNEL_MOUNTS = ("/proc", "/sys", "/dev")

# urllib must not send loopback requests through an HTTP proxy configured in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LiteLLMProxyError(RuntimeError):
    """The proxy could not be started or stopped."""


class LiteLLMHTTPError(RuntimeError):
    """The proxy answered with a status other than the expected one."""

    def __init__(self, method: str, url: str, status: int, body: Any):
        super().__init__(f"{method} {url} answered {status}: {body!r}")
        self.status = status
        self.body = body


def new_master_key() -> str:
    """A master key the proxy accepts: ``sk-`` and 32 random hex characters."""
    return "sk-" + secrets.token_hex(16)


def group_alive(pgid: int) -> bool:
    """Whether any process (zombies included) is still in process group ``pgid``."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_supervised(proc, pipe, grace: float, error=RuntimeError, poll: float = 0.05) -> None:
    """End a process group started by ``spawn_supervised``: close its pipe, SIGTERM, up to ``grace`` seconds for the
    group to go, then SIGKILL; raise ``error`` if the group is still there 10 s after that."""
    if pipe is not None:
        with contextlib.suppress(OSError):
            os.close(pipe)
    if proc is None:
        return
    pgid = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace + 5)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + grace
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(poll)
    if group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while group_alive(pgid):
        if time.monotonic() > deadline:
            raise error(f"process group {pgid} is still there 10 s after SIGKILL")
        time.sleep(poll)


def litellm_command() -> list[str]:
    """How to run the ``litellm`` CLI with the interpreter running this code."""
    script = Path(sys.executable).parent / "litellm"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from litellm import run_server; sys.exit(run_server())"]


def under(path: str, roots: Sequence[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or lies below one of them (plain absolute paths)."""
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


@functools.lru_cache(maxsize=1)
def read_only_root_unavailable() -> str | None:
    """Why proxies cannot get a read-only root on this machine, or None when they can (checked once)."""
    if not sys.platform.startswith("linux"):
        return "a read-only root needs Linux mount namespaces"
    if os.geteuid() != 0:
        return f"a read-only root needs root (CAP_SYS_ADMIN) for a mount namespace; this runs as uid {os.geteuid()}"
    probe = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--probe-read-only"],
                           capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        return f"this machine cannot give a process a read-only mount namespace: {reason}"
    return None


def spawn_supervised(cmd: list[str], *, env: dict[str, str], log_path: Path, cwd: Path,
                     grace: float = 10.0, read_only: dict | None = None) -> tuple[subprocess.Popen, int]:
    """Start ``cmd`` under the supervisor in a new process group; return (supervisor, write end of its pipe).

    Closing the returned fd (or the end of this process) makes the supervisor end ``cmd`` and its group.
    ``read_only`` (see ``_enter_read_only_root``) starts ``cmd`` on a read-only root with scratch directories.
    """
    options = ["--read-only", json.dumps(read_only)] if read_only is not None else []
    read_end, write_end = os.pipe()  # both close-on-exec: no other child of this process inherits them
    try:
        with open(log_path, "ab") as log:
            supervisor = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, str(Path(__file__).resolve()), "--supervise", str(grace), *options, "--", *cmd],
                stdin=read_end, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                start_new_session=True,
            )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    return supervisor, write_end


class LiteLLMProxy:
    """One real LiteLLM proxy process on a loopback port; a context manager."""

    def __init__(self, config_bytes: bytes, env: dict[str, str], workdir: Path, *,
                 budget: float = 90.0, grace: float = 10.0, host: str = HOST, port: int | None = None,
                 read_only_root: bool = False, writable_paths: Sequence[str] = ("/tmp",)):
        self.config_bytes = config_bytes
        self.env = dict(env)
        self.workdir = Path(workdir).resolve() if read_only_root else Path(workdir)
        self.budget = budget
        self.grace = grace
        self.host = host
        self.fixed_port = port
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._pipe: int | None = None
        # read_only_root: the root file system read-only, writable_paths (the task's scratch volumes) the proxy's own.
        self.read_only_root = read_only_root
        self.writable_paths = tuple(writable_paths)
        # Why a requested read-only root cannot be had on this machine (then the proxy runs normally), else None.
        self.read_only_unavailable = read_only_root_unavailable() if read_only_root else None
        self.read_only_enforced = read_only_root and self.read_only_unavailable is None
        if read_only_root:
            self._check_writable_paths()

    # ----- paths and state
    @property
    def config_path(self) -> Path:
        return self.workdir / "config.yaml"

    @property
    def log_path(self) -> Path:
        return self.workdir / "litellm.log"

    @property
    def scratch_dir(self) -> Path:
        """Where this proxy's writable paths live on this machine (read_only_root): ``scratch/tmp`` is its /tmp."""
        return self.workdir / "scratch"

    def scratch_path(self, path: str) -> Path:
        """This machine's path of ``path`` as the read-only proxy sees it (a path under one of writable_paths)."""
        for root in sorted(self.writable_paths, key=len, reverse=True):
            if under(path, [root]):
                return self.scratch_dir / root.lstrip("/") / os.path.relpath(path, root)
        raise ValueError(f"{path} is not under a writable path of this proxy ({', '.join(self.writable_paths)})")

    def _check_writable_paths(self) -> None:
        for root in self.writable_paths:
            if not os.path.isabs(root) or os.path.normpath(root) != root or root == "/":
                raise LiteLLMProxyError(f"writable path {root!r}: expected a normalised absolute path other than /")
            if not os.path.isdir(root):
                raise LiteLLMProxyError(f"writable path {root}: no such directory to mount this proxy's scratch on")
            if under(root, [str(self.workdir)]):
                raise LiteLLMProxyError(f"writable path {root} lies in the work directory {self.workdir}")

    def _read_only_spec(self) -> dict:
        """Fresh scratch directories (a new task gets empty volumes) and the supervisor's mount plan."""
        shutil.rmtree(self.scratch_dir, ignore_errors=True)
        scratch = []
        for root in self.writable_paths:
            host_dir = self.scratch_path(root)
            host_dir.mkdir(parents=True)
            host_dir.chmod(0o1777)
            scratch.append([str(host_dir), root])
        workdir = str(self.workdir)
        # What the proxy must still read where a scratch mount hides it: its work directory (the config) and the Python
        # it runs on (the virtualenv, the base interpreter, PYTHONPATH), e.g. a checkout under /tmp.
        needed = [workdir, sys.prefix, sys.base_prefix, *filter(None, self.env.get("PYTHONPATH", "").split(os.pathsep))]
        hidden = sorted({os.path.realpath(path) for path in needed if os.path.isabs(path)} | {workdir}, key=len)
        expose = []
        for path in hidden:
            if under(path, self.writable_paths) and not under(path, expose):
                expose.append(path)
        return {"scratch": scratch, "expose": expose, "cwd": workdir}

    @property
    def url(self) -> str:
        if self.port is None:
            raise LiteLLMProxyError("the proxy has not been started")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The supervisor's pid, which is also the process group id."""
        return self._proc.pid if self._proc else None

    pgid = pid

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def process_env(self) -> dict[str, str]:
        env = {name: os.environ[name] for name in INHERITED if name in os.environ}
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join(filter(None, [bin_dir, env.get("PATH")]))
        if self.read_only_enforced:
            env.pop("TMPDIR", None)  # the task's temporary directory is its /tmp scratch volume
        env.update(OFFLINE_ENV)
        env.update(self.env)
        return env

    # ----- life cycle
    def __enter__(self) -> LiteLLMProxy:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, attempts: int = 3) -> str:
        """Start the proxy and wait until it is alive; return its base URL."""
        if self.running():
            return self.url
        self.workdir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as config:
            config.write(self.config_bytes)
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once()
            except LiteLLMProxyError:
                # Another process took the port between free_port() and the proxy's bind: try a new one.
                if attempt == attempts or self.fixed_port or not _PORT_TAKEN.search(self.log_tail(20)):
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> str:
        self.port = self.fixed_port or free_port(self.host)
        cmd = [*litellm_command(), "--config", str(self.config_path), "--host", self.host, "--port", str(self.port)]
        read_only = self._read_only_spec() if self.read_only_enforced else None
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {' '.join(cmd)}\n".encode())
            if self.read_only_root:
                note = (f"read-only root, writable: {', '.join(self.writable_paths)} in {self.scratch_dir}"
                        if read_only else f"read-only root NOT enforced: {self.read_only_unavailable}")
                log.write(f"=== {note}\n".encode())
        started = time.monotonic()
        self._proc, self._pipe = spawn_supervised(cmd, env=self.process_env(), log_path=self.log_path,
                                                  cwd=self.workdir, grace=self.grace, read_only=read_only)
        deadline = started + self.budget
        delay = 0.1
        while True:
            if self._proc.poll() is not None:
                rc = self._proc.returncode
                self.stop()
                raise LiteLLMProxyError(
                    f"the LiteLLM proxy exited with {rc} before answering {LIVENESS_PATH}; "
                    f"log {self.log_path}, last lines:\n{self.log_tail()}")
            if self._alive():
                self.startup_seconds = time.monotonic() - started
                return self.url
            if time.monotonic() + delay > deadline:
                self.stop()
                raise LiteLLMProxyError(
                    f"the LiteLLM proxy did not answer 200 on {self.url}{LIVENESS_PATH} within {self.budget:.0f} s; "
                    f"log {self.log_path}, last lines:\n{self.log_tail()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    def _alive(self) -> bool:
        try:
            with _OPENER.open(self.url + LIVENESS_PATH, timeout=2) as answer:
                return answer.status == 200 and b"alive" in answer.read().lower()
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def stop(self) -> None:
        """End the proxy's whole process group (SIGTERM, then SIGKILL) and reap it. Idempotent."""
        proc, pipe = self._proc, self._pipe
        self._pipe = None
        stop_supervised(proc, pipe, self.grace, LiteLLMProxyError)

    # ----- requests
    def request(self, method: str, path: str, key: str | None = None, body: Any = None,
                timeout: float = 30.0) -> tuple[int, Any]:
        """One HTTP request to the proxy: (status, JSON body, or text when it is not JSON)."""
        headers = {"Accept": "application/json"}
        data = None
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(request, timeout=timeout) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", errors="replace")

    def _expect(self, method: str, path: str, key: str | None, body: Any = None) -> Any:
        status, answer = self.request(method, path, key, body)
        if status != 200:
            raise LiteLLMHTTPError(method, self.url + path, status, answer)
        return answer

    def models(self, key: str) -> list[str]:
        """The model names ``GET /v1/models`` lists for ``key``."""
        return [item["id"] for item in self._expect("GET", "/v1/models", key)["data"]]

    def chat(self, key: str, model: str, content: str = "Say hi.") -> dict:
        """The answer of ``POST /chat/completions`` with one short user message."""
        body = {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": 16}
        return self._expect("POST", "/chat/completions", key, body)


# ----- the supervisor (this file run as a script by spawn_supervised)
def _death_signal_setter():
    """A preexec_fn that makes the child get SIGKILL when the supervisor dies (Linux), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # pylint: disable=import-outside-toplevel
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: nothing to import in the child
    supervisor = os.getpid()

    def set_death_signal() -> None:
        if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != supervisor:  # the supervisor died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return set_death_signal


def _libc():
    import ctypes  # pylint: disable=import-outside-toplevel
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.unshare.argtypes = [ctypes.c_int]
    return libc


def _mount(libc, source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def encode(value):
        return None if value is None else os.fsencode(value)

    if libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        import ctypes  # pylint: disable=import-outside-toplevel
        code = ctypes.get_errno()
        raise OSError(code, f"mount({source!r}, {target!r}, flags={flags:#x}): {os.strerror(code)}")


def _mounts() -> list[tuple[str, set[str]]]:
    """(mount point, per-mount options) of every mount this process sees."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as info:
        for line in info:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda octal: chr(int(octal.group(1), 8)), fields[4])
            found.append((point, set(fields[5].split(","))))
    return found


def _enter_read_only_root(spec: dict, libc) -> None:
    """Move this process into a mount namespace of its own in which only ``spec``'s scratch directories are writable.

    ``spec``: ``scratch``, pairs [directory of this machine, path it is mounted at] (the task's scratch volumes);
    ``expose``, directories a scratch mount hides that are mounted again, read-only, at their own paths (the work
    directory with the config); ``cwd``, the working directory afterwards. /dev/shm gets a private tmpfs and every
    other mount except the kernel's (/proc, /sys, /dev) becomes read-only, the root file system first of all.
    Linux, CAP_SYS_ADMIN. Nothing done here reaches this machine's own mount table (the namespace is private).
    """
    keep = [pair[1] for pair in spec["scratch"]]
    if libc.unshare(_CLONE_NEWNS) != 0:
        import ctypes  # pylint: disable=import-outside-toplevel
        code = ctypes.get_errno()
        raise OSError(code, f"unshare(CLONE_NEWNS): {os.strerror(code)}")
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    # Opened in the new namespace (a bind mount's source must be one of its mounts), before a scratch mount hides them.
    hidden = [os.open(path, os.O_PATH | os.O_CLOEXEC) for path in spec["expose"]]
    for host_dir, path in sorted(spec["scratch"], key=lambda pair: len(pair[1])):
        _mount(libc, host_dir, path, None, _MS_BIND | _MS_REC)
    for fd, path in zip(hidden, spec["expose"]):
        os.makedirs(path, exist_ok=True)  # a mount point inside the scratch directory
        _mount(libc, f"/proc/self/fd/{fd}", path, None, _MS_BIND)
        _mount(libc, None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
        os.close(fd)
    if os.path.isdir("/dev/shm"):
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777,size=64m")
    for point, options in _mounts():
        if "ro" in options or under(point, KERNEL_MOUNTS) or under(point, keep):
            continue
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
        for option in options:
            flags |= _MOUNT_FLAGS.get(option, 0)
        _mount(libc, None, point, None, flags)
    os.chdir(spec["cwd"])


def _probe_read_only_root() -> int:
    """Exit status 0 when this process can make its root read-only (and a write then fails with EROFS)."""
    try:
        _enter_read_only_root({"scratch": [], "expose": [], "cwd": "/"}, _libc())
    except OSError as error:
        print(error, file=sys.stderr)
        return 1
    import tempfile  # pylint: disable=import-outside-toplevel
    try:
        tempfile.TemporaryFile(dir="/tmp").close()
    except OSError as error:
        if error.errno == errno.EROFS:
            return 0
        print(f"writing into /tmp failed with {error}, not with EROFS", file=sys.stderr)
        return 1
    print("/tmp could still be written after the read-only remount", file=sys.stderr)
    return 1


def _child_setup(read_only: dict | None):
    """The proxy's preexec_fn: its read-only root (if asked for), then its death signal."""
    death_signal = _death_signal_setter()
    if read_only is None:
        return death_signal
    libc = _libc()  # loaded before fork: nothing to import in the child

    def setup() -> None:
        try:
            _enter_read_only_root(read_only, libc)
        except BaseException as error:
            os.write(2, f"litellm_proxy supervisor: cannot give the proxy a read-only root: {error}\n".encode())
            raise
        if death_signal is not None:
            death_signal()

    return setup


def _supervise(grace: float, cmd: list[str], read_only: dict | None = None) -> int:
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda num, _frame: stopping.append(num))
    # Single-threaded here, so preexec_fn is safe.
    child = subprocess.Popen(  # pylint: disable=consider-using-with,subprocess-popen-preexec-fn
        cmd, stdin=subprocess.DEVNULL, preexec_fn=_child_setup(read_only))
    while child.poll() is None and not stopping:
        with contextlib.suppress(InterruptedError):
            ready = select.select([0], [], [], 0.5)[0]
            if ready and not os.read(0, 4096):
                print(f"litellm_proxy supervisor: the starting process is gone; stopping pid {child.pid}",
                      flush=True)
                stopping.append("eof")
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    # Anything the proxy left behind in this group (workers, engines); ignore the signal ourselves.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(0, signal.SIGTERM)
    rc = child.returncode
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    ARGS = sys.argv[1:]
    if ARGS == ["--probe-read-only"]:
        sys.exit(_probe_read_only_root())
    if len(ARGS) > 2 and ARGS[0] == "--supervise":
        GRACE, REST, READ_ONLY = float(ARGS[1]), ARGS[2:], None
        if len(REST) > 1 and REST[0] == "--read-only":
            READ_ONLY, REST = json.loads(REST[1]), REST[2:]
        if REST[:1] == ["--"]:
            sys.exit(_supervise(GRACE, REST[1:], READ_ONLY))
    sys.exit("usage: litellm_proxy.py --supervise GRACE [--read-only SPEC] -- COMMAND...  (run by spawn_supervised)"
             " | --probe-read-only")
