"""Change feed entries: one per status transition, addition and deletion.

Entries carry the whole record as it is after the change (as it was, for a
deletion), so a subscriber shows the workload without another read, and a
reconnecting client replays exactly what happened. In the stream an entry is one
field, ``e``, holding its JSON: one argument to write and one document to parse,
instead of a dozen fields each encoded and decoded on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.store.changes import FeedEntry
from gateway.store.records import Record

WORKLOADS = "workloads"
PODS = "pods"
ADDED, CHANGED, DELETED = "added", "changed", "deleted"


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry(stream: str, fields: dict[str, Any], record: Record, record_json: bytes) -> FeedEntry:
    """With ``record_json``, the entry is made as JSON around the record's, which the
    caller has already serialised: byte for byte what serialising ``fields`` would
    give, at a fraction of the cost (the record is most of an entry), and no dicts
    kept until the entry is written."""
    if not record_json:
        fields["record"] = record
        return FeedEntry(stream, fields)
    fields["record"] = orjson.Fragment(record_json)
    return FeedEntry(stream, encoded=orjson.dumps(fields))


def workload_entry(
    event: str,
    record: Record,
    old_status: str = "",
    old_reason: str = "",
    *,
    at: str = "",
    record_json: bytes = b"",
) -> FeedEntry:
    """``record_json``, when given, must be ``orjson.dumps(record)``."""
    new_status = "" if event == DELETED else str(record["status"])
    return _entry(
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
            "time": at or now_text(),
        },
        record,
        record_json,
    )


def pod_entry(
    event: str,
    record: Record,
    old_phase: str = "",
    old_reason: str = "",
    *,
    at: str = "",
    record_json: bytes = b"",
    old_issue: str = "",
    issue: str = "",
    old_owner: str | None = None,
    labels: bytes = b"{}",
) -> FeedEntry:
    """``record_json``, when given, must be ``orjson.dumps(record)``. ``issue`` and
    ``old_issue`` name what is wrong with the pod itself (a PodIssue value, "" for
    nothing), cluster reachability left out: that has its own feed. ``old_owner`` is
    given on a change, so a subscriber to standalone pods hears of one adopted or
    orphaned; ``labels`` (JSON) let subscriptions match label selectors."""
    fields: dict[str, Any] = {
        "type": event,
        "id": f"{record['namespace']}/{record['name']}",
        "oldPhase": old_phase,
        "newPhase": "" if event == DELETED else str(record["phase"]),
        "oldReason": old_reason,
        "reason": str(record["displayReason"]),
        "message": str(record["message"]),
        "resourceVersion": str(record.get("resourceVersion") or ""),
        "time": at or now_text(),
        "oldIssue": old_issue,
        "issue": "" if event == DELETED else issue,
        "labels": orjson.Fragment(labels) if record_json else orjson.loads(labels),
    }
    if event == CHANGED:
        fields["oldOwner"] = old_owner
    return _entry(PODS, fields, record, record_json)


FIELD = "e"
"""The one field of a stream entry."""


def payload(entry: FeedEntry) -> bytes:
    return entry.encoded if entry.encoded is not None else orjson.dumps(entry.fields)


def encode(entry: FeedEntry) -> dict[str, bytes]:
    return {FIELD: payload(entry)}


def decode(raw: Mapping[Any, Any]) -> dict[str, Any]:
    """An entry as read from a stream; entries of another shape decode to nothing."""
    data = raw.get(FIELD.encode(), raw.get(FIELD))
    if data is None:
        return {}
    found = orjson.loads(data)
    return found if isinstance(found, dict) else {}
