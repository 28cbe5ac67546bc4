"""The efs_config role on the emulator: config.yaml rendered, delivered onto EFS or S3, idempotent, no secrets."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.emulator
# A config change reaches the tasks through a new revision (its LITELLM_CONFIG_SHA256), which the service rolls onto.
ROLL = ["task_definition | Register the proxy's task definition", "service | Create or update the service and wait for a steady deployment"]

PROVIDER_KEYS = {"OPENAI_API_KEY": "sk-cfg-openai-Vb8nM2", "ANTHROPIC_API_KEY": "sk-ant-cfg-Kp3Lq9"}


def efs_inputs(name, **extra):
    return {"litellm_name": name, "litellm_provider_secrets": PROVIDER_KEYS, **extra}


def writer(outputs):
    (container,) = outputs["efs_config"]["init_containers"]
    return container


def writer_env(outputs):
    return {item["name"]: item["value"] for item in writer(outputs)["environment"]}


def writer_bytes(outputs):
    """The exact content the init container carries."""
    return base64.b64decode(writer_env(outputs)["LITELLM_CONFIG_B64"])


def run_writer(outputs, directory):
    """Run the init container's command as ECS would (entryPoint + command, its environment) into ``directory``."""
    container = writer(outputs)
    assert container["entryPoint"] == ["python3", "-c"]
    env = {**os.environ, **writer_env(outputs), "LITELLM_CONFIG_DIR": str(directory)}
    proc = subprocess.run([sys.executable, "-c", *container["command"]], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (directory / env["LITELLM_CONFIG_FILE"]).read_bytes()


@pytest.fixture(scope="module", name="efs_run")
def fixture_efs_run(run_site):
    run = run_site(efs_inputs("cfgefs"), outputs=True)
    assert run.rc == 0, run.tail()
    return run


def test_file_system_is_encrypted_with_the_guides_throughput(efs_run, aws):
    fs_id = efs_run.outputs["efs_config"]["file_system_id"]
    (fs,) = aws("efs").describe_file_systems(FileSystemId=fs_id)["FileSystems"]
    assert fs["Encrypted"] is True
    assert fs["PerformanceMode"] == "generalPurpose"
    assert (fs["ThroughputMode"], fs["ProvisionedThroughputInMibps"]) == ("provisioned", 100)
    tags = {t["Key"]: t["Value"] for t in fs["Tags"]}
    assert tags["litellm-deployment"] == "cfgefs"  # what the task role's EFS grant is scoped by


def test_one_mount_target_per_availability_zone(efs_run, aws):
    fs_id = efs_run.outputs["efs_config"]["file_system_id"]
    targets = aws("efs").describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    ec2 = aws("ec2")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    zones = {s["AvailabilityZone"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default_vpc]}])["Subnets"]}
    target_zones = [ec2.describe_subnets(SubnetIds=[t["SubnetId"]])["Subnets"][0]["AvailabilityZone"] for t in targets]
    assert sorted(target_zones) == sorted(zones)  # every zone once, none twice
    nfs_sg = efs_run.outputs["network"]["security_group_ids"]["file_system"]
    for target in targets:
        groups = aws("efs").describe_mount_target_security_groups(MountTargetId=target["MountTargetId"])["SecurityGroups"]
        assert groups == [nfs_sg]


