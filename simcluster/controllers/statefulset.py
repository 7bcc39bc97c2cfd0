"""The StatefulSet controller: stable, ordered pods ``<name>-0 .. <name>-N-1``.

OrderedReady creates one pod at a time, each once the ones below it run and are
ready, and removes from the highest ordinal down; Parallel does both at once.
Rolling updates replace pods from the highest ordinal down to the partition, one at
a time; OnDelete leaves pods on their revision until someone deletes them. Pods
carry the revision label ``controller-revision-hash: <name>-<hash>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.controllers.base import Controller
from simcluster.controllers.common import (
    Readiness,
    compact,
    is_active,
    owned,
    owner_of,
    ready_since,
)
from simcluster.events import NORMAL
from simcluster.names import template_hash
from simcluster.podtemplates import pod_from_template
from simcluster.registry import DeleteOptions
from simcluster.resources import PODS, STATEFULSETS
from simcluster.store import Change, StoredObject

REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def _ordinal(set_name: str, pod_name: str) -> int | None:
    prefix = set_name + "-"
    suffix = pod_name[len(prefix) :]
    if not pod_name.startswith(prefix) or not suffix.isdigit():
        return None
    return int(suffix)


class StatefulSetController(Controller):
    name = "statefulset-controller"
    watches = (STATEFULSETS, PODS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._templates: dict[str, dict[str, Any]] = {}
        """Pod templates by revision, to recreate pods below the partition as they were."""

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is STATEFULSETS:
            return (obj.key,)
        owner = owner_of(self.store, obj, STATEFULSETS)
        return (owner.key,) if owner is not None else ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(STATEFULSETS, namespace, name)
        if stored is None:
            return
        sts = stored.load()
        spec = sts.get("spec") or {}
        status = sts.get("status") or {}
        replicas = int(spec.get("replicas", 1))
        start = int((spec.get("ordinals") or {}).get("start") or 0)
        template = spec.get("template") or {}
        update_revision = f"{name}-{template_hash(template)}"
        self._templates[update_revision] = template
        current_revision = str(status.get("currentRevision") or update_revision)
        pods: dict[int, StoredObject] = {}
        for pod in owned(self.store, stored):
            ordinal = _ordinal(name, pod.name)
            if ordinal is not None:
                pods[ordinal] = pod
        strategy = spec.get("updateStrategy") or {}
        on_delete = strategy.get("type") == "OnDelete"
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        ordered = spec.get("podManagementPolicy") != "Parallel"
        now = self.context.clock.time()
        if not stored.deleting:
            self._sync_pods(
                stored,
                pods,
                range(start, start + replicas),
                ordered=ordered,
                revisions=(current_revision, update_revision),
                partition=None if on_delete else partition,
            )
            pods = {
                o: p
                for o, p in ((_ordinal(name, p.name), p) for p in owned(self.store, stored))
                if o is not None
            }
        self._write_status(
            stored,
            sts,
            list(pods.values()),
            revisions=(current_revision, update_revision),
            replicas=replicas,
            now=now,
        )

    def _sync_pods(
        self,
        owner: StoredObject,
        pods: dict[int, StoredObject],
        wanted: range,
        *,
        ordered: bool,
        revisions: tuple[str, str],
        partition: int | None,
    ) -> None:
        current_revision, update_revision = revisions
        for ordinal in wanted:
            pod = pods.get(ordinal)
            if pod is None:
                old = partition is not None and ordinal < partition
                self._create(owner, ordinal, current_revision if old else update_revision)
                if ordered:
                    return
                continue
            if pod.fields["status.phase"] in ("Succeeded", "Failed") and not pod.deleting:
                self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
                return
            if ordered and (pod.deleting or ready_since(pod.load()) is None):
                return
        extra = sorted((o for o in pods if o not in wanted), reverse=True)
        for ordinal in extra:
            pod = pods[ordinal]
            if not pod.deleting:
                self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
                self.event(
                    owner,
                    NORMAL,
                    "SuccessfulDelete",
                    f"delete Pod {pod.name} in StatefulSet {owner.name} successful",
                )
            if ordered:
                return
        if partition is None:
            return
        for ordinal in sorted(wanted, reverse=True):
            if ordinal < partition:
                break
            pod = pods.get(ordinal)
            if pod is None or pod.deleting:
                return
            if pod.labels.get(REVISION_LABEL) != update_revision:
                self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
                return
            if ready_since(pod.load()) is None:
                return

    def _create(self, owner: StoredObject, ordinal: int, revision: str) -> None:
        spec = owner.load().get("spec") or {}
        template = self._templates.get(revision) or spec.get("template") or {}
        pod_name = f"{owner.name}-{ordinal}"
        pod = pod_from_template(
            template,
            owner,
            name=pod_name,
            labels={
                REVISION_LABEL: revision,
                POD_NAME_LABEL: pod_name,
                POD_INDEX_LABEL: str(ordinal),
            },
        )
        pod["spec"]["hostname"] = pod_name
        if spec.get("serviceName"):
            pod["spec"]["subdomain"] = spec["serviceName"]
        self.registry.create(PODS, owner.namespace, pod)
        self.event(
            owner,
            NORMAL,
            "SuccessfulCreate",
            f"create Pod {pod_name} in StatefulSet {owner.name} successful",
        )

    def _write_status(
        self,
        stored: StoredObject,
        sts: dict[str, Any],
        pods: list[StoredObject],
        *,
        revisions: tuple[str, str],
        replicas: int,
        now: float,
    ) -> None:
        current_revision, update_revision = revisions
        spec = sts.get("spec") or {}
        present = [p for p in pods if is_active(p)]
        readiness = Readiness(present, int(spec.get("minReadySeconds") or 0), now)
        updated = sum(1 for p in present if p.labels.get(REVISION_LABEL) == update_revision)
        current = sum(1 for p in present if p.labels.get(REVISION_LABEL) == current_revision)
        if updated == replicas and len(present) == replicas and readiness.ready == replicas:
            current_revision = update_revision
            current = updated
        status: dict[str, Any] = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(present),
            "readyReplicas": readiness.ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": update_revision,
            "collisionCount": 0,
            "availableReplicas": readiness.available,
        }
        sts["status"] = compact(status, "replicas", "availableReplicas", "collisionCount")
        self.registry.write(STATEFULSETS, sts)
        if readiness.next_available is not None:
            self.enqueue_at(stored.key, readiness.next_available)
