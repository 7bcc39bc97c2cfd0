"""The last events of each object, which its status is judged with, and those not yet written.

Events arrive on their own watch, before or after the object they are about; a
pod's events are read again whenever the pod is re-judged, so each object keeps its
newest few (slimmed, as JSON beside their uid: a parsed event is 1 KiB of dicts and
strings), not the cluster's whole event stream.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.status.fields import Obj
from gateway.watch.compact import kept, revived, slim_event
from gateway.watch.metadata import EventTarget, event_target, event_uid

EVENTS_KEPT = 10

Kept = tuple[str, bytes | Obj]
"""An event's uid and the slimmed event (``compact.kept``)."""


class EventLog:
    def __init__(self) -> None:
        self.by_target: dict[EventTarget, list[Kept]] = {}
        self.new: list[tuple[EventTarget, Obj]] = []

    def of(self, target: EventTarget) -> Sequence[Obj]:
        found = self.by_target.get(target)
        return [revived(data) for _, data in found] if found else ()

    def add(self, event: Obj) -> EventTarget | None:
        """The object the event is about, if the event is news to it."""
        target = event_target(event)
        if target is None:
            return None
        slim = slim_event(event)
        uid = event_uid(slim)
        known = self.by_target.get(target, [])
        if any(slim == revived(data) for _, data in known):
            return None
        kept_now = [e for e in known if e[0] != uid]
        kept_now.append((uid, kept(slim)))
        self.by_target[target] = kept_now[-EVENTS_KEPT:]
        self.new.append((target, slim))
        return target

    def forget(self, event: Obj) -> None:
        target = event_target(event)
        if target is None or target not in self.by_target:
            return
        uid = event_uid(event)
        self.by_target[target] = [e for e in self.by_target[target] if e[0] != uid]

    def keep_only(self, listed: set[str]) -> None:
        """A relist of events: those it did not contain are gone."""
        for target, events in list(self.by_target.items()):
            self.by_target[target] = [e for e in events if e[0] in listed]

    def drop(self, target: EventTarget) -> None:
        self.by_target.pop(target, None)

    def take(self, full: bool) -> list[tuple[EventTarget, Obj]]:
        """The events to write: all of them for a full rewrite, else those new since the last."""
        if full:
            pending = [
                (target, revived(data))
                for target, events in self.by_target.items()
                for _, data in events
            ]
        else:
            pending = self.new
        self.new = []
        return pending
