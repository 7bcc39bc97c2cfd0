"""The Argo Rollouts controller, reduced to what status readers see.

A Rollout owns one ReplicaSet per pod template (``<rollout>-<hash>``, labelled
``rollouts-pod-template-hash``), which the ReplicaSet controller fills with pods.
Canary steps and traffic routing are not simulated: the new ReplicaSet is scaled to
``spec.replicas`` and the old ones to zero once it is fully available, as a canary
without steps does. ``spec.paused`` freezes scaling; ``status.abort`` (set through
the status subresource, as ``kubectl argo rollouts abort`` does) scales back to the
stable ReplicaSet. Status carries the fields Argo documents (currentStepIndex,
blueGreen.activeSelector and abortedAt included), observedGeneration as a string,
and phase Progressing / Paused / Healthy / Degraded as the controller computes it
(``rollout/status.go``).
"""

from __future__ import annotations

from typing import Any

from gateway.selectors import format_selector, selector_from_spec
from simcluster.clock import parse_time
from simcluster.controllers.common import owned, set_workload_condition
from simcluster.controllers.custom import ROLLOUTS, CustomController
from simcluster.events import NORMAL, WARNING
from simcluster.names import template_hash
from simcluster.podtemplates import owner_reference, template_without
from simcluster.resources import REPLICASETS, ResourceType
from simcluster.store import StoredObject

HASH_LABEL = "rollouts-pod-template-hash"
REVISION = "rollout.argoproj.io/revision"
DEFAULT_DEADLINE = 600


def _count(rs: StoredObject | dict[str, Any], field: str) -> int:
    obj = rs.load() if isinstance(rs, StoredObject) else rs
    return int((obj.get("status") or {}).get(field) or 0)


def _replicas(rs: StoredObject) -> int:
    return int((rs.load().get("spec") or {}).get("replicas") or 0)


def _strategy_status(
    status: dict[str, Any], spec: dict[str, Any], *, complete: bool, now: str
) -> None:
    """The strategy's own fields: the canary step reached (all of them once the update
    is complete, since steps are not simulated) or the blue-green active selector."""
    strategy = spec.get("strategy") or {}
    if "blueGreen" in strategy:
        blue_green = dict(status.get("blueGreen") or {})
        if status.get("stableRS"):
            blue_green["activeSelector"] = status["stableRS"]
        status["blueGreen"] = blue_green
    else:
        status.setdefault("canary", {})
        steps = (strategy.get("canary") or {}).get("steps")
        if isinstance(steps, list) and steps:
            status["currentStepIndex"] = len(steps) if complete else 0
    if status.get("abort") is True:
        status.setdefault("abortedAt", now)
    else:
        status.pop("abortedAt", None)


