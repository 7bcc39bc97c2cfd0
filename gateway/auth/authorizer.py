"""A caller's Visibility: the configured rules, plus Kubernetes RBAC when delegated to it.

Resolving reads the clusters (and, when rules pick namespaces by pattern or label,
the clusters' namespaces) from the cache, so it is cached per caller for a few
seconds: a burst of requests resolves once, and a new namespace or rule takes effect
within the TTL.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from gateway.auth import rules as rule_sets
from gateway.auth.principal import Principal
from gateway.auth.rbac import CustomResource, custom_resources
from gateway.config import Auth
from gateway.store.reader import StoreReader
from gateway.visibility import NamespaceLabels, Visibility

CACHE_SECONDS = 5.0
CACHE_SIZE = 10_000


class DelegatedAuthorization(Protocol):
    """Kubernetes RBAC (SubjectAccessReview) answering for some clusters."""

    async def visibility(
        self,
        principal: Principal,
        clusters: list[str],
        namespaces: NamespaceLabels,
        custom: Mapping[str, Sequence[CustomResource]] | None = None,
    ) -> Visibility: ...

    async def close(self) -> None: ...


def merge(first: Visibility, second: Visibility) -> Visibility:
    """Grants add up: what either allows, the caller may see."""
    merged = Visibility(metrics=first.metrics or second.metrics)
    merged.unrestricted = first.unrestricted or second.unrestricted
    for source in (first, second):
        for name, view in source.clusters.items():
            target = merged.clusters.get(name)
            if target is None:
                target = merged.clusters.setdefault(name, type(view)())
            target.add(None, view.everywhere, view.logs_everywhere)
            for namespace, kinds in view.namespaces.items():
                target.add([namespace], kinds, namespace in view.logs_namespaces)
            target.nodes = target.nodes or view.nodes
    return merged


class Authorizer:
    def __init__(
        self,
        auth: Auth,
        reader: StoreReader,
        delegated: DelegatedAuthorization | None = None,
    ) -> None:
        self.auth = auth
        self.reader = reader
        self.delegated = delegated
        self._cache: dict[tuple[str, frozenset[str]], tuple[float, Visibility]] = {}

    async def visibility(self, principal: Principal) -> Visibility:
        key = (principal.subject, principal.groups)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = await self._resolve(principal)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (now, found)
        return found

    def grants_metrics(self, principal: Principal) -> bool:
        """From the rules alone, without Redis: /metrics must answer while Redis is away,
        which is when operators need it most."""
        return rule_sets.visibility(principal, self.auth.rules, (), {}).metrics

    async def _resolve(self, principal: Principal) -> Visibility:
        known = await self.reader.clusters()
        clusters = list(known)
        namespaces: dict[str, Mapping[str, Mapping[str, str]]] = {}
        if self.delegated is not None or rule_sets.needs_namespace_labels(self.auth.rules):
            for cluster in clusters:
                records = await self.reader.namespaces(cluster)
                namespaces[cluster] = {r["name"]: r.get("labels") or {} for r in records}
        found = rule_sets.visibility(principal, self.auth.rules, clusters, namespaces)
        if self.delegated is not None:
            custom = custom_resources(known)
            delegated = await self.delegated.visibility(principal, clusters, namespaces, custom)
            found = merge(found, delegated)
        return found

    async def close(self) -> None:
        if self.delegated is not None:
            await self.delegated.close()
