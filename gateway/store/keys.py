"""Every Redis key the gateway uses, in one place, so readers and writers agree.

Per-cluster keys share the ``{prefix}:c:{<cluster>}:`` stem so a cluster can be
rewritten (or dropped) as a whole with one SCAN pattern.

The braces are a Redis Cluster hash tag: every key of one Kubernetes cluster (its
records, indexes, counts, events, feeds, staging keys and write mark) hashes to the
slot of its name, so a batch's MULTI/EXEC and a full rewrite's RENAMEs stay in one
slot, while different clusters spread over the primaries. The keys every cluster
shares (cluster records, cluster feed, feed epoch, replicas, the global write mark)
carry the tag ``{g}`` and live in one slot together.

The layout is the same whatever ``redis.url`` names: one Redis, Sentinel and Cluster
differ in the client only, a cache moved between them needs no conversion, and the
tests against one Redis exercise the very key names a Cluster relies on. Changing the
layout costs nothing lasting:
the epoch key is new too, so subscribers' cursors expire, the watchers rewrite every
cluster from their mirrors, and the keys of the old layout are never read again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

_GLOB_SPECIAL = str.maketrans({c: f"\\{c}" for c in "*?[]\\"})
_STAGED = "\x00staging"
"""After the tag, so staging keys hash with the cluster's own; and before the ``:`` that
ends the stem, so the cluster's own SCAN pattern never matches them."""


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "ksg"
    staged: bool = False
    """Name a cluster's staging keys (a full rewrite is written there, then renamed)."""

    def staging(self) -> Keys:
        return replace(self, staged=True)

    @property
    def _shared(self) -> str:
        return f"{self.prefix}:{{g}}"

    @property
    def clusters(self) -> str:
        """HASH cluster name -> cluster record (reachability, sync state, watcher)."""
        return f"{self._shared}:clusters"

    @property
    def cluster_feed(self) -> str:
        """STREAM of cluster reachability changes."""
        return f"{self._shared}:feed:clusters"

    @property
    def feed_epoch(self) -> str:
        """A token made when the feeds are first written; a new one means history was lost."""
        return f"{self._shared}:feed:epoch"

    def write_probe(self, replica: str) -> str:
        """A replica's readiness check writes here: a Redis that answers reads but refuses
        writes (full under noeviction, a read-only replica) cannot keep the cache."""
        return f"{self.prefix}:probe:{replica}"

    def write_mark(self, writer: str, cluster: str | None = None) -> str:
        """A counter one writer bumps in every transaction: found lower than it last saw,
        Redis lost writes it had acknowledged (a lagging replica was promoted). One per
        Kubernetes cluster (None: the shared keys' group), in the slot its transactions
        write, since a transaction cannot reach into another slot."""
        if cluster is None:
            return f"{self._shared}:mark:{writer}"
        return f"{self.prefix}:mark:{{{cluster}}}:{writer}"

    def lease(self, cluster: str) -> str:
        return f"{self.prefix}:lease:{{{cluster}}}"

    @property
    def replicas(self) -> str:
        """ZSET replica id -> when its presence expires (Redis time, ms): who shares the
        clusters, for each replica's fair share of the leases."""
        return f"{self._shared}:replicas"

    def stem(self, cluster: str) -> str:
        return f"{self.prefix}:c:{{{cluster}}}{_STAGED if self.staged else ''}:"

    def cluster_pattern(self, cluster: str) -> str:
        """SCAN pattern for every cache key of a cluster (feeds excluded by the caller)."""
        return self.stem(cluster).translate(_GLOB_SPECIAL) + "*"

    def workloads(self, cluster: str) -> str:
        """HASH workload id -> workload record."""
        return f"{self.stem(cluster)}w"

    def workload_index(self, cluster: str) -> str:
        """HASH workload id -> [status, since epoch seconds]: what filtering and ordering read."""
        return f"{self.stem(cluster)}w:idx"

    def workload_labels(self, cluster: str) -> str:
        """HASH workload id -> labels, read only when a label selector is given."""
        return f"{self.stem(cluster)}w:labels"

    def workload_counts(self, cluster: str) -> str:
        """HASH "namespace|kind|status" -> count, for summaries without a scan."""
        return f"{self.stem(cluster)}w:counts"

    def pods(self, cluster: str) -> str:
        """HASH "namespace/name" -> pod record."""
        return f"{self.stem(cluster)}p"

    def pod_counts(self, cluster: str) -> str:
        """HASH "namespace|phase" and "namespace|abnormal" -> count."""
        return f"{self.stem(cluster)}p:counts"

    def pod_index(self, cluster: str) -> str:
        """HASH pod id -> [phase, reason, abnormal, owner kind, node, since] (podindex.py)."""
        return f"{self.stem(cluster)}p:idx"

    def pod_labels(self, cluster: str) -> str:
        """HASH pod id -> labels, read only when a label selector is given."""
        return f"{self.stem(cluster)}p:labels"

    def pod_set(self, cluster: str, name: str) -> str:
        """ZSET of the pods in one set of the pod index ("all", "ns:shop", ...)."""
        return f"{self.stem(cluster)}p:z:{name}"

    def standalone_counts(self, cluster: str) -> str:
        """HASH "namespace|phase|abnormal" (or "namespace|phase|") -> standalone pods."""
        return f"{self.stem(cluster)}p:s:counts"

    def nodes(self, cluster: str) -> str:
        return f"{self.stem(cluster)}n"

    def namespaces(self, cluster: str) -> str:
        return f"{self.stem(cluster)}ns"

    def events(self, cluster: str, object_id: str) -> str:
        """LIST of the newest events about one workload or pod, newest first."""
        return f"{self.stem(cluster)}ev:{object_id}"

    def workload_feed(self, cluster: str) -> str:
        return f"{self.prefix}:feed:w:{{{cluster}}}"

    def pod_feed(self, cluster: str) -> str:
        return f"{self.prefix}:feed:p:{{{cluster}}}"


SEPARATOR = "|"


def count_field(*parts: str) -> str:
    return SEPARATOR.join(parts)
