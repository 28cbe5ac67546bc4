"""The job templates and surveys as code (playbooks/awx/controller_templates.yml), held to AWX's own rules.

AWX cannot run here (it installs only through its operator on Kubernetes), so its two survey checks are re-implemented
below, line for line, from the AWX release whose collection the ansible package bundles (awx.awx 24.6.1):

- ``awx_spec_error`` is ``JobTemplateSurveySpec._validate_spec_data``, what ``POST .../survey_spec/`` (and so
  ``awx.awx.job_template``) answers with a 400 and its message: awx 24.6.1 (commit 94e5795),
  ``awx/api/views/__init__.py`` lines 2559-2703, with ``SURVEY_TYPE_MAPPING`` from ``awx/main/constants.py`` line 99.
- ``awx_launch_errors`` is ``SurveyJobTemplateMixin._survey_element_validation``, what a launch checks each answer
  with (and each default, before AWX applies it): ``awx/main/models/mixins.py`` lines 205-296.

On top of AWX's rules, every survey variable must be an input of the collection (declared in a role's
``meta/argument_specs.yml``, or a documented collection-wide variable that falls through into one) of a type the
question can answer. Broken copies of the real surveys show that each check fails on what it is meant to catch.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

import dev
from tooling import run, tail

pytestmark = pytest.mark.quality

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEMPLATES = ROOT / "playbooks" / "awx" / "controller_templates.yml"
APPLY = ROOT / "playbooks" / "awx" / "apply.yml"
# awx.awx as the ansible package bundles it (24.6.1 in ansible 12.3.0).
JOB_TEMPLATE_MODULE = Path(sysconfig.get_paths()["purelib"], "ansible_collections", "awx", "awx", "plugins", "modules",
                           "job_template.py")

# awx/main/constants.py line 99 (awx 24.6.1): question type -> the Python type(s) its default must have.
SURVEY_TYPE_MAPPING = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str, "integer": int,
                       "float": (float, int)}

# The variables each template's survey asks for: the deliverable, spelled out.
EXPECTED_SURVEYS = {
    "deploy": ["litellm_name", "litellm_aws_region", "litellm_image", "litellm_master_key", "litellm_config_mode",
               "litellm_gate_timeout"],
    "check": ["litellm_name", "litellm_aws_region", "litellm_image", "litellm_master_key", "litellm_config_mode"],
    "gate": ["litellm_name", "litellm_aws_region", "litellm_gate_timeout"],
    "teardown": ["litellm_name", "litellm_aws_region"],
}

# Documented collection-wide variables that reach no role's argument spec, with the type the playbook that reads them
# converts them to; the text shows where (the test checks that it is still there).
PLAYBOOK_VARIABLES = {
    "litellm_gate_timeout": ("int", ROOT / "playbooks" / "tasks" / "gate.yml", "litellm_gate_timeout | default(300) | int"),
}

# Which argument-spec types a question type can answer. A survey answer is a single value, never a list or a map
# (a multiselect answer is a list of strings, for a list argument with choices).
COMPATIBLE = {"text": {"str"}, "textarea": {"str"}, "password": {"str"}, "integer": {"int"}, "float": {"float"},
              "multiplechoice": {"str"}, "multiselect": {"list"}}


# --- AWX's rules, re-implemented --------------------------------------------------------------------------------------


def pivot_spec(spec):
    """awx/main/models/mixins.py lines 356-364: the questions of a spec by variable."""
    return {item["variable"]: item for item in (spec or {}).get("spec", []) if "variable" in item}


def awx_spec_error(new_spec, old_spec=None):  # pylint: disable=too-many-return-statements,too-many-branches
    """JobTemplateSurveySpec._validate_spec_data (awx/api/views/__init__.py lines 2559-2703): AWX's 400 message, or None.

    Like AWX it answers with the first problem it finds (for the top-level fields, the last one); it works on a copy,
    where AWX normalises choices and defaults in place. The final step, AWX encrypting a new password default, changes
    nothing that is checked and is left out.
    """
    new_spec = copy.deepcopy(new_spec)
    schema_error = None
    for field, expect_type, type_label in (("name", str, "string"), ("description", str, "string"),
                                           ("spec", list, "list of items")):
        if field not in new_spec:
            schema_error = f"Field '{field}' is missing from survey spec."
        elif not isinstance(new_spec[field], expect_type):
            schema_error = f"Expected {type_label} for field '{field}', received {type(new_spec[field]).__name__} type."
    if isinstance(new_spec.get("spec", None), list) and len(new_spec["spec"]) < 1:
        schema_error = "'spec' doesn't contain any items."
    if schema_error:
        return schema_error

    variable_set = set()
    old_spec_dict = pivot_spec(old_spec or {})
    for idx, survey_item in enumerate(new_spec["spec"]):
        if not isinstance(survey_item, dict):
            return f"Survey question {idx} is not a json object."
        for field_name in ("type", "question_name", "variable", "required"):
            if field_name not in survey_item:
                return f"'{field_name}' missing from survey question {idx}"
            allow_types, type_label = (bool, "boolean") if field_name == "required" else (str, "string")
            if not isinstance(survey_item[field_name], allow_types):
                return f"'{field_name}' in survey question {idx} expected to be {type_label}."
        if survey_item["variable"] in variable_set:
            return f"'variable' '{survey_item['variable']}' duplicated in survey question {idx}."
        variable_set.add(survey_item["variable"])

        qtype = survey_item["type"]
        if qtype not in SURVEY_TYPE_MAPPING:
            return f"'{qtype}' in survey question {idx} is not one of '{', '.join(SURVEY_TYPE_MAPPING)}' allowed question types."
        if "default" in survey_item and survey_item["default"] != "":
            if not isinstance(survey_item["default"], SURVEY_TYPE_MAPPING[qtype]):
                type_label = qtype if qtype in ("integer", "float") else "string"
                return f"Default value {survey_item['default']} in survey question {idx} expected to be {type_label}."
        for key in ("min", "max"):
            if key in survey_item and survey_item[key] is not None and not isinstance(survey_item[key], int):
                return f"The {key} limit in survey question {idx} expected to be integer."
        if qtype in ("multiselect", "multiplechoice"):
            if "choices" not in survey_item:
                return f"Survey question {idx} of type {qtype} must specify choices."
            if isinstance(survey_item["choices"], str):
                survey_item["choices"] = "\n".join(choice for choice in survey_item["choices"].splitlines() if choice.strip() != "")
            if "default" in survey_item:
                if isinstance(survey_item["default"], str):
                    survey_item["default"] = "\n".join(choice for choice in survey_item["default"].splitlines()
                                                       if choice.strip() != "")
                    list_of_defaults = survey_item["default"].splitlines()
                else:
                    list_of_defaults = survey_item["default"]
                if qtype == "multiplechoice" and len(list_of_defaults) > 1:
                    return "Multiple Choice (Single Select) can only have one default value."
                if any(item not in survey_item["choices"] for item in list_of_defaults):
                    return "Default choice must be answered from the choices listed."

        default = survey_item.get("default")
        if "default" in survey_item and isinstance(default, str) and default.startswith("$encrypted$"):
            if qtype != "password":
                return f"$encrypted$ is a reserved keyword for password question defaults, survey question {idx} is type {qtype}."
            old_default = old_spec_dict.get(survey_item["variable"], {}).get("default")
            # Only an existing encrypted (or blank) default may be kept by sending the placeholder back.
            if not (isinstance(old_default, str) and (old_default.startswith("$encrypted$") or old_default == "")):
                return f"$encrypted$ is a reserved keyword, may not be used for new default in position {idx}."
    return None


def awx_launch_errors(survey_element, data, validate_required=True):  # pylint: disable=too-many-branches
    """SurveyJobTemplateMixin._survey_element_validation (awx/main/models/mixins.py lines 205-296): one answer's errors."""
    errors = []
    variable = survey_element["variable"]
    if survey_element["type"] == "password":
        password_value = data.get(variable)
        if isinstance(password_value, str) and password_value == "$encrypted$":
            if survey_element.get("default") is None and survey_element["required"] and validate_required:
                errors.append(f"'{variable}' value missing")
            return errors

    def limit(key):
        value = survey_element.get(key)
        return None if value in ("", None) else value

    if variable not in data and survey_element["required"]:
        if validate_required:
            errors.append(f"'{variable}' value missing")
    elif survey_element["type"] in ("textarea", "text", "password"):
        if variable in data:
            value = data[variable]
            if not isinstance(value, str):
                return errors + [f"Value {value} for '{variable}' expected to be a string."]
            if limit("min") is not None and len(value) < int(limit("min")):
                errors.append(f"'{variable}' value {value} is too small (length is {len(value)} must be at least {limit('min')}).")
            if limit("max") is not None and len(value) > int(limit("max")):
                errors.append(f"'{variable}' value {value} is too large (must be no more than {limit('max')}).")
    elif survey_element["type"] in ("integer", "float"):
        if variable in data:
            value = data[variable]
            integer = survey_element["type"] == "integer"
            if (type(value) is not int) if integer else (type(value) not in (float, int)):  # pylint: disable=unidiomatic-typecheck
                return errors + [f"Value {value} for '{variable}' expected to be {'an integer' if integer else 'a numeric type'}."]
            cast = int if integer else float
            if limit("min") is not None and value < cast(limit("min")):
                errors.append(f"'{variable}' value {value} is too small (must be at least {limit('min')}).")
            if limit("max") is not None and value > cast(limit("max")):
                errors.append(f"'{variable}' value {value} is too large (must be no more than {limit('max')}).")
    elif survey_element["type"] in ("multiselect", "multiplechoice"):
        choice_list = copy.copy(survey_element["choices"])
        if isinstance(choice_list, str):
            choice_list = [choice for choice in choice_list.splitlines() if choice.strip() != ""]
        if variable in data:
            values = data[variable]
            if survey_element["type"] == "multiplechoice":
                values = [values]
            elif not isinstance(values, list):
                return errors + [f"'{variable}' value is expected to be a list."]
            errors += [f"Value {value} for '{variable}' expected to be one of {choice_list}."
                       for value in values if value not in choice_list]
    return errors


