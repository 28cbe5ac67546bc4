# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error handler of this collection's modules, in the manner of amazon.aws ``module_utils/errors.py``.

A function that calls AWS is decorated with what it does; a botocore error raised inside becomes an
``AnsibleAWSError`` whose message says what failed (``Failed to describe the ECS cluster litellm``), and the
module's ``main`` turns that into one ``fail_json_aws`` with AWS's own code and message::

    @AWSErrors.common_error_handler("describe the ECS cluster {name}")
    def describe(client, name): ...

    @AWSErrors.list_error_handler("read the log group {name}", missing=("ResourceNotFoundException",))
    def read(client, name): ...          # the missing resource gives default_value (None)

    def main():
        module = AnsibleAWSModule(...)
        try:
            run(module)
        except AnsibleAWSError as e:
            fail_json_aws_error(module, e)

Unlike amazon.aws's handler, the description may name the decorated function's arguments (``{name}``,
``{self.cluster}``), so the message names the resource, and the error codes that mean "not there" are given per
call (``missing=``), because one module calls several services. Retries are not done here: every client is made
with botocore's standard retry mode (``module_utils/retries.py``), which retries throttling and 5xx answers with
jittered backoff and lets a permanent error through at once.
"""

from __future__ import annotations

import functools
import inspect

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


def describe(description, func, args, kwargs):
    """``description`` with the call's arguments filled in (``{name}``, ``{self.cluster}``); as given if they do not fit."""
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
        bound.apply_defaults()
        return description.format(**bound.arguments)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return description


class AWSErrors(AWSErrorHandler):
    """``AWSErrorHandler`` whose descriptions name the call's arguments and whose "missing" codes are given per call."""

    @classmethod
    def common_error_handler(cls, description):
        """Any botocore error inside becomes ``AnsibleAWSError("Failed to <description>")`` (a waiter's: "Timeout trying to")."""

        def wrapper(func):
            @functools.wraps(func)
            def handler(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except botocore.exceptions.WaiterError as e:
                    raise cls._CUSTOM_EXCEPTION(message=f"Timeout trying to {describe(description, func, args, kwargs)}", exception=e) from e
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    raise cls._CUSTOM_EXCEPTION(message=f"Failed to {describe(description, func, args, kwargs)}", exception=e) from e

            return handler

        return wrapper

    @classmethod
    def list_error_handler(cls, description, default_value=None, missing=()):
        """As ``common_error_handler``, but an error whose code is in ``missing`` returns ``default_value``."""

        def wrapper(func):
            @functools.wraps(func)
            def handler(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except is_boto3_error_code(list(missing)):
                    return default_value

            # Wrapped after functools.wraps: the description then reads the arguments of ``func`` itself.
            return cls.common_error_handler(description)(handler)

        return wrapper

    @classmethod
    def deletion_error_handler(cls, description, missing=()):
        """As ``common_error_handler``, but an error whose code is in ``missing`` (already gone) returns False."""
        return cls.list_error_handler(description, default_value=False, missing=missing)


# The error codes AWS services answer a missing permission with (EC2 has its own).
ACCESS_DENIED_CODES = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"]


def fail_json_aws_error(module, error):
    """Fail the module with an ``AnsibleAWSError``: AWS's code and message when it wraps one, and its extra results."""
    if error.exception is not None:
        module.fail_json_aws(error.exception, msg=error.message, **error.kwargs)
    module.fail_json(msg=error.message or str(error), **error.kwargs)


__all__ = ["ACCESS_DENIED_CODES", "AWSErrors", "AnsibleAWSError", "describe", "fail_json_aws_error", "is_boto3_error_code"]
