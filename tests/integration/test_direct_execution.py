"""The collection's modules run in the controller's worker when their task runs on the controller, with the same
arguments, environment and result as in a module process of their own, and the usual way when they cannot."""

from __future__ import annotations

import json
import sys

import pytest

pytestmark = pytest.mark.emulator

MODELS = [{"model_name": "m", "litellm_params": {"model": "openai/gpt-4o-mini", "api_key": "os.environ/OPENAI_API_KEY"}}]

# Each task writes what it registered into one JSON file the test reads. The interpreter and the switch come from
# extra variables, so one playbook serves every case.
PLAYBOOK = """\
- name: Modules of the collection, run by its direct-execution action
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/llmops.litellm_ecs.litellm_ecs:
      region: "{{ litellm_aws_region }}"
      endpoint_url: "{{ litellm_aws_endpoint_url }}"
      access_key: "{{ litellm_aws_access_key }}"
      secret_key: "{{ litellm_aws_secret_key }}"
  tasks:
    - name: Render a config (no AWS)
      llmops.litellm_ecs.litellm_config:
        models: "{{ models }}"
        available_env: [LITELLM_MASTER_KEY, LITELLM_SALT_KEY, OPENAI_API_KEY]
      register: rendered

    - name: Refuse a config (a module failure)
      llmops.litellm_ecs.litellm_config:
        models: [{model_name: broken, litellm_params: {}}]
      register: refused
      ignore_errors: true

    - name: Create a cluster (AWS through module_defaults)
      llmops.litellm_ecs.ecs_cluster:
        name: "{{ cluster }}"
      register: created

    - name: Read it back with the endpoint only in the task's environment
      llmops.litellm_ecs.ecs_cluster:
        name: "{{ cluster }}"
        endpoint_url: "{{ omit }}"
      environment:
        AWS_ENDPOINT_URL: "{{ litellm_aws_endpoint_url }}"
      register: again

    - name: A cluster that would be created, under check mode
      llmops.litellm_ecs.ecs_cluster:
        name: "{{ cluster }}-check"
      check_mode: true
      register: checked

    - name: A module that raises an exception it does not handle (an inline policy that is not JSON)
      llmops.litellm_ecs.iam_roles:
        roles: [{name: "{{ cluster }}-role", assume_role_policy: {Version: "2012-10-17", Statement: []}, inline_policies: {p: not json}}]
      register: raised
      failed_when: false

    - name: Write what was registered
      ansible.builtin.copy:
        content: >-
          {{ {'rendered': rendered, 'refused': refused, 'created': created, 'again': again, 'checked': checked,
              'raised': raised} | to_json }}
        dest: "{{ results_file }}"
        mode: "0600"
"""


@pytest.fixture(name="play")
def fixture_play(run_site, tmp_path):
    playbook = tmp_path / "direct.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")

    def play(cluster, **extra):
        results = tmp_path / f"{cluster}.json"
        run = run_site({"models": MODELS, "cluster": cluster, "results_file": str(results), **extra}, playbook=playbook, verbosity=3)
        assert run.rc == 0, run.tail()
        return run, json.loads(results.read_text(encoding="utf-8"))

    return play


MODULE_TASKS = ("Render a config (no AWS)", "Refuse a config (a module failure)", "Create a cluster (AWS through module_defaults)",
                "Read it back with the endpoint only in the task's environment", "A cluster that would be created, under check mode",
                "A module that raises an exception it does not handle (an inline policy that is not JSON)")


def module_processes(output):
    """Per task, how many interpreters the local connection started for it (at -vvv it logs each command it runs)."""
    counts, task = {}, None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[len("TASK ["):line.index("]")]
            counts[task] = 0
        elif task and line.startswith("<localhost> EXEC") and "python" in line:
            counts[task] += 1
    return {name: counts.get(name) for name in MODULE_TASKS}


def comparable(result):
    """A registered result without what legitimately differs between two runs (the cluster's name and ARN)."""
    text = json.dumps(result, sort_keys=True)
    for name in ("indirect", "direct"):
        text = text.replace(name, "NAME")
    return json.loads(text)


def test_modules_run_in_the_worker_with_the_same_results_as_in_a_process_of_their_own(play, aws):
    direct_run, direct = play("direct")
    process_run, process = play("indirect", litellm_direct_execution=False)
    assert set(module_processes(direct_run.output).values()) == {0}  # none started an interpreter
    assert set(module_processes(process_run.output).values()) == {1}  # each started one
    for key in ("rendered", "refused", "created", "again", "checked"):
        assert comparable(direct[key]) == comparable(process[key]), key
    # An unhandled exception is the module's failed result either way, so failed_when applies to it.
    assert comparable(direct["raised"]) == comparable(process["raised"])
    assert direct["raised"]["failed"] is False and "failed_when_suppressed_exception" in direct["raised"]
    assert direct["rendered"]["sha256"] and "model_list" in direct["rendered"]["content"]
    assert direct["refused"]["failed"] is True and "litellm_params.model" in direct["refused"]["msg"]
    assert direct["created"]["changed"] is True and direct["again"]["changed"] is False  # the endpoint came from environment
    assert direct["checked"]["changed"] is True
    clusters = aws("ecs").describe_clusters(clusters=["direct", "direct-check"])["clusters"]
    assert [cluster["clusterName"] for cluster in clusters if cluster["status"] == "ACTIVE"] == ["direct"]  # check mode wrote nothing


def test_a_task_that_cannot_run_in_the_worker_runs_the_usual_way(play, run_site, tmp_path):
    # Another interpreter than the controller's (here the same Python behind another path): its own process.
    wrapper = tmp_path / "python-elsewhere"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n", encoding="utf-8")
    wrapper.chmod(0o755)
    other_python, results = play("otherpython", ansible_python_interpreter=str(wrapper))
    assert set(module_processes(other_python.output).values()) == {1}
    assert results["created"]["changed"] is True
    playbook = tmp_path / "async.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - llmops.litellm_ecs.litellm_config:\n        models: [{model_name: m, litellm_params: {model: openai/x}}]\n"
        "        available_env: [LITELLM_MASTER_KEY, LITELLM_SALT_KEY]\n"
        "      async: 60\n      poll: 1\n      register: rendered\n"
        "    - ansible.builtin.assert:\n        that: [rendered.sha256 | length == 64]\n", encoding="utf-8")
    run = run_site({}, playbook=playbook, verbosity=3)
    assert run.rc == 0, run.tail()
    assert "async_wrapper" in run.output  # async: the module ran under the async wrapper, in a process of its own
