"""The Deployment controller: ReplicaSets per pod template, rolled out as the real one does.

A template change makes a new ReplicaSet named ``<deployment>-<pod-template-hash>``;
RollingUpdate scales it up within maxSurge and the old ones down within
maxUnavailable (unhealthy old replicas first), Recreate empties the old ones before
starting the new. Paused Deployments only scale. Status counts, the Available and
Progressing conditions and the progress deadline follow the real controller, so
``kubectl rollout status`` and the status engine read it as they would a cluster's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from simcluster.clock import parse_time
from simcluster.controllers.base import Controller
from simcluster.controllers.common import (
    compact,
    int_or_percent,
    owned,
    owner_of,
    set_workload_condition,
)
from simcluster.events import NORMAL
from simcluster.names import template_hash
from simcluster.podtemplates import owner_reference, template_without
from simcluster.registry import DeleteOptions
from simcluster.resources import DEPLOYMENTS, PODS, REPLICASETS
from simcluster.store import DELETED, Change, StoredObject

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"


@dataclass(slots=True)
class _ReplicaSet:
    stored: StoredObject
    obj: dict[str, Any]

    @property
    def replicas(self) -> int:
        return int((self.obj.get("spec") or {}).get("replicas") or 0)

    def status(self, field: str) -> int:
        return int((self.obj.get("status") or {}).get(field) or 0)

    @property
    def revision(self) -> int:
        try:
            return int((self.obj["metadata"].get("annotations") or {}).get(REVISION) or 0)
        except ValueError:
            return 0

    @property
    def created(self) -> float:
        return parse_time(self.obj["metadata"].get("creationTimestamp")) or 0.0


def surge_and_unavailable(spec: dict[str, Any], desired: int) -> tuple[int, int]:
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, 0
    rolling = strategy.get("rollingUpdate") or {}
    surge = int_or_percent(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, desired)


class DeploymentController(Controller):
    name = "deployment-controller"
    watches = (DEPLOYMENTS, REPLICASETS, PODS)

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is DEPLOYMENTS:
            return (obj.key,)
        if obj.resource is PODS:
            if change.type != DELETED:
                return ()
            replica_set = owner_of(self.store, obj, REPLICASETS)
            if replica_set is None:
                return ()
            obj = replica_set
        owner = owner_of(self.store, obj, DEPLOYMENTS)
        return (owner.key,) if owner is not None else ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(DEPLOYMENTS, namespace, name)
        if stored is None or stored.deleting:
            return
        deployment = stored.load()
        spec = deployment.get("spec") or {}
        desired = int(spec.get("replicas", 1))
        template = spec.get("template") or {}
        sets = [_ReplicaSet(rs, rs.load()) for rs in owned(self.store, stored, REPLICASETS)]
        new: _ReplicaSet | None = None
        for candidate in sets:
            own_template = (candidate.obj.get("spec") or {}).get("template") or {}
            if template_without(own_template, HASH_LABEL) == template:
                new = candidate
                break
        old = sorted((s for s in sets if s is not new), key=lambda s: s.created)
        surge, unavailable = surge_and_unavailable(spec, desired)
        created = False
        paused = spec.get("paused") is True
        if not paused:
            if new is None:
                new = self._create_new(stored, deployment, sets, desired, surge)
                sets.append(new)
                created = True
            else:
                self._bump_revision(new, old)
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(stored, new, old, desired)
            else:
                self._roll(stored, new, old, desired=desired, surge=surge, unavailable=unavailable)
        elif len([s for s in sets if s.replicas]) <= 1:
            for replica_set in sets:
                if replica_set.replicas and replica_set.replicas != desired:
                    self._scale(stored, replica_set, desired, desired + surge)
        self._cleanup(stored, spec, new, old)
        self._write_status(
            stored, deployment, new, sets, desired=desired, unavailable=unavailable, created=created
        )

    def _create_new(
        self,
        owner: StoredObject,
        deployment: dict[str, Any],
        sets: list[_ReplicaSet],
        desired: int,
        surge: int,
    ) -> _ReplicaSet:
        spec = deployment["spec"]
        collisions = int((deployment.get("status") or {}).get("collisionCount") or 0)
        digest = template_hash(spec.get("template") or {}, collisions)
        template = template_without(spec.get("template") or {}, HASH_LABEL)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = digest
        selector = dict(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: digest}
        current = sum(s.replicas for s in sets)
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            replicas = 0 if current else desired
        else:
            replicas = max(min(desired, desired + surge - current), 0)
        revision = max((s.revision for s in sets), default=0) + 1
        labels = dict(template["metadata"]["labels"])
        body: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{owner.name}-{digest}",
                "namespace": owner.namespace,
                "labels": labels,
                "annotations": {
                    DESIRED: str(desired),
                    MAX_REPLICAS: str(desired + surge),
                    REVISION: str(revision),
                },
                "ownerReferences": [owner_reference(owner)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        }
        if spec.get("minReadySeconds"):
            body["spec"]["minReadySeconds"] = spec["minReadySeconds"]
        stored = self.registry.create(REPLICASETS, owner.namespace, body)
        if replicas:
            self.event(
                owner,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled up replica set {stored.name} from 0 to {replicas}",
            )
        return _ReplicaSet(stored, stored.load())

    def _bump_revision(self, new: _ReplicaSet, old: list[_ReplicaSet]) -> None:
        """A rollback re-uses an old ReplicaSet: it becomes the newest revision again."""
        newest = max((s.revision for s in old), default=0)
        if new.revision > newest:
            return
        new.obj["metadata"].setdefault("annotations", {})[REVISION] = str(newest + 1)
        new.stored = self.registry.write(REPLICASETS, new.obj)
        new.obj = new.stored.load()

    def _scale(
        self, owner: StoredObject, replica_set: _ReplicaSet, replicas: int, most: int
    ) -> None:
        before = replica_set.replicas
        if before == replicas:
            return
        replica_set.obj["spec"]["replicas"] = replicas
        annotations = replica_set.obj["metadata"].setdefault("annotations", {})
        annotations[DESIRED] = str((owner.load().get("spec") or {}).get("replicas", 1))
        annotations[MAX_REPLICAS] = str(most)
        replica_set.stored = self.registry.write(REPLICASETS, replica_set.obj)
        replica_set.obj = replica_set.stored.load()
        direction = "up" if replicas > before else "down"
        self.event(
            owner,
            NORMAL,
            "ScalingReplicaSet",
            f"Scaled {direction} replica set {replica_set.stored.name} from {before} to {replicas}",
        )

    def _recreate(
        self, owner: StoredObject, new: _ReplicaSet, old: list[_ReplicaSet], desired: int
    ) -> None:
        for replica_set in old:
            self._scale(owner, replica_set, 0, desired)
        if any(replica_set.status("replicas") for replica_set in old):
            return
        if any(owned(self.store, s.stored) for s in old):
            return
        self._scale(owner, new, desired, desired)

    def _roll(
        self,
        owner: StoredObject,
        new: _ReplicaSet,
        old: list[_ReplicaSet],
        *,
        desired: int,
        surge: int,
        unavailable: int,
    ) -> None:
        most = desired + surge
        if new.replicas > desired:
            self._scale(owner, new, desired, most)
        elif new.replicas < desired:
            total = new.replicas + sum(s.replicas for s in old)
            if total < most:
                self._scale(owner, new, min(desired, new.replicas + most - total), most)
        old_count = sum(s.replicas for s in old)
        if old_count == 0:
            return
        every = [new, *old]
        total = sum(s.replicas for s in every)
        min_available = desired - unavailable
        new_unavailable = new.replicas - new.status("availableReplicas")
        budget = total - min_available - new_unavailable
        if budget <= 0:
            return
        for replica_set in old:
            unhealthy = replica_set.replicas - replica_set.status("availableReplicas")
            if replica_set.replicas == 0 or unhealthy <= 0 or budget <= 0:
                continue
            down = min(budget, unhealthy)
            self._scale(owner, replica_set, replica_set.replicas - down, most)
            budget -= down
        available = sum(s.status("availableReplicas") for s in every)
        removable = min(available - min_available, budget)
        for replica_set in old:
            if removable <= 0:
                break
            if replica_set.replicas == 0:
                continue
            down = min(replica_set.replicas, removable)
            self._scale(owner, replica_set, replica_set.replicas - down, most)
            removable -= down

    def _cleanup(
        self,
        owner: StoredObject,
        spec: dict[str, Any],
        new: _ReplicaSet | None,
        old: list[_ReplicaSet],
    ) -> None:
        limit = int(spec.get("revisionHistoryLimit", 10))
        idle = [s for s in old if s is not new and s.replicas == 0 and s.status("replicas") == 0]
        idle.sort(key=lambda s: s.revision)
        for replica_set in idle[: max(len(idle) - limit, 0)]:
            self.registry.delete(
                REPLICASETS, owner.namespace, replica_set.stored.name, DeleteOptions()
            )

    def _write_status(
        self,
        stored: StoredObject,
        deployment: dict[str, Any],
        new: _ReplicaSet | None,
        sets: list[_ReplicaSet],
        *,
        desired: int,
        unavailable: int,
        created: bool,
    ) -> None:
        live = [s for s in sets if self.store.get(REPLICASETS, s.stored.namespace, s.stored.name)]
        previous = deployment.get("status") or {}
        available = sum(s.status("availableReplicas") for s in live)
        total = sum(s.replicas for s in live)
        status: dict[str, Any] = {
            "observedGeneration": deployment["metadata"].get("generation", 1),
            "replicas": sum(s.status("replicas") for s in live),
            "updatedReplicas": new.status("replicas") if new is not None else 0,
            "readyReplicas": sum(s.status("readyReplicas") for s in live),
            "availableReplicas": available,
            "unavailableReplicas": max(total - available, 0),
        }
        if previous.get("collisionCount"):
            status["collisionCount"] = previous["collisionCount"]
        now = self.context.now()
        conditions = [dict(c) for c in previous.get("conditions") or ()]
        if available >= desired - unavailable:
            set_workload_condition(
                conditions,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now=now,
                with_update_time=True,
            )
        else:
            set_workload_condition(
                conditions,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now=now,
                with_update_time=True,
            )
        self._progressing(
            stored,
            deployment,
            new,
            status=status,
            previous=previous,
            conditions=conditions,
            created=created,
            now=now,
        )
        status["conditions"] = conditions
        deployment["status"] = compact(status, "observedGeneration")
        if new is not None:
            annotations = deployment["metadata"].setdefault("annotations", {})
            annotations[REVISION] = str(new.revision)
        self.registry.write(DEPLOYMENTS, deployment)

    def _progressing(
        self,
        stored: StoredObject,
        deployment: dict[str, Any],
        new: _ReplicaSet | None,
        *,
        status: dict[str, Any],
        previous: dict[str, Any],
        conditions: list[dict[str, Any]],
        created: bool,
        now: str,
    ) -> None:
        spec = deployment.get("spec") or {}
        desired = int(spec.get("replicas", 1))
        current = next((c for c in conditions if c.get("type") == "Progressing"), None)

        def progressing(state: str, reason: str, message: str, *, progressed: bool = False) -> None:
            set_workload_condition(
                conditions,
                "Progressing",
                state,
                reason,
                message,
                now=now,
                with_update_time=True,
                progressed=progressed,
            )

        if spec.get("paused") is True:
            progressing("Unknown", "DeploymentPaused", "Deployment is paused")
            return
        if current is not None and current.get("reason") == "DeploymentPaused":
            progressing("Unknown", "DeploymentResumed", "Deployment is resumed")
        if new is None:
            return
        rs_name = new.stored.name
        complete = (
            status["updatedReplicas"] == desired
            and status["replicas"] == desired
            and status["availableReplicas"] == desired
        )
        advanced = (
            status["updatedReplicas"] > int(previous.get("updatedReplicas") or 0)
            or status["readyReplicas"] > int(previous.get("readyReplicas") or 0)
            or status["availableReplicas"] > int(previous.get("availableReplicas") or 0)
            or (status["replicas"] - status["updatedReplicas"])
            < (int(previous.get("replicas") or 0) - int(previous.get("updatedReplicas") or 0))
        )
        if complete:
            progressing(
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
            )
            return
        if created:
            progressing(
                "True",
                "NewReplicaSetCreated",
                f'Created new replica set "{rs_name}"',
                progressed=True,
            )
        elif current is None:
            progressing(
                "True", "FoundNewReplicaSet", f'Found new replica set "{rs_name}"', progressed=True
            )
        elif advanced:
            progressing(
                "True",
                "ReplicaSetUpdated",
                f'ReplicaSet "{rs_name}" is progressing.',
                progressed=True,
            )
        deadline_seconds = spec.get("progressDeadlineSeconds")
        condition = next((c for c in conditions if c.get("type") == "Progressing"), None)
        if not isinstance(deadline_seconds, int) or condition is None:
            return
        if condition.get("status") == "False":
            return
        last = parse_time(condition.get("lastUpdateTime")) or self.context.clock.time()
        due = last + deadline_seconds
        if self.context.clock.time() >= due:
            progressing(
                "False",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.',
            )
            self.event(
                stored,
                "Warning",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.',
            )
        else:
            self.enqueue_at(stored.key, due + 0.001)