# --- The collection's inputs ------------------------------------------------------------------------------------------


def role_options() -> dict[str, list[tuple[str, dict]]]:
    """Every option of every entry point of every role's argument spec: name -> [(where, option spec)]."""
    options: dict[str, list[tuple[str, dict]]] = {}
    for path in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        for entry_point, spec in (yaml.safe_load(path.read_text(encoding="utf-8"))["argument_specs"] or {}).items():
            for name, option in (spec.get("options") or {}).items():
                where = f"{path.relative_to(ROOT)} ({entry_point})"
                if all(option is not seen for _where, seen in options.get(name, [])):  # entry points share one spec by anchor
                    options.setdefault(name, []).append((where, option))
    return options


def default_argument(expression: str) -> bool:
    """Whether ``expression`` is exactly ``default(...)``, its parentheses balanced and nothing after them."""
    if not expression.startswith("default("):
        return False
    depth = 0
    for index, char in enumerate(expression[len("default"):], start=len("default")):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(expression) - 1
    return False


def fall_through(value) -> str | None:
    """The collection-wide variable a role default is exactly (``{{ litellm_x }}`` or ``{{ litellm_x | default(...) }}``)."""
    found = re.fullmatch(r"\{\{\s*(litellm_[a-z0-9_]+)\s*(?:\|\s*(.*?))?\s*\}\}", value.strip()) if isinstance(value, str) else None
    if not found or (found.group(2) is not None and not default_argument(found.group(2))):
        return None
    return found.group(1)


