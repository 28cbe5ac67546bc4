"""playbooks/teardown.yml on the emulator: removes a deployment in reverse order, idempotently; secrets stay
recoverable, an EFS file system stays unless forced; and database migrations run as a one-off task first."""

from __future__ import annotations

import pytest
import yaml

import dev
from aws_inventory import left_of
from conftest import recap_changed

pytestmark = pytest.mark.emulator

TEARDOWN = dev.ROOT / "playbooks" / "teardown.yml"
DATABASE_URL = "postgresql://litellm:db-pass-0123456789@db.internal:5432/litellm"
# Where LiteLLM writes at run time, as the ecs_service role points it (its vars/main.yml).
WRITE_PATHS = yaml.safe_load((dev.ROOT / "roles" / "ecs_service" / "vars" / "main.yml").read_text(encoding="utf-8"))["__ecs_service_write_paths"]


@pytest.fixture(scope="module", name="database")
def fixture_database(run_site):
    """An S3-mode deployment with a database: migrations run before the service starts."""
    extra = {"litellm_name": "gone", "litellm_config_mode": "s3", "litellm_database_url": DATABASE_URL}
    run = run_site(extra, outputs=True)
    assert run.rc == 0, run.tail()
    return extra, run


def test_migrations_run_as_a_one_off_task_before_the_service(database, aws):
    run = database[1]
    ecs = aws("ecs")
    (definition_arn,) = ecs.list_task_definitions(familyPrefix="gone-migrations", status="ACTIVE")["taskDefinitionArns"]
    definition = ecs.describe_task_definition(taskDefinition=definition_arn)["taskDefinition"]
    (container,) = definition["containerDefinitions"]
    assert {s["name"] for s in container["secrets"]} == {"DATABASE_URL", "LITELLM_SALT_KEY"}
    # Read-only root: the migrations copy (LITELLM_MIGRATION_DIR) and LiteLLM's other writes go into the scratch volume.
    assert container["readonlyRootFilesystem"] is True
    migration_env = {e["name"]: e["value"] for e in container["environment"]}
    scratch = [m["containerPath"] for m in container["mountPoints"] if m["readOnly"] is False]
    assert "LITELLM_MIGRATION_DIR" in WRITE_PATHS
    for name, path in WRITE_PATHS.items():
        assert migration_env[name] == path and any(path.startswith(root.rstrip("/") + "/") for root in scratch), (name, path, scratch)
    assert container["image"] == ecs.describe_task_definition(taskDefinition="gone")["taskDefinition"]["containerDefinitions"][-1]["image"]
    stopped = ecs.list_tasks(cluster="gone", family="gone-migrations", desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 1
    (task,) = ecs.describe_tasks(cluster="gone", tasks=stopped)["tasks"]
    assert task["containers"][0]["exitCode"] == 0
    migrations = run.output.index("migrations | Run the migrations")
    assert migrations < run.output.index("service | Create or update the service")
    proxy = ecs.describe_task_definition(taskDefinition="gone")["taskDefinition"]["containerDefinitions"][-1]
    env = {e["name"]: e["value"] for e in proxy["environment"]}
    assert env["DISABLE_SCHEMA_UPDATE"] == "true"
    assert "DATABASE_URL" in {s["name"] for s in proxy["secrets"]}
    assert DATABASE_URL not in run.output and "db-pass-0123456789" not in str(definition)


def test_teardown_removes_everything_and_a_second_changes_nothing(database, run_site, aws):
    extra = database[0]
    assert left_of(aws, "gone"), "the deployment should exist before the teardown"
    first = run_site(extra, playbook=TEARDOWN)
    assert first.rc == 0, first.tail()
    assert left_of(aws, "gone") == []
    assert "Nothing of gone is left." in first.output
    second = run_site(extra, playbook=TEARDOWN)
    assert second.rc == 0, second.tail()
    assert (second.changed, recap_changed(second.output)) == (0, 0), second.changed_tasks
    # The secrets are recoverable: scheduled for deletion within the recovery window, not deleted.
    secrets = [s for s in aws("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"] if s["Name"].startswith("gone/")]
    assert {s["Name"] for s in secrets} == {"gone/master-key", "gone/salt-key", "gone/database-url", "gone/redis-password",
                                            "gone/provider/OPENAI_API_KEY",
                                            "gone/provider/ANTHROPIC_API_KEY"}
    assert all("DeletedDate" in s for s in secrets)
    # Only the account's ECS service-linked role stays, by design.
    assert any(r["Path"] == "/aws-service-role/ecs.amazonaws.com/" for r in aws("iam").list_roles()["Roles"])


def test_teardown_keeps_the_file_system_unless_forced(run_site, aws):
    extra = {"litellm_name": "kept"}
    deployed = run_site(extra)
    assert deployed.rc == 0, deployed.tail()
    kept = run_site(extra, playbook=TEARDOWN)
    assert kept.rc == 0, kept.tail()
    left = left_of(aws, "kept")
    assert [item.split()[0] for item in left if not item.startswith(("mount target", "access point"))] == [
        "file", "security", "security"], left
    assert {"security group kept-efs", "security group kept-tasks"} <= set(left)
    assert "Left behind" in kept.output and "AWS::EFS::FileSystem" in kept.output
    forced = run_site(dict(extra, efs_config_teardown_delete_file_system=True, secrets_teardown_recovery_days=0), playbook=TEARDOWN)
    assert forced.rc == 0, forced.tail()
    assert left_of(aws, "kept") == []
    assert not [s for s in aws("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"] if s["Name"].startswith("kept/")]


def test_teardown_refuses_a_recovery_window_secrets_manager_does_not_offer(run_site, aws):
    run = run_site({"litellm_name": "nothing", "secrets_teardown_recovery_days": 3}, playbook=TEARDOWN)
    assert run.rc != 0
    assert "secrets_teardown_recovery_days" in run.output


def test_teardown_removes_a_deployment_in_a_vpc_given_only_through_its_subnets(run_site, aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    extra = {"litellm_name": "ownvpc", "litellm_subnet_ids": subnets, "litellm_config_mode": "s3"}
    deployed = run_site(extra, outputs=True)
    assert deployed.rc == 0, deployed.tail()
    assert deployed.outputs["network"]["vpc_id"] == vpc
    removed = run_site(extra, playbook=TEARDOWN)
    assert removed.rc == 0, removed.tail()
    assert left_of(aws, "ownvpc") == []
