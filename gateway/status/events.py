"""Kubernetes events as evidence: the most specific text a person can act on.

A container waiting in ImagePullBackOff only says "Back-off pulling image"; the
kubelet's Failed event says the tag does not exist. Rules quote events when their
own objects are vaguer than that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from gateway.status.fields import Obj, parse_time


def event_time(event: Obj) -> datetime | None:
    series = event.get("series")
    observed = series.get("lastObservedTime") if isinstance(series, Mapping) else None
    return (
        parse_time(observed)
        or parse_time(event.get("lastTimestamp"))
        or parse_time(event.get("eventTime"))
        or parse_time(event.get("firstTimestamp"))
    )


_ECHO = re.compile(r"Error: \w+")


def latest_event(
    events: Sequence[Obj], reasons: frozenset[str], field_path: str | None = None
) -> Obj | None:
    """The newest Warning event with one of these reasons (for one container if asked).

    The kubelet follows each real failure with an echo such as ``Error: ErrImagePull``
    that says nothing the container state does not; an echo is only returned when no
    event with a real explanation exists.
    """
    best: Obj | None = None
    best_time: datetime | None = None
    echo: Obj | None = None
    for event in events:
        if not isinstance(event, Mapping) or event.get("type") != "Warning":
            continue
        reason = event.get("reason")
        if not isinstance(reason, str) or reason not in reasons:
            continue
        if field_path is not None:
            involved = event.get("involvedObject")
            path = involved.get("fieldPath") if isinstance(involved, Mapping) else None
            if isinstance(path, str) and path and field_path not in path:
                continue
        if _ECHO.fullmatch(event_message(event)):
            echo = echo or event
            continue
        when = event_time(event)
        if best is None or (when is not None and (best_time is None or when >= best_time)):
            best, best_time = event, when
    return best if best is not None else echo


def event_message(event: Obj | None) -> str:
    if event is None:
        return ""
    text = event.get("message")
    return text if isinstance(text, str) else ""


def index_events(events: Sequence[Obj]) -> dict[tuple[str, str, str], list[Obj]]:
    """Events by the (kind, namespace, name) they are about."""
    found: dict[tuple[str, str, str], list[Obj]] = {}
    for event in events:
        if not isinstance(event, Mapping):
            continue
        involved = event.get("involvedObject") or event.get("regarding")
        if not isinstance(involved, Mapping):
            continue
        key = (
            str(involved.get("kind") or ""),
            str(involved.get("namespace") or ""),
            str(involved.get("name") or ""),
        )
        found.setdefault(key, []).append(event)
    return found
