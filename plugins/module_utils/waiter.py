# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one waiter of this collection and the readiness predicates it judges by (no Ansible, no boto3 needed).

Modelled on kubernetes.core ``module_utils/k8s/waiter.py``: a ``fetch`` function reads the resource, a
``judge`` function says whether it is ready, still settling, or has failed for good; ``Waiter.wait`` polls
until one of the first and last, or until the budget is spent. Unlike a fixed sleep, the first poll happens
at once, so a resource that is ready already costs one read. The clock and the sleep are parameters, so the
logic is tested with a fake clock and without sleeping.

Every readiness a module of this collection waits for is a predicate registered here under a name
(``PREDICATES``): a module asks ``waiter_for(name, fetch, check_mode=...)`` and gets a ``Waiter`` for it, or,
in check mode, a ``NoopWaiter`` that reads nothing and reports ready (nothing was changed, so there is nothing
to wait for).
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

# Lifecycle states the predicates read.
EFS_AVAILABLE = "available"
EFS_SETTLING = ("creating", "updating")
ECS_STOPPED = "STOPPED"


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


class NoopWaiter:
    """The waiter of check mode: reads nothing, waits for nothing, reports READY."""

    def wait(self, timeout: float = 0, interval: float = 0, backoff: float = 1.0, max_interval: float | None = None) -> Outcome:
        return Outcome(READY, None, "check mode: nothing was changed, nothing to wait for", 0.0, 0)


# --- readiness predicates, by name -------------------------------------------------------------------

PREDICATES = {}


def predicate(name):
    """Register the decorated judge under ``name`` in ``PREDICATES``."""

    def register(judge):
        PREDICATES[name] = judge
        return judge

    return register


def waiter_for(name, fetch, check_mode=False, clock=time.monotonic, sleep=time.sleep, **arguments):
    """A ``Waiter`` polling ``fetch`` and judging by the predicate ``name`` (with ``arguments``); in check mode a ``NoopWaiter``."""
    try:
        judge = PREDICATES[name]
    except KeyError:
        raise ValueError(f"no readiness predicate {name!r}; known: {', '.join(sorted(PREDICATES))}") from None
    if check_mode:
        return NoopWaiter()
    return Waiter(fetch, (lambda value: judge(value, **arguments)) if arguments else judge, clock=clock, sleep=sleep)


def primary_deployment(service):
    """The ECS service's PRIMARY deployment (None when it has none)."""
    return next((d for d in (service or {}).get("deployments") or [] if d.get("status") == "PRIMARY"), None)


def short_task_definition(arn):
    """``arn:...:task-definition/family:3`` -> ``family:3``."""
    return (arn or "").rsplit("/", 1)[-1] or None


@predicate("service_steady")
def service_steady(service, deployment_id=None):
    """The rollout of deployment ``deployment_id`` (default: the PRIMARY one) of an ECS service is over.

    READY: the service is ACTIVE with exactly one deployment, that one, PRIMARY, its ``rolloutState``
    COMPLETED (when the API reports one), and as many tasks running as desired. FAILED (no point waiting):
    the service is gone or being deleted, the deployment's ``rolloutState`` is FAILED (the circuit breaker
    stopped it), or the deployment was replaced - a circuit-breaker rollback or another update made another
    deployment PRIMARY. WAITING otherwise, with what is still missing.
    """
    if not service:
        return Verdict(FAILED, "the service no longer exists")
    if service.get("status") != "ACTIVE":
        return Verdict(FAILED, f"the service is {service.get('status')} (being deleted)")
    deployments = service.get("deployments") or []
    primary = primary_deployment(service)
    ours = next((d for d in deployments if d.get("id") == deployment_id), None) if deployment_id else primary
    if ours is None:
        if primary is None:
            return Verdict(WAITING, "the service has no PRIMARY deployment yet")
        return Verdict(
            FAILED,
            f"deployment {deployment_id} is gone and {primary.get('id')} of {short_task_definition(primary.get('taskDefinition'))} "
            f"is PRIMARY instead (a circuit breaker rollback, or another update of the service)",
        )
    what = f"deployment {ours.get('id')} of {short_task_definition(ours.get('taskDefinition'))}"
    if ours.get("rolloutState") == "FAILED":
        return Verdict(FAILED, f"{what} failed: {ours.get('rolloutStateReason') or 'no reason given'}")
    if ours.get("status") != "PRIMARY":
        return Verdict(
            FAILED,
            f"{what} is {ours.get('status')}, and {primary.get('id') if primary else 'no deployment'} of "
            f"{short_task_definition((primary or {}).get('taskDefinition'))} is PRIMARY (a circuit breaker rollback, or "
            f"another update of the service)",
        )
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    tasks = f"{running} of {desired} tasks running, {service.get('pendingCount', 0)} pending"
    if len(deployments) != 1:
        others = ", ".join(f"{d.get('id')} ({d.get('status')})" for d in deployments if d is not ours)
        return Verdict(WAITING, f"{what} is rolling out; older deployments are still draining: {others}; {tasks}")
    if "rolloutState" in ours and ours["rolloutState"] != "COMPLETED":
        return Verdict(WAITING, f"{what} is {ours['rolloutState']}; {tasks}")
    if running != desired:
        return Verdict(WAITING, f"{what}: {tasks}")
    return Verdict(READY, f"{what} is steady: {tasks}")