def documented_variables() -> set[str]:
    """The collection-wide variables README.md's table documents (the first column's names)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Collection-wide variables", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`(litellm_[a-z0-9_]+)`", line.split("|")[1]))
    return names


def collection_inputs() -> dict[str, list[tuple[str, dict]]]:
    """Each variable a survey may set -> the argument-spec options it reaches, each as (where, spec).

    A variable reaches an option by being it (declared in a role's argument spec) or by being what the option's role
    default falls through from (``ecs_service_image: "{{ litellm_image | default(...) }}"``); a documented
    variable that no role reads reaches the type its playbook converts it to (PLAYBOOK_VARIABLES).
    """
    options = role_options()
    documented = documented_variables()
    inputs = {name: list(specs) for name, specs in options.items()}
    for path in sorted(ROOT.glob("roles/*/defaults/main.yml")):
        for name, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            source = fall_through(value)
            if source and source in documented and name in options:
                inputs.setdefault(source, []).extend(
                    (f"{where}, {name} (its default is {source})", option) for where, option in options[name])
    for name, (type_name, path, text) in PLAYBOOK_VARIABLES.items():
        if name in documented and text in path.read_text(encoding="utf-8"):
            inputs.setdefault(name, []).append((f"{path.relative_to(ROOT)} ({text})", {"type": type_name}))
    return inputs


INPUTS = collection_inputs()


def input_problems(survey_spec) -> list[str]:
    """What is wrong with each question against the collection's inputs: unknown variable, incompatible type."""
    problems = []
    for entry in survey_spec.get("spec", []):
        variable, qtype = entry.get("variable"), entry.get("type")
        where = f"survey {survey_spec.get('name')!r}, question {variable!r}"
        if variable not in INPUTS:
            problems.append(f"{where}: no role declares {variable} (no roles/*/meta/argument_specs.yml option, no role default "
                            "falling through from it, not a collection-wide variable documented in README.md)")
            continue
        for source, option in INPUTS[variable]:
            spec_type = option.get("type", "str")
            if spec_type not in COMPATIBLE.get(qtype, set()):
                problems.append(f"{where}: a question of type {qtype} cannot answer {source}, of type {spec_type}"
                                + (" (a survey carries single values: lists and maps belong in the inventory)"
                                   if spec_type in ("list", "dict") else ""))
            if option.get("choices") is not None:
                if qtype not in ("multiplechoice", "multiselect"):
                    problems.append(f"{where}: {source} takes only {option['choices']}; ask with a multiplechoice question")
                else:
                    choices = entry.get("choices") or []
                    choices = choices.splitlines() if isinstance(choices, str) else choices
                    extra = [choice for choice in choices if choice not in option["choices"]]
                    if extra:
                        problems.append(f"{where}: choices {extra} are not among the choices {option['choices']} of {source}")
            if option.get("no_log") and qtype != "password":
                problems.append(f"{where}: {source} is no_log (a secret); ask with a password question, not {qtype}")
    return problems


def inventory_problems(survey_spec) -> list[str]:
    """Questions that would override the inventory without being answered.

    A survey answer is an extra variable, above every inventory value; AWX applies a question's default whenever it
    passes the launch checks (mixins.py lines 178-197). AWX's job template guide ("Optional Survey Questions") says an
    unanswered optional text question is passed as "" unless its min is above 0.
    """
    problems = []
    for entry in survey_spec.get("spec", []):
        where = f"survey {survey_spec.get('name')!r}, question {entry.get('variable')!r}"
        if entry.get("default") is not None and not awx_launch_errors(entry, {entry["variable"]: entry["default"]}):
            problems.append(f"{where}: its default {entry['default']!r} would override the inventory on every launch")
        text = entry.get("type") in ("text", "textarea", "password")
        if text and not entry.get("required") and not (entry.get("min") or 0) > 0:
            problems.append(f"{where}: an optional text question needs a min above 0, or an empty answer is passed as ''")
    return problems


def templates() -> list[dict]:
    return yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))["controller_templates"]


