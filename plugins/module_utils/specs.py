# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks shared by the modules that take a list of named things (no AWS needed)."""

from __future__ import annotations


def repeated(values):
    """The values given more than once, sorted (none: an empty list)."""
    values = list(values)
    return sorted({value for value in values if values.count(value) > 1}, key=str)
