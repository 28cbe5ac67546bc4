"""The real redis-server harness (tools/redis_server.py): loopback only, no persistence, a password, no orphan."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from litellm_proxy import group_alive
from redis_server import MINIMUM_VERSION, RedisServer, RedisServerError, installed_version

TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"
PASSWORD = "pa ss\"word\\0123"  # a space, a quote and a backslash: the config file quotes it


@pytest.fixture(scope="module", name="redis")
def fixture_redis():
    with RedisServer(password=PASSWORD) as server:
        yield server


def wait_gone(predicate, budget: float = 15.0) -> bool:
    deadline = time.monotonic() + budget
    while predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_pid(supervisor: int) -> int:
    """The redis-server process under ``supervisor`` (same process group)."""
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == supervisor and int(entry.name) != supervisor:
                return int(entry.name)
        except (OSError, IndexError, ValueError):
            continue
    raise AssertionError(f"no process in group {supervisor}")


def test_the_installed_server_is_recent_enough_and_reports_its_version(redis):
    assert installed_version() >= MINIMUM_VERSION
    assert redis.version == ".".join(map(str, installed_version()))
    assert redis.info("server")["redis_version"] == redis.version
    assert installed_version("no-such-redis-server") is None


def test_it_listens_on_loopback_only_and_persists_nothing(redis):
    assert redis.host == "127.0.0.1"
    settings = dict(zip(*[iter(redis.command("CONFIG", "GET", "*"))] * 2))
    assert settings["bind"] == "127.0.0.1"
    assert settings["port"] == str(redis.port)
    assert settings["save"] == ""
    assert settings["appendonly"] == "no"
    assert Path(settings["dir"]) == redis.workdir
    assert redis.command("SET", "k", "v") == "OK" and redis.command("GET", "k") == "v"
    assert redis.keys() == ["k"]


def test_the_password_is_required_and_kept_out_of_the_command_line(redis):
    with pytest.raises(RedisServerError, match="NOAUTH"):
        redis.command("PING", password="")
    with pytest.raises(RedisServerError, match="WRONGPASS"):
        redis.command("PING", password="wrong")
    assert redis.command("PING") == "PONG"
    # The config holding the password is gone once the server has read it.
    assert not redis.config_path.exists()
    assert not [path for path in redis.config_path.parent.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()]
    cmdline = Path(f"/proc/{redis_pid(redis.pid)}/cmdline").read_bytes()
    assert PASSWORD.encode() not in cmdline and b"redis-server" in cmdline
    assert redis.url == f"redis://:{PASSWORD}@127.0.0.1:{redis.port}"


def test_without_a_password_it_answers_anyone_on_loopback():
    with RedisServer() as server:
        assert server.command("PING") == "PONG"
        assert server.url == f"redis://127.0.0.1:{server.port}"


def test_stop_ends_the_group_removes_the_directory_and_is_idempotent():
    server = RedisServer(password="x").start()
    pgid, workdir, port = server.pid, server.workdir, server.port
    assert group_alive(pgid) and workdir.is_dir()
    server.stop()
    assert not group_alive(pgid)
    assert not workdir.exists()
    assert not answers("127.0.0.1", port)
    server.stop()
    assert not server.running()


def test_a_given_workdir_is_kept(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        assert server.workdir == tmp_path / "redis"
    assert (tmp_path / "redis" / "redis.log").is_file()


def test_a_taken_fixed_port_fails_with_the_log(redis):
    with pytest.raises(RedisServerError, match="exited .* before answering PING") as failure:
        RedisServer(port=redis.port).start()
    assert "Address already in use" in str(failure.value)


def test_a_missing_program_says_what_to_install():
    with pytest.raises(RedisServerError, match="apt-get install redis-server"):
        RedisServer(program="no-such-redis-server").start()


def test_the_server_does_not_outlive_a_killed_starter(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(TOOLS_DIR)!r})
        from redis_server import RedisServer
        server = RedisServer({str(tmp_path)!r}).start()  # a killed starter cannot remove a directory of its own
        print(server.pid, server.port, flush=True)
        time.sleep(600)
    """)
    starter = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
    try:
        pgid, port = map(int, starter.stdout.readline().split())
        assert group_alive(pgid) and answers("127.0.0.1", port)
        os.kill(starter.pid, signal.SIGKILL)
        starter.wait()
        assert wait_gone(lambda: group_alive(pgid)), f"process group {pgid} outlived its starter"
        assert not answers("127.0.0.1", port)
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()
        starter.stdout.close()