def template(kind: str) -> dict:
    found = [item for item in templates() if kind in item["name"].lower()]
    assert len(found) == 1, f"expected one template whose name contains {kind!r}, found {[item['name'] for item in found]}"
    return found[0]


def question(survey_spec, variable) -> dict:
    return next(item for item in survey_spec["spec"] if item["variable"] == variable)


def job_template_options() -> set[str]:
    """The options (and aliases) of awx.awx.job_template, from the bundled module's own DOCUMENTATION."""
    tree = ast.parse(JOB_TEMPLATE_MODULE.read_text(encoding="utf-8"))
    documentation = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and [target.id for target in node.targets if isinstance(target, ast.Name)] == ["DOCUMENTATION"])
    names = set()
    for name, option in yaml.safe_load(documentation)["options"].items():
        names.update([name, *option.get("aliases", [])])
    return names


# --- The templates ----------------------------------------------------------------------------------------------------


def test_the_four_templates_are_job_templates_of_this_project():
    names = [item["name"] for item in templates()]
    assert len(names) == len(set(names)), f"template names repeat: {names}"
    for kind in EXPECTED_SURVEYS:
        template(kind)  # exactly one name contains the kind (the AWX runner tests find the templates so)
    assert len(names) == len(EXPECTED_SURVEYS), names

    options = job_template_options()
    for item in templates():
        unknown = sorted(set(item) - options)
        assert not unknown, f"{item['name']}: not options of awx.awx.job_template: {unknown}"
        playbook = ROOT / item["playbook"]
        assert not Path(item["playbook"]).is_absolute() and playbook.is_file() and playbook.resolve().is_relative_to(ROOT), (
            f"{item['name']}: the playbook {item['playbook']!r} must be a file of the project (this repository), relative to it")
        assert item["job_type"] in ("run", "check"), item
        assert item["survey_enabled"] is True and item["survey_spec"]["spec"], f"{item['name']}: no survey"
        assert item["ask_variables_on_launch"] is False, f"{item['name']}: only the survey's variables may be given at launch"
        assert "extra_vars" not in item, f"{item['name']}: values belong in the inventory or the survey, not in extra_vars"
        assert len(item["credentials"]) == 1, f"{item['name']}: one credential, AWX's Amazon Web Services type"

    check = template("check")
    assert (check["job_type"], check["diff_mode"], check["playbook"]) == ("check", True, "playbooks/site.yml")
    assert (template("deploy")["job_type"], template("deploy")["playbook"]) == ("run", "playbooks/site.yml")
    assert template("gate")["playbook"] == "playbooks/gate.yml"
    assert template("teardown")["playbook"] == "playbooks/teardown.yml"


