"""What one caller may see, resolved per cluster into sets the read paths check synchronously.

Grants (from the configuration's rules or from Kubernetes RBAC) are turned into a
``Visibility`` once per caller and cached briefly; every read of the cache then asks
it questions that cost a dict lookup: may this caller see this (cluster, namespace,
kind)? its pods' logs? the cluster's nodes? An object outside is not "forbidden",
it simply does not exist for this caller, counts included.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from gateway.kinds import EVERY_KIND

ALL_KINDS = frozenset({EVERY_KIND})
"""Every kind, custom ones included (those a cluster starts serving later too): what a
grant naming no kinds allows. A set of kinds holds it or names kinds one by one, so
``kinds >= ALL_KINDS`` asks "does this see every kind?" and never holds for a list of
names, however long: a tenant granted the five built-ins does not see a Rollout."""


@dataclass(slots=True)
class ClusterVisibility:
    """One cluster as a caller sees it.

    ``everywhere`` are the kinds visible in every namespace (empty: none; ``ALL_KINDS``
    within it: every kind); ``namespaces`` adds kinds in named namespaces. Logs follow
    the same shape.
    """

    everywhere: frozenset[str] = frozenset()
    namespaces: dict[str, frozenset[str]] = field(default_factory=dict)
    logs_everywhere: bool = False
    logs_namespaces: set[str] = field(default_factory=set)
    nodes: bool = False

    def kinds_in(self, namespace: str) -> frozenset[str]:
        extra = self.namespaces.get(namespace)
        return self.everywhere | extra if extra else self.everywhere

    def admits(self, namespace: str, kind: str) -> bool:
        if kind in self.everywhere or EVERY_KIND in self.everywhere:
            return True
        kinds = self.namespaces.get(namespace, ())
        return kind in kinds or EVERY_KIND in kinds

    def sees_namespace(self, namespace: str) -> bool:
        return bool(self.everywhere) or namespace in self.namespaces

    def sees_kind(self, kind: str) -> bool:
        """In some namespace at least: whether the kind exists for this caller at all."""
        return any(
            kind in kinds or EVERY_KIND in kinds
            for kinds in (self.everywhere, *self.namespaces.values())
        )

    def allows_logs(self, namespace: str) -> bool:
        return self.logs_everywhere or namespace in self.logs_namespaces

    def fingerprint(self) -> Hashable:
        return (
            self.everywhere,
            tuple(sorted(self.namespaces.items())),
            self.logs_everywhere,
            frozenset(self.logs_namespaces),
            self.nodes,
        )

    def add(self, namespaces: Iterable[str] | None, kinds: frozenset[str], logs: bool) -> None:
        if namespaces is None:
            self.everywhere |= kinds
            self.logs_everywhere = self.logs_everywhere or logs
            return
        for namespace in namespaces:
            self.namespaces[namespace] = self.namespaces.get(namespace, frozenset()) | kinds
            if logs:
                self.logs_namespaces.add(namespace)


@dataclass(slots=True)
class Visibility:
    """Every cluster a caller may see; clusters absent from ``clusters`` do not exist for it."""

    clusters: dict[str, ClusterVisibility] = field(default_factory=dict)
    unrestricted: bool = False
    metrics: bool = False

    @classmethod
    def everything(cls) -> Visibility:
        return cls(unrestricted=True, metrics=True)

    def fingerprint(self) -> Hashable:
        """Equal for two visibilities exactly when they admit the same things: what lets
        callers share an answer (schema/sharedresults.py)."""
        if self.unrestricted:
            return (True, self.metrics)
        clusters = sorted((name, view.fingerprint()) for name, view in self.clusters.items())
        return (False, self.metrics, tuple(clusters))

    def cluster(self, name: str) -> ClusterVisibility | None:
        if self.unrestricted:
            return _ALL
        return self.clusters.get(name)

    def visible_clusters(self, known: Iterable[str]) -> list[str]:
        return [name for name in known if self.unrestricted or name in self.clusters]

    def admits(self, cluster: str, namespace: str, kind: str) -> bool:
        if self.unrestricted:
            return True
        found = self.clusters.get(cluster)
        return found is not None and found.admits(namespace, kind)

    def sees_namespace(self, cluster: str, namespace: str) -> bool:
        if self.unrestricted:
            return True
        found = self.clusters.get(cluster)
        return found is not None and found.sees_namespace(namespace)

    def allows_logs(self, cluster: str, namespace: str) -> bool:
        if self.unrestricted:
            return True
        found = self.clusters.get(cluster)
        return found is not None and found.allows_logs(namespace)

    def sees_nodes(self, cluster: str) -> bool:
        if self.unrestricted:
            return True
        found = self.clusters.get(cluster)
        return found is not None and found.nodes


_ALL = ClusterVisibility(everywhere=ALL_KINDS, logs_everywhere=True, nodes=True)

NamespaceLabels = Mapping[str, Mapping[str, Mapping[str, str]]]
"""cluster -> namespace -> labels, for grants that pick namespaces by label selector."""
