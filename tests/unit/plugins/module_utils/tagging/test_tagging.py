"""Tag changes: what to set, what to remove, and the tags afterwards, on top of amazon.aws's compare_aws_tags."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import read_tags
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.tagging import tag_changes


def test_no_wanted_tags_leaves_the_tags_alone():
    changes = tag_changes({"a": "1"}, None)
    assert (changes.to_set, changes.to_unset, changes.after, bool(changes)) == ({}, [], {"a": "1"}, False)


def test_changes_and_the_tags_after_them():
    changes = tag_changes({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "20", "d": 4})
    assert changes.to_set == {"b": "20", "d": 4}
    assert changes.to_unset == ["c"]
    assert changes.after == {"a": "1", "b": "20", "d": "4"}  # stored as AWS stores them: strings
    assert bool(changes) is True


def test_without_purge_other_tags_stay():
    changes = tag_changes({"a": "1", "c": "3"}, {"a": "2"}, purge_tags=False)
    assert (changes.to_set, changes.to_unset, changes.after) == ({"a": "2"}, [], {"a": "2", "c": "3"})


def test_aws_tags_are_never_purged_and_equal_tags_change_nothing():
    changes = tag_changes({"aws:cloudformation:stack-name": "s", "a": "1"}, {"a": 1})
    assert (changes.to_set, changes.to_unset, bool(changes)) == ({}, [], False)
    assert changes.after == {"aws:cloudformation:stack-name": "s", "a": "1"}


def test_no_current_tags():
    assert tag_changes(None, {"a": "1"}).after == {"a": "1"}


def test_tags_are_read_from_either_list_style_or_a_dict():
    assert read_tags([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]) == {"a": "1", "b": ""}
    assert read_tags([{"key": "a", "value": "1"}]) == {"a": "1"}
    assert read_tags({"a": "1"}) == {"a": "1"}
    assert read_tags(None) == {} and read_tags([]) == {} and read_tags([{}]) == {}


def test_a_tag_without_a_value_reads_as_empty():
    # ECS, ELBv2 and Secrets Manager accept a tag without a value and return it without one.
    assert read_tags([{"key": "a", "value": "1"}, {"key": "flag"}]) == {"a": "1", "flag": ""}
    assert read_tags([{"Key": "flag"}, {"Key": "b", "Value": "2"}]) == {"flag": "", "b": "2"}