@pytest.mark.parametrize("kind", sorted(EXPECTED_SURVEYS))
def test_each_survey_asks_for_its_single_values(kind):
    assert [item["variable"] for item in template(kind)["survey_spec"]["spec"]] == EXPECTED_SURVEYS[kind]


def test_the_survey_questions_set_the_documented_variables():
    deploy = template("deploy")["survey_spec"]
    assert question(deploy, "litellm_master_key")["type"] == "password"
    assert question(deploy, "litellm_config_mode")["choices"] == ["efs", "s3"]
    assert question(deploy, "litellm_gate_timeout")["type"] == "integer"
    # The image the proxy runs: ecs_service_image falls through from litellm_image.
    assert any("ecs_service_image" in source for source, _option in INPUTS["litellm_image"]), INPUTS["litellm_image"]
    # Only the teardown asks for an answer: the deployment's name, typed out; everything else is optional.
    required = {(item["name"], entry["variable"])
                for item in templates() for entry in item["survey_spec"]["spec"] if entry["required"]}
    assert required == {(template("teardown")["name"], "litellm_name")}, required


@pytest.mark.parametrize("kind", sorted(EXPECTED_SURVEYS))
def test_awx_accepts_the_survey(kind):
    spec = template(kind)["survey_spec"]
    assert awx_spec_error(spec) is None, awx_spec_error(spec)
    # And again as an update of itself, as awx.awx.job_template posts it on every change.
    assert awx_spec_error(spec, old_spec=spec) is None


@pytest.mark.parametrize("kind", sorted(EXPECTED_SURVEYS))
def test_every_survey_variable_is_an_input_of_a_compatible_type(kind):
    spec = template(kind)["survey_spec"]
    assert input_problems(spec) == []
    assert inventory_problems(spec) == []


def test_what_the_surveys_leave_to_the_inventory():
    surveyed = {entry["variable"] for item in templates() for entry in item["survey_spec"]["spec"]}
    for name in ("litellm_models", "litellm_alb_allowed_cidrs", "litellm_provider_secrets", "litellm_tags", "litellm_subnet_ids"):
        assert name not in surveyed
        assert any(option.get("type") in ("list", "dict") for _source, option in INPUTS[name]), (name, INPUTS[name])
    for item in templates():
        for entry in item["survey_spec"]["spec"]:
            assert "default" not in entry, (
                f"{item['name']}: {entry['variable']} has a default (it would override the inventory; for a password, a secret)")


# --- Launch-time answers ------------------------------------------------------------------------------------------------

GOOD_ANSWERS = {"litellm_name": "litellm-prod", "litellm_aws_region": "eu-west-1",
                "litellm_image": "ghcr.io/berriai/litellm:main-stable", "litellm_master_key": "sk-0123456789abcdef",
                "litellm_config_mode": "s3", "litellm_gate_timeout": 600}


@pytest.mark.parametrize("kind", sorted(EXPECTED_SURVEYS))
def test_good_answers_and_no_answers_launch(kind):
    spec = template(kind)["survey_spec"]["spec"]
    answers = {item["variable"]: GOOD_ANSWERS[item["variable"]] for item in spec}
    assert [error for item in spec for error in awx_launch_errors(item, answers)] == []
    unanswered = [error for item in spec for error in awx_launch_errors(item, {})]
    assert unanswered == (["'litellm_name' value missing"] if kind == "teardown" else []), unanswered