@predicate("service_inactive")
def service_inactive(service):
    """An ECS service is deleted: gone or INACTIVE."""
    status, running = (service or {}).get("status", "INACTIVE"), (service or {}).get("runningCount", 0)
    return Verdict(READY, "the service is INACTIVE") if status == "INACTIVE" else Verdict(
        WAITING, f"the service is {status}, {running} tasks still running")


@predicate("task_stopped")
def task_stopped(task):
    """An ECS task is STOPPED; FAILED when ECS no longer knows it."""
    if not task:
        return Verdict(FAILED, "ECS no longer reports the task (DescribeTasks returned it as missing)")
    status = task.get("lastStatus")
    if status == ECS_STOPPED:
        return Verdict(READY, "the task stopped")
    return Verdict(WAITING, f"the task is {status} (desired status {task.get('desiredStatus')})")


@predicate("mount_targets_available")
def mount_targets_available(targets):
    """An EFS file system has at least one mount target and every one is available; FAILED when one is in error."""
    if not targets:
        return Verdict(WAITING, "no mount target yet")
    broken = [target["MountTargetId"] for target in targets if target.get("LifeCycleState") == "error"]
    if broken:
        return Verdict(FAILED, f"mount targets in the error state: {', '.join(broken)}")
    pending = [f"{target['MountTargetId']} ({target.get('LifeCycleState')})" for target in targets
               if target.get("LifeCycleState") != EFS_AVAILABLE]
    if pending:
        return Verdict(WAITING, f"not yet available: {', '.join(pending)}")
    return Verdict(READY)


@predicate("mount_targets_deleted")
def mount_targets_deleted(targets):
    """An EFS file system has no mount target left (a file system is deleted only then)."""
    if not targets:
        return Verdict(READY)
    return Verdict(WAITING, f"{len(targets)} mount targets still being deleted")


@predicate("file_system_available")
def file_system_available(found):
    """An EFS file system is available; FAILED when it is in error or gone."""
    state = (found or {}).get("LifeCycleState")
    if state == EFS_AVAILABLE:
        return Verdict(READY)
    if state in (None, "error", "deleted"):
        return Verdict(FAILED, f"the file system is {state or 'gone'}")
    return Verdict(WAITING, f"the file system is {state}")


@predicate("file_system_deleted")
def file_system_deleted(found):
    """An EFS file system no longer exists."""
    if not found:
        return Verdict(READY, "the file system is deleted")
    return Verdict(WAITING, f"the file system is {found.get('LifeCycleState')}")


@predicate("deleted")
def deleted(in_use):
    """A deletion that is refused while something still uses the resource has gone through.

    The fetch tries the deletion and returns None once it succeeded (or the resource is gone), else why it was
    refused (AWS's DependencyViolation message, say): a security group still referred to by a network interface
    that is being released.
    """
    if not in_use:
        return Verdict(READY, "deleted")
    return Verdict(WAITING, str(in_use))


@predicate("access_point_available")
def access_point_available(access_point):
    """An EFS access point exists and is not being created or updated; FAILED when it is being deleted or in error.

    One that is not listed yet (a read right after CreateAccessPoint) is waited for.
    """
    if not access_point:
        return Verdict(WAITING, "the access point is not listed yet")
    state = access_point.get("LifeCycleState")
    if state in ("deleting", "deleted"):
        return Verdict(FAILED, f"the access point is {state}")
    if state == "error":
        return Verdict(FAILED, "the access point is in the error state")
    if state in EFS_SETTLING:
        return Verdict(WAITING, f"the access point is {state}")
    return Verdict(READY, f"the access point is {state}")


@predicate("access_point_deleted")
def access_point_deleted(access_point):
    """An EFS access point no longer exists (or is reported deleted)."""
    state = (access_point or {}).get("LifeCycleState")
    if not access_point or state == "deleted":
        return Verdict(READY, "the access point is deleted")
    return Verdict(WAITING, f"the access point is {state}")


@predicate("replication_group_available")
def replication_group_available(group):
    """An ElastiCache replication group is available; FAILED when its creation failed, or it is gone or being deleted."""
    status = (group or {}).get("Status")
    if status == "available":
        return Verdict(READY, "the replication group is available")
    if status in (None, "create-failed", "deleting"):
        return Verdict(FAILED, f"the replication group is {status or 'gone'}")
    return Verdict(WAITING, f"the replication group is {status}")


@predicate("replication_group_deleted")
def replication_group_deleted(group):
    """An ElastiCache replication group no longer exists."""
    if not group:
        return Verdict(READY, "the replication group is deleted")
    return Verdict(WAITING, f"the replication group is {group.get('Status')}")
