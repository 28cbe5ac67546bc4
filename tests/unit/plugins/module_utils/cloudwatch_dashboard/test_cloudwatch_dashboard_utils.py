"""Dashboard body validation, serialisation and comparison, without AWS."""

from __future__ import annotations

import json

import pytest

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import DashboardBodyError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import bodies_differ
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import check_name
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import dashboard_output
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import describe_messages
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import error_validation_messages
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import parse_body
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import rejection
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import serialise_body
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import validation_messages

CPU = {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
       "properties": {"region": "us-east-1", "stat": "Average", "metrics": [["AWS/ECS", "CPUUtilization"]]}}
TEXT = {"type": "text", "x": 0, "y": 6, "width": 24, "height": 2, "properties": {"markdown": "Managed by Ansible"}}
BODY = {"widgets": [CPU, TEXT], "periodOverride": "inherit"}


# Validation


def test_a_dict_and_a_json_string_parse_to_the_same_body():
    assert parse_body(BODY) == BODY
    assert parse_body(json.dumps(BODY, indent=2)) == BODY
    assert parse_body('{"widgets": []}') == {"widgets": []}


@pytest.mark.parametrize("body, reason", [
    ("{widgets: []", "not valid JSON"),
    ("", "not valid JSON"),
    ('["widgets"]', "it is a list"),
    ([{"widgets": []}], "it is a list"),
    (None, "it is a NoneType"),
    ({}, "has no 'widgets' key"),
    ({"widgets": None}, "has a 'widgets' NoneType"),
    ('{"widgets": {"type": "text"}}', "has a 'widgets' dict"),
    ({"widgets": [CPU, "text"]}, "body.widgets[1] is a str"),
])
def test_a_body_that_is_no_dashboard_is_refused_naming_body(body, reason):
    with pytest.raises(DashboardBodyError) as raised:
        parse_body(body)
    assert str(raised.value).startswith("body must be a JSON object with a 'widgets' list")
    assert reason in str(raised.value)


@pytest.mark.parametrize("name", ["litellm", "LiteLLM-prod_2", "a" * 255])
def test_valid_names_pass(name):
    check_name(name)


@pytest.mark.parametrize("name", ["", "lite llm", "litellm/prod", "a" * 256])
def test_invalid_names_are_refused(name):
    with pytest.raises(DashboardBodyError, match="not a valid dashboard name"):
        check_name(name)


# Serialisation


def test_a_dict_is_sent_compact_with_sorted_keys():
    text = serialise_body({"widgets": [{"y": 0, "x": 1}], "end": "P1D"})
    assert text == '{"end":"P1D","widgets":[{"x":1,"y":0}]}'


def test_a_json_string_is_sent_as_given():
    text = '{ "widgets": [ ], "start": "-PT6H" }'
    assert serialise_body(text) == text


# Comparison


def test_key_order_and_whitespace_do_not_count():
    reordered = {"periodOverride": "inherit", "widgets": [dict(reversed(list(CPU.items()))), TEXT]}
    assert not bodies_differ(BODY, reordered)
    assert not bodies_differ(json.dumps(BODY, indent=4), BODY)
    assert not bodies_differ(json.dumps(BODY, separators=(",", ":")), json.dumps(reordered, indent=1))


@pytest.mark.parametrize("change", [
    lambda body: body["widgets"][0]["properties"].update(stat="Maximum"),
    lambda body: body["widgets"][1].update(width=12),
    lambda body: body["widgets"].pop(),
    lambda body: body["widgets"].append(TEXT),
    lambda body: body["widgets"].reverse(),
    lambda body: body["widgets"][0]["properties"]["metrics"][0].append("ClusterName"),
    lambda body: body.pop("periodOverride"),
    lambda body: body.update(start="-PT3H"),
    lambda body: body["widgets"][1]["properties"].update(markdown=True),
])
def test_any_changed_widget_or_setting_counts(change):
    changed = json.loads(json.dumps(BODY))
    change(changed)
    assert bodies_differ(BODY, changed)
    assert bodies_differ(json.dumps(BODY), changed)


def test_true_and_one_differ():
    assert bodies_differ({"widgets": [], "flag": True}, {"widgets": [], "flag": 1})


def test_an_unparsable_stored_body_always_differs():
    assert bodies_differ("{not json", BODY)


# Messages and output


def test_validation_messages_are_snake_cased_and_described():
    messages = validation_messages([{"DataPath": "/widgets/0", "Message": "Should have property height"}, {"Message": "odd"}])
    assert messages == [{"data_path": "/widgets/0", "message": "Should have property height"}, {"data_path": "", "message": "odd"}]
    assert describe_messages(messages) == "/widgets/0: Should have property height; (body): odd"
    assert validation_messages(None) == []


def test_error_validation_messages_are_found_where_botocore_puts_them():
    entry = [{"DataPath": "/widgets/0/type", "Message": "Invalid widget type"}]
    expected = [{"data_path": "/widgets/0/type", "message": "Invalid widget type"}]
    assert error_validation_messages({"Error": {"Code": "InvalidParameterInput"}, "dashboardValidationMessages": entry}) == expected
    assert error_validation_messages({"Error": {"Code": "InvalidParameterInput", "DashboardValidationMessages": entry}}) == expected
    assert error_validation_messages({"Error": {"Code": "InvalidParameterInput", "Message": "bad"}}) == []


def test_validation_messages_are_masked():
    messages = validation_messages([{"DataPath": "/widgets/0/properties/markdown", "Message": "Unexpected token sk-1234567890abcdef"}])
    assert messages == [{"data_path": "/widgets/0/properties/markdown", "message": "Unexpected token sk-***"}]


def test_rejection_names_the_dashboard_and_the_paths():
    entry = [{"DataPath": "/widgets/0/type", "Message": "Invalid widget type"}]
    message, messages = rejection("d", {"Error": {"Code": "InvalidParameterInput", "Message": "bad"}, "dashboardValidationMessages": entry})
    assert message == "CloudWatch rejected the body of dashboard d: /widgets/0/type: Invalid widget type. Correct the body at the paths named and run again"
    assert messages == [{"data_path": "/widgets/0/type", "message": "Invalid widget type"}]
    message, messages = rejection("d", {"Error": {"Code": "InvalidParameterInput", "Message": "password=hunter2 is bad"}})
    assert message.startswith("CloudWatch rejected the body of dashboard d: password=*** is bad.")
    assert messages == []
    assert rejection("d", {})[0].startswith("CloudWatch rejected the body of dashboard d: no details given.")


def test_dashboard_output_parses_the_body():
    answer = {"DashboardName": "d", "DashboardArn": "arn:aws:cloudwatch::123456789012:dashboard/d", "DashboardBody": json.dumps(BODY)}
    assert dashboard_output(answer) == {"name": "d", "arn": answer["DashboardArn"], "body": BODY}
    assert dashboard_output(None) == {}
