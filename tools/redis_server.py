"""Start a real ``redis-server`` on a free loopback port, for tests and the local stand-in for ElastiCache.

    from redis_server import RedisServer

    with RedisServer(password="s3cret") as redis:
        assert redis.command("PING") == "PONG"
        print(redis.version, redis.host, redis.port)

What it does, and why:

- The server runs from a config file written into its own temporary directory (mode 0600, since it holds the
  password; nothing shows in ``ps``): ``bind 127.0.0.1``, ``port`` a free port, ``save ""`` and
  ``appendonly no`` (no persistence: the directory is removed by ``stop()``), ``requirepass`` when a
  password is given, ``daemonize no``, its log on stdout into ``redis.log``.
- Readiness is a ``PING`` (after ``AUTH`` when there is a password) answering ``PONG``, polled on a monotonic
  clock within a budget; the start fails at once, with the log's tail, if the process exits first. A port
  taken between the choice and the bind is retried on another port.
- It never outlives its starter: it runs under ``litellm_proxy``'s supervisor (``spawn_supervised``), which
  leads a process group of its own, ends the server when the starting process is gone (EOF on a pipe only
  the starter holds) and sets ``PR_SET_PDEATHSIG`` on it. ``stop()`` ends the whole group.
- ``version`` is the running server's ``redis_version`` (``INFO server``); ``installed_version()`` reads the
  program's ``--version`` without starting it (``tools/dev.py`` uses it to check for Redis 7 or newer).
- ``command()`` is a minimal RESP client on the standard library, so this module imports anywhere (like
  ``litellm_proxy``); tests that want a full client use the ``redis`` package against ``host``/``port``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from litellm_proxy import spawn_supervised, stop_supervised  # noqa: E402  pylint: disable=wrong-import-position
from localaws.harness import free_port  # noqa: E402  pylint: disable=wrong-import-position

PROGRAM = "redis-server"
MINIMUM_VERSION = (7, 0)
HOST = "127.0.0.1"

_VERSION = re.compile(r"\bv=(\d+)\.(\d+)\.(\d+)")
_PORT_TAKEN = re.compile(r"address already in use|could not create server tcp listening socket", re.IGNORECASE)


class RedisServerError(RuntimeError):
    """The server could not be started, or answered with an error."""


def installed_version(program: str = PROGRAM) -> tuple[int, int, int] | None:
    """The version of ``program`` (a path, or a name looked up on PATH); None when there is no such program."""
    path = shutil.which(program)
    if not path:
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _VERSION.search(done.stdout)
    return tuple(int(part) for part in found.groups()) if found else None  # type: ignore[return-value]


def _quote(value: str) -> str:
    """A redis.conf argument: double-quoted, with backslashes and quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ----- a minimal RESP (Redis serialization protocol) client
