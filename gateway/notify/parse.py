"""Subscription payloads turned into transitions, in the manual's words ("Not Ready")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.notify.model import (
    PodTransition,
    ReachabilityTransition,
    WorkloadTransition,
    transition_id,
)
from schema.types import PodIssue, PodPhase, WorkloadKind, WorkloadStatus


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def _status(name: Any) -> str | None:
    return WorkloadStatus[name].value if isinstance(name, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def _phase(name: Any) -> str | None:
    return PodPhase[name].value if isinstance(name, str) else None


def _issue(name: Any) -> str | None:
    return str(PodIssue[name].value) if isinstance(name, str) else None


def _kind(change: dict[str, Any]) -> str:
    """A built-in by its name (StatefulSet), a custom kind by its GroupKind (every custom
    kind is CUSTOM): the spelling the gateway's ids and pods' owners use."""
    kind = WorkloadKind[change["kind"]]
    return str(change["groupKind"]) if kind is WorkloadKind.CUSTOM else str(kind.value)


def workload(change: dict[str, Any]) -> WorkloadTransition:
    kind = _kind(change)
    old, new = _status(change.get("oldStatus")), _status(change.get("newStatus"))
    details = change.get("workload") or {}
    counts = details.get("counts") or {}
    return WorkloadTransition(
        id=transition_id(
            "w",
            change["cluster"],
            kind,
            change["namespace"],
            change["name"],
            change["type"],
            old,
            new,
            change.get("reason", ""),
            change.get("time"),
        ),
        cluster=change["cluster"],
        kind=kind,
        namespace=change["namespace"],
        name=change["name"],
        old_status=old,
        new_status=None if change["type"] == "DELETED" else new,
        old_reason=change.get("oldReason") or "",
        reason=change.get("reason") or "",
        message=change.get("message") or "",
        time=_time(change.get("time")),
        deleted=change["type"] == "DELETED",
        ready=_int(counts.get("ready")),
        desired=_int(counts.get("desired")),
        warnings=tuple(details.get("warnings") or ()),
    )


def is_snapshot(change: dict[str, Any]) -> bool:
    return change.get("type") == "SNAPSHOT"


def is_snapshot_end(change: dict[str, Any]) -> bool:
    return change.get("type") == "SNAPSHOT_END"


def pod(change: dict[str, Any]) -> PodTransition:
    phase = change.get("newPhase")
    details = change.get("pod") or {}
    return PodTransition(
        id=transition_id(
            "p",
            change["cluster"],
            change["namespace"],
            change["name"],
            change["type"],
            phase,
            change.get("reason", ""),
            change.get("time"),
        ),
        cluster=change["cluster"],
        namespace=change["namespace"],
        name=change["name"],
        phase=_phase(phase),
        reason=change.get("reason") or "",
        message=change.get("message") or "",
        time=_time(change.get("time")),
        owner=details.get("owner") or None,
        old_phase=_phase(change.get("oldPhase")),
        old_issue=_issue(change.get("oldIssue")),
        issue=_issue(change.get("newIssue")),
        deleted=change["type"] == "DELETED",
    )


def reachability(change: dict[str, Any]) -> ReachabilityTransition:
    return ReachabilityTransition(
        id=transition_id(
            "c", change["cluster"], change["reachable"], change.get("since"), change.get("time")
        ),
        cluster=change["cluster"],
        reachable=bool(change["reachable"]),
        since=_time(change.get("since")),
        error=change.get("error") or "",
        time=_time(change.get("time")),
    )
