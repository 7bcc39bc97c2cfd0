"""The pod index: what filtering and paging pods read, and the sorted sets that answer them.

A fleet holds a hundred thousand pods per cluster, ten times its workloads, so the
pod index is not read whole like the workload index. Each pod is a member of a few
sorted sets (all scored 0, so Redis keeps each in byte order of its members): one of
every pod in name order, one in ``since`` order, and one per namespace, node, phase,
unusual STATUS reason, plus one of abnormal and one of standalone pods (those that
belong to no workload). A page of a single such set is a range read; a filter over
several is answered from the smallest set the filter names, its members checked
against their index entries. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

from gateway.selectors import Selector
from gateway.status.model import PodPhase
from gateway.store.keys import count_field

ALL = "all"
SINCE = "since"
ABNORMAL = "abnormal"
STANDALONE = "standalone"
PHASES = frozenset(p.value for p in PodPhase)
_SEP = "\x00"
"""Sorts before every character a Kubernetes name may hold: "web" < "web-1" in the sets."""


class PodOrderField(StrEnum):
    NAME = "name"
    SINCE = "since"


@dataclass(frozen=True, slots=True)
class PodOrder:
    """Descending is the exact reverse of ascending, ties included."""

    field: PodOrderField = PodOrderField.NAME
    descending: bool = False


def facet(kind: str, value: str) -> str:
    """The name of the set of pods whose ``kind`` ("ns", "node", "phase", "reason") is ``value``."""
    return f"{kind}:{value}"


@dataclass(frozen=True, slots=True)
class PodIndexEntry:
    namespace: str
    name: str
    phase: str
    reason: str
    """kubectl's STATUS column."""
    abnormal: bool
    owner_kind: str
    """The kind of the owning workload, or of the one an orphan belonged to; "" for a
    pod that never had one. A caller needs this kind's grant to see the pod."""
    node: str
    since: float
    orphaned: bool = False
    """Its workload is gone (``owner_kind`` names what it was)."""

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def standalone(self) -> bool:
        """Of no workload now, as filters and summaries count it."""
        return not self.owner_kind or self.orphaned

    def encoded(self) -> bytes:
        fields = [self.phase, self.reason, self.abnormal, self.owner_kind, self.node, self.since]
        return orjson.dumps([*fields, True] if self.orphaned else fields)

    def members(self) -> dict[str, str]:
        """Set name -> this pod's member in it."""
        lex = name_member(self.name, self.namespace)
        found = {
            ALL: lex,
            SINCE: since_member(self.since, self.name, self.namespace),
            facet("ns", self.namespace): lex,
            facet("phase", self.phase): lex,
        }
        if self.node:
            found[facet("node", self.node)] = lex
        if self.reason != self.phase:
            found[facet("reason", self.reason)] = lex
        if self.abnormal:
            found[ABNORMAL] = lex
        if self.standalone:
            found[STANDALONE] = lex
        return found

    def tally(self) -> str | None:
        """The standalone-pod count this pod adds to, for summaries without a scan."""
        if not self.standalone:
            return None
        flag = ABNORMAL if self.abnormal else ""
        if self.orphaned:
            return count_field(self.namespace, self.phase, flag, self.owner_kind)
        return count_field(self.namespace, self.phase, flag)


def decode_entry(pod_id: str, value: bytes | str) -> PodIndexEntry:
    return entry_from(pod_id, orjson.loads(value))


def entry_from(pod_id: str, fields: list[Any]) -> PodIndexEntry:
    """From the decoded JSON of an entry (``encoded``)."""
    namespace, _, name = pod_id.partition("/")
    phase, reason, abnormal, owner_kind, node, since, *orphaned = fields
    return PodIndexEntry(
        namespace, name, phase, reason, abnormal, owner_kind, node, since, bool(orphaned)
    )


def owner_kind(record: dict[str, object]) -> str:
    """The kind whose grant shows a pod record: its workload's, or for an orphan the one
    it belonged to ("" for a pod that never had one)."""
    owner = record.get("owner")
    return str(owner).split("/", 1)[0] if owner else str(record.get("ownerKind") or "")


