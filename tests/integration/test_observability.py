"""The cloudwatch role on the emulator: the log group's retention, the alarms on the real load balancer, target group, cluster and
service, the alarms' topic, the dashboard, the OpenTelemetry environment, idempotence, check mode, an alarm and the topic
switched off, and the teardown."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, recap_changed

pytestmark = pytest.mark.emulator

NAME = "obs"
GIVEN_ACTION = "arn:aws:sns:us-east-1:123456789012:oncall"
HEADERS_SECRET = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{NAME}/otel-headers-AbCdEf"
# Every optional feature of an EFS-mode deployment at once (alarm topic and e-mail, given actions, OTEL, a narrow
# allow list, provider keys from the inventory): its second converge and --check stand for every EFS deployment's.
BASE = {
    "litellm_name": NAME,
    "litellm_alb_allowed_cidrs": ["198.51.100.0/24"],
    "cloudwatch_log_retention_days": 14,
    "cloudwatch_alarm_emails": ["ops@example.com"],
    "cloudwatch_alarm_action_arns": [GIVEN_ACTION],
    "cloudwatch_alarm_cpu_threshold": 75,
    "cloudwatch_alarm_latency_p95_threshold": 12.5,
    "litellm_otel_endpoint": "http://collector.internal:4318",
    "litellm_otel_headers_secret_arn": HEADERS_SECRET,
}
ALARMS = ("cpu-high", "memory-high", "target-5xx", "unhealthy-hosts", "running-tasks-low", "latency-p95")

# A playbook running only this role, as it runs under --check in a new deployment: the load balancer's ids are empty.
ROLE_ONLY = """\
- name: The cloudwatch role alone
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/llmops.litellm_ecs.litellm_ecs:
      region: "{{ litellm_aws_region }}"
      endpoint_url: "{{ litellm_aws_endpoint_url }}"
      access_key: "{{ litellm_aws_access_key }}"
      secret_key: "{{ litellm_aws_secret_key }}"
  tasks:
    - name: Run the role
      ansible.builtin.include_role:
        name: llmops.litellm_ecs.cloudwatch
      vars:
        ecs_service_outputs: {name: "{{ litellm_name }}", cluster: "{{ litellm_name }}", min_tasks: 2}
        alb_outputs: {arn_suffix: "", target_group_arn_suffix: ""}
