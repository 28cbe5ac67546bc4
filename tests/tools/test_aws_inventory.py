"""The inventory the killed-run and fault trials compare deployments with (tests/aws_inventory.py) catches a
duplicate resource and a task-definition revision registered twice: deliberately broken variants, in moto in-process."""

from __future__ import annotations

import boto3
import pytest

from aws_inventory import duplicate_revisions, left_of, shape, shape_difference


@pytest.fixture(name="aws")
def fixture_aws(mocked_aws):  # pylint: disable=unused-argument
    session = boto3.Session(region_name="us-east-1")
    return session.client


def file_system(aws, name, token):
    return aws("efs").create_file_system(CreationToken=token, Tags=[{"Key": "litellm-deployment", "Value": name}])["FileSystemId"]


def register(aws, family, image="ghcr.io/berriai/litellm:main-stable"):
    return aws("ecs").register_task_definition(family=family, containerDefinitions=[{"name": "litellm", "image": image, "memory": 512}])


def test_a_duplicate_file_system_shows_as_a_count_that_differs(aws):
    file_system(aws, "clean", "clean-config")
    file_system(aws, "twice", "twice-config")
    assert shape_difference(shape(aws, "twice"), shape(aws, "clean")) == []
    file_system(aws, "twice", "twice-config-again")  # the broken variant: a rerun that created a second one
    assert shape_difference(shape(aws, "twice"), shape(aws, "clean")) == ["file system: 2 (a clean converge has 1)"]


def test_a_resource_only_one_deployment_has_shows_as_missing_or_extra(aws):
    aws("secretsmanager").create_secret(Name="clean/master-key", SecretString="sk-a")
    assert shape_difference(shape(aws, "other"), shape(aws, "clean")) == ["secret <name>/master-key: 0 (a clean converge has 1)"]
    assert left_of(aws, "clean") == ["secret clean/master-key"]


def test_a_revision_registered_twice_with_the_same_content_is_named(aws):
    register(aws, "app")
    register(aws, "app", image="ghcr.io/berriai/litellm:v1.2.3")
    register(aws, "app-migrations")  # another family, listed by moto under the prefix "app" too: not a duplicate
    assert duplicate_revisions(aws, "app") == []
    assert len([item for item in left_of(aws, "app") if item.startswith("task definition")]) == 3
    register(aws, "app")  # the broken variant: the same content again
    (found,) = duplicate_revisions(aws, "app")
    assert found.endswith("task-definition/app:3 repeats arn:aws:ecs:us-east-1:123456789012:task-definition/app:1")


def test_the_database_and_its_subnet_group_are_listed_not_its_final_snapshot(aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    rds = aws("rds")
    for name in ("clean", "db"):
        rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-database", DBSubnetGroupDescription=name, SubnetIds=subnets)
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-database", DBInstanceClass="db.t4g.micro", Engine="postgres", MasterUsername="litellm",
                               MasterUserPassword="not-a-secret-1", AllocatedStorage=20, DBSubnetGroupName=f"{name}-database")
    assert left_of(aws, "db") == ["db instance db-database", "db subnet group db-database"]
    assert shape(aws, "db") == shape(aws, "clean")  # named after the deployment, compared without its name
    rds.delete_db_instance(DBInstanceIdentifier="db-database", FinalDBSnapshotIdentifier="db-database-final-20250601100000")
    assert left_of(aws, "db") == ["db subnet group db-database"]  # the final snapshot is kept on purpose
    assert shape_difference(shape(aws, "db"), shape(aws, "clean")) == ["db instance <name>-database: 0 (a clean converge has 1)"]
