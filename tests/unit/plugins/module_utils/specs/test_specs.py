"""Checks shared by the modules that take a list of named things."""

from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.module_utils.specs import repeated


def test_repeated_names_each_value_given_more_than_once_once():
    assert repeated(["b", "a", "b", "c", "a", "b"]) == ["a", "b"]
    assert repeated(name for name in ["x", "y"]) == []
    assert repeated([None, None, "z"]) == [None]
