"""Transitions as the feed would deliver them, for the notifier's judgement tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.notify.model import (
    PodTransition,
    ReachabilityTransition,
    WorkloadTransition,
    transition_id,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RUNNING, NOT_READY, EXCEPTION = "Running", "Not Ready", "Exception"


def changed(
    name: str,
    old: str | None,
    new: str | None,
    reason: str = "CrashLoopBackOff",
    *,
    at: float = 0.0,
    cluster: str = "sim-1",
    deleted: bool = False,
    old_reason: str = "",
) -> WorkloadTransition:
    return WorkloadTransition(
        id=transition_id("w", cluster, name, old, new, reason, at),
        cluster=cluster,
        kind="Deployment",
        namespace="shop",
        name=name,
        old_status=old,
        new_status=new,
        old_reason=old_reason,
        reason=reason,
        message=f"{name}: {reason}",
        time=T0 + timedelta(seconds=at),
        deleted=deleted,
        ready=0,
        desired=3,
    )


def pod(
    owner: str | None,
    index: int,
    reason: str = "CrashLoopBackOff",
    *,
    issue: str | None = "container-error",
    old_issue: str | None = None,
    phase: str = "Running",
    at: float = 0.0,
    deleted: bool = False,
) -> PodTransition:
    """A pod's change; ``owner`` None: a standalone pod named ``bare-...``."""
    return PodTransition(
        id=transition_id("p", owner, index, reason, issue, at),
        cluster="sim-1",
        namespace="shop",
        name=f"{owner or 'bare'}-7d9f8b6c5d-p{index}",
        phase=phase,
        reason=reason,
        message=f"back-off restarting failed container ({index})",
        time=T0 + timedelta(seconds=at),
        owner=f"Deployment/shop/{owner}" if owner else None,
        old_phase="Running",
        old_issue=old_issue,
        issue=issue,
        deleted=deleted,
    )


def reachability(reachable: bool, *, at: float = 0.0) -> ReachabilityTransition:
    return ReachabilityTransition(
        id=transition_id("c", reachable, at),
        cluster="sim-1",
        reachable=reachable,
        since=T0 + timedelta(seconds=at),
        error="" if reachable else "connection refused",
        time=T0 + timedelta(seconds=at),
    )