def _encode(args: tuple) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _read_reply(stream):
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("the connection closed in the middle of a reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisServerError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = stream.read(size + 2)
        return data[:-2].decode(errors="replace")
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [_read_reply(stream) for _item in range(size)]
    raise ConnectionError(f"unexpected reply {line!r}")


class RedisServer:
    """One real redis-server process on a loopback port; a context manager."""

    def __init__(self, workdir: Path | None = None, *, password: str | None = None, host: str = HOST,
                 port: int | None = None, budget: float = 20.0, grace: float = 5.0, program: str = PROGRAM):
        self.password = password
        self.host = host
        self.fixed_port = port
        self.port: int | None = None
        self.budget = budget
        self.grace = grace
        self.program = program
        self.version: str | None = None
        self._given_workdir = Path(workdir) if workdir else None
        self.workdir: Path | None = self._given_workdir
        self._proc: subprocess.Popen | None = None
        self._pipe: int | None = None

    # ----- paths and state
    @property
    def config_path(self) -> Path:
        return self._dir() / "redis.conf"

    @property
    def log_path(self) -> Path:
        return self._dir() / "redis.log"

    def _dir(self) -> Path:
        if self.workdir is None:
            raise RedisServerError("the server has not been started")
        return self.workdir

    @property
    def url(self) -> str:
        """``redis://[:password@]host:port`` (the password is in it: do not log it)."""
        if self.port is None:
            raise RedisServerError("the server has not been started")
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The supervisor's pid, which is also the process group id."""
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, RedisServerError):
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # ----- life cycle
    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, attempts: int = 3) -> RedisServer:
        """Start the server and wait until it answers PING; return self."""
        if self.running():
            return self
        program = shutil.which(self.program)
        if not program:
            raise RedisServerError(f"{self.program} is not on PATH: install Redis 7 or newer "
                                   "(Debian/Ubuntu: apt-get install redis-server; tools/dev.py does it when root)")
        if self._given_workdir:
            self._given_workdir.mkdir(parents=True, exist_ok=True)
            self.workdir = self._given_workdir
        else:
            self.workdir = Path(tempfile.mkdtemp(prefix="redis-"))
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(program)
                return self
            except RedisServerError:
                if attempt == attempts or self.fixed_port or not _PORT_TAKEN.search(self.log_tail(10)):
                    self._remove_workdir()
                    raise
        raise AssertionError("unreachable")

    def _write_config(self) -> None:
        lines = [f"bind {self.host}", f"port {self.port}", 'save ""', "appendonly no", "daemonize no",
                 'logfile ""', f"dir {_quote(str(self._dir()))}", "protected-mode yes"]
        if self.password:
            lines.append(f"requirepass {_quote(self.password)}")
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as config:
            config.write("\n".join(lines) + "\n")

    def _start_once(self, program: str) -> None:
        self.port = self.fixed_port or free_port(self.host)
        self._write_config()
        cmd = [program, str(self.config_path)]
        self._proc, self._pipe = spawn_supervised(cmd, env=dict(os.environ), log_path=self.log_path,
                                                  cwd=self._dir(), grace=self.grace)
        deadline = time.monotonic() + self.budget
        delay = 0.02
        while True:
            if self._proc.poll() is not None:
                rc = self._proc.returncode
                self._stop_process()
                raise RedisServerError(f"redis-server exited with {rc} before answering PING; log {self.log_path}, "
                                       f"last lines:\n{self.log_tail()}")
            with contextlib.suppress(OSError, ConnectionError, RedisServerError):
                if self.command("PING", timeout=1) == "PONG":
                    self.version = self.info("server").get("redis_version")
                    # The server has read its config: the password in it must not outlive it on disk, even if this
                    # process is killed before stop() (CONFIG REWRITE is never used).
                    self.config_path.unlink(missing_ok=True)
                    return
            if time.monotonic() + delay > deadline:
                self._stop_process()
                raise RedisServerError(f"redis-server did not answer PING on {self.host}:{self.port} within "
                                       f"{self.budget:.0f} s; log {self.log_path}, last lines:\n{self.log_tail()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    def stop(self) -> None:
        """End the server's process group (SIGTERM, then SIGKILL) and remove its directory. Idempotent."""
        self._stop_process()
        self._remove_workdir()

    def _remove_workdir(self) -> None:
        if self.workdir is not None and self._given_workdir is None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _stop_process(self) -> None:
        proc, pipe = self._proc, self._pipe
        self._proc, self._pipe = None, None
        stop_supervised(proc, pipe, self.grace, RedisServerError, poll=0.02)

    # ----- requests
    def command(self, *args, timeout: float = 5.0, password: str | None = None):
        """Send one command on a new connection (authenticated with ``password``, default the server's) and
        return its reply: str, int, None or a list; an error reply raises RedisServerError."""
        if self.port is None:
            raise RedisServerError("the server has not been started")
        password = self.password if password is None else password
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock, sock.makefile("rb") as stream:
            if password:
                sock.sendall(_encode(("AUTH", password)))
                _read_reply(stream)
            sock.sendall(_encode(args))
            return _read_reply(stream)

    def info(self, section: str = "server") -> dict[str, str]:
        """``INFO section`` as a dict."""
        text = self.command("INFO", section) or ""
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))

    def keys(self, pattern: str = "*") -> list[str]:
        return sorted(self.command("KEYS", pattern) or [])
