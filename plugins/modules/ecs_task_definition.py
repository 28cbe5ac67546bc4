#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_task_definition
short_description: Register an Amazon ECS task definition revision only when its content changes
version_added: 0.1.0
description:
  - Registers, re-tags or deregisters revisions of an Amazon ECS task definition family.
  - The definition is given in the ECS API's own camelCase shape, as the C(RegisterTaskDefinition) request
    without C(family) and C(tags) (O(definition)). Every field ECS knows is accepted and passed through.
  - With O(state=present) the module compares O(definition) with the B(latest ACTIVE revision) of
    O(family) and registers a new revision only when their content differs. Otherwise it changes nothing
    and returns that revision. Older revisions are not considered, even when one of them matches.
  - Before comparing, both sides are normalised, so that a definition compares equal to the revision it
    registered. Fields only a response carries (C(taskDefinitionArn), C(revision), C(status),
    C(requiresAttributes), C(compatibilities), C(registeredAt), C(registeredBy), C(deregisteredAt),
    C(deleteRequestedAt)) are ignored. Defaults that ECS fills in are filled in on both sides -
    container C(essential=true), C(portMappings[].protocol=tcp), C(portMappings[].hostPort) equal to
    C(containerPort) in the C(awsvpc) and C(host) network modes, health check C(interval=30),
    C(timeout=5) and C(retries=3), and network mode C(bridge) when none is set (except on Windows).
    Values that mean the same as leaving a field out are ignored - empty lists and dictionaries (ECS
    returns C(mountPoints=[]), C(volumesFrom=[]), C(systemControls=[]) and more), C(false) booleans
    whose default is false, container C(cpu=0), C(hostPort=0), an EFS C(rootDirectory) of C(/), EFS
    C(transitEncryption) and C(authorizationConfig.iam) of C(DISABLED), and C(versionConsistency=enabled).
  - Task-level C(cpu) and C(memory) compare as the units ECS stores, so V(1024), V("1024") and
    V("1 vCPU") (or V("1 GB") for memory) are the same value.
  - The C(environment) and C(secrets) of a container compare as sets of name and value pairs - their
    order does not matter, every name and every value does. Containers are matched by name and volumes
    by name, whatever their order. B(Everything else compares exactly), lists in their order; C(command)
    and C(entryPoint) in particular are ordered.
  - Scalars are converted to the types of the ECS API before anything else, so that values templated as
    strings work - V("512") for a container's C(memory), V(8080) for an environment value. Booleans
    become V(true) or V(false) where the API wants a string (log driver options, Docker labels,
    environment values).
  - Tags are updated in place on the latest revision (C(TagResource), C(UntagResource)); a tag change
    alone does not register a new revision. A new revision gets the resulting tags.
  - With O(state=absent) the module deregisters every ACTIVE revision of the family, or only
    O(revision) when it is set. Deregistered (INACTIVE) revisions stay visible to ECS, as ECS keeps them.
author:
  - llmops maintainers (!UNKNOWN)
