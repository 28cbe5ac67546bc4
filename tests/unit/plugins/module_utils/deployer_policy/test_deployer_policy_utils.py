"""The deployer's least-privilege policy: from the collection's API operations to a document parliament finds clean.

The API operations are the ones the collection called on the emulator, as ``tools/deployer_policy.py`` generated them
into ``roles/deployer_policy/vars/main.yml``. ``problems`` is this file's own checker, on top
of parliament (``tests/iam_audit.py``): no wildcard actions, PassRole only on the two roles and only to ECS tasks,
every ARN names the deployment or says why not, and every action, ARN and condition key is one parliament's copy of
the Service Authorization Reference knows for that action.
"""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import deployer_policy as dp
from iam_audit import analyze
from iam_audit import findings
from iam_audit import reference

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[4]
# The operations the collection called on the emulator, as tools/deployer_policy.py generated them for the role.
OPERATIONS = yaml.safe_load(ROOT.joinpath("roles", "deployer_policy", "vars", "main.yml").read_text(encoding="utf-8"))[
    "__deployer_policy_operations"]
NAME, ACCOUNT, REGION = "acme-llm", "123456789012", "eu-west-1"
ROLES = [f"arn:aws:iam::{ACCOUNT}:role/{NAME}-execution", f"arn:aws:iam::{ACCOUNT}:role/{NAME}-task"]
WHY = {statement.sid: statement.why for statement in dp.STATEMENTS}
# Every operation the tables know: the policy of a collection that called all of them.
EVERY_OPERATION = sorted({action for statement in dp.STATEMENTS if not statement.implied_only for action in statement.actions}
                         | set(dp.IMPLIED) | set(dp.IAM_ACTION) | dp.EXEMPT)


def deployer_policy(operations=OPERATIONS, **kwargs):
    return dp.policy(operations, NAME, ACCOUNT, REGION, **kwargs)


def privilege(action):
    """parliament's entry for ``action`` (the first of its service, as parliament's own checks use), or None."""
    prefix, name = action.split(":", 1)
    try:
        return reference.get_privilege_info(prefix, name)
    except reference.UnknownActionException:
        return None


def resource_types(info):
    """(type name, required) of an action's resource types, without the '' row of its action-wide condition keys."""
    return [(item["resource_type"].rstrip("*"), item["resource_type"].endswith("*"))
            for item in info["resource_types"] if item["resource_type"]]


def matches(info, type_name, arn):
    return reference.is_arn_strictly_valid(type_name, reference.get_arn_format(type_name, info["service_resources"]), arn)


def condition_key_problems(action, info, operator, key):
    """Why ``key`` under ``operator`` cannot scope ``action`` (parliament's tables), or None."""
    rows = info["resource_types"]
    action_keys = [condition_key for row in rows for condition_key in row["condition_keys"]]
    resource_keys = [condition_key for resource in info["service_resources"]
                     if resource["resource"] in {row["resource_type"].rstrip("*") for row in rows}
                     for condition_key in resource["condition_keys"]]
    base_operator = re.sub(r"(IfExists)$", "", operator.split(":")[-1])
    wanted = reference.OPERATORS.get(base_operator)
    if wanted is None:
        return f"{action}: unknown operator {operator}"
    if key.startswith(("aws:ResourceTag/", "aws:RequestTag/", "aws:TagKeys")):
        # Global keys, but only present where the action's resources or request carry tags: parliament does not check it.
        if not any(reference.is_condition_key_match(known, key) for known in action_keys + resource_keys):
            return f"{action}: {key} is not a condition key of this action or of its resources"
        key_type = "String"
    elif reference.get_global_key_type(key):
        key_type = reference.get_global_key_type(key)
    else:
        known = [condition_key for condition_key in action_keys if reference.is_condition_key_match(condition_key, key)]
        if not known:
            return f"{action}: {key} is not a condition key of this action"
        key_type = next(item["type"] for item in info["service_conditions"] if item["condition"] == known[0])
    if reference.translate_documentation_types(key_type) != wanted:
        return f"{action}: {key} is a {key_type}, compared with {operator}"
    return None


