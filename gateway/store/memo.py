"""Workload records read again unchanged are not decoded, nor turned into objects, again.

Consoles ask for the same pages over and over, and between two asks most workloads
have not changed: the bytes Redis returns are the bytes it returned before. Decoding
them and building the schema's objects was half the CPU of a 1,000-workload page.
Keyed by the bytes themselves, a change in Redis is a new key: nothing goes stale,
and every answer still comes from what Redis holds at the moment of the read.

Bounded: the oldest entries go first. At about 4.7 KiB an entry (measured: 0.8 KiB of
bytes, 3.9 KiB of record and object), the default 20,000 workloads take about 90 MiB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import orjson

CAPACITY = 20_000
T = TypeVar("T")


@dataclass(slots=True)
class _Entry:
    record: Any
    built: Any = None


class RecordMemo:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._by_bytes: dict[bytes, _Entry] = {}
        self._by_record: dict[int, _Entry] = {}
        """By the decoded record's identity: it lives as long as its entry, so its id
        cannot be reused for another record meanwhile. Different bytes can decode to one
        object (orjson shares ``true``, ``null`` and small numbers): the latest entry
        holds the id, and an older one leaves it alone when evicted."""

    def __len__(self) -> int:
        return len(self._by_bytes)

    def decode(self, raw: bytes) -> Any:
        entry = self._by_bytes.get(raw)
        if entry is None:
            entry = _Entry(orjson.loads(raw))
            if len(self._by_bytes) >= self.capacity:
                oldest = self._by_bytes.pop(next(iter(self._by_bytes)))
                if self._by_record.get(id(oldest.record)) is oldest:
                    del self._by_record[id(oldest.record)]
            self._by_bytes[raw] = entry
            self._by_record[id(entry.record)] = entry
        return entry.record

    def built(self, record: Any, build: Callable[[Any], T]) -> T:
        """``build(record)``, once per decoded record this memo holds; a record it does not
        hold (evicted, or decoded elsewhere) is built every time."""
        entry = self._by_record.get(id(record))
        if entry is None or entry.record is not record:
            return build(record)
        if entry.built is None:
            entry.built = build(record)
        return cast(T, entry.built)