options:
  family:
    description:
      - Name of the task definition family, up to 255 letters, digits, hyphens and underscores.
    type: str
    required: true
  state:
    description:
      - V(present) registers a new revision when O(definition) differs from the latest ACTIVE revision.
      - V(absent) deregisters ACTIVE revisions of the family.
    type: str
    choices: [present, absent]
    default: present
  definition:
    description:
      - The task definition, in the shape of the ECS C(RegisterTaskDefinition) request with camelCase keys,
        without C(family) and C(tags) (use O(family), O(tags) and O(purge_tags)). See
        U(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html).
      - C(containerDefinitions) is required, each container with at least C(name) and C(image). Other keys
        include C(cpu), C(memory), C(networkMode), C(requiresCompatibilities), C(executionRoleArn),
        C(taskRoleArn), C(volumes), C(runtimePlatform), C(ephemeralStorage), C(pidMode), C(ipcMode),
        C(placementConstraints) and C(proxyConfiguration).
      - Unknown keys are rejected, as are response-only keys such as C(taskDefinitionArn) or C(revision).
        The request is validated against botocore's model of the ECS API before anything is compared, in
        check mode too.
      - B(Container C(environment) values are shown in the diff and returned in RV(task_definition); they
        must not hold secrets.) Pass secrets with a container's C(secrets) list, which holds only the ARN
        of a Secrets Manager secret or SSM parameter (C(valueFrom)), never the value.
      - Required when O(state=present).
    type: dict
  revision:
    description:
      - With O(state=absent), deregister only this revision of the family (if it is ACTIVE) instead of
        every ACTIVE revision.
      - Not allowed with O(state=present).
    type: int
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module calls no API that changes anything. It reports whether a new revision would
        be registered, tags would change or revisions would be deregistered, and returns the definition
        that would be registered.
  diff_mode:
    support: full
    description:
      - Reports the normalised definition and the tags of the latest ACTIVE revision before and of the
        desired one after (environment and secrets sorted by name), so that C(--check --diff) shows, for
        example, the one environment value that changed. With O(state=absent), the ACTIVE revisions.
  idempotent:
    support: full
    description:
      - A second run with the same options changes nothing.
notes:
  - Requires C(ecs:ListTaskDefinitions), C(ecs:DescribeTaskDefinition), C(ecs:RegisterTaskDefinition),
    C(ecs:DeregisterTaskDefinition), C(ecs:TagResource) and C(ecs:UntagResource), and C(iam:PassRole) on
    the task and execution roles.
  - Registering a revision does not deploy it; point the ECS service at RV(family_revision), for example
    with M(community.aws.ecs_service).
  - When O(tags) is not set, a new revision gets the tags of the latest revision.
  - Unlike M(community.aws.ecs_taskdefinition), this module sees a change of a single environment value,
    of a C(command) element or of task-level C(cpu) and C(memory); it never re-uses an older matching
    revision; and it reports a diff.
seealso:
  - module: community.aws.ecs_taskdefinition
  - module: community.aws.ecs_service
  - name: Amazon ECS task definition parameters
    description: Every field of O(definition), with ECS's defaults.
    link: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register the LiteLLM task definition (a new revision only when something changed)
  llmops.litellm_ecs.ecs_task_definition:
    family: litellm
    definition:
      requiresCompatibilities: [FARGATE]
      networkMode: awsvpc
      cpu: 1024
      memory: 2048
      runtimePlatform:
        cpuArchitecture: X86_64
        operatingSystemFamily: LINUX
      executionRoleArn: "{{ execution_role_arn }}"
      taskRoleArn: "{{ task_role_arn }}"
      containerDefinitions:
        - name: litellm
          image: ghcr.io/berriai/litellm:main-stable
          command: [--config, /app/config.yaml, --port, "4000"]
          portMappings:
            - containerPort: 4000
          environment:
            # A change of this hash (a new config) registers a new revision.
            - name: LITELLM_CONFIG_SHA256
              value: "{{ config_sha256 }}"
          secrets:
            - name: LITELLM_MASTER_KEY
              valueFrom: "{{ master_key_secret_arn }}"
          mountPoints:
            - sourceVolume: data
              containerPath: /data
          logConfiguration:
            logDriver: awslogs
            options:
              awslogs-group: /ecs/litellm
              awslogs-region: "{{ aws_region }}"
              awslogs-stream-prefix: litellm
      volumes:
        - name: data
          efsVolumeConfiguration:
            fileSystemId: "{{ efs_id }}"
            transitEncryption: ENABLED
            authorizationConfig:
              accessPointId: "{{ access_point_id }}"
              iam: ENABLED
    tags:
      Project: litellm
  register: litellm_task

- name: Deploy that revision
  community.aws.ecs_service:
    name: litellm
    cluster: litellm
    task_definition: "{{ litellm_task.family_revision }}"

