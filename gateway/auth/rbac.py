"""Kubernetes RBAC as the source of a caller's Visibility, through SubjectAccessReviews.

The gateway asks each cluster whether the caller may ``list`` each workload resource
and ``get`` pods/log cluster-wide, and ``list`` nodes; only what is not granted
cluster-wide is asked again per namespace, so an administrator costs seven reviews
per cluster and a tenant seven plus six per namespace. Custom kinds add one review
each (one per namespace for a tenant, if namespaced): their resource is the plural the
watcher wrote in the cluster's record (``customKinds``), as RBAC rules name it.
Answers are cached per (subject, groups, cluster, namespace, resource) for a short TTL
and asked concurrently with a bound: one burst per caller per TTL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from gateway.auth.principal import Principal
from gateway.clusters import ClusterConfigError, ClusterSource, api_client
from gateway.kinds import split
from gateway.visibility import ClusterVisibility, NamespaceLabels, Visibility

log = logging.getLogger(__name__)

Resource = tuple[str, str, str]
"""(kind as the cache spells it, API group, plural resource name)."""

RESOURCES: tuple[Resource, ...] = (
    ("Deployment", "apps", "deployments"),
    ("StatefulSet", "apps", "statefulsets"),
    ("DaemonSet", "apps", "daemonsets"),
    ("Job", "batch", "jobs"),
    ("CronJob", "batch", "cronjobs"),
)
CONCURRENCY = 16
TIMEOUT_SECONDS = 5
CACHE_SIZE = 50_000
LOGS, NODES = "logs", "nodes"
"""What a review asks about besides the workload kinds."""

Question = tuple[str, str, str, str, str, str]
"""(cluster, namespace, verb, group, resource, subresource)."""


@dataclass(frozen=True, slots=True)
class CustomResource:
    """A custom kind a cluster's watcher follows, as RBAC names it."""

    kind: str
    group: str
    plural: str
    namespaced: bool


def custom_resources(clusters: Mapping[str, Mapping[str, Any]]) -> dict[str, list[CustomResource]]:
    """The custom kinds each cluster record lists; an entry without a plural cannot be
    asked about, so its kind stays invisible to RBAC callers."""
    found: dict[str, list[CustomResource]] = {}
    for name, record in clusters.items():
        found[name] = [
            CustomResource(
                kind=str(k["kind"]),
                group=str(k.get("group") or split(str(k["kind"])).group),
                plural=str(k["plural"]),
                namespaced=k.get("namespaced", True) is not False,
            )
            for k in record.get("customKinds") or ()
            if isinstance(k, dict) and k.get("kind") and k.get("plural")
        ]
    return found


