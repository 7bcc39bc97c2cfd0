"""Where one caller's view of the fixture data ends, and every way an answer can step past it.

The fixture (tests/scoping/tenants.py) holds one web Deployment with two pods in
sim-1/shop, sim-1/billing and sim-2/shop, on nodes worker-1 and worker-2. Alice
(team-shop) may see sim-1/shop only, and no nodes. An answer crosses her line if
any object in it belongs elsewhere (by its cluster, namespace, name or decoded id),
if a count is larger than what she can see, or if any string in it, or inside a
base64 id or cursor, names what only other tenants hold.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from schema import ids
from schema.errors import GatewayError


@dataclass(frozen=True, slots=True)
class Boundary:
    places: frozenset[tuple[str, str]]
    clusters: frozenset[str]
    workloads: int
    """How many workloads the caller can count, summaries and totals included."""
    nodes: bool
    markers: tuple[str, ...]
    """Strings that occur only in other tenants' data."""

    def violations(self, data: Any) -> list[str]:
        """Every place in ``data`` past the boundary."""
        found: list[str] = []
        self._walk(data, "data", found)
        return found

    def in_messages(self, errors: list[dict[str, Any]], sent: str) -> list[str]:
        """Error messages naming other tenants' things the client did not name itself
        (in plain words or inside an id or cursor it made up)."""
        named = sent + " ".join(_decoded(token) for token in _TOKENS.findall(sent))
        return [
            f"error message names {marker!r}: {error.get('message')!r}"
            for error in errors
            for marker in self.markers
            if marker in str(error.get("message")) and marker not in named
        ]

    def _walk(self, value: Any, path: str, found: list[str]) -> None:
        if isinstance(value, dict):
            found.extend(f"{path}: {problem}" for problem in self._object(value))
            for key, item in value.items():
                self._walk(item, f"{path}.{key}", found)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._walk(item, f"{path}[{index}]", found)
        elif isinstance(value, str):
            for text in (value, _decoded(value)):
                found.extend(
                    f"{path}: {value[:80]!r} names {marker!r}"
                    for marker in self.markers
                    if marker in text
                )

    def _object(self, value: dict[str, Any]) -> list[str]:
        if value.get("type") == "SNAPSHOT_END":
            return _marker(value)
        problems: list[str] = []
        kind = value.get("__typename")
        cluster = value.get("cluster")
        namespace = value.get("namespace")
        if kind == "ClusterNode" and not self.nodes:
            problems.append("a node, without a grant for nodes")
        if isinstance(cluster, str) and cluster not in self.clusters:
            problems.append(f"cluster {cluster!r}")
        if isinstance(namespace, str) and not self._admits(cluster, namespace):
            problems.append(f"namespace {cluster}/{namespace}")
        if kind == "Cluster" and value.get("name") not in (None, *self.clusters):
            problems.append(f"cluster {value.get('name')!r}")
        if kind == "Namespace" and not self._admits(cluster, value.get("name")):
            problems.append(f"namespace {cluster}/{value.get('name')}")
        for key in (
            ("totalCount", "total") if kind in ("WorkloadConnection", "StatusSummary") else ()
        ):
            if isinstance(value.get(key), int) and value[key] > self.workloads:
                problems.append(f"{key} {value[key]} > {self.workloads}")
        if (
            kind in ("StatusCount", "KindStatusCount")
            and (value.get("count") or 0) > self.workloads
        ):
            problems.append(f"count {value['count']} > {self.workloads}")
        for key in ("id", "workloadId"):
            if isinstance(value.get(key), str):
                problems.extend(self._id(value[key]))
        return problems

    def _admits(self, cluster: Any, namespace: Any) -> bool:
        if isinstance(cluster, str):
            return (cluster, namespace) in self.places
        return any(namespace == place for _, place in self.places)

    def _id(self, value: str) -> list[str]:
        try:
            decoded = ids.decode(value)
        except GatewayError:
            return [f"id {value!r} is not one the gateway issues"]
        if decoded.cluster not in self.clusters:
            return [f"id of cluster {decoded.cluster!r}"]
        if decoded.type_name == "ClusterNode" and not self.nodes:
            return ["id of a node, without a grant for nodes"]
        if decoded.type_name == "Workload":
            namespace = decoded.path.split("/")[1:2]
        elif decoded.type_name == "Pod":
            namespace = decoded.path.split("/")[:1]
        else:
            return []
        if not namespace or not self._admits(decoded.cluster, namespace[0]):
            return [f"id of {decoded.cluster}/{decoded.path}"]
        return []


_BASE64URL = re.compile(r"^[A-Za-z0-9_-]{8,}$")
_TOKENS = re.compile(r"[A-Za-z0-9_-]{8,}")


def _decoded(value: str) -> str:
    """Ids and cursors are base64url JSON or text: what they say, if they are."""
    if not _BASE64URL.match(value):
        return ""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", errors="ignore")


ALICE = Boundary(
    places=frozenset({("sim-1", "shop")}),
    clusters=frozenset({"sim-1"}),
    workloads=1,
    nodes=False,
    markers=("billing", "sim-2", "worker-2"),
)


def _marker(value: dict[str, Any]) -> list[str]:
    """The end of a snapshot names no workload: whatever identity it carries is a leak."""
    return [
        f"snapshot end marker carries {key} {value[key]!r}"
        for key in ("cluster", "namespace", "name", "workloadId", "kind", "workload")
        if value.get(key) not in (None, "")
    ]
