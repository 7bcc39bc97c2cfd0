"""Change feed entries: one per status transition, addition and deletion.

Entries carry the whole record as it is after the change (as it was, for a
deletion), so a subscriber shows the workload without another read, and a
reconnecting client replays exactly what happened.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from gateway.store.changes import FeedEntry
from gateway.store.records import Record

WORKLOADS = "workloads"
PODS = "pods"
ADDED, CHANGED, DELETED = "added", "changed", "deleted"


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def workload_entry(
    event: str, record: Record, old_status: str = "", old_reason: str = ""
) -> FeedEntry:
    new_status = "" if event == DELETED else str(record["status"])
    return FeedEntry(
        WORKLOADS,
        {
            "type": event,
            "id": f"{record['kind']}/{record['namespace']}/{record['name']}",
            "oldStatus": old_status,
            "newStatus": new_status,
            "oldReason": old_reason,
            "reason": str(record["reason"]),
            "message": str(record["message"]),
            "resourceVersion": str(record.get("resourceVersion") or ""),
            "time": now_text(),
            "record": orjson.dumps(record).decode(),
        },
    )


def pod_entry(event: str, record: Record, old_phase: str = "", old_reason: str = "") -> FeedEntry:
    return FeedEntry(
        PODS,
        {
            "type": event,
            "id": f"{record['namespace']}/{record['name']}",
            "oldPhase": old_phase,
            "newPhase": "" if event == DELETED else str(record["phase"]),
            "oldReason": old_reason,
            "reason": str(record["displayReason"]),
            "message": str(record["message"]),
            "resourceVersion": str(record.get("resourceVersion") or ""),
            "time": now_text(),
            "record": orjson.dumps(record).decode(),
        },
    )
