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

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import cluster_differences
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import comparable
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import normalise_strategy
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_cluster import strategy_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes


def output(cluster):
    return camel_dict_to_snake_dict(cluster, ignore_list=["tags"]) if cluster else {}


class Cluster:
    """The calls on one ECS cluster; ``written`` tells a later failure that the cluster was already changed."""

    def __init__(self, module, client):
        self.module, self.client, self.name = module, client, module.params["name"]
        self.written = False

    @AWSErrors.common_error_handler("describe the ECS cluster {self.name}")
    def describe(self):
        """The cluster unless it is missing or INACTIVE (deleted), else None."""
        found = self.client.describe_clusters(clusters=[self.name], include=["SETTINGS", "TAGS"])["clusters"]
        return next((cluster for cluster in found if cluster.get("status") != "INACTIVE"), None)

    @AWSErrors.common_error_handler("create the ECS cluster {self.name}")
    def create(self, **kwargs):
        self.client.create_cluster(clusterName=self.name, **kwargs)
        self.written = True

    @AWSErrors.common_error_handler("update the ECS cluster {self.name}")
    def update(self, cluster, differences, providers, strategy, settings, tags):
        if "capacity_providers" in differences:
            self.client.put_cluster_capacity_providers(cluster=self.name, capacityProviders=providers, defaultCapacityProviderStrategy=strategy)
            self.written = True
        if "settings" in differences:
            self.client.update_cluster(cluster=self.name, settings=settings)
            self.written = True
        if tags.to_unset:
            self.client.untag_resource(resourceArn=cluster["clusterArn"], tagKeys=tags.to_unset)
            self.written = True
        if tags.to_set:
            self.client.tag_resource(resourceArn=cluster["clusterArn"], tags=ansible_dict_to_boto3_tag_list(tags.to_set, "key", "value"))
            self.written = True

    @AWSErrors.common_error_handler("delete the ECS cluster {self.name}; delete its services first")
    def delete(self):
        self.client.delete_cluster(cluster=self.name)
        self.written = True

    def absent(self):
        """The module's result for ``state=absent``: the cluster deleted."""
        existing = self.describe()
        result = dict(changed=bool(existing), cluster=output(existing))
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=comparable(existing), after={})
        if existing and not self.module.check_mode:
            self.delete()
        return result

    def present(self):
        """The module's result for ``state=present``: the cluster created or changed as the options say."""
        params = self.module.params
        providers = params["capacity_providers"]
        strategy = normalise_strategy(params["default_capacity_provider_strategy"])
        insights = params["container_insights"]
        settings = [{"name": "containerInsights", "value": insights}]
        existing = self.describe()
        tags = tag_changes(read_tags(existing.get("tags")) if existing else {}, params["tags"], params["purge_tags"])
        differences = cluster_differences(existing, providers, strategy, insights) if existing else {"create"}
        result = dict(changed=bool(differences or tags), cluster=output(existing))
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=comparable(existing), after={
                "capacity_providers": sorted(providers), "default_capacity_provider_strategy": strategy,
                "container_insights": insights, "tags": tags.after})
        if not result["changed"] or self.module.check_mode:
            return result
        if existing:
            self.update(existing, differences, providers, strategy, settings, tags)
        else:
            kwargs = dict(capacityProviders=providers, defaultCapacityProviderStrategy=strategy, settings=settings)
            if tags.after:
                kwargs["tags"] = ansible_dict_to_boto3_tag_list(tags.after, "key", "value")
            self.create(**kwargs)
        result["cluster"] = output(self.describe())
        return result


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
    present = module.params["state"] == "present"
    error = strategy_error(module.params["capacity_providers"], module.params["default_capacity_provider_strategy"]) if present else None
    if error:
        module.fail_json(msg=error)

    cluster = Cluster(module, retries.client(module, "ecs"))
    try:
        result = cluster.present() if present else cluster.absent()
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", cluster.written)
        fail_json_aws_error(module, e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
