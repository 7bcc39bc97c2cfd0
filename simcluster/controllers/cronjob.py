"""The CronJob controller: Jobs on schedule, on the simulated clock.

Creates ``<cronjob>-<minutes since the epoch>`` Jobs at each scheduled time (the
latest missed one if several were missed, none past startingDeadlineSeconds),
honours suspend and the Allow/Forbid/Replace concurrency policies, tracks active
Jobs and the last schedule and success times, and prunes finished Jobs beyond the
history limits. Tests jump the clock to the next run instead of waiting a minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from gateway.status.cron import ScheduleError, parse_schedule
from simcluster.clock import format_time, parse_time
from simcluster.controllers.base import Controller
from simcluster.controllers.common import owned, owner_of
from simcluster.events import NORMAL, WARNING
from simcluster.podtemplates import owner_reference
from simcluster.registry import BACKGROUND, DeleteOptions
from simcluster.resources import CRONJOBS, JOBS
from simcluster.store import Change, StoredObject

SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_MISSED_LIMIT = 100


def _finished(job: dict[str, Any]) -> str:
    """ "Complete", "Failed" or "" for a Job still running."""
    for condition in (job.get("status") or {}).get("conditions") or ():
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return str(condition["type"])
    return ""


class CronJobController(Controller):
    name = "cronjob-controller"
    watches = (CRONJOBS, JOBS)

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is CRONJOBS:
            return (obj.key,)
        owner = owner_of(self.store, obj, CRONJOBS)
        return (owner.key,) if owner is not None else ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(CRONJOBS, namespace, name)
        if stored is None:
            return
        cronjob = stored.load()
        spec = cronjob.get("spec") or {}
        status = dict(cronjob.get("status") or {})
        jobs = [(j, j.load()) for j in owned(self.store, stored, JOBS)]
        self._track(stored, status, jobs)
        if not stored.deleting:
            self._prune(stored, spec, jobs)
            if spec.get("suspend") is not True:
                self._schedule(stored, cronjob, spec, status, jobs)
        active = [
            {
                "kind": "Job",
                "namespace": job_stored.namespace,
                "name": job_stored.name,
                "uid": job_stored.uid,
                "apiVersion": "batch/v1",
                "resourceVersion": str(job_stored.rv),
            }
            for job_stored, job in sorted(jobs, key=lambda pair: pair[0].name)
            if not _finished(job)
            and not job_stored.deleting
            and self.store.get(JOBS, job_stored.namespace, job_stored.name) is not None
        ]
        if active:
            status["active"] = active
        else:
            status.pop("active", None)
        cronjob["status"] = status
        self.registry.write(CRONJOBS, cronjob)

    def _track(
        self,
        stored: StoredObject,
        status: dict[str, Any],
        jobs: list[tuple[StoredObject, dict[str, Any]]],
    ) -> None:
        known = {ref.get("uid") for ref in status.get("active") or ()}
        for job_stored, job in jobs:
            result = _finished(job)
            if not result or job_stored.uid not in known:
                continue
            self.event(
                stored,
                NORMAL,
                "SawCompletedJob",
                f"Saw completed job: {job_stored.name}, status: {result}",
            )
            if result == "Complete":
                done = (job.get("status") or {}).get("completionTime")
                previous = status.get("lastSuccessfulTime")
                if done and (previous is None or done > previous):
                    status["lastSuccessfulTime"] = done

    def _prune(
        self,
        stored: StoredObject,
        spec: dict[str, Any],
        jobs: list[tuple[StoredObject, dict[str, Any]]],
    ) -> None:
        for result, field in (
            ("Complete", "successfulJobsHistoryLimit"),
            ("Failed", "failedJobsHistoryLimit"),
        ):
            limit = int(spec.get(field, 3 if result == "Complete" else 1))
            done = sorted(
                (
                    (parse_time((job.get("status") or {}).get("startTime")) or 0.0, j.name, j)
                    for j, job in jobs
                    if _finished(job) == result and not j.deleting
                ),
            )
            for _, _, job_stored in done[: max(len(done) - limit, 0)]:
                self.registry.delete(
                    JOBS,
                    job_stored.namespace,
                    job_stored.name,
                    DeleteOptions(propagation=BACKGROUND),
                )
                self.event(stored, NORMAL, "SuccessfulDelete", f"Deleted job {job_stored.name}")

    def _schedule(
        self,
        stored: StoredObject,
        cronjob: dict[str, Any],
        spec: dict[str, Any],
        status: dict[str, Any],
        jobs: list[tuple[StoredObject, dict[str, Any]]],
    ) -> None:
        try:
            schedule = parse_schedule(str(spec.get("schedule") or ""))
        except ScheduleError:
            return
        zone = spec.get("timeZone") or None
        now = self.context.clock.time()
        after = (
            parse_time(status.get("lastScheduleTime"))
            or parse_time(cronjob["metadata"].get("creationTimestamp"))
            or now
        )
        due: float | None = None
        upcoming = schedule.next_after(datetime.fromtimestamp(after, UTC), zone)
        for _ in range(_MISSED_LIMIT):
            if upcoming is None or upcoming.timestamp() > now:
                break
            due = upcoming.timestamp()
            upcoming = schedule.next_after(upcoming, zone)
        if upcoming is not None:
            self.enqueue_at(stored.key, upcoming.timestamp())
        if due is None:
            return
        deadline = spec.get("startingDeadlineSeconds")
        if isinstance(deadline, int) and now - due > deadline:
            self.event(
                stored,
                WARNING,
                "MissSchedule",
                f"Missed scheduled time to start a job: {format_time(due)}",
            )
            status["lastScheduleTime"] = format_time(due)
            return
        running = [(j, job) for j, job in jobs if not _finished(job) and not j.deleting]
        policy = spec.get("concurrencyPolicy", "Allow")
        if running and policy == "Forbid":
            self.event(
                stored,
                NORMAL,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is "
                "Forbid",
            )
            return
        if running and policy == "Replace":
            for job_stored, _ in running:
                self.registry.delete(
                    JOBS,
                    job_stored.namespace,
                    job_stored.name,
                    DeleteOptions(propagation=BACKGROUND),
                )
                self.event(stored, NORMAL, "SuccessfulDelete", f"Deleted job {job_stored.name}")
        self._create_job(stored, spec, due)
        status["lastScheduleTime"] = format_time(due)

    def _create_job(self, stored: StoredObject, spec: dict[str, Any], due: float) -> None:
        name = f"{stored.name}-{int(due // 60)}"
        if self.store.get(JOBS, stored.namespace, name) is not None:
            return
        template = spec.get("jobTemplate") or {}
        template_meta = template.get("metadata") or {}
        annotations = {**(template_meta.get("annotations") or {}), SCHEDULED_AT: format_time(due)}
        body: dict[str, Any] = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": name,
                "namespace": stored.namespace,
                "labels": dict(template_meta.get("labels") or {}),
                "annotations": annotations,
                "ownerReferences": [owner_reference(stored)],
            },
            "spec": dict(template.get("spec") or {}),
        }
        if not body["metadata"]["labels"]:
            del body["metadata"]["labels"]
        self.registry.create(JOBS, stored.namespace, body)
        self.event(stored, NORMAL, "SuccessfulCreate", f"Created job {name}")