- name: Deregister one old revision
  llmops.litellm_ecs.ecs_task_definition:
    family: litellm
    revision: 3
    state: absent

- name: Deregister every ACTIVE revision of the family
  llmops.litellm_ecs.ecs_task_definition:
    family: litellm
    state: absent
"""

RETURN = r"""
task_definition:
  description:
    - The latest ACTIVE revision after the run, as DescribeTaskDefinition returns it, with keys snake_cased
      and its tags. The keys of maps whose keys are data - C(docker_labels), C(options) of
      C(log_configuration) and C(firelens_configuration), C(driver_opts) and C(labels) of Docker volumes -
      are kept as they are; values, such as the names of environment variables, are never changed.
    - In check mode, when a new revision would be registered, the definition that would be registered
      (without C(task_definition_arn) and C(revision)).
    - Empty with O(state=absent).
  returned: always
  type: dict
  contains:
    task_definition_arn:
      description: The revision's ARN.
      type: str
      returned: when the revision exists
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:7
    family:
      description: The family.
      type: str
      returned: when O(state=present)
      sample: litellm
    revision:
      description: The revision number.
      type: int
      returned: when the revision exists
      sample: 7
    status:
      description: C(ACTIVE).
      type: str
      returned: when the revision exists
      sample: ACTIVE
    container_definitions:
      description: The containers, snake_cased (C(environment) stays a list of C(name) and C(value) pairs).
      type: list
      elements: dict
      returned: when O(state=present)
      sample: [{"name": "litellm", "image": "ghcr.io/berriai/litellm:main-stable", "essential": true,
                "environment": [{"name": "LITELLM_CONFIG_SHA256", "value": "9f86d081"}]}]
    cpu:
      description: Task-level CPU units, as a string.
      type: str
      returned: when set
      sample: "1024"
    memory:
      description: Task-level memory in MiB, as a string.
      type: str
      returned: when set
      sample: "2048"
    network_mode:
      description: The network mode.
      type: str
      returned: when set
      sample: awsvpc
    tags:
      description: The revision's tags.
      type: dict
      returned: when O(state=present)
      sample: {"Project": "litellm"}
family_revision:
  description:
    - C(family:revision) of the latest ACTIVE revision after the run, what an ECS service takes as its task
      definition.
    - V(null) with O(state=absent), and in check mode when a new revision would be registered.
  returned: always
  type: str
  sample: litellm:7
differences:
  description:
    - Where O(definition) differs from the latest ACTIVE revision after normalisation, as dotted paths into
      the normalised definition (whose C(environment) and C(secrets) are sorted by name). Empty when nothing
      differs or when the family has no ACTIVE revision.
  returned: when O(state=present)
  type: list
  elements: str
  sample: ["containerDefinitions[0].environment[2].value"]
deregistered:
  description: ARNs of the revisions deregistered (or, in check mode, that would be).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["arn:aws:ecs:us-east-1:123456789012:task-definition/litellm:6"]
"""

try:
    import botocore
    from botocore.validate import validate_parameters
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import TaskDefinitionError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import check_definition
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import check_family
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import coerce
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import describe
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import diff_view
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import differences
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import family_revision
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import latest_arn
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import normalize
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.ecs_task_definition import revisions_of
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes


@AWSErrors.common_error_handler("list the ACTIVE revisions of the task definition family {family}")
def active_revisions(client, family):
    """``{revision: arn}`` of the family's ACTIVE revisions."""
    paginator = client.get_paginator("list_task_definitions")
    result = paginator.paginate(familyPrefix=family, status="ACTIVE", sort="DESC").build_full_result()
    return revisions_of(result.get("taskDefinitionArns", []), family)


@AWSErrors.common_error_handler("describe the task definition {arn}")
def describe_revision(client, arn):
    """``(task definition, tags)`` of one revision, looked up by its ARN."""
    response = client.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    return response["taskDefinition"], read_tags(response.get("tags"))