class RolloutController(CustomController):
    name = "argo-rollouts"
    watches = (ROLLOUTS, REPLICASETS)

    def reconcile(self, key: str) -> None:
        loaded = self.load(key)
        if loaded is None:
            return
        resource, stored = loaded
        rollout = stored.load()
        spec = rollout.get("spec") or {}
        previous = dict(rollout.get("status") or {})
        desired = int(spec.get("replicas", 1))
        collisions = int(previous.get("collisionCount") or 0)
        digest = template_hash(spec.get("template") or {}, collisions)
        sets = owned(self.store, stored, REPLICASETS)
        new = next((rs for rs in sets if rs.labels.get(HASH_LABEL) == digest), None)
        stable_hash = str(previous.get("stableRS") or "")
        stable = next((rs for rs in sets if rs.labels.get(HASH_LABEL) == stable_hash), None)
        aborted = previous.get("abort") is True
        paused = spec.get("paused") is True
        if new is None and not (aborted and stable is not None):
            new = self._create(stored, rollout, sets, digest, 0 if paused and sets else desired)
            sets.append(new)
        if aborted and stable is not None:
            self._scale_to(stable, desired, stored)
            if new is not None and new is not stable:
                self._scale_to(new, 0, stored)
        elif not paused and new is not None:
            self._scale_to(new, desired, stored)
            if _count(new, "availableReplicas") >= desired:
                for rs in sets:
                    if rs is not new:
                        self._scale_to(rs, 0, stored)
        sets = owned(self.store, stored, REPLICASETS)
        new = next((rs for rs in sets if rs.labels.get(HASH_LABEL) == digest), None)
        self._write_status(resource, stored, rollout, sets, new=new, digest=digest)

    def _create(
        self,
        owner: StoredObject,
        rollout: dict[str, Any],
        sets: list[StoredObject],
        digest: str,
        replicas: int,
    ) -> StoredObject:
        spec = rollout.get("spec") or {}
        template = template_without(spec.get("template") or {}, HASH_LABEL)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = digest
        selector = dict(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: digest}
        revision = 1 + max(
            (
                int((rs.load()["metadata"].get("annotations") or {}).get(REVISION) or 0)
                for rs in sets
            ),
            default=0,
        )
        body: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{owner.name}-{digest}",
                "namespace": owner.namespace,
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {REVISION: str(revision)},
                "ownerReferences": [owner_reference(owner)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        }
        if spec.get("minReadySeconds"):
            body["spec"]["minReadySeconds"] = spec["minReadySeconds"]
        created = self.registry.create(REPLICASETS, owner.namespace, body)
        self.event(
            owner,
            NORMAL,
            "NewReplicaSetCreated",
            f"Created ReplicaSet {created.name} (revision {revision})",
        )
        return created

    def _scale_to(self, rs: StoredObject, replicas: int, owner: StoredObject) -> None:
        current = _replicas(rs)
        if current == replicas:
            return
        obj = rs.load()
        obj["spec"]["replicas"] = replicas
        self.registry.write(REPLICASETS, obj)
        verb = "up" if replicas > current else "down"
        self.event(
            owner,
            NORMAL,
            "ScalingReplicaSet",
            f"Scaled {verb} ReplicaSet {rs.name} from {current} to {replicas}",
        )

    def _write_status(
        self,
        resource: ResourceType,
        stored: StoredObject,
        rollout: dict[str, Any],
        sets: list[StoredObject],
        *,
        new: StoredObject | None,
        digest: str,
    ) -> None:
        spec = rollout.get("spec") or {}
        previous = dict(rollout.get("status") or {})
        desired = int(spec.get("replicas", 1))
        now = self.context.now()
        status = dict(previous)
        selector = selector_from_spec(spec.get("selector"))
        counts = {
            "replicas": sum(_count(rs, "replicas") for rs in sets),
            "updatedReplicas": _count(new, "replicas") if new is not None else 0,
            "readyReplicas": sum(_count(rs, "readyReplicas") for rs in sets),
            "availableReplicas": sum(_count(rs, "availableReplicas") for rs in sets),
        }
        status.update(counts)
        status["HPAReplicas"] = counts["replicas"]
        status["selector"] = format_selector(selector) if selector is not None else ""
        status["currentPodHash"] = digest
        status["observedGeneration"] = str(rollout["metadata"].get("generation", 1))
        complete = (
            counts["updatedReplicas"] == desired
            and counts["availableReplicas"] >= desired
            and counts["replicas"] == desired
        )
        if complete or (not previous.get("stableRS") and len(sets) == 1):
            status["stableRS"] = digest
        _strategy_status(status, spec, complete=complete, now=now)
        conditions: list[dict[str, Any]] = [dict(c) for c in previous.get("conditions") or ()]
        revision = (new.load()["metadata"].get("annotations") or {}).get(REVISION) if new else None
        phase, message = self._progress(
            stored,
            spec,
            previous,
            counts,
            conditions,
            complete=complete,
            rs_name=f"{stored.name}-{digest}",
            revision=str(revision or 1),
            now=now,
        )
        available = counts["availableReplicas"] >= desired
        set_workload_condition(
            conditions,
            "Available",
            "True" if available else "False",
            "AvailableReason",
            "Rollout has minimum availability"
            if available
            else "Rollout does not have minimum availability",
            now=now,
            with_update_time=True,
        )
        healthy = phase == "Healthy"
        set_workload_condition(
            conditions,
            "Healthy",
            "True" if healthy else "False",
            "RolloutHealthy",
            "Rollout is healthy" if healthy else "Rollout is not healthy",
            now=now,
            with_update_time=True,
        )
        if spec.get("paused") is True:
            set_workload_condition(
                conditions,
                "Paused",
                "True",
                "RolloutPaused",
                "Rollout is paused",
                now=now,
                with_update_time=True,
            )
        else:
            conditions = [c for c in conditions if c.get("type") != "Paused"]
        status["conditions"] = conditions
        status["phase"] = phase
        status["message"] = message
        if not message:
            status.pop("message")
        rollout["status"] = status
        self.registry.write(resource, rollout)

    def _progress(
        self,
        stored: StoredObject,
        spec: dict[str, Any],
        previous: dict[str, Any],
        counts: dict[str, int],
        conditions: list[dict[str, Any]],
        *,
        complete: bool,
        rs_name: str,
        revision: str,
        now: str,
    ) -> tuple[str, str]:
        """The Progressing condition and the phase it implies, with the progress deadline."""
        desired = int(spec.get("replicas", 1))

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

        if previous.get("abort") is True:
            message = f"Rollout aborted update to revision {revision}"
            progressing("False", "RolloutAborted", message)
            return "Degraded", f"RolloutAborted: {message}"
        if spec.get("paused") is True:
            progressing("Unknown", "RolloutPaused", "Rollout is paused")
            return "Paused", "manually paused"
        if complete:
            progressing(
                "True",
                "NewReplicaSetAvailable",
                "Rollout has successfully progressed",
            )
            return "Healthy", ""
        advanced = any(counts[k] > int(previous.get(k) or 0) for k in counts if k != "replicas")
        current = next((c for c in conditions if c.get("type") == "Progressing"), None)
        if current is None or current.get("reason") != "ProgressDeadlineExceeded":
            progressing(
                "True",
                "ReplicaSetUpdated",
                f'ReplicaSet "{rs_name}" is progressing.',
                progressed=advanced or current is None,
            )
        current = next(c for c in conditions if c.get("type") == "Progressing")
        deadline = spec.get("progressDeadlineSeconds", DEFAULT_DEADLINE)
        last = parse_time(current.get("lastUpdateTime")) or self.context.clock.time()
        if current.get("reason") == "ProgressDeadlineExceeded" or (
            isinstance(deadline, int) and self.context.clock.time() >= last + deadline
        ):
            message = f'ReplicaSet "{rs_name}" has timed out progressing.'
            if current.get("reason") != "ProgressDeadlineExceeded":
                self.event(stored, WARNING, "RolloutTimedOut", message)
            progressing("False", "ProgressDeadlineExceeded", message)
            return "Degraded", f"ProgressDeadlineExceeded: {message}"
        if isinstance(deadline, int):
            self.enqueue_at(stored.key, last + deadline + 0.001)
        if counts["updatedReplicas"] < desired:
            return "Progressing", "more replicas need to be updated"
        if counts["availableReplicas"] < desired:
            return "Progressing", "updated replicas are still becoming available"
        return "Progressing", "old replicas are pending termination"
