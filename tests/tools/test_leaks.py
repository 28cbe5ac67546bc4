"""The leak scan's checker (tests/leaks.py) finds a secret value where a broken deployment would leave it (stdout, a
job event, a file in a scanned tree, a task definition's environment, a log event), in the forms such a place carries
it in, and finds nothing in a masked or censored form."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote

import boto3
import pytest

from leaks import LeakScan, base64_fragments

MASTER = "sk-leaktest-master-0123456789abcdef"
PROVIDER = "sk-leaktest-provider-ZYXWVUTSRQ"
DATABASE_URL = "postgresql://litellm:db-pass-Qq9/+x@db.internal:5432/litellm"
SECRETS = {"the master key": MASTER, "a provider key": PROVIDER, "the database URL": DATABASE_URL,
           "the database password": "db-pass-Qq9/+x"}
CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
# What a correct run shows instead of the values: Ansible's masks, a censored result, ARNs, a URL without its password.
MASKED = [
    "ok: [localhost] => {\"censored\": \"" + CENSORED + "\", \"changed\": true}",
    "master_key: ********",
    "\"api_key\": \"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER\"",
    "key sk-lea...cdef (masked by the proxy)",
    "DATABASE_URL: postgresql://litellm:********@db.internal:5432/litellm",
    "valueFrom: arn:aws:secretsmanager:us-east-1:123456789012:secret:leaktest/master-key-AbCdEf",
]


def kinds(found):
    return sorted({(finding.secret, finding.form) for finding in found})


def test_a_value_in_stdout_is_found_with_its_line_and_count():
    scan = LeakScan(SECRETS)
    stdout = "PLAY [Deploy]\nTASK [secrets | Store]\nchanged: [localhost] => {\"master_key\": \"" + MASTER + "\"}\n" + MASTER
    found = scan.text("stdout of the deploy", stdout)
    assert [(f.secret, f.form, f.where, f.line, f.count) for f in found] == [("the master key", "raw", "stdout of the deploy", 3, 2)]
    assert scan.occurrences == 2 and scan.texts == 1 and scan.bytes == len(stdout.encode())


def test_a_value_in_a_job_event_is_found_also_when_escaped_twice():
    # A job event's stdout is a rendered module result: a value with a quote in it arrives JSON-escaped twice.
    quoted = 'pw-with-"quote"-0123'
    result = json.dumps({"secret_string": quoted})
    event = {"event": "runner_on_ok", "stdout": f"ok: [localhost] => {result}",
             "event_data": {"task": "secrets | Store", "res": {"secret_string": quoted}}}
    scan = LeakScan({"a quoted password": quoted})
    assert kinds(scan.data("job event 7 (runner_on_ok, secrets | Store)", event)) == [("a quoted password", "json")]
    assert scan.occurrences == 2  # escaped once in res, twice inside stdout


def test_a_value_in_a_file_under_a_scanned_directory_is_found_but_not_in_an_excluded_input(tmp_path):
    home = tmp_path / "home"
    leaked = home / ".ansible" / "tmp" / "ansible-tmp-1" / "args"
    leaked.parent.mkdir(parents=True)
    leaked.write_bytes(b"\x00binary\x00" + PROVIDER.encode() + b"\x00")
    (home / "clean.txt").write_text("\n".join(MASKED), encoding="utf-8")
    given = tmp_path / "vars.json"
    given.write_text(json.dumps({"litellm_master_key": MASTER}), encoding="utf-8")
    (home / "link").symlink_to(given)  # a symlink is not followed
    scan = LeakScan(SECRETS)
    found = scan.tree(tmp_path, exclude=[given])
    assert [(f.secret, f.where) for f in found] == [("a provider key", str(leaked))]
    assert scan.files == 2
    assert kinds(LeakScan(SECRETS).tree(tmp_path)) == [("a provider key", "raw"), ("the master key", "raw")]
    # A file that holds one value by construction is still scanned for the others.
    assert kinds(LeakScan(SECRETS).file(leaked, ignore=["a provider key"])) == []
    given.write_text(json.dumps({"litellm_master_key": MASTER, "api_key": PROVIDER}), encoding="utf-8")
    assert kinds(LeakScan(SECRETS).file(given, ignore=["the master key"])) == [("a provider key", "raw")]


def test_a_value_base64_inside_a_longer_text_is_found_at_every_alignment():
    for prefix in ("", "a", "ab", "abc"):
        config = f"model_list: []\n{prefix}general_settings:\n  master_key: {MASTER}\n".encode()
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            found = LeakScan(SECRETS).text("a config payload", "LITELLM_CONFIG_B64=" + encode(config).decode())
            assert kinds(found) == [("the master key", "base64")], (prefix, encode)
    assert all(len(fragment) >= 4 * len(MASTER) // 3 - 2 for fragment in base64_fragments(MASTER.encode()))


def test_a_url_encoded_value_is_found():
    found = LeakScan(SECRETS).text("a query string", "GET /?db=" + quote(DATABASE_URL, safe=""))
    assert ("the database URL", "url") in kinds(found)
    assert ("the database password", "url") in kinds(found)


def test_masked_and_censored_forms_are_no_finding():
    scan = LeakScan(SECRETS)
    for index, text in enumerate(MASKED):
        scan.text(f"masked {index}", text)
    scan.data("a correct container definition", {"secrets": [{"name": "LITELLM_MASTER_KEY", "valueFrom": MASKED[-1]}]})
    assert scan.findings == [] and scan.occurrences == 0 and scan.texts == len(MASKED) + 1


def test_what_a_place_held_before_is_discounted_and_what_was_added_is_not(tmp_path):
    kept, grown = tmp_path / "kept.yml", tmp_path / "grown.yml"
    kept.write_text(f"key: {PROVIDER}\n", encoding="utf-8")
    grown.write_text(f"key: {PROVIDER}\n", encoding="utf-8")
    before = LeakScan(SECRETS)
    before.tree(tmp_path)
    grown.write_text(f"key: {PROVIDER}\nagain: {PROVIDER}\n", encoding="utf-8")
    after = LeakScan(SECRETS)
    after.tree(tmp_path)
    after.discount(before)
    assert [(f.where, f.count) for f in after.findings] == [(str(grown), 1)]


def test_a_finding_never_shows_the_value():
    scan = LeakScan(SECRETS)
    scan.text("stdout", f"{MASTER} {DATABASE_URL}")
    assert scan.findings
    assert all(value not in scan.report() and value not in repr(scan.findings) for value in SECRETS.values())


def test_a_value_too_short_to_be_looked_for_is_refused():
    with pytest.raises(ValueError, match="at least 8 characters"):
        LeakScan({"a short one": "abc"})


@pytest.fixture(name="ecs_and_logs")
def fixture_ecs_and_logs(mocked_aws):
    session = boto3.Session(region_name="us-east-1")
    return session.client("ecs"), session.client("logs")


def test_a_value_in_a_task_definitions_environment_is_found_in_any_revision(ecs_and_logs):
    ecs = ecs_and_logs[0]
    good = {"name": "litellm", "image": "litellm", "memory": 512,
            "secrets": [{"name": "LITELLM_MASTER_KEY", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"}]}
    broken = dict(good, environment=[{"name": "LITELLM_MASTER_KEY", "value": MASTER}])
    first = ecs.register_task_definition(family="leaky", containerDefinitions=[broken])["taskDefinition"]["taskDefinitionArn"]
    ecs.register_task_definition(family="leaky", containerDefinitions=[good])
    ecs.register_task_definition(family="leaky-migrations", containerDefinitions=[good])
    ecs.register_task_definition(family="other", containerDefinitions=[broken])
    ecs.deregister_task_definition(taskDefinition=first)  # an inactive revision is scanned too
    scan = LeakScan(SECRETS)
    arns = scan.task_definitions(ecs, "leaky")
    assert len(arns) == 3
    assert [(f.secret, f.where) for f in scan.findings] == [("the master key", f"task definition {first}")]


def test_a_value_in_a_log_event_is_found(ecs_and_logs):
    logs = ecs_and_logs[1]
    logs.create_log_group(logGroupName="/ecs/leaky")
    logs.create_log_stream(logGroupName="/ecs/leaky", logStreamName="leaky/litellm/1")
    messages = MASKED + [f"INFO: provider key {PROVIDER} rejected"]
    logs.put_log_events(logGroupName="/ecs/leaky", logStreamName="leaky/litellm/1",
                        logEvents=[{"timestamp": int(time.time() * 1000) + index, "message": text} for index, text in enumerate(messages)])
    scan = LeakScan(SECRETS)
    assert scan.log_events(logs, "/ecs/leaky") == len(messages)
    assert [(f.secret, f.where) for f in scan.findings] == [("a provider key", f"log event {len(messages) - 1} of /ecs/leaky/leaky/litellm/1")]
