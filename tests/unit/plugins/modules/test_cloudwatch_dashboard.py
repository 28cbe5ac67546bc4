"""The cloudwatch_dashboard module against moto in-process: create, idempotence as JSON, update, check and
diff mode, delete, early validation; PutDashboard's warnings and errors through a botocore Stubber."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.llmops.litellm_ecs.plugins.modules import cloudwatch_dashboard
from module_runner import run_module

REGION = "us-east-1"
NAME = "litellm"
CPU = {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
       "properties": {"region": REGION, "stat": "Average", "metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", "litellm"]]}}
TEXT = {"type": "text", "x": 0, "y": 6, "width": 24, "height": 2, "properties": {"markdown": "Managed by Ansible"}}
BODY = {"widgets": [CPU, TEXT]}


@pytest.fixture(name="cloudwatch")
def fixture_cloudwatch(mocked_aws):  # pylint: disable=unused-argument
    return boto3.client("cloudwatch", region_name=REGION)


def run(capsys, check_mode=False, diff=False, **args):
    args.setdefault("name", NAME)
    return run_module(cloudwatch_dashboard.main, capsys, check_mode=check_mode, diff=diff, **args)


def stored(cloudwatch, name=NAME):
    return json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])


def names(cloudwatch):
    return [entry["DashboardName"] for entry in cloudwatch.list_dashboards()["DashboardEntries"]]


def with_changed_widget():
    body = json.loads(json.dumps(BODY))
    body["widgets"][0]["properties"]["stat"] = "Maximum"
    return body


def test_creates_the_dashboard(cloudwatch, capsys):
    result = run(capsys, body=BODY)
    assert result["changed"] is True
    assert stored(cloudwatch) == BODY
    assert cloudwatch.get_dashboard(DashboardName=NAME)["DashboardBody"] == json.dumps(BODY, sort_keys=True, separators=(",", ":"))
    assert result["dashboard"]["name"] == NAME
    assert result["dashboard"]["arn"].endswith(f":dashboard/{NAME}")
    assert result["dashboard"]["body"] == BODY
    assert result["validation_messages"] == []


def test_second_run_changes_nothing(cloudwatch, capsys):
    run(capsys, body=BODY)
    result = run(capsys, body=BODY)
    assert result["changed"] is False
    assert result["dashboard"]["body"] == BODY


def test_same_body_as_a_differently_spelled_json_string_changes_nothing(cloudwatch, capsys):
    run(capsys, body=BODY)
    stored_text = cloudwatch.get_dashboard(DashboardName=NAME)["DashboardBody"]
    reordered = {"widgets": [dict(reversed(list(widget.items()))) for widget in BODY["widgets"]]}
    result = run(capsys, body=json.dumps(reordered, indent=4))
    assert result["changed"] is False
    assert cloudwatch.get_dashboard(DashboardName=NAME)["DashboardBody"] == stored_text


def test_a_changed_widget_is_stored(cloudwatch, capsys):
    run(capsys, body=BODY)
    result = run(capsys, body=with_changed_widget())
    assert result["changed"] is True
    assert stored(cloudwatch)["widgets"][0]["properties"]["stat"] == "Maximum"
    assert result["dashboard"]["body"] == with_changed_widget()
    assert run(capsys, body=with_changed_widget())["changed"] is False


def test_a_json_string_body_is_stored_as_given(cloudwatch, capsys):
    text = json.dumps(BODY, indent=2)
    assert run(capsys, body=text)["changed"] is True
    assert cloudwatch.get_dashboard(DashboardName=NAME)["DashboardBody"] == text


def test_check_mode_creates_nothing_and_reports_changed(cloudwatch, capsys):
    result = run(capsys, check_mode=True, diff=True, body=BODY)
    assert result["changed"] is True
    assert result["diff"] == {"before": {}, "after": BODY}
    assert result["dashboard"] == {}
    assert names(cloudwatch) == []


def test_check_mode_changes_nothing_and_diffs(cloudwatch, capsys):
    run(capsys, body=BODY)
    result = run(capsys, check_mode=True, diff=True, body=with_changed_widget())
    assert result["changed"] is True
    assert result["diff"] == {"before": BODY, "after": with_changed_widget()}
    assert stored(cloudwatch) == BODY


def test_diff_on_a_real_change(cloudwatch, capsys):
    run(capsys, body=BODY)
    result = run(capsys, diff=True, body=with_changed_widget())
    assert result["diff"]["before"] == BODY
    assert result["diff"]["after"] == with_changed_widget()


def test_absent_deletes_and_twice_changes_nothing(cloudwatch, capsys):
    run(capsys, body=BODY)
    run(capsys, name="other", body=BODY)
    result = run(capsys, state="absent", diff=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": BODY, "after": {}}
    assert result["dashboard"] == {}
    assert names(cloudwatch) == ["other"]
    assert run(capsys, state="absent")["changed"] is False
    assert names(cloudwatch) == ["other"]


def test_absent_in_check_mode_deletes_nothing(cloudwatch, capsys):
    run(capsys, body=BODY)
    result = run(capsys, check_mode=True, state="absent")
    assert result["changed"] is True
    assert names(cloudwatch) == [NAME]


@pytest.mark.parametrize("body, reason", [
    ("{widgets: [", "not valid JSON"),
    ('{"title": "no widgets"}', "has no 'widgets' key"),
    ({"widgets": "text"}, "has a 'widgets' str"),
])
def test_an_invalid_body_fails_before_any_aws_call(cloudwatch, capsys, monkeypatch, body, reason):
    def no_client(*args, **kwargs):
        raise AssertionError("the module created an AWS client for an invalid body")

    monkeypatch.setattr(AnsibleAWSModule, "client", no_client)
    result = run(capsys, body=body)
    assert result["failed"] is True
    assert result["msg"].startswith("body must be a JSON object with a 'widgets' list")
    assert reason in result["msg"]


def test_body_is_required_when_present(cloudwatch, capsys):
    result = run(capsys)
    assert result["failed"] is True
    assert "body" in result["msg"]
    assert names(cloudwatch) == []


def test_an_invalid_name_fails_before_any_aws_call(cloudwatch, capsys):
    result = run(capsys, name="lite llm", body=BODY)
    assert result["failed"] is True
    assert "not a valid dashboard name" in result["msg"]
    assert names(cloudwatch) == []


@pytest.fixture(name="stubbed")
def fixture_stubbed(mocked_aws, monkeypatch):  # pylint: disable=unused-argument
    """A Stubber on the client the module gets, for answers moto cannot give."""
    client = boto3.client("cloudwatch", region_name=REGION)
    stubber = Stubber(client)
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda *args, **kwargs: client)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def test_put_dashboard_warnings_are_reported(stubbed, capsys):
    warning = {"DataPath": "/widgets/0/properties/metrics/0", "Message": "Metric not found"}
    stubbed.add_client_error("get_dashboard", service_error_code="ResourceNotFound", http_status_code=404)
    stubbed.add_response("put_dashboard", {"DashboardValidationMessages": [warning]})
    stubbed.add_response("get_dashboard", {"DashboardName": NAME, "DashboardArn": f"arn:aws:cloudwatch::123456789012:dashboard/{NAME}",
                                           "DashboardBody": json.dumps(BODY)})
    result = run(capsys, body=BODY)
    assert result["changed"] is True
    assert result["validation_messages"] == [{"data_path": "/widgets/0/properties/metrics/0", "message": "Metric not found"}]
    assert "at /widgets/0/properties/metrics/0: Metric not found" in json.dumps(result["warnings"])  # plain strings before ansible-core 2.19


def test_put_dashboard_validation_errors_fail(stubbed, capsys):
    error = {"DataPath": "/widgets/1/type", "Message": "Invalid widget type"}
    stubbed.add_client_error("get_dashboard", service_error_code="ResourceNotFound", http_status_code=404)
    stubbed.add_client_error("put_dashboard", service_error_code="InvalidParameterInput", service_message="The dashboard body is invalid",
                             http_status_code=400, modeled_fields={"message": "invalid", "dashboardValidationMessages": [error]})
    result = run(capsys, body=BODY)
    assert result["failed"] is True
    assert result["msg"].startswith(f"CloudWatch rejected the body of dashboard {NAME}: /widgets/1/type: Invalid widget type")
    assert result["validation_messages"] == [{"data_path": "/widgets/1/type", "message": "Invalid widget type"}]
    assert result["error"]["code"] == "InvalidParameterInput"
    assert "changed" not in result or result["changed"] is False


def test_a_failure_after_the_put_reports_the_change(stubbed, capsys):
    stubbed.add_client_error("get_dashboard", service_error_code="ResourceNotFound", http_status_code=404)
    stubbed.add_response("put_dashboard", {})
    stubbed.add_client_error("get_dashboard", service_error_code="AccessDenied", service_message="not allowed", http_status_code=403)
    result = run(capsys, body=BODY)
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["msg"].startswith(f"Failed to read the CloudWatch dashboard {NAME}; check that the credentials allow cloudwatch:GetDashboard")
    assert result["error"]["code"] == "AccessDenied"


def test_a_dashboard_deleted_meanwhile_is_not_an_error(stubbed, capsys):
    stubbed.add_response("get_dashboard", {"DashboardName": NAME, "DashboardArn": f"arn:aws:cloudwatch::123456789012:dashboard/{NAME}",
                                           "DashboardBody": json.dumps(BODY)})
    stubbed.add_client_error("delete_dashboards", service_error_code="ResourceNotFound", http_status_code=404)
    result = run(capsys, state="absent")
    assert result["changed"] is True
    assert result["dashboard"] == {}
