"""What the watchers hand to the store: already-serialised records and feed entries.

The mirror knows the previous verdict of everything it holds, so each change says
what to remove from the indexes as well as what to add; the writer only translates
changes into Redis commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from gateway.store.podindex import PodIndexEntry


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
    """``indexed_before`` is what the index held (None: nothing, or a full rewrite);
    ``labels`` None means they did not change since they were last written."""

    id: str
    record: bytes
    counts_before: tuple[str, ...]
    counts_after: tuple[str, ...]
    indexed_before: PodIndexEntry | None = None
    indexed: PodIndexEntry | None = None
    labels: bytes | None = None


@dataclass(frozen=True, slots=True)
class PodRemove:
    id: str
    counts_before: tuple[str, ...]
    indexed_before: PodIndexEntry | None = None


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


class FeedEntry:
    """One entry of a change feed: ``stream`` is "workloads", "pods" or "clusters".

    Made from its ``fields``, or from their JSON (``encoded``) when whoever made the
    entry had that for free; then the fields are decoded only if someone reads them.
    The watchers produce an entry for every pod that changes status, and a batch of
    entries each holding its record as dicts and lists, alive until Redis answers, is
    what the garbage collector found and promoted on nearly every young collection.
    """

    __slots__ = ("_fields", "encoded", "stream")
    __match_args__ = ("stream", "fields")

    def __init__(
        self, stream: str, fields: dict[str, Any] | None = None, *, encoded: bytes | None = None
    ) -> None:
        self.stream = stream
        self.encoded = encoded
        self._fields = fields if fields is not None or encoded is not None else {}

    @property
    def fields(self) -> dict[str, Any]:
        if self._fields is None:
            decoded: dict[str, Any] = orjson.loads(self.encoded or b"{}")
            self._fields = decoded
        return self._fields

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FeedEntry):
            return NotImplemented
        return self.stream == other.stream and self.fields == other.fields

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FeedEntry(stream={self.stream!r}, fields={self.fields!r})"


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
