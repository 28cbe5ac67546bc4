# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Finding an AWS service-linked role by its service path (no Ansible, no boto3 needed)."""

from __future__ import annotations


def service_role_path(service):
    """IAM puts every service-linked role of ``service`` under this path."""
    return f"/aws-service-role/{service}/"


def pick_role(roles, service, suffix=None):
    """Return the service-linked role of ``service`` among ``roles`` (IAM role dicts), or None.

    Only roles under the service's path count. With ``suffix``, only the role whose name ends with
    ``_<suffix>``; without it, the role without a suffix is preferred (IAM names the first role of a
    service ``AWSServiceRoleFor<Service>`` and suffixed ones ``AWSServiceRoleFor<Service>_<suffix>``).
    """
    path = service_role_path(service)
    candidates = sorted(
        (role for role in roles if role.get("Path") == path),
        key=lambda role: role.get("RoleName", ""),
    )
    if suffix:
        candidates = [role for role in candidates if role.get("RoleName", "").endswith(f"_{suffix}")]
    else:
        plain = [role for role in candidates if "_" not in role.get("RoleName", "")]
        candidates = plain or candidates
    return candidates[0] if candidates else None