def build_request(module, client, family, definition):
    """The RegisterTaskDefinition request for ``definition``, typed and validated against botocore's model."""
    input_shape = client.meta.service_model.operation_model("RegisterTaskDefinition").input_shape
    try:
        check_definition(definition, input_shape.members)
    except TaskDefinitionError as e:
        module.fail_json(msg=str(e))
    request = coerce(definition, input_shape)
    try:
        validate_parameters(dict(request, family=family), input_shape)
    except botocore.exceptions.ParamValidationError as e:
        module.fail_json(msg=f"definition is not a valid ECS RegisterTaskDefinition request (fix it and run again): {e}")
    return request


@AWSErrors.common_error_handler(
    "register a new revision of the task definition family {family}. Check the definition against the ECS task definition "
    "parameters and that the caller may pass the task and execution roles (iam:PassRole).")
def register(client, family, request, tags):
    kwargs = dict(request, family=family)
    if tags:
        kwargs["tags"] = ansible_dict_to_boto3_tag_list(tags, "key", "value")
    return client.register_task_definition(**kwargs)["taskDefinition"]


@AWSErrors.common_error_handler("update the tags of the task definition {arn}")
def update_tags(client, arn, changes):
    if changes.to_unset:
        client.untag_resource(resourceArn=arn, tagKeys=changes.to_unset)
    if changes.to_set:
        client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(changes.to_set, "key", "value"))


@AWSErrors.common_error_handler("deregister the task definition {arn}")
def deregister(client, arn):
    client.deregister_task_definition(taskDefinition=arn)


def ensure_absent(module, client, family):
    revisions = active_revisions(client, family)
    wanted = module.params["revision"]
    targets = [arn for revision, arn in revisions.items() if wanted is None or revision == wanted]
    result = dict(changed=bool(targets), deregistered=targets, task_definition={}, family_revision=None)
    if module._diff:
        kept = [revision for revision, arn in revisions.items() if arn not in targets]
        result["diff"] = dict(
            before=dict(family=family, active_revisions=list(revisions)),
            after=dict(family=family, active_revisions=kept),
        )
    if not module.check_mode:
        for arn in targets:
            deregister(client, arn)
    module.exit_json(**result)


def ensure_present(module, client, family):
    request = build_request(module, client, family, module.params["definition"])
    tags, purge_tags = module.params["tags"], module.params["purge_tags"]

    arn = latest_arn(active_revisions(client, family).values(), family)
    current, current_tags = describe_revision(client, arn) if arn else ({}, {})
    want = normalize(request)
    have = normalize(current) if current else None

    changes = tag_changes(current_tags, tags, purge_tags)
    final_tags = changes.after
    register_new = have != want

    result = dict(changed=register_new or bool(changes), differences=differences(have, want) if have else [])
    if module._diff:
        before = diff_view(family, have, current_tags) if current else {}
        result["diff"] = dict(before=before, after=diff_view(family, want, final_tags))

    if register_new:
        if module.check_mode:
            result.update(task_definition=describe(dict(request, family=family), final_tags), family_revision=None)
            module.exit_json(**result)
        current = register(client, family, request, final_tags)
    elif changes and not module.check_mode:
        update_tags(client, arn, changes)
    result.update(task_definition=describe(current, final_tags), family_revision=family_revision(current))
    module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            family=dict(type="str", required=True),
            definition=dict(type="dict"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            revision=dict(type="int"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["definition"])],
        supports_check_mode=True,
    )
    family = module.params["family"]
    try:
        check_family(family)
    except TaskDefinitionError as e:
        module.fail_json(msg=str(e))
    if module.params["state"] == "present" and module.params["revision"] is not None:
        module.fail_json(
            msg="revision applies only to state=absent: with state=present the module registers the next revision "
                "itself. Remove revision, or set state=absent to deregister that revision.")

    client = retries.client(module, "ecs")
    try:
        if module.params["state"] == "absent":
            ensure_absent(module, client, family)
        ensure_present(module, client, family)
    except AnsibleAWSError as e:
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
