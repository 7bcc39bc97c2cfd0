"""Reading Kubernetes objects given as plain dicts.

The rules read objects straight from dicts for speed; these helpers cover the few
spots where a missing or odd value is normal (timestamps, conditions, quantities)
and the formatting every message shares, so every message looks the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

Obj = Mapping[str, Any]

EMPTY: Obj = {}


def parse_time(value: object) -> datetime | None:
    """RFC 3339 as the API server writes it; anything else is no time at all."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


_SECONDS_TEXTS: dict[datetime, str] = {}
_SECONDS_TEXTS_KEPT = 4096


def seconds_text(value: datetime) -> str:
    """``value.strftime("%Y-%m-%dT%H:%M:%SZ")``, its fields as they are (no conversion).

    strftime builds a time tuple for the garbage collector to track on every call, and
    records and messages format hundreds of thousands of times; isoformat does not.
    The C library's %Y does not pad years before 1000, so those still take strftime.
    The same instants come back again and again (a pod's transitions, every record of
    a rollout), so UTC ones are remembered; only UTC, because equal instants in other
    zones are equal keys with other fields.
    """
    utc = value.tzinfo is UTC
    if utc:
        known = _SECONDS_TEXTS.get(value)
        if known is not None:
            return known
    if value.year < 1000:
        text = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        text = value.isoformat(timespec="seconds")[:19] + "Z"
    if utc:
        if len(_SECONDS_TEXTS) >= _SECONDS_TEXTS_KEPT:
            _SECONDS_TEXTS.clear()
        _SECONDS_TEXTS[value] = text
    return text


def format_time(value: datetime | None) -> str:
    if value is None:
        return "an unknown time"
    return seconds_text(value.astimezone(UTC))


def newest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def find_condition(conditions: object, kind: str) -> Obj | None:
    """The condition of that type, or None; tolerant of a malformed list."""
    if not isinstance(conditions, list):
        return None
    for item in conditions:
        if isinstance(item, dict) and item.get("type") == kind:
            return item
    return None


def condition_is(conditions: object, kind: str, status: str = "True") -> Obj | None:
    found = find_condition(conditions, kind)
    if found is not None and found.get("status") == status:
        return found
    return None


def condition_time(cond: Obj | None) -> datetime | None:
    if cond is None:
        return None
    return parse_time(cond.get("lastTransitionTime")) or parse_time(cond.get("lastUpdateTime"))


def newest_transition(conditions: object) -> datetime | None:
    """Compares the RFC 3339 texts and parses only the newest: this runs for every pod.

    The API server writes every timestamp in one format, so text order is time order.
    """
    if not isinstance(conditions, list):
        return None
    latest = ""
    for cond in conditions:
        if isinstance(cond, dict):
            when = cond.get("lastTransitionTime") or cond.get("lastUpdateTime")
            if isinstance(when, str) and when > latest:
                latest = when
    return parse_time(latest)


def as_int(value: object, default: int = 0) -> int:
    """Counters: the API omits zero values, so absence means 0.

    A value of another type raises TypeError instead of reading as 0: the engine then
    reports the object as invalid, naming the field, rather than trusting a made-up count.
    """
    if value is None:
        return default
    if type(value) is int:
        return value
    raise TypeError(f"expected an integer, found {type(value).__name__}")


def text_of(value: object) -> str:
    """Names and reasons the verdict carries: absent is empty, another type is an error."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, found {type(value).__name__}")


def as_str(value: object) -> str:
    """Free text quoted in messages: anything that is not a string is no text."""
    return value if isinstance(value, str) else ""


def quote(text: str, limit: int = 300) -> str:
    """Quote an object's own text, trimmed so one message stays one or two sentences."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def sentence(text: str) -> str:
    """Quoted texts end with or without a full stop; messages join them as sentences."""
    text = text.strip()
    if text and text[-1] not in ".!?…":
        return text + "."
    return text


def plural(count: int | None, word: str) -> str:
    """``1 pod``, ``3 pods``: messages are read by people, who notice ``1 pods``."""
    count = count or 0
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def name_list(names: list[str], limit: int = 3) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