def entry_of(record: dict[str, object]) -> PodIndexEntry:
    """The index entry of a pod record (gateway/store/records.py)."""
    since = record.get("since")
    return PodIndexEntry(
        str(record["namespace"]),
        str(record["name"]),
        str(record["phase"]),
        str(record["displayReason"]),
        bool(record["abnormal"]),
        owner_kind(record),
        str(record.get("node") or ""),
        _epoch(since) if isinstance(since, str) else 0.0,
        not record.get("owner") and bool(record.get("ownerKind")),
    )


def _epoch(text: str) -> float:
    try:
        return max(datetime.fromisoformat(text).timestamp(), 0.0)
    except ValueError:
        return 0.0


def name_member(name: str, namespace: str) -> str:
    return f"{name}{_SEP}{namespace}"


def since_member(since: float, name: str, namespace: str) -> str:
    """Fixed width, so byte order is time order (seconds since 1970, never negative)."""
    return f"{max(since, 0.0):017.6f}{_SEP}{name}{_SEP}{namespace}"


def pod_id_of(member: str) -> str:
    """The pod id ("namespace/name") a member of any set names."""
    parts = member.split(_SEP)
    return f"{parts[-1]}/{parts[-2]}"


def member_for(entry: PodIndexEntry, order: PodOrder) -> str:
    if order.field is PodOrderField.SINCE:
        return since_member(entry.since, entry.name, entry.namespace)
    return name_member(entry.name, entry.namespace)


@dataclass(frozen=True, slots=True)
class PodCriteria:
    """Every condition is optional; empty collections mean "any"."""

    clusters: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    phases: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()
    nodes: frozenset[str] = frozenset()
    abnormal: bool | None = None
    standalone: bool | None = None
    name_contains: str = ""
    selector: Selector | None = None
    workload: str = ""
    """Only pods of this workload ("Kind/namespace/name")."""

    @property
    def needs_labels(self) -> bool:
        return self.selector is not None and not self.selector.empty

    def admits(self, entry: PodIndexEntry) -> bool:
        """Everything but the label selector and the workload (read from elsewhere)."""
        if self.namespaces and entry.namespace not in self.namespaces:
            return False
        if self.phases and entry.phase not in self.phases:
            return False
        if self.reasons and entry.reason not in self.reasons:
            return False
        if self.nodes and entry.node not in self.nodes:
            return False
        if self.abnormal is not None and entry.abnormal != self.abnormal:
            return False
        if self.standalone is not None and entry.standalone != self.standalone:
            return False
        return not self.name_contains or self.name_contains.lower() in entry.name.lower()

    def choices(self) -> list[list[str]]:
        """For each condition a set can answer, the sets whose union holds its pods."""
        found: list[list[str]] = []
        for kind, values in (("ns", self.namespaces), ("node", self.nodes)):
            if values:
                found.append([facet(kind, v) for v in sorted(values)])
        if self.phases:
            found.append([facet("phase", p) for p in sorted(self.phases)])
        if self.reasons:
            # A reason equal to a phase's name is in that phase's set only (see members).
            found.append(
                [
                    facet(kind, r)
                    for r in sorted(self.reasons)
                    for kind in (("reason", "phase") if r in PHASES else ("reason",))
                ]
            )
        if self.abnormal:
            found.append([ABNORMAL])
        if self.standalone:
            found.append([STANDALONE])
        return found


class CursorError(ValueError):
    """A pagination cursor that this gateway did not hand out for this ordering."""


PodKey = tuple[str, str]
"""(member in the ordering's set, cluster): the total order of a connection."""


def encode_cursor(key: PodKey, order: PodOrder) -> str:
    payload = orjson.dumps(
        {"o": order.field.value, "d": order.descending, "m": key[0], "c": key[1]}
    )
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, order: PodOrder) -> PodKey:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["o"] != order.field.value or payload["d"] != order.descending:
            raise CursorError("the cursor belongs to a different ordering")
        member, cluster = payload["m"], payload["c"]
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, CursorError):
            raise
        raise CursorError(f"malformed cursor {cursor[:40]!r}") from error
    if not isinstance(member, str) or not isinstance(cluster, str) or _SEP not in member:
        raise CursorError(f"malformed cursor {cursor[:40]!r}")
    return member, cluster