def problems(document, name, account=ACCOUNT, partition="aws"):
    """What makes ``document`` not the least-privilege policy of the deployment ``name``; [] when nothing does."""
    found = []
    if document.get("Version") != dp.VERSION:
        found.append(f"Version is {document.get('Version')!r}")
    for statement in document["Statement"]:
        sid = statement.get("Sid", "?")
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        condition = statement.get("Condition") or {}
        if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
            found.append(f"{sid}: only Allow with Action and Resource is expected")
        for action in actions:
            if "*" in action or "?" in action:
                found.append(f"{sid}: the wildcard action {action}")
                continue
            info = privilege(action)
            if info is None:
                found.append(f"{sid}: {action} is not an IAM action parliament knows")
                continue
            types = resource_types(info)
            if "*" in resources:
                if any(required for _type, required in types) and action not in dp.RESOURCE_STAR_REQUIRED:
                    found.append(f"{sid}: {action} has a resource type but is granted on *")
            elif not types:
                found.append(f"{sid}: {action} has no resource type, so only * can grant it")
            elif not any(matches(info, type_name, arn) for type_name, _required in types for arn in resources):
                found.append(f"{sid}: no resource of the statement is one of {action}'s")
            for operator, block in condition.items():
                for key in block:
                    problem = condition_key_problems(action, info, operator, key)
                    if problem:
                        found.append(f"{sid}: {problem}")
        for arn in resources:
            if arn != "*" and not any(privilege(action) and any(matches(privilege(action), type_name, arn)
                                                                for type_name, _required in resource_types(privilege(action)))
                                      for action in actions):
                found.append(f"{sid}: {arn} is a resource of none of its actions")
            if (arn == "*" or name not in arn) and not WHY.get(sid):
                found.append(f"{sid}: {arn} does not name the deployment {name} and the statement says not why")
        if "iam:PassRole" in actions:
            roles = [f"arn:{partition}:iam::{account}:role/{name}-{kind}" for kind in ("execution", "task")]
            if sorted(resources) != roles or len(actions) != 1:
                found.append(f"{sid}: iam:PassRole on {resources}, not on the roles {name}-execution and {name}-task alone")
            if condition != {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}:
                found.append(f"{sid}: iam:PassRole without the iam:PassedToService condition for ECS tasks: {condition}")
    sids = [statement.get("Sid") for statement in document["Statement"]]
    if len(set(sids)) != len(sids):
        found.append(f"duplicate Sids: {sorted(sid for sid in set(sids) if sids.count(sid) > 1)}")
    return found


def resource_star_findings(document):
    return sorted(finding.detail[0] for finding, _sid in analyze(document) if finding.issue == "RESOURCE_STAR")


# The operations -> actions tables