"""


def alarms(aws, prefix=f"{NAME}-"):
    return {a["AlarmName"]: a for a in aws("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]}


def dashboards(aws, prefix=NAME):
    return [d["DashboardName"] for d in aws("cloudwatch").list_dashboards(DashboardNamePrefix=prefix)["DashboardEntries"]]


def topics(aws, name=f"{NAME}-alarms"):
    return [t["TopicArn"] for t in aws("sns").list_topics()["Topics"] if t["TopicArn"].endswith(f":{name}")]


def dimensions(alarm):
    return {d["Name"]: d["Value"] for d in alarm["Dimensions"]}


def metric_dimensions(metric):
    """A dashboard metric array [namespace, name, dim, value, ..., {options}] as (namespace, name, {dim: value})."""
    plain = [item for item in metric if not isinstance(item, dict)]
    return plain[0], plain[1], dict(zip(plain[2::2], plain[3::2]))


@pytest.fixture(scope="module", name="site")
def fixture_site(run_site):
    run = run_site(BASE, outputs=True)
    assert run.rc == 0, run.tail()
    return run


@pytest.fixture(scope="module", name="ids")
def fixture_ids(site):
    alb, cluster = site.outputs["alb"], site.outputs["ecs_cluster"]
    assert alb["arn_suffix"].startswith(f"app/{NAME}-alb/") and alb["target_group_arn_suffix"].startswith(f"targetgroup/{NAME}-tg/")
    service = {"ClusterName": cluster["name"], "ServiceName": site.outputs["ecs_service"]["name"]}
    assert service == {"ClusterName": NAME, "ServiceName": NAME}
    return {"lb": {"LoadBalancer": alb["arn_suffix"]},
            "tg": {"TargetGroup": alb["target_group_arn_suffix"], "LoadBalancer": alb["arn_suffix"]},
            "service": service}


def test_check_mode_on_a_new_deployment_writes_nothing(run_site, aws, tmp_path):
    playbook = tmp_path / "cloudwatch_only.yml"
    playbook.write_text(ROLE_ONLY, encoding="utf-8")
    run = run_site(dict(BASE, litellm_name="obsnew"), check=True, playbook=playbook)
    # community.aws.sns_topic alone fails here ("Couldn't get subscriptions list for topic None").
    assert run.rc == 0, run.tail()
    assert run.changed > 0  # the log group, alarms and dashboard it would create
    assert alarms(aws, "obsnew-") == {} and dashboards(aws, "obsnew") == [] and topics(aws, "obsnew-alarms") == []
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/obsnew")["logGroups"] == []


def test_log_group_keeps_events_for_the_retention_given(site, aws):
    assert site.outputs["cloudwatch"]["log_group_name"] == f"/ecs/{NAME}"
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{NAME}")["logGroups"]
    assert group["logGroupName"] == f"/ecs/{NAME}" and group["retentionInDays"] == 14


def test_every_alarm_watches_the_real_resources(site, aws, ids):
    found = alarms(aws)
    assert set(found) == {f"{NAME}-{what}" for what in ALARMS}
    expected = {  # namespace, metric, dimensions, statistic, extended statistic, comparison, threshold
        "cpu-high": ("AWS/ECS", "CPUUtilization", ids["service"], "Average", None, "GreaterThanThreshold", 75.0),
        "memory-high": ("AWS/ECS", "MemoryUtilization", ids["service"], "Average", None, "GreaterThanThreshold", 80.0),
        "target-5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ids["lb"], "Sum", None, "GreaterThanThreshold", 10.0),
        "unhealthy-hosts": ("AWS/ApplicationELB", "UnHealthyHostCount", ids["tg"], "Maximum", None, "GreaterThanThreshold", 0.0),
        "running-tasks-low": ("ECS/ContainerInsights", "RunningTaskCount", ids["service"], "Minimum", None, "LessThanThreshold", 2.0),
        "latency-p95": ("AWS/ApplicationELB", "TargetResponseTime", ids["lb"], None, "p95", "GreaterThanThreshold", 12.5),
    }
    for what, want in expected.items():
        alarm = found[f"{NAME}-{what}"]
        got = (alarm["Namespace"], alarm["MetricName"], dimensions(alarm), alarm.get("Statistic"), alarm.get("ExtendedStatistic"),
               alarm["ComparisonOperator"], alarm["Threshold"])
        assert got == want, what
        assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (60, 5, 3), what
    assert found[f"{NAME}-target-5xx"]["TreatMissingData"] == "notBreaching"
    published = site.outputs["cloudwatch"]
    assert sorted(published["alarm_names"]) == sorted(found)
    assert sorted(published["alarm_arns"]) == sorted(a["AlarmArn"] for a in found.values())


def test_alarms_notify_the_created_topic_and_the_given_arn(site, aws):
    (topic,) = topics(aws)
    published = site.outputs["cloudwatch"]
    assert published["alarm_topic_arn"] == topic
    assert published["alarm_actions"] == [topic, GIVEN_ACTION]
    for alarm in alarms(aws).values():
        assert alarm["AlarmActions"] == [topic, GIVEN_ACTION] and alarm["OKActions"] == [topic, GIVEN_ACTION]
        assert alarm["InsufficientDataActions"] == []
    sns = aws("sns")
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "ops@example.com")]
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=topic)["Tags"]}
    assert tags["litellm-deployment"] == NAME and tags["managed-by"] == "llmops.litellm_ecs"
    assert tags["environment"] == "local"  # the inventory's litellm_tags


def test_dashboard_references_only_the_deployments_resources(site, aws, ids):
    assert site.outputs["cloudwatch"]["dashboard_name"] == NAME
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=NAME)["DashboardBody"])
    widgets = body["widgets"]
    by_type = {}
    for widget in widgets:
        by_type.setdefault(widget["type"], []).append(widget)
    assert set(by_type) == {"metric", "alarm", "log"}
    seen = set()
    for widget in by_type["metric"]:
        assert widget["properties"]["region"] == "us-east-1"
        for metric in widget["properties"]["metrics"]:
            namespace, name, dims = metric_dimensions(metric)
            seen.add(name)
            if namespace == "AWS/ApplicationELB":
                assert dims in (ids["lb"], ids["tg"]), metric
            else:
                assert namespace in ("AWS/ECS", "ECS/ContainerInsights") and dims == ids["service"], metric
    assert {"RequestCount", "TargetResponseTime", "HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count", "CPUUtilization",
            "MemoryUtilization", "RunningTaskCount", "DesiredTaskCount", "HealthyHostCount", "UnHealthyHostCount"} <= seen
    latency = [w for w in by_type["metric"] if any("TargetResponseTime" in m for m in w["properties"]["metrics"])][0]
    assert sorted(m[-1]["stat"] for m in latency["properties"]["metrics"]) == ["p50", "p95"]
    (alarm_widget,) = by_type["alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in alarms(aws).values())
    (log_widget,) = by_type["log"]
    query = log_widget["properties"]["query"]
    assert query.startswith(f"SOURCE '/ecs/{NAME}' |") and "filter @message like /" in query
    assert aws("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{NAME}")["logGroups"]  # the queried group exists


def test_task_definition_carries_the_otel_environment_and_headers_secret(site, aws):
    definition = aws("ecs").describe_task_definition(taskDefinition=site.outputs["ecs_service"]["task_definition_arn"])["taskDefinition"]
    (proxy,) = [c for c in definition["containerDefinitions"] if c["name"] == "litellm"]
    env = {e["name"]: e["value"] for e in proxy["environment"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector.internal:4318"
    assert env["OTEL_EXPORTER"] == "otlp_http"
    assert env["OTEL_SERVICE_NAME"] == NAME
    assert "OTEL_HEADERS" not in env
    secrets = {s["name"]: s["valueFrom"] for s in proxy["secrets"]}
    assert secrets["OTEL_HEADERS"] == HEADERS_SECRET


def test_second_converge_and_check_change_nothing(site, run_site):  # pylint: disable=unused-argument
    """The idempotence check of every EFS-mode deployment (this one has every optional feature on)."""
    again = run_site(BASE)
    assert again.rc == 0, again.tail()
    assert (again.changed, recap_changed(again.output)) == (0, 0), again.changed_tasks
    check = run_site(BASE, check=True)
    assert check.rc == 0, check.tail()
    assert (check.changed, recap_changed(check.output)) == (0, 0), check.changed_tasks


def test_switched_off_alarm_is_removed_and_left_out_of_the_dashboard(site, run_site, aws):  # pylint: disable=unused-argument
    before = alarms(aws)
    run = run_site(dict(BASE, cloudwatch_alarm_latency_p95=False), outputs=True)
    assert run.rc == 0, run.tail()
    assert [task for task in run.changed_tasks if "alarm" in task or "dashboard" in task], run.changed_tasks
    found = alarms(aws)
    assert set(found) == set(before) - {f"{NAME}-latency-p95"}
    assert sorted(run.outputs["cloudwatch"]["alarm_names"]) == sorted(found)
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=NAME)["DashboardBody"])
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in found.values())


def test_teardown_removes_alarms_dashboard_topic_and_log_group(site, run_site, aws):  # pylint: disable=unused-argument
    (topic,) = topics(aws)
    assert alarms(aws) and NAME in dashboards(aws)
    run = run_site(BASE, playbook=ROOT / "playbooks" / "teardown.yml")
    assert run.rc == 0, run.tail()
    assert alarms(aws) == {}
    assert NAME not in dashboards(aws)
    assert topics(aws) == []
    assert [s for s in aws("sns").list_subscriptions()["Subscriptions"] if s["TopicArn"] == topic] == []
    assert aws("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{NAME}")["logGroups"] == []