def test_nfs_is_admitted_from_the_tasks_group_only(efs_run, aws):
    ids = efs_run.outputs["network"]["security_group_ids"]
    (group,) = aws("ec2").describe_security_groups(GroupIds=[ids["file_system"]])["SecurityGroups"]
    (rule,) = group["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 2049, 2049)
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [ids["tasks"]]
    assert not rule.get("IpRanges") and not rule.get("Ipv6Ranges")
    assert group["IpPermissionsEgress"] == []  # the file system starts no connection


def test_access_point_confines_the_config_directory(efs_run, aws):
    outputs = efs_run.outputs["efs_config"]
    (point,) = aws("efs").describe_access_points(AccessPointId=outputs["access_point_id"])["AccessPoints"]
    assert point["FileSystemId"] == outputs["file_system_id"]
    assert point["PosixUser"] == {"Uid": 1000, "Gid": 1000}
    assert point["RootDirectory"]["Path"] == "/cfgefs"
    assert point["RootDirectory"]["CreationInfo"] == {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0755"}


def test_task_definition_pieces_mount_it_read_only_with_iam_and_tls(efs_run):
    outputs = efs_run.outputs["efs_config"]
    (volume,) = outputs["volumes"]
    assert volume["efsVolumeConfiguration"] == {
        "fileSystemId": outputs["file_system_id"], "rootDirectory": "/", "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": outputs["access_point_id"], "iam": "ENABLED"},
    }
    assert outputs["mount_points"] == [{"sourceVolume": volume["name"], "containerPath": "/app/config", "readOnly": True}]
    assert outputs["depends_on"] == [{"containerName": "config-writer", "condition": "SUCCESS"}]
    env = {item["name"]: item["value"] for item in outputs["container_environment"]}
    assert env["CONFIG_FILE_PATH"] == outputs["config_path"]
    assert outputs["config_path"] == f"/app/config/config-{outputs['sha256'][:16]}.yaml"


def test_writer_writes_exactly_the_rendered_bytes(efs_run, tmp_path):
    outputs = efs_run.outputs
    carried = writer_bytes(outputs)
    assert hashlib.sha256(carried).hexdigest() == outputs["efs_config"]["sha256"]
    assert run_writer(outputs, tmp_path) == carried
    assert run_writer(outputs, tmp_path) == carried  # a second task start rewrites nothing wrong


def test_writer_refuses_content_that_does_not_match_its_hash(efs_run, tmp_path):
    container = writer(efs_run.outputs)
    env = {**os.environ, **writer_env(efs_run.outputs), "LITELLM_CONFIG_DIR": str(tmp_path), "LITELLM_CONFIG_SHA256": "0" * 64}
    proc = subprocess.run([sys.executable, "-c", *container["command"]], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert not list(tmp_path.iterdir())


def test_no_secret_in_the_delivered_config(efs_run, aws):
    text = writer_bytes(efs_run.outputs).decode()
    for value in PROVIDER_KEYS.values():
        assert value not in text
    assert aws("secretsmanager").get_secret_value(SecretId="cfgefs/master-key")["SecretString"] not in text
    assert "master_key: os.environ/LITELLM_MASTER_KEY" in text
    assert "os.environ/OPENAI_API_KEY" in text


def test_changed_model_list_changes_the_hash(efs_run, run_site):
    models = [{"model_name": "only-one", "litellm_params": {"model": "openai/gpt-4o-mini", "mock_response": "x"}}]
    run = run_site(efs_inputs("cfgefs", litellm_models=models), outputs=True)
    assert run.rc == 0, run.tail()
    assert run.outputs["efs_config"]["sha256"] != efs_run.outputs["efs_config"]["sha256"]
    assert run.outputs["efs_config"]["model_names"] == ["only-one"]
    # The file system, mount targets and access point stay as they are: only the carried content differs, so the
    # only changes are the new task-definition revision that carries it and the service rolling onto it.
    assert run.changed_tasks == ROLL, run.changed_tasks
    assert run.outputs["efs_config"]["access_point_id"] == efs_run.outputs["efs_config"]["access_point_id"]


@pytest.fixture(scope="module", name="s3_run")
def fixture_s3_run(run_site):
    run = run_site(efs_inputs("cfgs3", litellm_config_mode="s3"), outputs=True)
    assert run.rc == 0, run.tail()
    return run


def s3_object(aws, outputs):
    found = aws("s3").get_object(Bucket=outputs["efs_config"]["s3_bucket"], Key=outputs["efs_config"]["s3_key"])
    return found["Body"].read(), found


def test_s3_bucket_is_private_encrypted_and_versioned(s3_run, aws):
    bucket = s3_run.outputs["efs_config"]["s3_bucket"]
    assert bucket == "cfgs3-config-123456789012-us-east-1" == s3_run.outputs["deployment"]["config_s3_bucket"]
    s3 = aws("s3")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_s3_object_is_the_rendered_config(s3_run, aws):
    body, found = s3_object(aws, s3_run.outputs)
    assert hashlib.sha256(body).hexdigest() == s3_run.outputs["efs_config"]["sha256"]
    assert found["Metadata"]["config-sha256"] == s3_run.outputs["efs_config"]["sha256"]
    env = {item["name"]: item["value"] for item in s3_run.outputs["efs_config"]["container_environment"]}
    assert env["LITELLM_CONFIG_BUCKET_NAME"] == s3_run.outputs["efs_config"]["s3_bucket"]
    assert env["LITELLM_CONFIG_BUCKET_OBJECT_KEY"] == "config.yaml"
    for value in PROVIDER_KEYS.values():
        assert value.encode() not in body


def test_s3_second_converge_and_check_change_nothing(s3_run, run_site, aws):
    versions = aws("s3").list_object_versions(Bucket=s3_run.outputs["efs_config"]["s3_bucket"])["Versions"]
    again = run_site(efs_inputs("cfgs3", litellm_config_mode="s3"))
    assert again.rc == 0, again.tail()
    assert again.changed == 0, again.changed_tasks
    check = run_site(efs_inputs("cfgs3", litellm_config_mode="s3"), check=True)
    assert check.rc == 0, check.tail()
    assert check.changed == 0, check.changed_tasks
    assert aws("s3").list_object_versions(Bucket=s3_run.outputs["efs_config"]["s3_bucket"])["Versions"] == versions


def test_s3_changed_models_upload_a_new_version(s3_run, run_site, aws):
    models = [{"model_name": "only-one", "litellm_params": {"model": "openai/gpt-4o-mini", "mock_response": "x"}}]
    run = run_site(efs_inputs("cfgs3", litellm_config_mode="s3", litellm_models=models), outputs=True)
    assert run.rc == 0, run.tail()
    assert run.changed_tasks == ["s3 | Upload config.yaml when its content changed", *ROLL], run.changed_tasks
    body, _found = s3_object(aws, run.outputs)
    assert hashlib.sha256(body).hexdigest() == run.outputs["efs_config"]["sha256"] != s3_run.outputs["efs_config"]["sha256"]