def test_operations_map_to_iam_actions_with_their_implied_permissions_and_without_exempt_ones():
    actions = dp.iam_actions(OPERATIONS)
    assert actions == sorted(set(actions))
    assert "sts:GetCallerIdentity" not in actions
    for operation, action in (("s3:HeadObject", "s3:GetObject"), ("s3:HeadBucket", "s3:ListBucket"),
                              ("s3:ListBuckets", "s3:ListAllMyBuckets"), ("s3:DeleteObjects", "s3:DeleteObjectVersion"),
                              ("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock")):
        assert operation in OPERATIONS and action in actions and operation not in actions
    # Needed without an API call of their own: passing the roles, tagging at creation, service-linked roles, EFS's EC2 calls,
    # RDS's final snapshot. (ecs:TagResource is also called: the migrations record their success on their revision.)
    for action in ("iam:PassRole", "ec2:CreateTags", "logs:TagResource", "secretsmanager:TagResource",
                   "elasticfilesystem:TagResource", "elasticache:AddTagsToResource", "iam:TagRole", "rds:AddTagsToResource",
                   "rds:CreateDBSnapshot", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"):
        assert action not in OPERATIONS and action in actions
    assert dp.iam_actions(["sts:GetCallerIdentity"]) == []


def test_every_action_has_exactly_one_own_statement_and_every_implied_grant_exists():
    sids = [statement.sid for statement in dp.STATEMENTS]
    assert len(sids) == len(set(sids))
    own = {}
    for statement in dp.STATEMENTS:
        assert list(statement.actions) == sorted(set(statement.actions)), statement.sid
        for action in statement.actions:
            if not statement.implied_only:
                own.setdefault(action, []).append(statement.sid)
    assert {action: owners for action, owners in own.items() if len(owners) > 1} == {}
    by_sid = {statement.sid: statement for statement in dp.STATEMENTS}
    for operation, pairs in dp.IMPLIED.items():
        for action, sid in pairs:
            assert action in (by_sid[sid].actions if sid else own), (operation, action, sid)
    assert set(dp.IAM_ACTION.values()) <= set(own)


def test_an_operation_without_a_scope_is_refused_by_name():
    with pytest.raises(ValueError, match=r"no scope is known for ecs:DeleteCapacityProvider: add each"):
        dp.policy(OPERATIONS + ["ecs:DeleteCapacityProvider"], NAME, ACCOUNT, REGION)


def test_iam_actions_give_the_same_policy_but_for_the_callable_tag_actions():
    # The deployer_policy role and filter keep IAM actions, not operations: policy() takes those too.
    actions = dp.iam_actions(OPERATIONS)
    assert dp.iam_actions(actions) == actions
    from_operations = {(statement["Sid"], action) for statement in deployer_policy()["Statement"] for action in statement["Action"]}
    from_actions = {(statement["Sid"], action) for statement in deployer_policy(actions)["Statement"] for action in statement["Action"]}
    # Implied at creation, and called by the modules when tags change on an existing group or file system: from the
    # actions alone both uses are granted, each in its tag-scoped statement.
    assert from_actions - from_operations == {("Ec2OnTheDeploymentsSecurityGroups", "ec2:CreateTags"),
                                              ("EfsOnTheDeploymentsFileSystemsAndAccessPoints", "elasticfilesystem:TagResource")}
    assert from_operations <= from_actions
    assert problems(deployer_policy(actions), NAME) == []
    with pytest.raises(ValueError, match=r"no scope is known for iam:PassRole:"):
        dp.policy(["iam:PassRole"], NAME, ACCOUNT, REGION)


# The policy of the operations the collection calls


def test_the_policy_is_least_privilege_by_the_checker():
    document = deployer_policy()
    assert problems(document, NAME) == []
    actions = {action for statement in document["Statement"] for action in statement["Action"]}
    assert actions == set(dp.iam_actions(OPERATIONS))
    pass_role = [statement for statement in document["Statement"] if "iam:PassRole" in statement["Action"]]
    assert pass_role == [{"Sid": "IamPassTheDeploymentsRolesToEcsTasks", "Effect": "Allow", "Action": ["iam:PassRole"],
                          "Resource": ROLES, "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}]


def test_parliament_finds_nothing_but_the_documented_resource_stars():
    document = deployer_policy()
    assert findings(document, accept_resource_star=dp.RESOURCE_STAR_REQUIRED) == []
    # The exceptions are still needed: parliament's table gives both actions a resource type.
    assert resource_star_findings(document) == sorted(dp.RESOURCE_STAR_REQUIRED)


def test_every_scope_the_tables_know_is_clean_too():
    document = deployer_policy(EVERY_OPERATION)
    granted = {action for statement in document["Statement"] for action in statement["Action"]}
    assert granted == {action for statement in dp.STATEMENTS for action in statement.actions}
    assert problems(document, NAME) == []
    assert findings(document, accept_resource_star=dp.RESOURCE_STAR_REQUIRED) == []
    assert resource_star_findings(document) == sorted(dp.RESOURCE_STAR_REQUIRED)


def test_community_auditors_flag_only_the_role_management_the_deployer_exists_for():
    # Creating the two roles, writing their policies, passing them to ECS, blocking public access to the bucket and
    # creating the alarm topic (its access policy) are permissions management by design; nothing else is flagged. The
    # escalation that writing the task role's policy and running tasks with it allows is one parliament does not see
    # (docs/deployer-policy.md says so).
    flagged = [finding for finding, _sid in analyze(deployer_policy(), community=True) if finding.issue != "RESOURCE_STAR"]
    assert [finding.issue for finding in flagged] == ["PERMISSIONS_MANAGEMENT_ACTIONS"]
    assert sorted(flagged[0].location["actions"]) == [  # parliament puts them in the location
        "iam:attachrolepolicy", "iam:createrole", "iam:createservicelinkedrole", "iam:deleterole", "iam:deleterolepolicy",
        "iam:detachrolepolicy", "iam:passrole", "iam:putrolepolicy", "s3:putbucketpublicaccessblock", "sns:createtopic"]


def test_every_arn_is_the_deployments_or_says_why_not():
    document = deployer_policy()
    unnamed = {(statement["Sid"], arn) for statement in document["Statement"] for arn in statement["Resource"] if NAME not in arn}
    assert unnamed and all(WHY[sid] for sid, _arn in unnamed)
    # Where an ARN cannot name the deployment, a condition or the statement's purpose does: the writes on ids are tagged.
    conditioned = {statement["Sid"] for statement in document["Statement"] if "Condition" in statement}
    for sid in ("Ec2OnTheDeploymentsSecurityGroups", "Ec2TagNewSecurityGroups", "EfsOnTheDeploymentsFileSystemsAndAccessPoints",
                "EfsTagNewFileSystemsAndAccessPoints", "EfsCreateEncryptedTaggedFileSystems",
                "ApplicationAutoScalingOnEcsServiceDesiredCounts", "S3ReadTheTagsOfEveryBucketOfTheAccount"):
        assert sid in conditioned
    statements = {statement["Sid"]: statement for statement in document["Statement"]}
    assert statements["S3OnTheConfigBucket"]["Resource"] == [f"arn:aws:s3:::{NAME}-config-{ACCOUNT}-{REGION}"]
    assert statements["LogsOnTheDeploymentsLogGroup"]["Resource"][0] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/{NAME}"


def test_the_account_wide_reads_read_and_only_read():
    # deployment_resources finds the deployment by its tag, reading the tags of every resource where APIs cannot filter.
    for statement in deployer_policy(EVERY_OPERATION)["Statement"]:
        if any(arn != "*" and NAME not in arn for arn in statement["Resource"]) and "Condition" not in statement:
            levels = {privilege(action)["access_level"] for action in statement["Action"]}
            if levels - {"Read", "List"}:
                # Each of these creates the deployment's own resource using AWS's defaults (a VPC, a default parameter
                # or option group), whose ARNs cannot name the deployment.
                assert statement["Sid"] in {"Ec2CreateSecurityGroups", "Ec2ForEfsMountTargetNetworkInterfaces",
                                            "ElastiCacheCreateTheReplicationGroup", "RdsCreateTheInstance"}, statement["Sid"]


def test_the_policy_is_deterministic_and_follows_the_partition():
    shuffled = list(OPERATIONS)
    random.Random(7).shuffle(shuffled)
    assert json.dumps(deployer_policy(shuffled)) == json.dumps(deployer_policy())
    gov = dp.policy(OPERATIONS, NAME, ACCOUNT, "us-gov-west-1", partition="aws-us-gov")
    arns = [arn for statement in gov["Statement"] for arn in statement["Resource"] if arn != "*"]
    assert arns and all(arn.startswith("arn:aws-us-gov:") for arn in arns)
    assert findings(gov, accept_resource_star=dp.RESOURCE_STAR_REQUIRED) == []


def test_a_given_config_bucket_replaces_the_default_one():
    document = deployer_policy(config_bucket="acme-llm-config")
    arns = {arn for statement in document["Statement"] if statement["Sid"].startswith("S3OnTheConfig") for arn in statement["Resource"]}
    assert arns == {"arn:aws:s3:::acme-llm-config", "arn:aws:s3:::acme-llm-config/*"}


def test_the_policy_splits_into_managed_policies_of_iams_size():
    document = deployer_policy()
    assert dp.size(document) > dp.MANAGED_POLICY_SIZE  # one managed policy cannot hold it
    parts = dp.split(document)
    assert len(parts) > 1 and all(dp.size(part) <= dp.MANAGED_POLICY_SIZE for part in parts)
    assert [statement for part in parts for statement in part["Statement"]] == document["Statement"]
    assert all(findings(part, accept_resource_star=dp.RESOURCE_STAR_REQUIRED) == [] for part in parts)
    with pytest.raises(ValueError, match="alone is larger"):
        dp.split(document, limit=200)


# The checker and parliament catch what least privilege forbids


@pytest.mark.parametrize("broken, expected", [
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:*"], "Resource": "*"}, "the wildcard action ecs:*"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": "*", "Resource": "*"}, "the wildcard action *"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*"}, "iam:PassRole on ['*']"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ROLES}, "without the iam:PassedToService"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:DeleteCluster"], "Resource": "*"}, "has a resource type but is granted on *"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:DeleteCluster"], "Resource": [f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/other"]},
     "does not name the deployment"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:DeleteCluster"], "Resource": [f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{NAME}/{NAME}"]},
     "no resource of the statement is one of ecs:DeleteCluster's"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:DeleteClusters"], "Resource": "*"}, "not an IAM action"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:ListClusters"], "Resource": "*",
      "Condition": {"StringEquals": {"aws:ResourceTag/litellm-deployment": NAME}}}, "aws:ResourceTag/litellm-deployment is not a condition key"),
    ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:ListServices"], "Resource": "*",
      "Condition": {"StringEquals": {"ecs:cluster": "x"}}}, "is a ARN, compared with StringEquals"),
])
def test_the_checker_catches_a_broken_variant(broken, expected):
    document = copy.deepcopy(deployer_policy())
    document["Statement"].append(broken)
    assert any(expected in problem for problem in problems(document, NAME)), problems(document, NAME)


