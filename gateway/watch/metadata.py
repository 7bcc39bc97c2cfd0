"""What the mirror reads of any object: its metadata, its controller, an event's subject."""

from __future__ import annotations

from gateway import kinds
from gateway.status.fields import EMPTY, Obj, as_str

EventTarget = tuple[str, str, str]
"""(kind, namespace, name) of the object an event is about."""


def meta(obj: Obj) -> Obj:
    found = obj.get("metadata")
    return found if isinstance(found, dict) else EMPTY


def controller_uid(obj: Obj) -> str:
    return as_str(_controller(obj).get("uid"))


def controller_kind(obj: Obj) -> str:
    """As a GroupKind string: a CloneSet's pods name ``CloneSet.apps.kruise.io``."""
    found = _controller(obj)
    kind = as_str(found.get("kind"))
    return kinds.of_manifest(as_str(found.get("apiVersion")), kind) if kind else ""


def _controller(obj: Obj) -> Obj:
    refs = meta(obj).get("ownerReferences")
    if not isinstance(refs, list):
        return EMPTY
    for ref in refs:
        if isinstance(ref, dict) and ref.get("controller") is not False:
            return ref
    return EMPTY


def event_uid(event: Obj) -> str:
    found = meta(event)
    return as_str(found.get("uid")) or as_str(found.get("name"))


def event_target(event: Obj) -> EventTarget | None:
    involved = event.get("involvedObject") or event.get("regarding")
    if not isinstance(involved, dict):
        return None
    return (
        kinds.of_manifest(as_str(involved.get("apiVersion")), as_str(involved.get("kind"))),
        as_str(involved.get("namespace")) or as_str(meta(event).get("namespace")),
        as_str(involved.get("name")),
    )
