# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: closest_name
short_description: The known name closest to a misspelt one
version_added: 0.1.0
description:
  - Returns the name among O(names) that is closest to the input (Python's C(difflib.get_close_matches)), or an empty
    string when none is close enough - for a message such as "did you mean alb_idle_timeout?".
  - With O(prefix), names that share it are compared on what follows it, so that the shared prefix does not make every
    name look close to every other.
positional: names, prefix
options:
  _input:
    description: The name that is not known, for instance C(alb_idel_timeout).
    type: string
    required: true
  names:
    description: The known names.
    type: list
    elements: string
    required: true
  prefix:
    description: A prefix the names share (C(alb_)), left out of the comparison.
    type: string
    default: ""
  cutoff:
    description: How alike (0-1, C(difflib)'s ratio) a name must be to be suggested.
    type: float
    default: 0.6
author:
  - llmops maintainers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Suggest the variable a misspelt one meant
  ansible.builtin.debug:
    msg: "did you mean {{ 'alb_idel_timeout' | llmops.litellm_ecs.closest_name(['alb_idle_timeout', 'alb_name'], 'alb_') }}?"
    # did you mean alb_idle_timeout?

- name: Nothing is close
  ansible.builtin.debug:
    msg: "{{ 'alb_colour' | llmops.litellm_ecs.closest_name(['alb_idle_timeout', 'alb_name'], 'alb_') }}"
    # an empty string
"""

RETURN = r"""
_value:
  description: The closest known name, or an empty string when none is close enough.
  type: string
"""

import difflib

from ansible.errors import AnsibleFilterError


def closest_name(name, names, prefix="", cutoff=0.6):
    """The name in ``names`` closest to ``name`` ('' when none is), compared after a shared ``prefix``."""
    if not isinstance(name, str):
        raise AnsibleFilterError(f"closest_name expects a string, not {type(name).__name__}")
    if isinstance(names, (str, bytes)) or not all(isinstance(item, str) for item in names):
        raise AnsibleFilterError("closest_name expects a list of names")

    def tail(text):
        return text[len(prefix):] if prefix and text.startswith(prefix) else text

    by_tail = {}
    for item in names:
        by_tail.setdefault(tail(item), item)
    found = difflib.get_close_matches(tail(name), list(by_tail), n=1, cutoff=float(cutoff))
    return by_tail[found[0]] if found else ""


class FilterModule:
    """The closest_name filter."""

    def filters(self):
        return {"closest_name": closest_name}
