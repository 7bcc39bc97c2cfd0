"""What the watchers hand to the store: already-serialised records and feed entries.

The mirror knows the previous verdict of everything it holds, so each change says
what to remove from the indexes as well as what to add; the writer only translates
changes into Redis commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class WorkloadUpsert:
    id: str
    record: bytes
    index: bytes
    labels: bytes
    count_before: str | None
    count_after: str


@dataclass(frozen=True, slots=True)
class WorkloadRemove:
    id: str
    count_before: str | None


@dataclass(frozen=True, slots=True)
class PodUpsert:
    id: str
    record: bytes
    counts_before: tuple[str, ...]
    counts_after: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PodRemove:
    id: str
    counts_before: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NodeUpsert:
    name: str
    record: bytes


@dataclass(frozen=True, slots=True)
class NodeRemove:
    name: str


@dataclass(frozen=True, slots=True)
class NamespaceUpsert:
    name: str
    record: bytes


@dataclass(frozen=True, slots=True)
class NamespaceRemove:
    name: str


@dataclass(frozen=True, slots=True)
class EventPush:
    """One event, listed under the object it is about and under that object's workload."""

    object_ids: tuple[str, ...]
    record: bytes


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a change feed: ``stream`` is "workloads", "pods" or "clusters".

    ``encoded`` is ``fields`` as JSON when whoever made the entry had it for free (the
    record inside already serialised); otherwise the writer serialises ``fields``.
    """

    stream: str
    fields: dict[str, Any] = field(default_factory=dict)
    encoded: bytes | None = field(default=None, compare=False, repr=False)


Change = (
    WorkloadUpsert
    | WorkloadRemove
    | PodUpsert
    | PodRemove
    | NodeUpsert
    | NodeRemove
    | NamespaceUpsert
    | NamespaceRemove
    | EventPush
    | FeedEntry
)
