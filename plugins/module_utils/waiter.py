# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wait for a readiness predicate on a monotonic clock within a total budget (no Ansible, no boto3 needed).

Modelled on kubernetes.core ``module_utils/k8s/waiter.py``: a ``fetch`` function reads the resource, a
``judge`` function says whether it is ready, still settling, or has failed for good; ``Waiter.wait`` polls
until one of the first and last, or until the budget is spent. Unlike a fixed sleep, the first poll happens
at once, so a resource that is ready already costs one read. The clock and the sleep are parameters, so the
logic is tested with a fake clock and without sleeping.
"""

from __future__ import annotations

import time
from typing import Any
from typing import NamedTuple

READY = "ready"
WAITING = "waiting"
FAILED = "failed"
TIMEOUT = "timeout"
# The first pause of a wait that backs off (see ``backing_off``).
FIRST_PAUSE = 1.0


class Verdict(NamedTuple):
    """What a judge says about one reading: READY, WAITING or FAILED, and why (for messages)."""

    state: str
    reason: str = ""


class Outcome(NamedTuple):
    """How a wait ended: READY, FAILED or TIMEOUT; the last reading and verdict reason; seconds and polls spent."""

    state: str
    value: Any
    reason: str
    elapsed: float
    polls: int

    @property
    def ready(self) -> bool:
        return self.state == READY


def backing_off(longest: float) -> dict:
    """The poll schedule of a wait whose longest pause is ``longest`` seconds, as ``Waiter.wait`` keywords.

    Pauses start at one second and double up to ``longest``: what settles in a second or two (the local emulator, a
    small change) costs a second or two of waiting, what takes minutes (a rollout on AWS) at most one poll every
    ``longest`` seconds after the first few.
    """
    return {"interval": min(FIRST_PAUSE, longest), "backoff": 2.0, "max_interval": longest}


def as_verdict(judged) -> Verdict:
    """A judge may answer a bool (ready or not) or a Verdict."""
    if isinstance(judged, Verdict):
        return judged
    return Verdict(READY) if judged else Verdict(WAITING)


class Budget:
    """A total time budget on a monotonic clock, shared by the waits of one module run."""

    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.start = clock()

    def elapsed(self) -> float:
        return self.clock() - self.start

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed())


class Waiter:
    """Poll ``fetch()`` and ``judge`` its result until it is READY or FAILED, or the budget is spent."""

    def __init__(self, fetch, judge, clock=time.monotonic, sleep=time.sleep) -> None:
        self.fetch = fetch
        self.judge = judge
        self.clock = clock
        self.sleep = sleep

    def wait(self, timeout: float, interval: float, backoff: float = 1.0, max_interval: float | None = None) -> Outcome:
        """Poll at once, then every ``interval`` seconds, for at most ``timeout`` seconds in all.

        With ``backoff`` above 1 each pause is that many times the previous one, up to ``max_interval``
        (``interval``, ``interval * backoff``, ...); the default keeps a constant ``interval``.
        The last sleep is cut to what is left of the budget and one last poll happens at its end, so the
        total never exceeds ``timeout`` by more than one ``fetch()``. A FAILED verdict ends the wait at
        once: there is no point in waiting for what cannot happen any more.
        """
        start = self.clock()
        polls = 0
        pause = interval
        while True:
            value = self.fetch()
            polls += 1
            verdict = as_verdict(self.judge(value))
            elapsed = self.clock() - start
            if verdict.state in (READY, FAILED):
                return Outcome(verdict.state, value, verdict.reason, elapsed, polls)
            remaining = timeout - elapsed
            if remaining <= 0:
                return Outcome(TIMEOUT, value, verdict.reason, elapsed, polls)
            self.sleep(min(pause, remaining))
            pause = pause * backoff
            if max_interval is not None:
                pause = min(pause, max(max_interval, interval))
