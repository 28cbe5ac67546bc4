"""The execution environment: extensions/ee/execution-environment.yml and the collection's own EE metadata.

No container engine is needed. `ansible-builder create` writes the build context of the shipped definition,
copied next to a freshly built tarball of the collection exactly as docs/execution-environment.md lays it out;
then the two steps of the image build that decide what goes into the image run here the way the Containerfile
runs them: the Galaxy stage's `ansible-galaxy collection install -r requirements.yml` in `_build/` (offline:
amazon.aws and community.aws come from the installed ansible package) and the builder stage's `introspect.py`,
which collects the Python requirements that pip then installs into the image.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tooling import NAME
from tooling import NAMESPACE
from tooling import ROOT
from tooling import SITE_PACKAGES
from tooling import galaxy_version
from tooling import report
from tooling import tool
from tooling import run
from tooling import tool_env

pytestmark = pytest.mark.quality

DEFINITION = ROOT / "extensions" / "ee" / "execution-environment.yml"
COLLECTION_EE = ROOT / "meta" / "execution-environment.yml"
DEPENDENCIES = ("amazon.aws", "community.aws")
# What a Containerfile line of ansible-builder 3 looks like for the steps checked below.
ARG_LINE = re.compile(r'^ARG (?P<name>[A-Z_]+)="(?P<value>[^"]*)"$', re.MULTILINE)


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def requirement_lines(text: str) -> list[str]:
    """Requirement lines of a pip requirements text: comments (whole-line or trailing) and blank lines dropped."""
    lines = (re.sub(r"(^|\s+)#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def collection_python_requirements() -> dict[str, Requirement]:
    """The Python requirements this collection declares for an EE, by canonical name (the file meta/ names)."""
    python = load_yaml(COLLECTION_EE)["dependencies"]["python"]
    assert not Path(python).is_absolute(), f"ansible-builder refuses absolute paths in {COLLECTION_EE}: {python}"
    requirements = [Requirement(line) for line in requirement_lines((ROOT / python).read_text(encoding="utf-8"))]
    return {canonicalize_name(req.name): req for req in requirements}


def galaxy_dependencies() -> dict[str, str]:
    return load_yaml(ROOT / "galaxy.yml")["dependencies"]


def tarball_name() -> str:
    return f"{NAMESPACE}-{NAME}-{galaxy_version()}.tar.gz"


def containerfile_args(text: str) -> dict[str, str]:
    return {found["name"]: found["value"] for found in ARG_LINE.finditer(text)}


def lower_bound(req: Requirement) -> Version:
    floors = [Version(spec.version) for spec in req.specifier if spec.operator in (">=", ">", "~=", "==")]
    assert floors, f"{req} has no lower bound"
    return max(floors)


def assert_range(req: Requirement, where: str) -> None:
    """A range: at least a floor and a ceiling, and no exact pin."""
    operators = {spec.operator for spec in req.specifier}
    assert not operators & {"==", "==="}, f"{where}: {req} pins an exact version; an EE needs a range"
    assert operators & {">=", ">"} and operators & {"<", "<="}, f"{where}: {req} needs both a floor and a ceiling"


@pytest.fixture(scope="module", name="build")
def fixture_build(tmp_path_factory):
    """The collection's tarball next to a copy of the shipped definition, and the context `create` writes.

    The layout is the one docs/execution-environment.md has the user make in extensions/ee/ (the definition's
    paths are relative, so its copy behaves as the original), with the tarball from `ansible-galaxy collection
    build` of the working tree.
    """
    scratch = tmp_path_factory.mktemp("ee")
    env = tool_env(scratch / "home")
    ee_dir = scratch / "ee"
    ee_dir.mkdir()
    definition = ee_dir / DEFINITION.name
    shutil.copy2(DEFINITION, definition)

    build = run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(ee_dir / "collections"), str(ROOT)],
                cwd=ROOT, env=env, timeout=300)
    assert build.returncode == 0, report(build, "ansible-galaxy collection build failed")
    tarball = ee_dir / "collections" / tarball_name()
    assert tarball.is_file(), report(build, f"ansible-galaxy collection build did not write {tarball}")

    context = scratch / "context"
    create = run([tool("ansible-builder"), "create", "--file", str(definition), "--context", str(context),
                  "--output-filename", "Containerfile", "-v3"], cwd=scratch, env=env, timeout=300)
    assert create.returncode == 0, report(create, "ansible-builder create failed on the shipped definition")
    return {"scratch": scratch, "env": env, "tarball": tarball, "context": context, "create": create}


def test_plugins_need_only_what_the_collection_declares():
    """Every third-party module the plugins import is declared for the EE or brought by ansible-core, and vice versa.

    The plugins run in the EE's Python (modules on localhost, action plugins in the controller), so this is the
    whole list of what the collection adds to an image.
    """
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    collections_imported, third_party = set(), {}
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "ansible_collections" and len(parts) >= 3:
                    collections_imported.add(".".join(parts[1:3]))
                elif parts[0] not in stdlib and parts[0] != "ansible":
                    third_party.setdefault(parts[0], set()).add(str(path.relative_to(ROOT)))

    unknown = collections_imported - {f"{NAMESPACE}.{NAME}", *galaxy_dependencies()}
    assert not unknown, f"plugins import collections that galaxy.yml does not depend on: {sorted(unknown)}"

    distributions = importlib.metadata.packages_distributions()
    from_core = {canonicalize_name(Requirement(line).name) for line in importlib.metadata.requires("ansible-core") or []}
    needed = {}
    for module, files in sorted(third_party.items()):
        owners = {canonicalize_name(dist) for dist in distributions.get(module, [])}
        assert owners, f"{module} (imported by {sorted(files)}) is not installed here: cannot tell which package brings it"
        if not owners & from_core:
            needed.update({owner: sorted(files) for owner in owners})
    declared = collection_python_requirements()
    assert set(declared) == set(needed), (
        f"the plugins need {needed} beyond ansible-core; {COLLECTION_EE.relative_to(ROOT)} declares {sorted(declared)}")


def test_collection_declares_ranges_from_amazon_aws_floor():
    """meta/ names ranges (floor = amazon.aws's, a ceiling, no pin) that the development pins fall inside."""
    assert load_yaml(COLLECTION_EE)["dependencies"].keys() == {"python"}, "no system packages are needed"
    amazon = {canonicalize_name(req.name): req for req in map(Requirement, requirement_lines(
        (SITE_PACKAGES / "ansible_collections" / "amazon" / "aws" / "requirements.txt").read_text(encoding="utf-8")))}
    pins = {canonicalize_name(req.name): req for req in map(Requirement, requirement_lines(
        (ROOT / "requirements.txt").read_text(encoding="utf-8")))}
    for name, req in collection_python_requirements().items():
        assert_range(req, str(COLLECTION_EE.relative_to(ROOT)))
        assert lower_bound(req) == lower_bound(amazon[name]), f"{req}: the floor should be amazon.aws's ({amazon[name]})"
        pinned = next(iter(pins[name].specifier)).version
        assert req.specifier.contains(pinned), f"{req} excludes the development pin {pins[name]} (requirements.txt)"


def test_build_context_holds_the_collections_and_ansible(build):
    """_build/requirements.yml names the tarball and galaxy.yml's ranges; the Containerfile installs core and runner."""
    definition = load_yaml(DEFINITION)
    assert definition["version"] == 3, "without version: 3 ansible-builder reads the file as version 1"
    for entry in definition.get("additional_build_files", []):
        assert not Path(entry["src"]).is_absolute(), f"an absolute src would not follow the definition: {entry}"

    build_dir = build["context"] / "_build"
    requirements = load_yaml(build_dir / "requirements.yml")
    collections = {entry["name"]: entry for entry in requirements["collections"]}
    own = f"collections/{tarball_name()}"
    assert set(collections) == {own, *DEPENDENCIES}, (
        f"{build_dir / 'requirements.yml'} should name {own} (galaxy.yml's version) and {DEPENDENCIES}: {sorted(collections)}")
    assert collections[own].get("type") == "file", collections[own]
    for name, version in galaxy_dependencies().items():
        assert collections[name].get("version") == version, f"{name}: galaxy.yml says {version!r}, the EE {collections[name]}"

    copied = build_dir / own
    assert copied.is_file(), report(build["create"], f"the tarball is not in the build context at {copied}")
    assert copied.read_bytes() == build["tarball"].read_bytes(), f"{copied} is not the tarball just built"

    containerfile = (build["context"] / "Containerfile").read_text(encoding="utf-8")
    args = containerfile_args(containerfile)
    assert args["EE_BASE_IMAGE"] == definition["images"]["base_image"]["name"], args
    assert not args["EE_BASE_IMAGE"].endswith(":latest"), f"the base image should name a release: {args['EE_BASE_IMAGE']}"
    refs = {canonicalize_name(req.name): req for req in map(Requirement, args["ANSIBLE_INSTALL_REFS"].split())}
    assert set(refs) == {"ansible-core", "ansible-runner"}, args["ANSIBLE_INSTALL_REFS"]
    for name, req in refs.items():
        assert_range(req, "ANSIBLE_INSTALL_REFS")
        tested = importlib.metadata.version(name)
        assert req.specifier.contains(tested), f"{req} excludes {name} {tested}, the version the tests run"
    for step in ("RUN $PYCMD -m pip install --no-cache-dir $ANSIBLE_INSTALL_REFS",
                 "RUN /output/scripts/check_ansible $PYCMD",
                 # The Galaxy stage installs from requirements.yml in a copy of _build/: what the next test replays.
                 "COPY _build /build", "WORKDIR /build"):
        assert step in containerfile.splitlines(), f"the Containerfile lacks {step!r}:\n{containerfile}"
    assert re.search(r"^RUN .*ansible-galaxy collection install .*-r requirements\.yml", containerfile, re.MULTILINE), containerfile


def test_collected_python_requirements_are_ranges(build):
    """The Galaxy stage installs the tarball from the context; introspection then collects ranges, no pins."""
    build_dir = build["context"] / "_build"
    collections = build["scratch"] / "collections"
    # As the Galaxy stage does, in _build/ (the relative tarball path resolves there) with requirements.yml.
    install = run([tool("ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "-p", str(collections),
                   "--offline"], cwd=build_dir, env=build["env"], timeout=300)
    assert install.returncode == 0, report(install, "ansible-galaxy collection install -r _build/requirements.yml failed")
    installed = collections / "ansible_collections" / NAMESPACE / NAME
    for name in ("meta/execution-environment.yml", str(Path(load_yaml(COLLECTION_EE)["dependencies"]["python"]))):
        assert (installed / name).is_file(), f"{name} is not in the built collection (galaxy.yml build_ignore?)"

    # In the image the dependencies sit beside it in /usr/share/ansible/collections; here they are the ones the
    # offline install found in the ansible package.
    for dependency in DEPENDENCIES:
        link = collections / "ansible_collections" / dependency.replace(".", "/")
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(SITE_PACKAGES / "ansible_collections" / dependency.replace(".", "/"), target_is_directory=True)

    written = build["scratch"] / "introspected-requirements.txt"
    introspect = run([sys.executable, str(build_dir / "scripts" / "introspect.py"), "introspect", str(collections),
                      f"--write-pip={written}", f"--write-bindep={build['scratch'] / 'introspected-bindep.txt'}"],
                     cwd=build_dir, env=build["env"], timeout=120)
    assert introspect.returncode == 0, report(introspect, "ansible-builder's introspect.py failed")
    assert "---" in introspect.stdout, report(introspect, "introspect.py printed no report")
    data = yaml.safe_load(introspect.stdout[introspect.stdout.index("---"):])
    own_system = [line for line in data["system"] if line.endswith(f"# from collection {NAMESPACE}.{NAME}")]
    assert not own_system, f"this collection needs no system packages: {own_system}"
    assert written.read_text(encoding="utf-8").splitlines() == data["python"], "the written file differs from the report"

    by_collection = {}
    for line in data["python"]:
        requirement, _separator, source = line.partition("  # from collection ")
        by_collection.setdefault(source, []).append(Requirement(requirement))
    assert set(by_collection) == {f"{NAMESPACE}.{NAME}", *DEPENDENCIES}, f"collected from: {sorted(by_collection)}"
    own = {canonicalize_name(req.name): req for req in by_collection[f"{NAMESPACE}.{NAME}"]}
    assert set(own) == {"boto3", "botocore"}, f"this collection should add boto3 and botocore only: {data['python']}"
    for line in data["python"]:
        assert "==" not in line, f"the image would be pinned by {line!r}"
    for name, req in own.items():
        assert_range(req, "introspection")
        assert str(req.specifier) == str(collection_python_requirements()[name].specifier), (req, COLLECTION_EE)
    # pip installs all the lines together: the versions the tests run satisfy every one of them.
    for source, reqs in by_collection.items():
        for req in reqs:
            tested = importlib.metadata.version(req.name)
            assert req.specifier.contains(tested), f"{req} (from {source}) excludes {req.name} {tested}, the tested version"


def test_unknown_key_is_refused(build, tmp_path):
    """A definition with a key ansible-builder does not know fails at create (ansible-lint does not catch it)."""
    broken = tmp_path / "ee" / DEFINITION.name
    shutil.copytree(build["tarball"].parent, tmp_path / "ee" / "collections")  # only the key differs
    definition = load_yaml(DEFINITION)
    definition["additional_build_file"] = definition["additional_build_files"]  # a typo of the real key
    broken.write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")

    create = run([tool("ansible-builder"), "create", "--file", str(broken), "--context", str(tmp_path / "context"),
                  "--output-filename", "Containerfile"], cwd=tmp_path, env=build["env"], timeout=300)
    assert create.returncode != 0, report(create, "ansible-builder create accepted a definition with an unknown key")
    assert "Additional properties are not allowed" in create.stdout, report(create, "create failed for another reason")
    assert "additional_build_file'" in create.stdout, report(create, "the error does not name the unknown key")
    assert not (tmp_path / "context" / "Containerfile").exists(), "a refused definition still produced a Containerfile"
