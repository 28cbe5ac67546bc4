#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_cluster
short_description: Manage an ECS cluster with its capacity providers, default strategy, Container Insights and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon ECS cluster.
  - Unlike C(community.aws.ecs_cluster), it manages Container Insights (the C(containerInsights) cluster
    setting) and tags, and compares the capacity provider strategy with ECS's defaults filled in, so an
    unchanged cluster is never reported as changed.
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description: The cluster's name.
    type: str
    required: true
  state:
    description: Whether the cluster should exist.
    type: str
    choices: [present, absent]
    default: present
  capacity_providers:
    description: The capacity providers the cluster may use.
    type: list
    elements: str
    default: [FARGATE, FARGATE_SPOT]
  default_capacity_provider_strategy:
    description: The strategy a service or task uses when it names none.
    type: list
    elements: dict
    default: [{capacity_provider: FARGATE, weight: 1}]
    suboptions:
      capacity_provider:
        description: One of O(capacity_providers).
        type: str
        required: true
      weight:
        description: The relative share of tasks placed on this provider.
        type: int
        default: 0
      base:
        description: How many tasks at least run on this provider.
        type: int
        default: 0
  container_insights:
    description: CloudWatch Container Insights for the cluster.
    type: str
    choices: [enabled, disabled, enhanced]
    default: enabled
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without changing anything.
  diff_mode:
    support: full
    description: Shows the capacity providers, strategy, Container Insights setting and tags before and after.
  idempotent:
    support: full
    description: A cluster that matches is not touched.
"""

EXAMPLES = r"""
- name: A Fargate cluster, a quarter of the tasks on Spot, Container Insights on
  llmops.litellm_ecs.ecs_cluster:
    name: litellm
    default_capacity_provider_strategy:
      - capacity_provider: FARGATE
        weight: 3
        base: 1
      - capacity_provider: FARGATE_SPOT
        weight: 1
    tags:
      team: platform
"""

RETURN = r"""
cluster:
  description: The cluster, as DescribeClusters returns it (snake_cased); empty when absent or created in check mode.
  returned: always
  type: dict
  contains:
    cluster_arn:
      description: The cluster's ARN.
      type: str
      returned: when the cluster exists
      sample: arn:aws:ecs:us-east-1:123456789012:cluster/litellm
    cluster_name:
      description: The cluster's name.
      type: str
      returned: when the cluster exists
      sample: litellm
    status:
      description: The cluster's status.
      type: str
      returned: when the cluster exists
      sample: ACTIVE
    capacity_providers:
      description: The capacity providers.
      type: list
      elements: str
      returned: when the cluster exists
      sample: [FARGATE, FARGATE_SPOT]
    settings:
      description: The cluster settings.
      type: list
      elements: dict
      returned: when the cluster exists
      sample: [{name: containerInsights, value: enabled}]
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing library

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import cluster_differences
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import normalise_strategy


def describe(client, module, name):
    try:
        found = client.describe_clusters(clusters=[name], include=["SETTINGS", "TAGS"], aws_retry=True)["clusters"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe the ECS cluster {name}")
    active = [cluster for cluster in found if cluster.get("status") != "INACTIVE"]
    return active[0] if active else None


def output(cluster):
    return camel_dict_to_snake_dict(cluster, ignore_list=["tags"]) if cluster else {}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
            default_capacity_provider_strategy=dict(
                type="list", elements="dict", default=[{"capacity_provider": "FARGATE", "weight": 1}],
                options=dict(
                    capacity_provider=dict(type="str", required=True),
                    weight=dict(type="int", default=0),
                    base=dict(type="int", default=0),
                ),
            ),
            container_insights=dict(type="str", choices=["enabled", "disabled", "enhanced"], default="enabled"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    name = module.params["name"]
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    existing = describe(client, module, name)

    if module.params["state"] == "absent":
        result = dict(changed=bool(existing), cluster=output(existing))
        if module._diff:
            result["diff"] = dict(before=comparable(existing), after={})
        if existing and not module.check_mode:
            try:
                client.delete_cluster(cluster=name, aws_retry=True)
            except BOTO_ERRORS as e:
                module.fail_json_aws(e, msg=f"Failed to delete the ECS cluster {name}; delete its services first")
        module.exit_json(**result)

    providers = module.params["capacity_providers"]
    strategy = normalise_strategy(module.params["default_capacity_provider_strategy"])
    unknown = sorted({item["capacityProvider"] for item in strategy} - set(providers))
    if unknown:
        module.fail_json(msg=f"default_capacity_provider_strategy names {', '.join(unknown)}, which is not in capacity_providers {providers}")
    insights = module.params["container_insights"]
    settings = [{"name": "containerInsights", "value": insights}]
    tags = module.params["tags"]

    if not existing:
        after = {"capacity_providers": sorted(providers), "default_capacity_provider_strategy": strategy,
                 "container_insights": insights, "tags": tags or {}}
        result = dict(changed=True, cluster={})
        if module._diff:
            result["diff"] = dict(before={}, after=after)
        if not module.check_mode:
            kwargs = dict(clusterName=name, capacityProviders=providers, defaultCapacityProviderStrategy=strategy, settings=settings)
            if tags:
                kwargs["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
            try:
                client.create_cluster(aws_retry=True, **kwargs)
            except BOTO_ERRORS as e:
                module.fail_json_aws(e, msg=f"Failed to create the ECS cluster {name}")
            result["cluster"] = output(describe(client, module, name))
        module.exit_json(**result)

    differences = cluster_differences(existing, providers, strategy, insights)
    current_tags = {tag["key"]: tag["value"] for tag in existing.get("tags", [])}
    tags_to_set, tags_to_unset = compare_aws_tags(current_tags, tags, module.params["purge_tags"]) if tags is not None else ({}, [])
    changed = bool(differences or tags_to_set or tags_to_unset)
    result = dict(changed=changed)
    if module._diff:
        wanted_tags = {key: value for key, value in current_tags.items() if key not in tags_to_unset}
        wanted_tags.update(tags_to_set)
        result["diff"] = dict(before=comparable(existing), after={
            "capacity_providers": sorted(providers), "default_capacity_provider_strategy": strategy,
            "container_insights": insights, "tags": wanted_tags})
    if changed and not module.check_mode:
        try:
            if "capacity_providers" in differences:
                client.put_cluster_capacity_providers(
                    cluster=name, capacityProviders=providers, defaultCapacityProviderStrategy=strategy, aws_retry=True)
            if "settings" in differences:
                client.update_cluster(cluster=name, settings=settings, aws_retry=True)
            if tags_to_unset:
                client.untag_resource(resourceArn=existing["clusterArn"], tagKeys=tags_to_unset, aws_retry=True)
            if tags_to_set:
                client.tag_resource(resourceArn=existing["clusterArn"],
                                    tags=[{"key": key, "value": value} for key, value in tags_to_set.items()], aws_retry=True)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to update the ECS cluster {name}")
        existing = describe(client, module, name)
    result["cluster"] = output(existing)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
