"""The last events of each object, which its status is judged with, and those not yet written.

Events arrive on their own watch, before or after the object they are about; a
pod's events are read again whenever the pod is re-judged, so each object keeps its
newest few (slimmed), not the cluster's whole event stream.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.status.fields import Obj
from gateway.watch.compact import slim_event
from gateway.watch.metadata import EventTarget, event_target, event_uid

EVENTS_KEPT = 10


class EventLog:
    def __init__(self) -> None:
        self.by_target: dict[EventTarget, list[Obj]] = {}
        self.new: list[tuple[EventTarget, Obj]] = []

    def of(self, target: EventTarget) -> Sequence[Obj]:
        return self.by_target.get(target, ())

    def add(self, event: Obj) -> EventTarget | None:
        """The object the event is about, if the event is news to it."""
        target = event_target(event)
        if target is None:
            return None
        slim = slim_event(event)
        uid = event_uid(slim)
        known = self.by_target.get(target, [])
        if slim in known:
            return None
        kept = [e for e in known if event_uid(e) != uid]
        kept.append(slim)
        self.by_target[target] = kept[-EVENTS_KEPT:]
        self.new.append((target, slim))
        return target

    def forget(self, event: Obj) -> None:
        target = event_target(event)
        if target is None or target not in self.by_target:
            return
        uid = event_uid(event)
        self.by_target[target] = [e for e in self.by_target[target] if event_uid(e) != uid]

    def keep_only(self, listed: set[str]) -> None:
        """A relist of events: those it did not contain are gone."""
        for target, events in list(self.by_target.items()):
            self.by_target[target] = [e for e in events if event_uid(e) in listed]

    def drop(self, target: EventTarget) -> None:
        self.by_target.pop(target, None)

    def take(self, full: bool) -> list[tuple[EventTarget, Obj]]:
        """The events to write: all of them for a full rewrite, else those new since the last."""
        if full:
            pending = [
                (target, event) for target, events in self.by_target.items() for event in events
            ]
        else:
            pending = self.new
        self.new = []
        return pending