class RbacReviews:
    def __init__(self, sources: Sequence[ClusterSource], cache_seconds: float) -> None:
        self.sources = {s.name: s for s in sources}
        self.cache_seconds = cache_seconds
        self._clients: dict[str, client.ApiClient] = {}
        self._answers: dict[tuple[str, frozenset[str], Question], tuple[float, bool]] = {}
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def _api(self, cluster: str) -> client.AuthorizationV1Api | None:
        if cluster not in self._clients:
            source = self.sources.get(cluster)
            if source is None:
                return None
            try:
                self._clients[cluster] = await api_client(source)
            except ClusterConfigError as error:
                log.error("cannot ask RBAC", extra={"cluster": cluster, "cause": str(error)})
                return None
        return client.AuthorizationV1Api(self._clients[cluster])

    async def allowed(self, principal: Principal, question: Question) -> bool:
        """The cluster's answer, cached; a review that failed is a denial, not cached."""
        key = (principal.subject, principal.groups, question)
        cached = self._answers.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        answer = await self._ask(principal, question)
        if answer is not None:
            if len(self._answers) >= CACHE_SIZE:
                self._forget_before(now - self.cache_seconds)
            self._answers[key] = (now, answer)
        return bool(answer)

    def _forget_before(self, moment: float) -> None:
        """Drop expired answers; if all are fresh, the oldest half (a burst of callers)."""
        fresh = {k: v for k, v in self._answers.items() if v[0] >= moment}
        if len(fresh) >= CACHE_SIZE:
            ordered = sorted(fresh.items(), key=lambda item: item[1][0])
            fresh = dict(ordered[len(ordered) // 2 :])
        self._answers = fresh

    async def _ask(self, principal: Principal, question: Question) -> bool | None:
        cluster, namespace, verb, group, resource, subresource = question
        api = await self._api(cluster)
        if api is None:
            return None
        body = client.V1SubjectAccessReview(
            api_version="authorization.k8s.io/v1",
            kind="SubjectAccessReview",
            spec=client.V1SubjectAccessReviewSpec(
                user=principal.subject,
                groups=sorted(principal.groups),
                resource_attributes=client.V1ResourceAttributes(
                    verb=verb,
                    group=group,
                    resource=resource,
                    namespace=namespace or None,
                    subresource=subresource or None,
                ),
            ),
        )
        async with self._limit:
            try:
                review = await api.create_subject_access_review(
                    body, _request_timeout=TIMEOUT_SECONDS
                )
            except (ApiException, aiohttp.ClientError, TimeoutError, OSError) as error:
                log.warning(
                    "SubjectAccessReview failed; denying until it succeeds",
                    extra={
                        "cluster": cluster,
                        "namespace": namespace,
                        "resource": resource,
                        "cause": str(error),
                    },
                )
                return None
        status = review.status
        return bool(status is not None and status.allowed)

    async def visibility(
        self,
        principal: Principal,
        clusters: list[str],
        namespaces: NamespaceLabels,
        custom: Mapping[str, Sequence[CustomResource]] | None = None,
    ) -> Visibility:
        found = Visibility()
        for cluster in clusters:
            if cluster not in self.sources:
                continue
            view = await self._cluster(
                principal,
                cluster,
                list(namespaces.get(cluster, {})),
                (custom or {}).get(cluster, ()),
            )
            if view.everywhere or view.namespaces or view.nodes:
                found.clusters[cluster] = view
        return found

    async def _cluster(
        self,
        principal: Principal,
        cluster: str,
        namespaces: list[str],
        custom: Sequence[CustomResource] = (),
    ) -> ClusterVisibility:
        """Cluster-wide grants first; namespaces are asked only about what those leave out
        (a cluster-scoped custom kind has nothing to ask per namespace)."""
        view = ClusterVisibility()
        resources = [*RESOURCES, *((c.kind, c.group, c.plural) for c in custom)]
        per_namespace = [*RESOURCES, *((c.kind, c.group, c.plural) for c in custom if c.namespaced)]
        wide = [
            (kind, (cluster, "", "list", group, resource, ""))
            for kind, group, resource in resources
        ]
        wide.append((LOGS, (cluster, "", "get", "", "pods", "log")))
        wide.append((NODES, (cluster, "", "list", "", "nodes", "")))
        answers = await asyncio.gather(*(self.allowed(principal, q) for _, q in wide))
        granted = {what for (what, _), allowed in zip(wide, answers, strict=True) if allowed}
        view.add(None, frozenset(granted) - {LOGS, NODES}, LOGS in granted)
        view.nodes = NODES in granted
        narrow = [
            (namespace, kind, (cluster, namespace, "list", group, resource, ""))
            for namespace in namespaces
            for kind, group, resource in per_namespace
            if kind not in granted
        ]
        if LOGS not in granted:
            narrow += [
                (namespace, LOGS, (cluster, namespace, "get", "", "pods", "log"))
                for namespace in namespaces
            ]
        answers = await asyncio.gather(*(self.allowed(principal, q) for _, _, q in narrow))
        for (namespace, what, _), allowed in zip(narrow, answers, strict=True):
            if allowed:
                view.add(
                    [namespace], frozenset() if what == LOGS else frozenset({what}), what == LOGS
                )
        return view

    async def close(self) -> None:
        for api in self._clients.values():
            await api.close()
