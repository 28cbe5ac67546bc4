# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What amazon.aws ``module_utils/tagging.py`` lacks, and nothing else (no AWS needed).

Tags are written with amazon.aws's ``ansible_dict_to_boto3_tag_list`` and compared with its ``compare_aws_tags``.
Two gaps are filled here: ``read_tags`` reads any tag list the APIs return through amazon.aws's
``boto3_tag_list_to_ansible_dict`` after giving a tag without a value its empty one (ECS, ELBv2 and Secrets
Manager allow such tags, on which amazon.aws's raises), and ``tag_changes`` says what the tags will be after a
change, for the diff and for what check mode predicts.
"""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def read_tags(tags):
    """Tags as a dict, from a ``Key``/``Value`` or ECS ``key``/``value`` list (a tag without a value reads as ""), or a dict."""
    if isinstance(tags, dict):
        return dict(tags)
    tags = [tag for tag in tags or [] if tag]
    for key, value in (("Key", "Value"), ("key", "value")):
        if tags and key in tags[0]:
            return boto3_tag_list_to_ansible_dict([{key: tag[key], value: tag.get(value, "")} for tag in tags], key, value)
    return {}


class TagChanges(NamedTuple):
    """``compare_aws_tags``'s two answers and the tags after both are applied."""

    to_set: dict
    to_unset: list
    after: dict

    def __bool__(self) -> bool:
        return bool(self.to_set or self.to_unset)


def tag_changes(current, wanted, purge_tags=True):
    """How to get from the ``current`` tags to the ``wanted`` ones; ``wanted`` None leaves the tags as they are.

    Values are compared and kept as strings, as AWS stores them; ``aws:`` tags are never purged (amazon.aws's rule).
    """
    current = dict(current or {})
    if wanted is None:
        return TagChanges({}, [], current)
    to_set, to_unset = compare_aws_tags(current, wanted, purge_tags)
    after = {key: value for key, value in current.items() if key not in to_unset}
    after.update({key: str(value) for key, value in to_set.items()})
    return TagChanges(to_set, sorted(to_unset), after)
