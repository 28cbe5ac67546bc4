"""The database role on the emulator: a created RDS for PostgreSQL is encrypted, private, deletion-protected, reachable
from the tasks' group only, its password only in Secrets Manager and its URL assembled there; it converges twice and
under --check without a change; teardown keeps it by default and deletes it only when told, after a final snapshot
unless that too is waived. An existing database given as an RDS-format secret gets its URL assembled the same way."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

import dev
from conftest import recap_changed
from localaws.requestlog import mutations

pytestmark = pytest.mark.emulator

TEARDOWN = dev.ROOT / "playbooks" / "teardown.yml"
NAME = "pgdemo"
INSTANCE = f"{NAME}-database"
# S3 config mode and no Redis keep the deployment small; the database is what is under test.
CREATE = {"litellm_name": NAME, "litellm_database": "create", "litellm_config_mode": "s3", "litellm_redis": "none",
          "litellm_redis_per_task_limits_acknowledged": True}


def secret_value(aws, name):
    return aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def instance(aws, identifier=INSTANCE):
    found = aws("rds").describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": [identifier]}])["DBInstances"]
    return found[0] if found else None


def scheduled(aws, name):
    """Whether the secret is scheduled for deletion (None: it does not exist)."""
    found = [s for s in aws("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"] if s["Name"] == name]
    return ("DeletedDate" in found[0]) if found else None


def snapshots(aws, identifier=INSTANCE):
    """The instance's manual snapshots (RDS's automated ones are its backups, and go with it)."""
    answer = aws("rds").describe_db_snapshots(DBInstanceIdentifier=identifier, SnapshotType="manual")
    return sorted(s["DBSnapshotIdentifier"] for s in answer["DBSnapshots"] if s["SnapshotType"] == "manual")


@pytest.fixture(scope="module", name="created")
def fixture_created(run_site):
    run = run_site(CREATE, outputs=True, verbosity=3)
    assert run.rc == 0, run.tail()
    return run


def test_created_database_is_encrypted_private_backed_up_and_deletion_protected(created, aws):
    db = instance(aws)
    assert db["Engine"] == "postgres" and db["EngineVersion"].startswith("17")
    assert db["StorageEncrypted"] is True
    assert db["PubliclyAccessible"] is False
    assert db["DeletionProtection"] is True
    assert db["BackupRetentionPeriod"] == 7
    assert db["MultiAZ"] is True
    assert db["CopyTagsToSnapshot"] is True
    tags = {t["Key"]: t["Value"] for t in db["TagList"]}
    assert (tags["litellm-deployment"], tags["managed-by"]) == (NAME, "llmops.litellm_ecs")
    outputs = created.outputs
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == INSTANCE
    assert sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]) == outputs["network"]["subnet_ids"]
    assert outputs["database"]["instance_id"] == INSTANCE and outputs["database"]["arn"] == db["DBInstanceArn"]
    assert outputs["database"]["host"] == db["Endpoint"]["Address"]


def test_created_database_admits_5432_from_the_tasks_group_only(created, aws):
    groups = created.outputs["network"]["security_group_ids"]
    db = instance(aws)
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [groups["database"]]
    (group,) = aws("ec2").describe_security_groups(GroupIds=[groups["database"]])["SecurityGroups"]
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"]) for p in group["IpPermissions"]] == [("tcp", 5432, 5432)]
    (rule,) = group["IpPermissions"]
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [groups["tasks"]]
    assert rule["IpRanges"] == [] and rule.get("Ipv6Ranges", []) == []
    assert group["IpPermissionsEgress"] == []
    # The migrations task runs in the tasks' group too: the one group the database admits covers both.
    service = aws("ecs").describe_services(cluster=NAME, services=[NAME])["services"][0]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [groups["tasks"]]


def test_password_lives_only_in_secrets_manager_and_the_url_is_assembled_there(created, aws):
    password = secret_value(aws, f"{NAME}/database-password")
    assert len(password) == 40 and password.isalnum()
    db = instance(aws)
    url = secret_value(aws, f"{NAME}/database-url")
    assert url == (f"postgresql://litellm:{quote(password, safe='')}@{db['Endpoint']['Address']}:{db['Endpoint']['Port']}/litellm"
                   "?sslmode=require")
    # The proxy and the migrations get the URL only by reference.
    ecs = aws("ecs")
    url_arn = aws("secretsmanager").describe_secret(SecretId=f"{NAME}/database-url")["ARN"]
    assert created.outputs["database"]["url_arn"] == url_arn
    for family in (NAME, f"{NAME}-migrations"):
        definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        container = definition["containerDefinitions"][-1]
        assert {"name": "DATABASE_URL", "valueFrom": url_arn} in container["secrets"]
        text = json.dumps(definition)
        assert password not in text and url not in text
        assert "DATABASE_URL" not in {pair["name"] for item in definition["containerDefinitions"] for pair in item.get("environment", [])}
    # Not in the -vvv output, not in what RDS describes, not in the config object.
    assert password not in created.output and url not in created.output
    assert quote(password, safe="") not in created.output
    s3 = aws("s3")
    config_object = created.outputs["efs_config"]
    config = s3.get_object(Bucket=config_object["s3_bucket"], Key=config_object["s3_key"])["Body"].read().decode()
    assert password not in config and url not in config and "database_url: os.environ/DATABASE_URL" in config


def test_second_converge_and_check_mode_change_nothing(created, run_site, emulator):
    again = run_site(CREATE)
    assert again.rc == 0, again.tail()
    assert (again.changed, recap_changed(again.output)) == (0, 0), again.changed_tasks
    start = len(emulator.requests())
    check = run_site(CREATE, check=True)
    assert check.rc == 0, check.tail()
    assert check.changed == 0, check.changed_tasks
    assert mutations(emulator.requests(start)) == []


def test_check_mode_on_an_account_without_the_database_writes_nothing(run_site, emulator):
    start = len(emulator.requests())
    check = run_site(dict(CREATE, litellm_name="pgcheck"), check=True)
    assert check.rc == 0, check.tail()
    assert mutations(emulator.requests(start)) == []
    assert "Keep the RDS for PostgreSQL instance" in check.output


def test_teardown_keeps_the_database_by_default_and_deletes_it_only_when_told(created, run_site, aws, emulator):
    kept = run_site(CREATE, playbook=TEARDOWN)
    assert kept.rc == 0, kept.tail()
    db = instance(aws)
    assert db is not None and db["DeletionProtection"] is True
    # Its password and URL stay readable, and so do the groups it needs.
    assert (scheduled(aws, f"{NAME}/database-password"), scheduled(aws, f"{NAME}/database-url")) == (False, False)
    # The salt key encrypts what the kept database stores: it stays too; the master key goes as usual.
    assert (scheduled(aws, f"{NAME}/salt-key"), scheduled(aws, f"{NAME}/master-key")) == (False, True)
    assert INSTANCE in {g["DBSubnetGroupName"] for g in aws("rds").describe_db_subnet_groups()["DBSubnetGroups"]}
    tagged = [{"Name": "tag:litellm-deployment", "Values": [NAME]}]
    names = {g["GroupName"] for g in aws("ec2").describe_security_groups(Filters=tagged)["SecurityGroups"]}
    assert names == {f"{NAME}-database", f"{NAME}-tasks"}
    assert f"The RDS instance {INSTANCE} is kept" in kept.output and "database_teardown_delete_instance=true" in kept.output
    assert "Left behind" in kept.output and INSTANCE in kept.output.split("Left behind")[-1]
    assert snapshots(aws) == []

    again = run_site(CREATE, playbook=TEARDOWN)
    assert again.rc == 0, again.tail()
    assert again.changed == 0, again.changed_tasks

    deleted = run_site(dict(CREATE, database_teardown_delete_instance=True), playbook=TEARDOWN)
    assert deleted.rc == 0, deleted.tail()
    assert instance(aws) is None
    (final,) = snapshots(aws)
    assert final.startswith(f"{INSTANCE}-final-")
    assert f"its final snapshot is {final}" in deleted.output
    assert (scheduled(aws, f"{NAME}/database-password"), scheduled(aws, f"{NAME}/database-url")) == (True, True)
    assert scheduled(aws, f"{NAME}/salt-key") is True
    assert INSTANCE not in {g["DBSubnetGroupName"] for g in aws("rds").describe_db_subnet_groups()["DBSubnetGroups"]}
    # --check after it (the secrets scheduled for deletion, no instance): it reads, reports, and writes nothing.
    start = len(emulator.requests())
    check = run_site(CREATE, check=True)
    assert check.rc == 0, check.tail()
    assert mutations(emulator.requests(start)) == []


def test_teardown_without_a_final_snapshot_only_when_that_is_waived_too(run_site, aws):
    extra = dict(CREATE, litellm_name="pgwaive")
    deployed = run_site(extra)
    assert deployed.rc == 0, deployed.tail()
    waived = run_site(dict(extra, database_teardown_delete_instance=True, database_teardown_final_snapshot=False), playbook=TEARDOWN)
    assert waived.rc == 0, waived.tail()
    assert instance(aws, "pgwaive-database") is None
    assert snapshots(aws, "pgwaive-database") == []
    assert "without a final snapshot (waived)" in waived.output


def test_existing_database_in_an_rds_format_secret_gets_its_url_assembled(run_site, aws):
    credentials = {"username": "app", "password": "p@ss/word:1", "engine": "postgres", "host": "db.internal", "port": 5433,
                   "dbname": "keys"}
    arn = aws("secretsmanager").create_secret(Name="shared/rds-credentials", SecretString=json.dumps(credentials))["ARN"]
    extra = {"litellm_name": "pgsecret", "litellm_database_secret_arn": arn, "litellm_config_mode": "s3", "litellm_redis": "none",
             "litellm_redis_per_task_limits_acknowledged": True, "litellm_database_url_query": ""}
    run = run_site(extra, outputs=True, verbosity=3)
    assert run.rc == 0, run.tail()
    assert run.outputs["database"]["mode"] == "existing"
    assert secret_value(aws, "pgsecret/database-url") == "postgresql://app:p%40ss%2Fword%3A1@db.internal:5433/keys"
    assert instance(aws, "pgsecret-database") is None
    assert credentials["password"] not in run.output and quote(credentials["password"], safe="") not in run.output
    again = run_site(extra)
    assert again.rc == 0 and again.changed == 0, again.changed_tasks
    # The secret is someone else's: teardown leaves it alone and schedules only the assembled URL.
    gone = run_site(dict(extra, secrets_teardown_recovery_days=0), playbook=TEARDOWN)
    assert gone.rc == 0, gone.tail()
    assert scheduled(aws, "shared/rds-credentials") is False
    assert scheduled(aws, "pgsecret/database-url") is None
