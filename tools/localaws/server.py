"""The emulator process: moto's own server with the fidelity patches applied.

Run by ``localaws.harness``; not meant to be started by hand. With ``--watch-pid`` it exits as soon
as that process is gone, so a harness killed with SIGKILL leaves no orphaned emulator behind. Every AWS request
it serves is recorded in its request log (``localaws.requestlog``); the fault mode (``localaws.faults``, off by
default) sits between the log and moto.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

# Read by moto when IAM is first used; AWS accounts have the AWS managed policies, moto needs this to
# attach arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def _watch(pid: int, interval: float = 0.5) -> None:
    """Exit this process when ``pid`` no longer exists."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(interval)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--watch-pid", type=int, default=0, help="exit when this process is gone")
    args = parser.parse_args(argv)

    from localaws import faults
    from localaws import patches
    from moto import server as moto_server

    patches.apply_all()
    # moto's main() builds its WSGI application with this name: the request log and the fault mode wrap what it builds.
    dispatcher = moto_server.DomainDispatcherApplication
    moto_server.DomainDispatcherApplication = lambda *args, **kwargs: faults.install(dispatcher(*args, **kwargs))
    if args.watch_pid:
        threading.Thread(target=_watch, args=(args.watch_pid,), daemon=True).start()
    moto_server.main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