@pytest.mark.parametrize("variable, answer, expected", [
    ("litellm_gate_timeout", "600", "Value 600 for 'litellm_gate_timeout' expected to be an integer."),
    ("litellm_gate_timeout", 5, "'litellm_gate_timeout' value 5 is too small (must be at least 10)."),
    ("litellm_name", "l", "'litellm_name' value l is too small (length is 1 must be at least 2)."),
    ("litellm_name", "a-deployment-name-too-long", "is too large (must be no more than 24)."),
    ("litellm_master_key", "sk-1", "'litellm_master_key' value sk-1 is too small"),
    ("litellm_config_mode", "gcs", "Value gcs for 'litellm_config_mode' expected to be one of ['efs', 's3']."),
])
def test_bad_answers_are_refused_at_launch(variable, answer, expected):
    errors = awx_launch_errors(question(template("deploy")["survey_spec"], variable), {variable: answer})
    assert any(expected in error for error in errors), errors


# --- Broken copies: each check fails on what it is there to catch ------------------------------------------------------


def broken(change):
    """The deploy template's survey, changed by ``change`` (a function of the copy)."""
    spec = copy.deepcopy(template("deploy")["survey_spec"])
    change(spec)
    return spec


def set_key(variable, key, value):
    return lambda spec: question(spec, variable).__setitem__(key, value)


def drop_key(variable, key):
    return lambda spec: question(spec, variable).pop(key)


AWX_REJECTS = [
    ("integer default 'ten'", set_key("litellm_gate_timeout", "default", "ten"),
     "Default value ten in survey question 5 expected to be integer."),
    ("duplicate variable", lambda spec: spec["spec"].append(copy.deepcopy(spec["spec"][0])),
     "'variable' 'litellm_name' duplicated in survey question 6."),
    ("multiplechoice default outside its choices", set_key("litellm_config_mode", "default", "gcs"),
     "Default choice must be answered from the choices listed."),
    ("multiplechoice with two defaults", set_key("litellm_config_mode", "default", "efs\ns3"),
     "Multiple Choice (Single Select) can only have one default value."),
    ("multiplechoice without choices", drop_key("litellm_config_mode", "choices"),
     "Survey question 4 of type multiplechoice must specify choices."),
    ("min as an empty string", set_key("litellm_name", "min", ""), "The min limit in survey question 0 expected to be integer."),
    ("max as a string", set_key("litellm_name", "max", "24"), "The max limit in survey question 0 expected to be integer."),
    ("required as a string", set_key("litellm_name", "required", "false"),
     "'required' in survey question 0 expected to be boolean."),
    ("no variable", drop_key("litellm_image", "variable"), "'variable' missing from survey question 2"),
    ("unknown question type", set_key("litellm_image", "type", "boolean"),
     "'boolean' in survey question 2 is not one of 'text, textarea, password, multiplechoice, multiselect, integer, float'"),
    ("text default '$encrypted$'", set_key("litellm_image", "default", "$encrypted$"),
     "$encrypted$ is a reserved keyword for password question defaults, survey question 2 is type text."),
    ("new password default '$encrypted$'", set_key("litellm_master_key", "default", "$encrypted$"),
     "$encrypted$ is a reserved keyword, may not be used for new default in position 3."),
    ("no description", lambda spec: spec.pop("description"), "Field 'description' is missing from survey spec."),
    ("no questions", lambda spec: spec.__setitem__("spec", []), "'spec' doesn't contain any items."),
]


@pytest.mark.parametrize("change, expected", [case[1:] for case in AWX_REJECTS], ids=[case[0] for case in AWX_REJECTS])
def test_awx_rules_reject_a_broken_copy(change, expected):
    error = awx_spec_error(broken(change))
    assert error is not None and expected in error, error


def test_awx_rules_keep_an_encrypted_password_default_on_update():
    """AWX lets '$encrypted$' stand for the password default it already stores; only for a password question."""
    stored = broken(set_key("litellm_master_key", "default", "$encrypted$gAAAAABexample"))
    assert awx_spec_error(broken(set_key("litellm_master_key", "default", "$encrypted$")), old_spec=stored) is None


