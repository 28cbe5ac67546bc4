# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way this collection's modules make an AWS client: botocore's standard retry mode.

Standard mode is what the AWS SDKs do: it retries throttling answers (``Throttling``, ``ThrottlingException``,
``TooManyRequestsException``, ``RequestLimitExceeded``, ``SlowDown`` ...), HTTP 500/502/503/504 and connection
errors with exponential backoff and full jitter (at most 20 s a pause), and lets every other error (AccessDenied,
a validation error, a missing resource) through at once. Like every AWS SDK it also counts ``LimitExceededException``
as throttling (several services answer a rate limit with it), so a real quota error fails only after the retries.
Unlike amazon.aws's ``AWSRetry`` decorator it covers paginators and waiters too, and it needs nothing at the call
sites. A user's own ``aws_config`` ``retries`` are laid over these (``aws_config: {retries: {total_max_attempts: 3}}``
keeps standard mode with three attempts), as ``aws_config`` is for every amazon.aws module.
"""

from __future__ import annotations

try:
    import botocore.config
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

RETRY_MODE = "standard"
# Attempts in all (the first and nine retries): with one call in ten throttled, a converge's hundred calls all
# get through; a call that fails ten times running is not going to succeed in this run.
MAX_ATTEMPTS = 10


def retry_config(max_attempts=MAX_ATTEMPTS):
    """The botocore ``Config`` of every client: standard retries, ``max_attempts`` attempts in all (the first included)."""
    return botocore.config.Config(retries={"mode": RETRY_MODE, "total_max_attempts": max_attempts})


def client(module, service, max_attempts=MAX_ATTEMPTS):
    """An ``AnsibleAWSModule``'s client for ``service`` with the standard retries (the module's connection settings).

    amazon.aws merges the user's ``aws_config`` over ``config`` key by key, so a ``retries`` of the user's would
    replace ours whole (and fall back to botocore's legacy mode): the user's keys are laid over ours first.
    """
    config = retry_config(max_attempts)
    aws_config = (getattr(module, "params", None) or {}).get("aws_config")
    if isinstance(aws_config, dict) and isinstance(aws_config.get("retries"), dict):
        module.params["aws_config"] = dict(aws_config, retries=dict(config.retries, **aws_config["retries"]))
    return module.client(service, config=config)
