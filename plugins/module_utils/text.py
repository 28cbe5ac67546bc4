# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The text every module of this collection prints: secrets masked, times in one format (no AWS needed).

``mask`` is the one masking function: whatever a module puts in a message or a result that came from outside
(an HTTP answer, a log line, a service event, an error) goes through it. ``timestamp`` is the one time
formatter: ISO 8601 in UTC to the second, for results and messages alike.
"""

from __future__ import annotations

import datetime
import re

MASK = "***"

# Anything that looks like a credential, and what replaces it.
SECRET_PATTERNS = (
    # LiteLLM and OpenAI style keys: sk-..., sk-proj-..., sk-ant-...
    (re.compile(r"\bsk-[A-Za-z0-9_.\-]{3,}"), "sk-" + MASK),
    # Authorization headers and the like.
    (re.compile(r"\b(Bearer|Basic)\s+[^\s\"',;]+", re.IGNORECASE), r"\1 " + MASK),
    # AWS access key ids.
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), r"\1" + MASK),
    # Passwords in URLs (postgresql://user:password@host).
    (re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^:/\s@]+:)[^@\s/]+@"), r"\1" + MASK + "@"),
    # key=value, key: value and "key": "value" for names that hold secrets (not ARNs such as ...:secret:name).
    (re.compile(r"(?i)\b((?:[a-z_]*_)?(?:api[_-]?key|master[_-]?key|salt[_-]?key|secret(?:[_-]?(?:access[_-]?)?key)?|password|passwd|token)"
                r"(?:\s*=\s*[\"']?|[\"']?\s*:\s+[\"']?|[\"']\s*:\s*[\"']?))([^\s\"',;}]+)"), r"\1" + MASK),
)


def mask(text, secrets=()):
    """``text`` with each of ``secrets`` and everything that looks like a key, token or password replaced by ``***``.

    ``secrets`` are the values the caller knows (a master key it sent); the patterns catch the rest. None gives "".
    """
    text = str(text if text is not None else "")
    for secret in sorted((str(secret) for secret in secrets or () if secret), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def timestamp(value):
    """A time as ISO 8601 in UTC to the second (``2026-12-01T14:30:26Z``).

    Takes a datetime (naive means UTC), a date, or milliseconds since the epoch (CloudWatch Logs); a string passes
    through as it is, None stays None.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        value = datetime.datetime.fromtimestamp(value / 1000.0, tz=datetime.timezone.utc)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
