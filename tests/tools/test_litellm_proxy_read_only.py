"""The real LiteLLM proxy on a read-only root file system (tools/litellm_proxy.py, ``read_only_root=True``), with
the write paths the ecs_service role's task definitions set (``__ecs_service_write_paths``, read from the role)."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
from pathlib import Path

import pytest
import yaml

import litellm_proxy
from litellm_proxy import KERNEL_MOUNTS, LiteLLMProxy, new_master_key, under

pytestmark = pytest.mark.litellm

ROLE = Path(__file__).resolve().parents[2] / "roles" / "ecs_service"
# What the task definitions set and mount: the role's own data, not a copy of it.
WRITE_PATHS = yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["__ecs_service_write_paths"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
WRITABLE_PATHS = DEFAULTS["ecs_service_writable_paths"]
CONFIG = b"""\
model_list:
  - model_name: mock
    litellm_params: {model: openai/gpt-4o, api_key: fake, mock_response: "hi"}
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""
READ_ONLY = "[Errno 30] Read-only file system"


def package_dir(name: str) -> Path:
    return Path(importlib.util.find_spec(name).submodule_search_locations[0])  # found, not imported


# Where litellm 1.108.7 writes when the write paths are not set: its packaged UI (LITELLM_UI_PATH), the proxy
# package (LITELLM_ASSETS_PATH) and the migrations package (LITELLM_MIGRATION_DIR).
DEFAULT_WRITE_PLACES = (package_dir("litellm") / "proxy" / "_experimental" / "out", package_dir("litellm") / "proxy",
                        package_dir("litellm_proxy_extras"), package_dir("litellm_proxy_extras") / "migrations")


def snapshot(directories) -> dict:
    """Each directory's entries and modification time (a created or removed entry changes both)."""
    return {str(d): (d.stat().st_mtime_ns, sorted(os.listdir(d))) for d in directories}


def start(env: dict[str, str], workdir: Path) -> LiteLLMProxy:
    proxy = LiteLLMProxy(CONFIG, env, workdir, read_only_root=True, writable_paths=WRITABLE_PATHS)
    if not proxy.read_only_enforced:
        pytest.skip(f"no read-only root on this machine: {proxy.read_only_unavailable}")
    proxy.start()
    return proxy


def proxy_pid(proxy: LiteLLMProxy) -> int:
    """The LiteLLM process (the supervisor's only child)."""
    (child,) = Path(f"/proc/{proxy.pid}/task/{proxy.pid}/children").read_text().split()
    return int(child)


def mounts(pid: int) -> list[dict]:
    """The mounts process ``pid`` sees, in mount order (a later one at the same point covers the earlier)."""
    found = []
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        before, after = line.split(" - ")
        fields = before.split()
        found.append({"root": fields[3], "point": fields[4], "options": set(fields[5].split(",")),
                      "fstype": after.split()[0]})
    return found


@pytest.fixture(scope="module", name="master_key")
def fixture_master_key() -> str:
    return new_master_key()


@pytest.fixture(scope="module", name="proxy")
def fixture_proxy(tmp_path_factory, master_key):
    before = snapshot(DEFAULT_WRITE_PLACES)
    proxy = start({"LITELLM_MASTER_KEY": master_key, **WRITE_PATHS}, tmp_path_factory.mktemp("litellm-ro"))
    try:
        yield proxy, before
    finally:
        proxy.stop()


def test_write_paths_are_under_the_task_definitions_scratch_volume():
    assert "LITELLM_MIGRATION_DIR" in WRITE_PATHS  # the migrations copy: needed as soon as there is a database
    for name, value in WRITE_PATHS.items():
        assert isinstance(value, str) and os.path.isabs(value) and "{{" not in value, (name, value)
        assert under(value, WRITABLE_PATHS) and value not in WRITABLE_PATHS, (name, value)


def test_read_only_proxy_serves(proxy, master_key):
    proxy = proxy[0]
    assert proxy.request("GET", "/health/liveliness")[0] == 200
    assert proxy.models(master_key) == ["mock"]
    assert proxy.chat(master_key, "mock")["choices"][0]["message"]["content"] == "hi"


def test_root_is_read_only_and_tmp_is_the_proxys_own_scratch(proxy):
    proxy = proxy[0]
    pid = proxy_pid(proxy)
    assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    seen = mounts(pid)
    top = {m["point"]: m for m in seen}  # the last mount at a point is the one in effect
    assert "ro" in top["/"]["options"]
    for path in WRITABLE_PATHS:
        assert "rw" in top[path]["options"]
        assert str(proxy.scratch_path(path)).endswith(top[path]["root"])  # this proxy's directory, not the machine's
    writable = {m["point"] for m in top.values() if "rw" in m["options"]}
    assert writable - set(WRITABLE_PATHS), "expected the kernel's own mounts (/proc, /dev) to stay writable"
    assert all(under(point, KERNEL_MOUNTS) for point in writable - set(WRITABLE_PATHS)), writable


