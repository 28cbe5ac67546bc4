"""The collection-wide variables the deployment role declares are every litellm_* name the repository uses.

site.yml refuses a litellm_* variable that roles/deployment/meta/argument_specs.yml does not declare (the deployment
role's validation, with closest_name's suggestion). These tests keep that list true: every litellm_* name in the
roles, playbooks, inventories, molecule scenarios, docs, README, plugins, tools and tests is declared (or named below
as not a variable), every declared one is documented, and each declared type is the type of the role options that fall
through from it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
SPEC = ROOT / "roles" / "deployment" / "meta" / "argument_specs.yml"
NAME = re.compile(r"\blitellm_[a-z0-9_]+\b")

# Where the collection's variables are used, read, set or documented.
SCANNED = ("roles", "playbooks", "inventories", "extensions", "docs", "changelogs", "meta", "plugins", "tools", "tests",
           "benchmarks", "README.md", "galaxy.yml")
SUFFIXES = {".yml", ".yaml", ".md", ".py", ".j2", ".json", ".txt", ".cfg", ".ini", ".toml", ".rst"}
SKIPPED_DIRS = {"__pycache__", "output", "results", "context"}
# Misspelt on purpose: the bad-input corpus (its own test checks that each unknown name there is the subject of its
# case) and closest_name's tests.
SKIPPED_FILES = {ROOT / "tests" / "integration" / "bad_inputs.yml", Path(__file__).resolve().parent / "test_closest_name.py"}

# litellm_* words that are not variables of a deployment, each with what it is.
NOT_VARIABLES = {
    "litellm_ecs": "the collection's name, llmops.litellm_ecs",
    "litellm_config": "the module llmops.litellm_ecs.litellm_config",
    "litellm_params": "a model's key in the config's model_list",
    "litellm_proxy": "tools/litellm_proxy.py, the tests' LiteLLM process",
    "litellm_proxy_extras": "LiteLLM's own package (its Prisma migrations)",
    "litellm_version": "a key of the proxy's health answer",
    "litellm_cache": "LiteLLM's disk cache directory, .litellm_cache",
    "litellm_command": "a function of tools/litellm_proxy.py",
    "litellm_x": "a placeholder in a docstring of tests/quality/test_awx_templates.py",
    "litellm_colour": "undeclared on purpose: the variable the AWX survey tests and the bad-input corpus expect refused",
    # Register names in the modules' EXAMPLES: a user's own play, not an input of site.yml (a play that registered one
    # of them before importing site.yml in the same run would be refused).
    "litellm_migration": "a register in plugins/modules/ecs_run_task.py's EXAMPLES",
    "litellm_task_definition": "a register in plugins/modules/ecs_run_task.py's EXAMPLES",
    "litellm_service": "a register in plugins/modules/ecs_service.py's EXAMPLES",
    "litellm_task": "a register in plugins/modules/ecs_task_definition.py's EXAMPLES",
}


def spec_options() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))["argument_specs"]["validate"]["options"]


DECLARED = {name: option for name, option in spec_options().items() if name.startswith("litellm_")}


def scanned_files():
    for entry in SCANNED:
        path = ROOT / entry
        candidates = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for candidate in candidates:
            if (candidate.is_file() and candidate.suffix in SUFFIXES and candidate not in SKIPPED_FILES
                    and not SKIPPED_DIRS & set(candidate.relative_to(ROOT).parts)):
                yield candidate


def used_names() -> dict[str, list[str]]:
    """Every litellm_* word in the scanned files -> where (the first few files)."""
    used: dict[str, list[str]] = {}
    for path in scanned_files():
        for name in set(NAME.findall(path.read_text(encoding="utf-8", errors="replace"))):
            used.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return used


def test_every_litellm_name_the_repository_uses_is_declared():
    undeclared = {name: where[:3] for name, where in used_names().items() if name not in DECLARED and name not in NOT_VARIABLES}
    assert not undeclared, (
        f"site.yml would refuse these litellm_* names: {undeclared}. Declare each collection-wide variable in {SPEC.relative_to(ROOT)} "
        "(and document it in README.md), or, when the word is not a variable, add it to NOT_VARIABLES with what it is.")


def test_the_scan_sees_the_places_variables_come_from():
    """The scan must cover the inventories, the role defaults, the playbooks and the README, or it proves nothing."""
    used = used_names()
    for name, place in (("litellm_aws_endpoint_url", "inventories/local/group_vars/all/aws.yml"),
                        ("litellm_image", "roles/ecs_service/defaults/main.yml"),
                        ("litellm_gate_validate_certs", "playbooks/tasks/gate.yml"),
                        ("litellm_validated", "README.md"),
                        ("litellm_awx_project", "docs/awx.md")):
        assert place in used.get(name, []), (name, place)


def test_not_variables_are_not_declared_and_still_used():
    used = used_names()
    assert not set(NOT_VARIABLES) & set(DECLARED)
    assert {name for name in NOT_VARIABLES if name not in used} == set()


def documented() -> set[str]:
    """The litellm_* names in README.md's collection-wide variables table and in docs/awx.md's table."""
    names = set()
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("## Collection-wide variables", 1)[1].split("\n## ", 1)[0]
    for text in (readme, (ROOT / "docs" / "awx.md").read_text(encoding="utf-8")):
        for line in text.splitlines():
            if line.startswith("| `"):
                names.update(NAME.findall(line.split("|")[1]))
    return names


def test_every_declared_variable_is_documented_and_every_documented_one_declared():
    assert set(DECLARED) - documented() == set(), "declared in the deployment role but not in README.md's table (or docs/awx.md's)"
    assert documented() - set(DECLARED) == set(), "documented but not declared: site.yml would refuse it"


def fall_through(value) -> str | None:
    """The collection-wide variable a role default is exactly: '{{ litellm_x }}' or '{{ litellm_x | default(...) }}'."""
    if not isinstance(value, str):
        return None
    found = re.fullmatch(r"\{\{\s*(litellm_[a-z0-9_]+)\s*(?:\|\s*default\((.*)\))?\s*\}\}", value.strip())
    if not found or (found.group(2) is not None and found.group(2).count("(") != found.group(2).count(")")):
        return None
    return found.group(1)


def fall_throughs() -> list[tuple[str, str, dict]]:
    """(collection-wide variable, role option, the option's spec) for every role default that is one."""
    pairs = []
    for defaults in sorted(ROOT.glob("roles/*/defaults/main.yml")):
        spec = yaml.safe_load((defaults.parent.parent / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        options = spec["argument_specs"]["main"]["options"]
        for name, value in (yaml.safe_load(defaults.read_text(encoding="utf-8")) or {}).items():
            source = fall_through(value)
            if source and name in options:
                pairs.append((source, name, options[name]))
    return pairs


def test_role_defaults_fall_through_from_declared_variables_of_the_same_type():
    pairs = fall_throughs()
    assert len(pairs) > 30, pairs  # the parser must find them, or this test proves nothing
    wrong = []
    for source, name, option in pairs:
        declared = DECLARED.get(source)
        if declared is None:
            wrong.append(f"{name} falls through from {source}, which the deployment role does not declare")
            continue
        if declared.get("type", "str") != option.get("type", "str"):
            wrong.append(f"{source} is declared {declared.get('type', 'str')} but {name}, which falls through from it, is {option.get('type', 'str')}")
        if option.get("choices") and declared.get("choices") != option.get("choices"):
            wrong.append(f"{source} takes {declared.get('choices')} but {name} takes {option['choices']}")
        if option.get("no_log") and not declared.get("no_log"):
            wrong.append(f"{name} is no_log but {source}, where it comes from, is not")
    assert wrong == []


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_each_declared_variable_has_a_type_and_a_description(name):
    assert DECLARED[name].get("type") in {"str", "int", "bool", "list", "dict", "float", "raw"}, name
    assert DECLARED[name].get("description"), name