INPUT_REJECTS = [
    ("a variable no role declares", set_key("litellm_name", "variable", "litellm_colour"), "no role declares litellm_colour"),
    ("an integer question for a string", set_key("litellm_name", "type", "integer"),
     "a question of type integer cannot answer roles/deployment/meta/argument_specs.yml (main), deployment_name"),
    ("a text question for an integer", set_key("litellm_gate_timeout", "type", "text"),
     "a question of type text cannot answer playbooks/tasks/gate.yml"),
    ("a choice outside the role's choices", set_key("litellm_config_mode", "choices", ["efs", "s3", "gcs"]),
     "choices ['gcs'] are not among the choices ['efs', 's3'] of roles/efs_config/meta/argument_specs.yml"),
    ("free text where the role has choices", lambda spec: question(spec, "litellm_config_mode").update(type="text", min=1, max=3),
     "takes only ['efs', 's3']; ask with a multiplechoice question"),
    ("a secret as plain text", set_key("litellm_master_key", "type", "text"),
     "secrets_master_key (its default is litellm_master_key) is no_log (a secret); ask with a password question, not text"),
    ("a list in a survey", set_key("litellm_image", "variable", "litellm_models"),
     "of type list (a survey carries single values: lists and maps belong in the inventory)"),
]


@pytest.mark.parametrize("change, expected", [case[1:] for case in INPUT_REJECTS], ids=[case[0] for case in INPUT_REJECTS])
def test_input_rules_reject_a_broken_copy(change, expected):
    spec = broken(change)
    assert awx_spec_error(spec) is None, "this copy is one AWX accepts: only the collection's rules can catch it"
    problems = input_problems(spec)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("change, expected", [
    (set_key("litellm_config_mode", "default", "efs"), "its default 'efs' would override the inventory on every launch"),
    (set_key("litellm_image", "min", 0), "an optional text question needs a min above 0"),
], ids=["a default", "an optional text question without a min"])
def test_inventory_rules_reject_a_broken_copy(change, expected):
    problems = inventory_problems(broken(change))
    assert any(expected in problem for problem in problems), problems


def test_a_default_that_awx_would_not_apply_does_not_override():
    # An integer default of "" fails the launch check, so AWX never applies it (mixins.py lines 178-197).
    assert inventory_problems(broken(set_key("litellm_gate_timeout", "default", ""))) == []


def test_fall_through_reads_only_plain_defaults():
    assert fall_through("{{ litellm_image | default('ghcr.io/berriai/litellm:main-stable') }}") == "litellm_image"
    assert fall_through("{{ litellm_aws_region }}") == "litellm_aws_region"
    assert fall_through("{{ litellm_name | default('litellm') | upper }}") is None
    assert fall_through("{{ (litellm_config_mode | default('efs')) == 'efs' }}") is None
    assert fall_through("{{ litellm_x | default(a) ~ (b) }}") is None


# --- The apply playbook and the templates' playbooks --------------------------------------------------------------------


def test_apply_passes_every_key_the_templates_use():
    plays = yaml.safe_load(APPLY.read_text(encoding="utf-8"))
    tasks = [task for play in plays for task in play["tasks"] if "awx.awx.job_template" in task]
    assert len(tasks) == 1, tasks
    task = tasks[0]
    assert task["loop"] == "{{ controller_templates }}" and plays[0]["vars_files"] == ["controller_templates.yml"]
    passed = {key for key, value in task["awx.awx.job_template"].items() if f"__awx_template.{key}" in str(value)}
    used = {key for item in templates() for key in item}
    assert used <= passed, f"keys of the templates that apply.yml drops: {sorted(used - passed)}"
    assert "no_log" in task, "the job_template task must be able to hide its results"


def syntax_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1",
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                # llmops.litellm_ecs resolves to this working tree; awx.awx comes from the installed ansible package.
                "ANSIBLE_COLLECTIONS_PATH": str(dev.collections_path())})
    return env


@pytest.mark.parametrize("playbook", sorted({"playbooks/awx/apply.yml"} | {item["playbook"] for item in templates()}))
def test_syntax_check(playbook, tmp_path):
    proc = run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(ROOT / "inventories" / "local"), str(ROOT / playbook)],
               cwd=ROOT, env=syntax_env(tmp_path / "home"), timeout=300)
    assert proc.returncode == 0, f"ansible-playbook --syntax-check {playbook} failed (exit {proc.returncode})\n{tail(proc.stdout)}"
    assert f"playbook: {ROOT / playbook}" in proc.stdout, tail(proc.stdout)