def test_parliament_flags_a_service_wildcard_and_passrole_on_everything():
    for broken in ({"Sid": "Broken", "Effect": "Allow", "Action": ["ecs:*"], "Resource": "*"},
                   {"Sid": "Broken", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*"}):
        document = copy.deepcopy(deployer_policy())
        document["Statement"].append(broken)
        assert [finding for finding in findings(document, accept_resource_star=dp.RESOURCE_STAR_REQUIRED)
                if finding.startswith("RESOURCE_STAR (LOW) Broken")]


# The emulator's view


def test_the_emulator_view_keeps_the_actions_and_drops_arns_and_conditions():
    document = deployer_policy()
    actions = {action for statement in document["Statement"] for action in statement["Action"]}
    exact = dp.emulator_view(document, aliases=False)
    assert [(statement["Resource"], "Condition" in statement) for statement in exact["Statement"]] == [("*", False)]
    assert exact["Statement"][0]["Action"] == sorted(actions)
    aliased = set(dp.emulator_view(document)["Statement"][0]["Action"])
    assert aliased - actions == ({operation for operation in OPERATIONS if operation in dp.IAM_ACTION}
                                 | {"monitoring:" + action.split(":")[1] for action in actions if action.startswith("cloudwatch:")})
    assert actions <= aliased


# The policies the iam role gives the execution and task roles, rendered from its defaults and vars


def render_role_policies(**inputs):
    """The iam role's execution and task policies for ``inputs`` (litellm_* and deployment_outputs), as Ansible renders them."""
    from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    from ansible.template import Templar  # pylint: disable=import-outside-toplevel
    from ansible.template import trust_as_template  # pylint: disable=import-outside-toplevel

    def trusted(value):  # the role's own files: templates Ansible trusts
        if isinstance(value, str):
            return trust_as_template(value)
        if isinstance(value, dict):
            return {key: trusted(item) for key, item in value.items()}
        return [trusted(item) for item in value] if isinstance(value, list) else value

    loader = DataLoader()
    variables = {}
    for part in ("defaults", "vars"):
        variables.update(trusted(dict(loader.load_from_file(str(ROOT / "roles" / "iam" / part / "main.yml")))))
    variables.update({"litellm_name": NAME, "litellm_aws_region": REGION,
                      "deployment_outputs": {"account_id": ACCOUNT, "partition": "aws",
                                             "config_s3_bucket": f"{NAME}-config-{ACCOUNT}-{REGION}", "config_s3_key": "config.yaml"}})
    variables.update(inputs)
    templar = Templar(loader=loader, variables=variables)
    execution = templar.template(variables["__iam_execution_policy"])
    task = {"Version": "2012-10-17", "Statement": templar.template(variables["__iam_task_statements"])}
    return json.loads(json.dumps(execution)), json.loads(json.dumps(task))


@pytest.mark.parametrize("inputs", [
    {},
    {"litellm_config_mode": "s3", "litellm_kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
     "litellm_provider_secrets": {"OPENAI_API_KEY": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:openai-AbCdEf:key::"},
     "iam_extra_secret_arns": [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:otel-headers-AbCdEf"]},
    {"iam_xray_enabled": False, "iam_metrics_namespace": ""},
], ids=["efs", "s3-kms-provider-secrets", "no-xray-no-metrics"])
def test_the_iam_roles_policies_are_clean(inputs):
    execution, task = render_role_policies(**inputs)
    assert execution["Statement"] and task["Statement"]  # every configuration gives each role a policy to audit
    assert findings(execution) == []
    assert findings(task) == []


def test_the_task_policy_with_bedrock_models_has_only_parliaments_bedrock_arn_limitation():
    models = [f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
              f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0"]
    _execution, task = render_role_policies(litellm_bedrock_model_arns=models)
    found = [(finding.issue, sid) for finding, sid in analyze(task)]
    # parliament rejects a ':' in a resource id where the reference's ARN format has none (bedrock model ids end in
    # ':0'), and reads InvokeModel's several resource types as all required: a limitation of parliament, not a finding.
    assert found == [("RESOURCE_MISMATCH", "InvokeTheListedBedrockModels")]
    assert all(action.startswith("bedrock:InvokeModel") for finding, _sid in analyze(task) for action in
               {item["action"] for item in finding.detail})


# What the preflight asks IAM's policy simulator


@pytest.mark.parametrize("caller, principal", [
    (f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/session-1", f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"),
    (f"arn:aws-us-gov:sts::{ACCOUNT}:assumed-role/ci/x", f"arn:aws-us-gov:iam::{ACCOUNT}:role/ci"),
    (f"arn:aws:iam::{ACCOUNT}:user/team/alice", f"arn:aws:iam::{ACCOUNT}:user/team/alice"),
])
def test_the_simulated_principal_is_the_callers_user_or_role(caller, principal):
    assert dp.principal_arn(caller) == principal


def test_one_simulation_per_statement_with_the_context_its_conditions_need():
    document = deployer_policy()
    requests = dp.simulations(document)
    assert [request["actions"] for request in requests] == [statement["Action"] for statement in document["Statement"]]
    by_first = {request["actions"][0]: request for request in requests}
    assert by_first["iam:PassRole"] == {"actions": ["iam:PassRole"], "resources": ROLES, "context": [
        {"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["ecs-tasks.amazonaws.com"], "ContextKeyType": "string"}]}
    assert by_first["elasticfilesystem:CreateFileSystem"]["resources"] == ["*"]
    assert by_first["elasticfilesystem:CreateFileSystem"]["context"] == [
        {"ContextKeyName": "elasticfilesystem:Encrypted", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"},
        {"ContextKeyName": "aws:RequestTag/litellm-deployment", "ContextKeyValues": [NAME], "ContextKeyType": "string"}]
    assert all(request["context"] == [] for request, statement in zip(requests, document["Statement"]) if "Condition" not in statement)
