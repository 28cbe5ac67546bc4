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

Only the standard library is used, so the module imports anywhere (tests, tools, a future gate's tests).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def litellm_command() -> list[str]:
    """How to run the ``litellm`` CLI with the interpreter running this code."""
    script = Path(sys.executable).parent / "litellm"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from litellm import run_server; sys.exit(run_server())"]


def spawn_supervised(cmd: list[str], *, env: dict[str, str], log_path: Path, cwd: Path,
                     grace: float = 10.0) -> tuple[subprocess.Popen, int]:
    """Start ``cmd`` under the supervisor in a new process group; return (supervisor, write end of its pipe).

    Closing the returned fd (or the end of this process) makes the supervisor end ``cmd`` and its group.
    """
    read_end, write_end = os.pipe()  # both close-on-exec: no other child of this process inherits them
    try:
        with open(log_path, "ab") as log:
            supervisor = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, str(Path(__file__).resolve()), "--supervise", str(grace), "--", *cmd],
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
                 budget: float = 90.0, grace: float = 10.0, host: str = HOST, port: int | None = None):
        self.config_bytes = config_bytes
        self.env = dict(env)
        self.workdir = Path(workdir)
        self.budget = budget
        self.grace = grace
        self.host = host
        self.fixed_port = port
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._pipe: int | None = None

    # ----- paths and state
    @property
    def config_path(self) -> Path:
        return self.workdir / "config.yaml"

    @property
    def log_path(self) -> Path:
        return self.workdir / "litellm.log"

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
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {' '.join(cmd)}\n".encode())
        started = time.monotonic()
        self._proc, self._pipe = spawn_supervised(cmd, env=self.process_env(), log_path=self.log_path,
                                                  cwd=self.workdir, grace=self.grace)
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
        if pipe is not None:
            with contextlib.suppress(OSError):
                os.close(pipe)
        if proc is None:
            return
        pgid = proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            proc.wait(timeout=self.grace + 5)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + self.grace
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while group_alive(pgid):
            if time.monotonic() > deadline:
                raise LiteLLMProxyError(f"process group {pgid} is still there 10 s after SIGKILL")
            time.sleep(0.05)

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


def _supervise(grace: float, cmd: list[str]) -> int:
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda num, _frame: stopping.append(num))
    # Single-threaded here, so preexec_fn is safe.
    child = subprocess.Popen(  # pylint: disable=consider-using-with,subprocess-popen-preexec-fn
        cmd, stdin=subprocess.DEVNULL, preexec_fn=_death_signal_setter())
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
    if len(sys.argv) > 3 and sys.argv[1] == "--supervise" and sys.argv[3] == "--":
        sys.exit(_supervise(float(sys.argv[2]), sys.argv[4:]))
    sys.exit("usage: litellm_proxy.py --supervise GRACE -- COMMAND...  (run by spawn_supervised)")
