"""Bad input fails before anything in AWS changes, with a message naming the variable and the fix."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.emulator


def aws_state(aws):
    iam, sm, efs, ec2, s3, cache = (aws(name) for name in ("iam", "secretsmanager", "efs", "ec2", "s3", "elasticache"))
    return (
        sorted(r["Arn"] for r in iam.list_roles()["Roles"]),
        sorted(s["ARN"] for s in sm.list_secrets()["SecretList"]),
        sorted(fs["FileSystemId"] for fs in efs.describe_file_systems()["FileSystems"]),
        sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]),
        sorted(b["Name"] for b in s3.list_buckets()["Buckets"]),
        sorted(c for c in aws("ecs").list_clusters()["clusterArns"]),
        sorted(lb["LoadBalancerArn"] for lb in aws("elbv2").describe_load_balancers()["LoadBalancers"]),
        sorted(g["logGroupName"] for g in aws("logs").describe_log_groups()["logGroups"]),
        sorted(aws("ecs").list_task_definitions()["taskDefinitionArns"]),
        sorted(g["ReplicationGroupId"] for g in cache.describe_replication_groups()["ReplicationGroups"]),
    )


CASES = {
    "name with spaces": ({"litellm_name": "my proxy"}, ["litellm_name", "lower-case"]),
    "name in upper case": ({"litellm_name": "LiteLLM"}, ["litellm_name", "lower-case"]),
    "provider name not an env var": ({"litellm_provider_secrets": {"openai-key": "sk-x"}}, ["litellm_provider_secrets", "openai-key", "environment-variable"]),
    "provider name reserved": ({"litellm_provider_secrets": {"LITELLM_MASTER_KEY": "sk-x"}}, ["litellm_provider_secrets", "LITELLM_MASTER_KEY"]),
    "provider ARN malformed": (
        {"litellm_provider_secrets": {"OPENAI_API_KEY": "arn:aws:s3:::bucket/key"}},
        ["litellm_provider_secrets", "OPENAI_API_KEY", "arn:aws:secretsmanager"],
    ),
    "master key without sk-": ({"litellm_master_key": "my-master-key-123456"}, ["litellm_master_key", "sk-"]),
    "master key sk-1234": ({"litellm_master_key": "sk-1234"}, ["litellm_master_key", "sk-1234"]),
    "database not postgres": ({"litellm_database_url": "mysql://u:p@h/db"}, ["litellm_database_url", "PostgreSQL"]),
    "region missing": ({"litellm_aws_region": None}, ["litellm_aws_region"]),
    "model without litellm_params.model": (
        {"litellm_models": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o"}},
                            {"model_name": "broken", "litellm_params": {"api_base": "http://x"}}]},
        ["litellm_models[1] (broken)", "litellm_params.model"]),
    "literal key in the config": (
        {"litellm_models": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_key": "sk-literal-Zz9"}}]},
        ["litellm_models[0] (gpt-4o)", "litellm_params.api_key", "litellm_provider_secrets"]),
    "reference the task will not have": (
        {"litellm_models": [{"model_name": "g", "litellm_params": {"model": "gemini/x", "api_key": "os.environ/GEMINI_API_KEY"}}]},
        ["os.environ/GEMINI_API_KEY", "litellm_provider_secrets"]),
    "unknown config section": ({"litellm_config_extra_sections": {"model_lists": []}}, ["litellm_config_extra_sections.model_lists"]),
    "duplicate model names": (
        {"litellm_models": [{"model_name": "m", "litellm_params": {"model": "openai/a"}}, {"model_name": "m", "litellm_params": {"model": "openai/b"}}]},
        ["litellm_models[0], litellm_models[1]", "model_name 'm'"]),
    "plaintext load balancer without the opt-in": ({"alb_allow_plaintext": False}, ["alb_allow_plaintext", "alb_certificate_arn"]),
    "load balancer open to nobody": ({"litellm_alb_allowed_cidrs": []}, ["alb_allowed_cidrs", "0.0.0.0/0"]),
    "load balancer in one subnet": ({"litellm_alb_subnet_ids": ["__ONE_SUBNET__"]}, ["litellm_alb_subnet_ids", "two availability zones"]),
    "load balancer subnets without the tasks'": ({"litellm_alb_subnet_ids": ["subnet-0123456789abcdef0"]},
                                                 ["litellm_alb_subnet_ids", "litellm_subnet_ids"]),
    "CPU/memory pair Fargate does not offer": ({"ecs_service_cpu": 1024, "ecs_service_memory": 1024},
                                               ["ecs_service_memory", "2048, 3072, 4096, 5120, 6144, 7168, 8192"]),
    "CPU Fargate does not offer": ({"ecs_service_cpu": 1000}, ["ecs_service_cpu", "256, 512, 1024"]),
    "log retention CloudWatch does not accept": ({"cloudwatch_log_retention_days": 10}, ["cloudwatch_log_retention_days", "14"]),
    "alarm action that is not an ARN": ({"cloudwatch_alarm_action_arns": ["ops@example.com"]},
                                        ["cloudwatch_alarm_action_arns", "arn:aws:sns:", "ops@example.com"]),
    "secret-looking extra environment": ({"litellm_environment": {"MY_API_KEY": "x"}}, ["MY_API_KEY", "litellm_provider_secrets"]),
    "autoscaling minimum above maximum": ({"ecs_service_autoscaling_min": 5, "ecs_service_autoscaling_max": 3},
                                          ["ecs_service_autoscaling_min", "ecs_service_autoscaling_max"]),
    "container health check timeout too long": ({"ecs_service_health_check_timeout": 40}, ["ecs_service_health_check_timeout"]),
    "database connections over the budget": ({"litellm_database_max_connections": 100},
                                             ["litellm_database_max_connections", "database_connection_pool_limit", "ecs_service_autoscaling_max",
                                              "201 database connections"]),
    "deregistration delay shorter than the request timeout": ({"alb_deregistration_delay": 30},
                                                              ["alb_deregistration_delay", "litellm_request_timeout"]),
    "stop timeout over Fargate's 120 s": ({"ecs_service_stop_timeout": 150}, ["ecs_service_stop_timeout", "2-120 s"]),
    "request timeout the stop timeout cannot drain": ({"litellm_request_timeout": 115}, ["litellm_request_timeout", "ecs_service_stop_timeout"]),
    "several tasks without a shared Redis": ({"litellm_redis": "none"},
                                             ["litellm_redis", "can run 10 tasks", "litellm_redis_per_task_limits_acknowledged"]),
    "Redis choice that does not exist": ({"litellm_redis": "elasticache"}, ["litellm_redis", "create", "existing", "none"]),
    "name ElastiCache refuses (two hyphens)": ({"litellm_name": "my--proxy"}, ["litellm_name", "two hyphens"]),
    "port of a created Redis": ({"litellm_redis_port": 6380}, ["litellm_redis_port", "6379"]),
    "existing Redis without a host": ({"litellm_redis": "existing"}, ["litellm_redis_host"]),
    "password for a Redis the collection creates": ({"litellm_redis_password": "redis-pass-Qq7"}, ["litellm_redis_password", "AUTH token"]),
    "Redis settings of the inventory's own": ({"litellm_router_settings": {"redis_host": "cache.example"}},
                                              ["litellm_router_settings.redis_host", "litellm_redis"]),
    "read-only root without scratch where LiteLLM writes": ({"ecs_service_writable_paths": ["/var/scratch"]},
                                                            ["ecs_service_writable_paths", "/tmp/litellm/ui", "ecs_service_readonly_root_filesystem"]),
    "bedrock ARN malformed": ({"litellm_bedrock_model_arns": ["claude-3"]}, ["iam_bedrock_model_arns", "arn:aws:bedrock"]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_fails_before_any_change(case, run_site, aws):
    extra, expected = CASES[case]
    if extra.get("litellm_alb_subnet_ids") == ["__ONE_SUBNET__"]:
        subnets = [subnet["SubnetId"] for subnet in aws("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]]
        extra = {"litellm_subnet_ids": subnets, "litellm_alb_subnet_ids": subnets[:1]}
    before = aws_state(aws)
    run = run_site(extra)
    assert run.rc != 0, f"{case}: the play succeeded"
    for text in expected:
        assert text in run.output, f"{case}: {text!r} not in the failure:\n{run.tail(30)}"
    assert run.changed == 0, run.changed_tasks
    assert aws_state(aws) == before
    # A key given must not be echoed back in the error.
    if "litellm_master_key" in extra:
        assert extra["litellm_master_key"] not in run.output.replace("'sk-1234'", "")
    assert "sk-literal-Zz9" not in run.output
    assert "redis-pass-Qq7" not in run.output


def test_bad_input_fails_before_any_change_when_steps_are_chosen_by_tag(run_site, aws):
    """Validation runs whatever --tags selects: a bad key stops a run of the alb step alone before it changes anything."""
    before = aws_state(aws)
    run = run_site({"litellm_master_key": "sk-1234"}, tags="alb")
    assert run.rc != 0
    assert "litellm_master_key" in run.output and "validate | Check the master key" in run.output
    assert run.changed == 0, run.changed_tasks
    assert aws_state(aws) == before


def test_the_iam_role_on_its_own_refuses_to_guess_the_account(run_site, aws, tmp_path):
    """Without the deployment role's outputs the trust policy would name no account: the role stops before any change."""
    playbook = tmp_path / "iam_only.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.include_role:\n        name: llmops.litellm_ecs.iam\n", encoding="utf-8")
    before = aws_state(aws)
    run = run_site({"litellm_name": "lonely"}, playbook=playbook)
    assert run.rc != 0
    assert "iam_account_id" in run.output and "llmops.litellm_ecs.deployment first" in run.output
    assert aws_state(aws) == before
