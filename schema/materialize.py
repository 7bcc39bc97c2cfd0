"""Records to workloads for a whole page at once: pods, events and jobs in one batch each.

The parent resolver calls this with the names the query selects (``lookahead``);
what is not selected is not read, and a page that selects none of them is converted
without looking up each workload's pods and jobs (ten keys built per row for nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.store.queries import Queries
from gateway.store.reader import Ref
from gateway.store.records import Record
from schema import convert
from schema.types import Job, Pod, Workload


async def pods_for(
    queries: Queries, records: Sequence[Record], wanted: frozenset[str], events_limit: int
) -> dict[Ref, Pod]:
    if "pods" not in wanted:
        return {}
    return await with_events(queries, await queries.pods_of(records), wanted, events_limit)


async def with_events(
    queries: Queries, found: dict[Ref, Record], wanted: frozenset[str], events_limit: int
) -> dict[Ref, Pod]:
    """Pod records (by cluster and pod id) as pods, their events read in one batch if asked."""
    events: dict[Ref, list[Record]] = {}
    if "events" in wanted and found:
        pod_refs = [(cluster, f"Pod/{pod_id}") for cluster, pod_id in found]
        by_object = await queries.events_of(pod_refs, events_limit)
        events = {
            (cluster, object_id[4:]): items for (cluster, object_id), items in by_object.items()
        }
    return {ref: convert.pod(record, events.get(ref, ())) for ref, record in found.items()}


async def workloads(
    queries: Queries, records: Sequence[Record], wanted: frozenset[str], events_limit: int
) -> list[Workload]:
    pods = await pods_for(queries, records, wanted, events_limit)
    events: dict[Ref, list[Record]] = {}
    if "events" in wanted and records:
        refs = [(r["cluster"], f"{r['kind']}/{r['namespace']}/{r['name']}") for r in records]
        events = await queries.events_of(refs, events_limit)
    jobs: dict[Ref, Job] = {}
    cronjobs = [r for r in records if r["kind"] == "CronJob"]
    if "jobs" in wanted and cronjobs:
        job_records = await queries.jobs_of(cronjobs)
        built = await workloads(
            queries, list(job_records.values()), wanted - {"jobs"}, events_limit
        )
        jobs = {
            ref: job for ref, job in zip(job_records, built, strict=True) if isinstance(job, Job)
        }
    if not (pods or events or jobs):
        return [queries.built(record, convert.workload) for record in records]
    result: list[Workload] = []
    for record in records:
        cluster, namespace = record["cluster"], record["namespace"]
        own_pods = [
            pods[(cluster, f"{namespace}/{p}")]
            for p in record.get("pods") or ()
            if (cluster, f"{namespace}/{p}") in pods
        ]
        own_jobs = [
            jobs[(cluster, f"Job/{namespace}/{j}")]
            for j in record.get("jobs") or ()
            if (cluster, f"Job/{namespace}/{j}") in jobs
        ]
        ref = (cluster, f"{record['kind']}/{namespace}/{record['name']}")
        result.append(convert.workload(record, own_pods, events.get(ref, ()), own_jobs))
    return result