def test_litellm_writes_land_where_the_task_definition_points(proxy):
    proxy = proxy[0]
    assert proxy.request("GET", "/ui/")[0] == 200
    assert proxy.request("GET", "/get_image")[0] == 200
    assert (proxy.scratch_path(WRITE_PATHS["LITELLM_UI_PATH"]) / "index.html").is_file()  # the UI copied at start
    assert proxy.scratch_path(WRITE_PATHS["LITELLM_ASSETS_PATH"]).is_dir()  # created by /get_image
    assert READ_ONLY not in proxy.log_path.read_text(encoding="utf-8", errors="replace")


def test_nothing_is_written_outside_the_scratch_volume(proxy, master_key):
    proxy, before = proxy
    proxy.chat(master_key, "mock")
    for path in ("/ui/", "/ui/login/", "/get_image", "/get_image?theme=dark"):
        proxy.request("GET", path)
    assert snapshot(DEFAULT_WRITE_PLACES) == before
    assert sorted(os.listdir(proxy.workdir)) == ["config.yaml", "litellm.log", "scratch"]  # its working directory


def test_without_the_write_paths_litellm_writes_nothing_and_still_serves(tmp_path, master_key):
    # litellm 1.108.7 without a database needs none of the write paths to serve: it serves its packaged UI as it is and
    # writes nothing at start. A release that starts writing somewhere shows here as a read-only error in the log.
    proxy = start({"LITELLM_MASTER_KEY": master_key}, tmp_path)
    try:
        assert proxy.models(master_key) == ["mock"]
        assert proxy.chat(master_key, "mock")["choices"][0]["message"]["content"] == "hi"
        assert proxy.request("GET", "/ui/")[0] == 200 and proxy.request("GET", "/get_image")[0] == 200
    finally:
        proxy.stop()
    assert READ_ONLY not in proxy.log_path.read_text(encoding="utf-8", errors="replace")
    assert not proxy.scratch_path(WRITE_PATHS["LITELLM_UI_PATH"]).exists()


def test_write_paths_outside_the_scratch_volume_hit_the_read_only_root(tmp_path, master_key):
    # The same write paths moved out of the scratch volume onto the root file system (a fresh directory in /var/tmp,
    # and the proxy's own work directory): LiteLLM's writes there fail with EROFS, as on Fargate, and nothing appears.
    root_fs = Path("/var/tmp") / f"litellm-read-only-{secrets.token_hex(6)}"
    workdir = tmp_path / "root-fs"
    env = {name: str(root_fs / os.path.relpath(value, "/")) for name, value in WRITE_PATHS.items()}
    env["LITELLM_ASSETS_PATH"] = str(workdir / "assets")
    try:
        proxy = start({"LITELLM_MASTER_KEY": master_key, **env}, tmp_path)
        try:
            assert proxy.models(master_key) == ["mock"]  # LiteLLM falls back to its packaged UI and serves on
            assert proxy.request("GET", "/get_image")[0] == 200
        finally:
            proxy.stop()
        assert not root_fs.exists() and not workdir.exists()
    finally:
        shutil.rmtree(root_fs, ignore_errors=True)
    log = proxy.log_path.read_text(encoding="utf-8", errors="replace")
    assert f"Failed to populate UI at {env['LITELLM_UI_PATH']}: {READ_ONLY}" in log
    assert f"Cannot create assets directory at {env['LITELLM_ASSETS_PATH']}: {READ_ONLY}" in log


def test_without_a_read_only_root_here_the_proxy_runs_normally_and_says_why(tmp_path, monkeypatch):
    litellm_proxy.read_only_root_unavailable.cache_clear()
    monkeypatch.setattr(litellm_proxy.os, "geteuid", lambda: 1000)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    try:
        proxy = LiteLLMProxy(CONFIG, {}, tmp_path, read_only_root=True, writable_paths=WRITABLE_PATHS)
    finally:
        litellm_proxy.read_only_root_unavailable.cache_clear()
    assert not proxy.read_only_enforced
    assert "needs root" in proxy.read_only_unavailable and "uid 1000" in proxy.read_only_unavailable
    assert proxy.process_env()["TMPDIR"] == str(tmp_path)  # the machine's temporary directory, as without the option


def test_what_a_scratch_mount_would_hide_is_mounted_again_read_only(tmp_path, monkeypatch):
    """A checkout (or its virtualenv) under /tmp stays readable: the task's /tmp scratch volume must not hide the Python
    the proxy runs on, its PYTHONPATH or its config."""
    venv, extra = tmp_path / "clone" / ".venv", tmp_path / "clone" / "tools"
    venv.mkdir(parents=True)
    extra.mkdir()
    monkeypatch.setattr("sys.prefix", str(venv))
    proxy = LiteLLMProxy(CONFIG, {"PYTHONPATH": str(extra)}, tmp_path / "work", read_only_root=True, writable_paths=("/tmp",))
    spec = proxy._read_only_spec()  # pylint: disable=protected-access
    exposed = set(spec["expose"])
    assert {str(venv.resolve()), str(extra.resolve()), str((tmp_path / "work").resolve())} <= exposed
    assert not [path for path in exposed if not path.startswith("/tmp/")]  # only what the scratch mount hides
    assert [pair[1] for pair in spec["scratch"]] == ["/tmp"]
