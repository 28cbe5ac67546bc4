from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.service_linked_role import pick_role
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.service_linked_role import service_role_path

ECS = "ecs.amazonaws.com"


def role(name, service=ECS):
    return {"RoleName": name, "Path": service_role_path(service), "Arn": f"arn:aws:iam::123456789012:role/aws-service-role/{service}/{name}"}


def test_path_is_the_service_path():
    assert service_role_path(ECS) == "/aws-service-role/ecs.amazonaws.com/"


def test_finds_the_role_by_path_whatever_its_name():
    assert pick_role([role("AWSServiceRoleForecs")], ECS)["RoleName"] == "AWSServiceRoleForecs"


def test_ignores_roles_of_other_paths():
    plain = {"RoleName": "AWSServiceRoleForECS", "Path": "/", "Arn": "x"}
    other = role("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com")
    assert pick_role([plain, other], ECS) is None


def test_prefers_the_role_without_suffix():
    assert pick_role([role("AWSServiceRoleForECS_b"), role("AWSServiceRoleForECS")], ECS)["RoleName"] == "AWSServiceRoleForECS"


def test_with_suffix_only_the_suffixed_role_counts():
    assert pick_role([role("AWSServiceRoleForECS")], ECS, "blue") is None
    assert pick_role([role("AWSServiceRoleForECS"), role("AWSServiceRoleForECS_blue")], ECS, "blue")["RoleName"] == "AWSServiceRoleForECS_blue"


def test_empty():
    assert pick_role([], ECS) is None
