"""Audit an IAM policy document with parliament (duo-labs' IAM linter, a test dependency): its findings as strings.

parliament checks every action against its bundled copy of the Service Authorization Reference (``iam_definition.json``
in its package): unknown actions, prefixes and condition keys, resources that match no resource type of an action, a
condition of the wrong type, ``Resource: "*"`` where the action has a resource type, malformed or duplicate elements.

``findings(document)`` is every finding of every severity, sorted, each as ``ISSUE (severity) Sid: detail``: an empty
list is a clean policy. ``accept_resource_star`` names actions known to need ``Resource: "*"`` although the reference
gives them a resource type (``deployer_policy.RESOURCE_STAR_REQUIRED``); a ``RESOURCE_STAR`` finding about those
actions only is left out, any other finding stays. ``community=True`` adds parliament's community auditors
(permissions management, privilege escalation, credentials exposure, ...): they flag kinds of permission, not defects.
``reference`` is parliament's ``statement`` module, for checks of one's own against the same tables.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

with warnings.catch_warnings():  # parliament 1.6.4's regular expressions have invalid escapes (compiled at import)
    warnings.simplefilter("ignore", DeprecationWarning)
    import parliament
    from parliament import analyze_policy_string
    from parliament import statement as reference  # its copy of the Service Authorization Reference, and its matchers

__all__ = ["analyze", "findings", "reference"]

_COMMUNITY_CONFIG = Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"


def _text(finding, sid):
    finding = parliament.enhance_finding(finding)
    where = f" {sid}" if sid else ""
    return f"{finding.issue} ({finding.severity}){where}: {finding.detail}"


def analyze(document, community=False):
    """parliament's analysis of ``document`` (a dict) as (finding, Sid or None) pairs."""
    if community:
        parliament.override_config(str(_COMMUNITY_CONFIG))  # the community findings' severities and titles
    analyzed = analyze_policy_string(json.dumps(document, indent=1), ignore_private_auditors=True,
                                     include_community_auditors=community)
    pairs = [(finding, None) for finding in analyzed._findings]  # pylint: disable=protected-access
    for statement in analyzed.statements:
        pairs.extend((finding, statement.sid) for finding in statement.findings)
    return pairs


def findings(document, accept_resource_star=(), community=False):
    """parliament's findings on ``document``, every severity, sorted; [] for a clean policy (see the module doc)."""
    accepted = set(accept_resource_star)
    kept = [(finding, sid) for finding, sid in analyze(document, community)
            if not (finding.issue == "RESOURCE_STAR" and set(finding.detail) <= accepted)]
    return sorted(_text(finding, sid) for finding, sid in kept)
