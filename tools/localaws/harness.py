"""Start and stop the local AWS emulator: one moto server on a free loopback port.

The emulator's pid, port and log live in a state directory. ``start`` waits until the server answers;
``stop`` ends its whole process group. A started emulator also watches a pid (by default its starter's)
and exits when that process dies, so no emulator outlives the run that started it.

Command line (used by ``tools/dev.py`` and the molecule scenario)::

    python -m localaws.harness start --state-dir DIR [--watch-pid PID]   # prints the endpoint URL
    python -m localaws.harness stop --state-dir DIR
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from localaws.faults import FAULTS_PATH
from localaws.requestlog import LOG_PATH

TOOLS_DIR = Path(__file__).resolve().parent.parent
READY_PATH = "/moto-api/data.json"


class EmulatorError(RuntimeError):
    """The emulator could not be started or stopped."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


@dataclass
class Emulator:
    """One emulator, described by its state directory."""

    state_dir: Path
    host: str = "127.0.0.1"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "moto.pid"

    @property
    def port_file(self) -> Path:
        return self.state_dir / "moto.port"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "moto.log"

    @property
    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    @property
    def endpoint(self) -> str:
        port = self.port_file.read_text(encoding="utf-8").strip()
        return f"http://{self.host}:{port}"

    def running(self) -> bool:
        pid = self.pid
        return pid is not None and pid_alive(pid)

    def start(self, watch_pid: int | None = None, budget: float = 60.0, attempts: int = 3) -> str:
        """Start the emulator and wait until it answers; return its endpoint URL.

        A free port can be taken by another process between the check and moto's bind: the start is then
        tried again on another port, ``attempts`` times in all.
        """
        if self.running():
            return self.endpoint
        failure = EmulatorError("no start was attempted")
        for attempt in range(attempts):  # pylint: disable=unused-variable
            try:
                return self._start_once(watch_pid, budget)
            except EmulatorError as exc:
                failure = exc
        raise failure

    def _start_once(self, watch_pid: int | None, budget: float) -> str:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = free_port(self.host)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TOOLS_DIR), env.get("PYTHONPATH")]))
        cmd = [
            sys.executable, "-m", "localaws.server", "--host", self.host, "--port", str(port),
            "--watch-pid", str(watch_pid if watch_pid is not None else os.getpid()),
        ]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(  # pylint: disable=consider-using-with
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n", encoding="utf-8")
        self.port_file.write_text(f"{port}\n", encoding="utf-8")
        url = f"http://{self.host}:{port}"
        deadline = time.monotonic() + budget
        delay = 0.1
        while True:
            if proc.poll() is not None:
                self._forget()
                raise EmulatorError(f"the emulator exited with {proc.returncode} before answering; see {self.log_file}")
            try:
                with urllib.request.urlopen(url + READY_PATH, timeout=2) as answer:
                    if answer.status == 200:
                        return url
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() + delay > deadline:
                self.stop()
                raise EmulatorError(f"the emulator did not answer on {url} within {budget:.0f} s; see {self.log_file}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def stop(self, grace: float = 10.0) -> bool:
        """Stop the emulator's process group; return whether one was running."""
        pid = self.pid
        if pid is None:
            return False
        was_running = pid_alive(pid)
        if was_running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                while pid_alive(pid):
                    time.sleep(0.05)
        self._forget()
        return was_running

    def reset(self) -> None:
        """Drop every resource the emulator holds (moto's own reset API)."""
        request = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def requests(self, since: int = 0) -> list[dict]:
        """The AWS requests the emulator has served, from index ``since`` on (``localaws.requestlog``)."""
        with urllib.request.urlopen(f"{self.endpoint}{LOG_PATH}?since={since}", timeout=10) as answer:
            return json.loads(answer.read())

    def faults(self, rate: float = 0.0, seed: int | None = 0, kinds: list[str] | None = None,
               deny: dict[str, str] | None = None) -> dict:
        """Set the emulator's fault mode (``localaws.faults``): ``rate`` the share of AWS requests answered with a fault
        of one of ``kinds`` (``throttle``, ``500``, ``503``; all by default), chosen by a generator seeded with ``seed``;
        ``deny`` maps actions to the permanent error they are always answered with (``{"CreateSecret": "AccessDenied"}``).
        Every call replaces all the settings and restarts the counts; ``faults()`` switches the fault mode off.
        Returns what the emulator then reports (its settings and counts)."""
        settings: dict = {"rate": rate, "seed": seed}
        if kinds is not None:
            settings["kinds"] = list(kinds)
        if deny:
            settings["deny"] = dict(deny)
        request = urllib.request.Request(self.endpoint + FAULTS_PATH, data=json.dumps(settings).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"the emulator refused the fault settings {settings}: {exc.read().decode(errors='replace')}") from exc

    def fault_counts(self) -> dict:
        """The requests the fault mode has judged and the faults it injected, by kind, since it was last set."""
        with urllib.request.urlopen(self.endpoint + FAULTS_PATH, timeout=10) as answer:
            return json.loads(answer.read())["counts"]

    @contextlib.contextmanager
    def faulty(self, rate: float = 0.0, seed: int | None = 0, kinds: list[str] | None = None, deny: dict[str, str] | None = None):
        """The fault mode on for the ``with`` block (``faults``) and off after it, however the block ends."""
        self.faults(rate, seed, kinds, deny)
        try:
            yield self
        finally:
            self.faults()

    def _forget(self) -> None:
        for path in (self.pid_file, self.port_file):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop the local AWS emulator.")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--watch-pid", type=int, default=None,
                        help="the emulator exits when this process is gone (default: the caller's parent)")
    args = parser.parse_args(argv)
    emulator = Emulator(args.state_dir)
    if args.action == "start":
        try:
            print(emulator.start(watch_pid=args.watch_pid if args.watch_pid is not None else os.getppid()))
        except EmulatorError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    elif args.action == "stop":
        print("stopped" if emulator.stop() else "not running")
    else:
        print(emulator.endpoint if emulator.running() else "not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
