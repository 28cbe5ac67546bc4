"""The gate (proxy_probe) on the emulator: site.yml ends with the gate, against a real LiteLLM proxy run from the task definition the
deployment registered (tools/localaws/runtime.py), exactly as `python3 tools/dev.py deploy` runs it."""

from __future__ import annotations

import pytest

from localaws.harness import free_port
from localaws.runtime import LocalService

pytestmark = [pytest.mark.emulator, pytest.mark.litellm]

NAME = "gate"


@pytest.fixture(scope="module", name="gated")
def fixture_gated(emulator, run_site, tmp_path_factory):
    """A deployment whose proxy runs locally, and the first site run, which ends with the gate."""
    local = LocalService(emulator.endpoint, NAME, NAME, free_port(), tmp_path_factory.mktemp("proxy"))
    extra = {"litellm_name": NAME, "litellm_endpoint_url": local.url}
    with local:
        run = run_site(extra, outputs=True)
        yield local, extra, run


def test_site_ends_with_a_passing_gate_on_every_model(gated, aws):
    local, run = gated[0], gated[2]
    assert local.error is None, local.error
    assert run.rc == 0, run.tail(60)
    gate = run.output[run.output.index("gate | Probe the proxy"):]
    assert "ok: [localhost]" in gate.split("TASK")[0]
    summary = run.output[run.output.index("gate | Report what the gate found"):]
    for model in run.outputs["efs_config"]["model_names"]:
        assert model in summary
    # The local proxy runs exactly what the service runs.
    (service,) = aws("ecs").describe_services(cluster=NAME, services=[NAME])["services"]
    assert local.task_definition_arn == service["taskDefinition"]


def test_the_master_key_never_appears(gated, aws):
    run = gated[2]
    key = aws("secretsmanager").get_secret_value(SecretId=f"{NAME}/master-key")["SecretString"]
    assert key.startswith("sk-")
    assert key not in run.output


def test_a_rotated_master_key_rolls_the_service_and_the_gate_passes_with_it(gated, run_site, aws):
    """A new key in Secrets Manager registers a new revision (the secrets' version), so the tasks restart with it."""
    local, extra = gated[0], gated[1]
    before = aws("ecs").describe_services(cluster=NAME, services=[NAME])["services"][0]["taskDefinition"]
    run = run_site(dict(extra, litellm_master_key="sk-rotated-0123456789abcdef"))
    assert run.rc == 0, run.tail(60)
    after = aws("ecs").describe_services(cluster=NAME, services=[NAME])["services"][0]["taskDefinition"]
    assert after != before
    assert local.revisions[-2:] == [before, after]
    assert "sk-rotated-0123456789abcdef" not in run.output


def test_a_gate_that_cannot_reach_the_proxy_fails_at_its_budget_with_diagnostics(gated, run_site):
    extra = gated[1]
    run = run_site(dict(extra, litellm_endpoint_url=f"http://127.0.0.1:{free_port()}", litellm_gate_timeout=8))
    assert run.rc != 0
    failure = run.output[run.output.index("gate | Fail with the gate's verdict"):]
    assert "liveliness" in failure
    assert "refused" in failure.lower()
    assert "gate failed" in failure.lower()  # the diagnostics' context sentence
    assert f"service {NAME}" in failure or f"{NAME}" in failure
