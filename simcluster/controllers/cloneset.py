"""The OpenKruise CloneSet controller: pods owned directly, no ReplicaSets in between.

Pods are ``<cloneset>-<5 chars>``, labelled with ``controller-revision-hash``
(``<cloneset>-<template hash>``) and ``apps.kruise.io/cloneset-instance-id``. A
template change recreates outdated pods within ``updateStrategy.maxUnavailable``
(default 20%), keeping ``partition`` of them at the old revision, unless
``updateStrategy.paused``. In-place update is not simulated (ReCreate for all).
Status is CloneSet's: counts including updatedReadyReplicas, updateRevision and
currentRevision, labelSelector, observedGeneration.
"""

from __future__ import annotations

from typing import Any

from gateway.selectors import format_selector, selector_from_spec
from simcluster.controllers.common import Readiness, int_or_percent, is_active, owned
from simcluster.controllers.custom import CLONESETS, CustomController
from simcluster.controllers.replicaset import BURST
from simcluster.events import NORMAL
from simcluster.names import random_suffix, template_hash
from simcluster.podtemplates import pod_from_template
from simcluster.registry import DeleteOptions
from simcluster.resources import PODS, ResourceType
from simcluster.store import StoredObject

REVISION_LABEL = "controller-revision-hash"
INSTANCE_LABEL = "apps.kruise.io/cloneset-instance-id"


class CloneSetController(CustomController):
    name = "kruise-cloneset"
    watches = (CLONESETS, PODS)

    def reconcile(self, key: str) -> None:
        loaded = self.load(key)
        if loaded is None:
            return
        resource, stored = loaded
        cloneset = stored.load()
        spec = cloneset.get("spec") or {}
        desired = int(spec.get("replicas", 1))
        revision = f"{stored.name}-{template_hash(spec.get('template') or {})}"
        now = self.context.clock.time()
        min_ready = int(spec.get("minReadySeconds") or 0)
        active = [p for p in owned(self.store, stored) if is_active(p)]
        active = self._scale(stored, spec, active, desired, revision)
        readiness = Readiness(active, min_ready, now)
        self._update(stored, spec, active, desired=desired, revision=revision, readiness=readiness)
        active = [p for p in owned(self.store, stored) if is_active(p)]
        self._write_status(
            resource, cloneset, active, revision=revision, min_ready=min_ready, now=now
        )

    def _scale(
        self,
        owner: StoredObject,
        spec: dict[str, Any],
        active: list[StoredObject],
        desired: int,
        revision: str,
    ) -> list[StoredObject]:
        missing = desired - len(active)
        for _ in range(min(max(missing, 0), BURST)):
            instance = random_suffix()
            pod = pod_from_template(
                spec.get("template") or {},
                owner,
                name=f"{owner.name}-{instance}",
                labels={REVISION_LABEL: revision, INSTANCE_LABEL: instance},
            )
            created = self.registry.create(PODS, owner.namespace, pod)
            active.append(created)
            self.event(owner, NORMAL, "SuccessfulCreate", f"succeed to create pod {created.name}")
        if missing < 0:
            ready = Readiness(active, 0, self.context.clock.time()).ready_names
            ranked = sorted(
                active,
                key=lambda p: (p.labels.get(REVISION_LABEL) == revision, p.name in ready),
            )
            for victim in ranked[:-missing]:
                self._delete(owner, victim)
            gone = {v.key for v in ranked[:-missing]}
            active = [p for p in active if p.key not in gone]
        return active

    def _update(
        self,
        owner: StoredObject,
        spec: dict[str, Any],
        active: list[StoredObject],
        *,
        desired: int,
        revision: str,
        readiness: Readiness,
    ) -> None:
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("paused") is True:
            return
        outdated = [p for p in active if p.labels.get(REVISION_LABEL) != revision]
        partition = int_or_percent(strategy.get("partition", 0), desired, round_up=True)
        budget = int_or_percent(strategy.get("maxUnavailable", "20%"), desired, round_up=True)
        unavailable = max(desired - readiness.available, 0)
        allowed = min(len(outdated) - partition, max(budget, 1) - unavailable)
        outdated.sort(key=lambda p: p.name in readiness.ready_names)
        for pod in outdated[: max(allowed, 0)]:
            self._delete(owner, pod)

    def _delete(self, owner: StoredObject, pod: StoredObject) -> None:
        self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
        self.event(owner, NORMAL, "SuccessfulDelete", f"succeed to delete pod {pod.name}")

    def _write_status(
        self,
        resource: ResourceType,
        cloneset: dict[str, Any],
        active: list[StoredObject],
        *,
        revision: str,
        min_ready: int,
        now: float,
    ) -> None:
        spec = cloneset.get("spec") or {}
        desired = int(spec.get("replicas", 1))
        previous = cloneset.get("status") or {}
        readiness = Readiness(active, min_ready, now)
        updated = [p for p in active if p.labels.get(REVISION_LABEL) == revision]
        updated_ready = Readiness(updated, min_ready, now)
        strategy = spec.get("updateStrategy") or {}
        partition = int_or_percent(strategy.get("partition", 0), desired, round_up=True)
        selector = selector_from_spec(spec.get("selector"))
        current = previous.get("currentRevision") or revision
        if len(updated) == desired == len(active):
            current = revision
        status: dict[str, Any] = {
            "observedGeneration": cloneset["metadata"].get("generation", 1),
            "replicas": len(active),
            "readyReplicas": readiness.ready,
            "availableReplicas": readiness.available,
            "updatedReplicas": len(updated),
            "updatedReadyReplicas": updated_ready.ready,
            "updatedAvailableReplicas": updated_ready.available,
            "expectedUpdatedReplicas": max(desired - partition, 0),
            "updateRevision": revision,
            "currentRevision": current,
            "collisionCount": int(previous.get("collisionCount") or 0),
            "labelSelector": format_selector(selector) if selector is not None else "",
        }
        if previous.get("conditions"):
            status["conditions"] = previous["conditions"]
        cloneset["status"] = status
        self.registry.write(resource, cloneset)
        if readiness.next_available is not None:
            self.enqueue_at(
                f"{cloneset['metadata'].get('namespace')}/{cloneset['metadata']['name']}",
                readiness.next_available,
            )
