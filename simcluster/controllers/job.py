"""The Job controller: pods run to completion, or the Job fails.

Keeps ``parallelism`` pods running until ``completions`` succeeded (NonIndexed or
Indexed), backs off after failures (10s doubling to 6 minutes), fails the Job past
``backoffLimit`` (pod failures, or container restarts with OnFailure) or
``activeDeadlineSeconds``, honours ``suspend``, counts finished pods through the
``batch.kubernetes.io/job-tracking`` finalizer as the real controller does, writes
its conditions (SuccessCriteriaMet/Complete, FailureTarget/Failed, Suspended) and
deletes finished Jobs after ``ttlSecondsAfterFinished``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.clock import format_time, parse_time
from simcluster.controllers.base import Controller
from simcluster.controllers.common import (
    TERMINAL,
    Readiness,
    compact,
    is_active,
    owned,
    owner_of,
    set_workload_condition,
)
from simcluster.events import NORMAL, WARNING
from simcluster.podtemplates import pod_from_template
from simcluster.registry import FOREGROUND, DeleteOptions
from simcluster.resources import JOBS, PODS
from simcluster.store import Change, StoredObject

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX_KEY = "batch.kubernetes.io/job-completion-index"
MAX_BACKOFF = 360.0
_ORPHAN = "orphan:"


def parse_indexes(text: object) -> set[int]:
    """``completedIndexes`` ("0-2,5") as a set."""
    found: set[int] = set()
    if not isinstance(text, str):
        return found
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first.isdigit():
            found.update(range(int(first), int(last or first) + 1))
    return found


def format_indexes(indexes: set[int]) -> str:
    runs: list[str] = []
    for index in sorted(indexes):
        if runs and runs[-1].split("-")[-1] == str(index - 1):
            runs[-1] = f"{runs[-1].split('-')[0]}-{index}"
        else:
            runs.append(str(index))
    return ",".join(runs)


class JobController(Controller):
    name = "job-controller"
    watches = (JOBS, PODS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_failure: dict[str, tuple[str, float]] = {}
        """When each Job (by key, with its uid) last saw a pod fail, for the back-off."""

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is JOBS:
            return (obj.key,)
        owner = owner_of(self.store, obj, JOBS)
        if owner is not None:
            return (owner.key,)
        if change.type != "DELETED" and TRACKING_FINALIZER.encode() in obj.data:
            return (_ORPHAN + obj.key,)
        return ()

    def reconcile(self, key: str) -> None:
        if key.startswith(_ORPHAN):
            namespace, _, name = key.removeprefix(_ORPHAN).partition("/")
            pod = self.store.get(PODS, namespace, name)
            if pod is not None and owner_of(self.store, pod, JOBS) is None:
                self._release(pod)
            return
        namespace, _, name = key.partition("/")
        stored = self.store.get(JOBS, namespace, name)
        if stored is None:
            self._last_failure.pop(key, None)
            return
        job = stored.load()
        spec = job.get("spec") or {}
        status = dict(job.get("status") or {})
        now = self.context.clock.time()
        pods = owned(self.store, stored)
        self._count_finished(stored, pods, status, spec, now)
        pods = owned(self.store, stored)
        active = [p for p in pods if is_active(p)]
        conditions = [dict(c) for c in status.get("conditions") or ()]
        finished = _true(conditions, "Complete") or _true(conditions, "Failed")
        if not stored.deleting and not finished:
            active = self._drive(stored, spec, status, conditions, active=active, now=now)
        elif finished:
            self._stop(stored, active)
            active = []
        readiness = Readiness(active, 0, now)
        status["active"] = len(active)
        status["ready"] = readiness.ready
        status["terminating"] = sum(
            1 for p in pods if p.deleting and p.fields["status.phase"] not in TERMINAL
        )
        status["uncountedTerminatedPods"] = {}
        status["conditions"] = conditions
        job["status"] = compact(status, "ready", "terminating", "uncountedTerminatedPods")
        self.registry.write(JOBS, job)
        if _true(conditions, "Complete") or _true(conditions, "Failed"):
            self._expire(stored, spec, status, now)

    def _release(self, pod: StoredObject) -> None:
        obj = pod.load()
        finalizers = obj["metadata"].get("finalizers") or []
        obj["metadata"]["finalizers"] = [f for f in finalizers if f != TRACKING_FINALIZER]
        if not obj["metadata"]["finalizers"]:
            del obj["metadata"]["finalizers"]
        self.registry.write(PODS, obj)

    def _count_finished(
        self,
        stored: StoredObject,
        pods: list[StoredObject],
        status: dict[str, Any],
        spec: dict[str, Any],
        now: float,
    ) -> None:
        indexed = spec.get("completionMode") == "Indexed"
        completed = parse_indexes(status.get("completedIndexes"))
        for pod in pods:
            if TRACKING_FINALIZER.encode() not in pod.data:
                continue
            phase = pod.fields["status.phase"]
            if phase == "Succeeded":
                status["succeeded"] = int(status.get("succeeded") or 0) + 1
                if indexed:
                    index = (pod.load()["metadata"].get("annotations") or {}).get(INDEX_KEY)
                    if isinstance(index, str) and index.isdigit():
                        completed.add(int(index))
            elif phase == "Failed" or pod.deleting:
                status["failed"] = int(status.get("failed") or 0) + 1
                self._last_failure[stored.key] = (stored.uid, now)
            else:
                continue
            self._release(pod)
        if indexed:
            status["completedIndexes"] = format_indexes(completed)

    def _drive(
        self,
        stored: StoredObject,
        spec: dict[str, Any],
        status: dict[str, Any],
        conditions: list[dict[str, Any]],
        *,
        active: list[StoredObject],
        now: float,
    ) -> list[StoredObject]:
        stamp = format_time(now)
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism", 1))
        succeeded = int(status.get("succeeded") or 0)
        failed = int(status.get("failed") or 0)
        if (spec.get("template") or {}).get("spec", {}).get("restartPolicy") == "OnFailure":
            failed += sum(_restarts(p) for p in active)
        started = parse_time(status.get("startTime"))
        deadline = spec.get("activeDeadlineSeconds")
        if failed > int(spec.get("backoffLimit", 6)):
            self._fail(
                stored,
                conditions,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                stamp,
            )
            self._stop(stored, active)
            return []
        if isinstance(deadline, int) and started is not None and now >= started + deadline:
            self._fail(
                stored,
                conditions,
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
                stamp,
            )
            self._stop(stored, active)
            return []
        done = (
            (succeeded >= int(completions))
            if completions is not None
            else (succeeded > 0 and not active)
        )
        if done:
            for kind in ("SuccessCriteriaMet", "Complete"):
                set_workload_condition(
                    conditions,
                    kind,
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    now=stamp,
                )
            status["completionTime"] = stamp
            self._stop(stored, active)
            self.event(stored, NORMAL, "Completed", "Job completed")
            return []
        if spec.get("suspend") is True:
            if not _true(conditions, "Suspended"):
                set_workload_condition(
                    conditions, "Suspended", "True", "JobSuspended", "Job suspended", now=stamp
                )
                self.event(stored, NORMAL, "Suspended", "Job suspended")
            status.pop("startTime", None)
            self._stop(stored, active)
            return []
        if _true(conditions, "Suspended"):
            set_workload_condition(
                conditions, "Suspended", "False", "JobResumed", "Job resumed", now=stamp
            )
            self.event(stored, NORMAL, "Resumed", "Job resumed")
        status.setdefault("startTime", stamp)
        if isinstance(deadline, int):
            self.enqueue_at(stored.key, (parse_time(status["startTime"]) or now) + deadline)
        if completions is None:
            wanted = 0 if succeeded else parallelism
        else:
            wanted = min(parallelism, int(completions) - succeeded)
        if len(active) > wanted:
            for pod in sorted(active, key=lambda p: p.name, reverse=True)[: len(active) - wanted]:
                self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
            return active[:wanted]
        if len(active) < wanted:
            delay = min(10.0 * 2 ** (failed - 1), MAX_BACKOFF) if failed else 0.0
            uid, failed_at = self._last_failure.get(stored.key, (stored.uid, 0.0))
            ready_at = (failed_at if uid == stored.uid else 0.0) + delay
            if now < ready_at:
                self.enqueue_at(stored.key, ready_at)
                return active
            active = active + self._create_pods(stored, spec, status, active, wanted - len(active))
        return active

    def _create_pods(
        self,
        stored: StoredObject,
        spec: dict[str, Any],
        status: dict[str, Any],
        active: list[StoredObject],
        count: int,
    ) -> list[StoredObject]:
        template = spec.get("template") or {}
        indexed = spec.get("completionMode") == "Indexed"
        taken = parse_indexes(status.get("completedIndexes"))
        for pod in active:
            index = (pod.load()["metadata"].get("annotations") or {}).get(INDEX_KEY)
            if isinstance(index, str) and index.isdigit():
                taken.add(int(index))
        free = (i for i in range(int(spec.get("completions") or 0)) if i not in taken)
        created: list[StoredObject] = []
        for _ in range(count):
            extra: dict[str, str] = {}
            prefix = f"{stored.name}-"
            if indexed:
                index = next(free, None)
                if index is None:
                    break
                extra = {INDEX_KEY: str(index)}
                prefix = f"{stored.name}-{index}-"
            body = pod_from_template(
                template,
                stored,
                generate_name=prefix,
                labels=extra,
                annotations=extra,
                finalizers=[TRACKING_FINALIZER],
            )
            if indexed:
                body["spec"]["hostname"] = prefix.rstrip("-")
            made = self.registry.create(PODS, stored.namespace, body)
            created.append(made)
            self.event(stored, NORMAL, "SuccessfulCreate", f"Created pod: {made.name}")
        return created

    def _fail(
        self,
        stored: StoredObject,
        conditions: list[dict[str, Any]],
        reason: str,
        message: str,
        stamp: str,
    ) -> None:
        for kind in ("FailureTarget", "Failed"):
            set_workload_condition(conditions, kind, "True", reason, message, now=stamp)
        self.event(stored, WARNING, reason, message)

    def _stop(self, stored: StoredObject, active: list[StoredObject]) -> None:
        for pod in active:
            self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())

    def _expire(
        self, stored: StoredObject, spec: dict[str, Any], status: dict[str, Any], now: float
    ) -> None:
        ttl = spec.get("ttlSecondsAfterFinished")
        if not isinstance(ttl, int) or stored.deleting:
            return
        conditions = status.get("conditions") or ()
        finished = parse_time(status.get("completionTime")) or max(
            (parse_time(c.get("lastTransitionTime")) or 0.0 for c in conditions), default=now
        )
        if now >= finished + ttl:
            self.registry.delete(
                JOBS, stored.namespace, stored.name, DeleteOptions(propagation=FOREGROUND)
            )
        else:
            self.enqueue_at(stored.key, finished + ttl)


def _true(conditions: list[dict[str, Any]], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _restarts(pod: StoredObject) -> int:
    statuses = (pod.load().get("status") or {}).get("containerStatuses") or ()
    return sum(int(cs.get("restartCount") or 0) for cs in statuses)
