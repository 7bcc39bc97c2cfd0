"""Every status of the vocabulary, reached by a scenario, read back over HTTP and
judged by the status engine: the simulator produces what the engine expects of a
real cluster."""

from __future__ import annotations

from functools import partial
from typing import Any

import aiohttp

from gateway.status import STATUSES_BY_KIND, Kind, PodPhase
from simcluster.cluster import SimulatedCluster
from simcluster.nodes import NodeState

from .helpers import pod_state, wait_for_status
from .objects import behaviour, cronjob, job, pod, workload

HOLD = "example.com/hold"
LOST_POOL = {"pool": "lost"}
LOST_TAINT = {"key": "pool", "value": "lost", "effect": "NoSchedule"}
TOLERATE_LOST = [{"key": "pool", "operator": "Equal", "value": "lost", "effect": "NoSchedule"}]


def add_lost_node(cluster: SimulatedCluster) -> str:
    """A node only workloads that ask for it run on, so losing it hits only them."""
    cluster.add_node("sim-1-lost", labels=LOST_POOL, taints=[LOST_TAINT])
    return "sim-1-lost"


def on_lost_node() -> dict[str, Any]:
    return {"nodeSelector": LOST_POOL, "tolerations": TOLERATE_LOST}


async def check_replicated(
    cluster: SimulatedCluster, http: aiohttp.ClientSession, kind: str, broken: dict[str, str]
) -> set[str]:
    """Waiting, Running, Deleting, Exception and Not Ready for one replicated kind."""
    lost = add_lost_node(cluster)
    count = None if kind == "DaemonSet" else 2
    cluster.create(workload(kind, "steady", replicas=count))
    cluster.create(workload(kind, "slow", behaviour(ready_after_seconds="100000"), replicas=count))
    cluster.create(workload(kind, "broken", behaviour(**broken), replicas=count))
    cluster.create(workload(kind, "held", finalizers=[HOLD], replicas=count))
    cluster.create(workload(kind, "stranded", pod=on_lost_node(), replicas=count))
    seen = set()
    for name, status in (("steady", "Running"), ("slow", "Waiting"), ("broken", "Not Ready")):
        seen.add((await wait_for_status(cluster, http, kind, name, status)).status.value)
    await wait_for_status(cluster, http, kind, "held", "Running")
    cluster.delete(kind, "held")
    seen.add((await wait_for_status(cluster, http, kind, "held", "Deleting")).status.value)
    await wait_for_status(cluster, http, kind, "stranded", "Running")
    cluster.set_node_state(lost, NodeState.UNREACHABLE)
    state = await wait_for_status(cluster, http, kind, "stranded", "Exception")
    assert state.reason in ("NodeLost", "NodeNotReady")
    seen.add(state.status.value)
    return seen


async def test_deployment_statuses(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    seen = await check_replicated(cluster, http, "Deployment", {"behavior": "crash-loop"})
    assert seen == {s.value for s in STATUSES_BY_KIND[Kind.DEPLOYMENT]}


async def test_statefulset_statuses(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    seen = await check_replicated(cluster, http, "StatefulSet", {"behavior": "image-pull-error"})
    assert seen == {s.value for s in STATUSES_BY_KIND[Kind.STATEFULSET]}


async def test_daemonset_statuses(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    seen = await check_replicated(cluster, http, "DaemonSet", {"behavior": "config-error"})
    assert seen == {s.value for s in STATUSES_BY_KIND[Kind.DAEMONSET]}


async def test_progress_deadline_makes_a_deployment_not_ready(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(
        workload(
            "Deployment",
            "stuck",
            behaviour(ready_after_seconds="never"),
            progressDeadlineSeconds=30,
        )
    )
    state = await wait_for_status(cluster, http, "Deployment", "stuck", "Not Ready")
    assert state.reason == "ProgressDeadlineExceeded"


async def test_job_statuses(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    cluster.create(job("suspended", suspend=True))
    cluster.create(job("long", behaviour(run_seconds="100000")))
    cluster.create(job("quick", behaviour(run_seconds="1")))
    cluster.create(job("failing", behaviour(behavior="exit", run_seconds="1"), backoffLimit=0))
    cluster.create(job("held", behaviour(run_seconds="100000"), finalizers=[HOLD]))
    expected = {
        "suspended": "Waiting",
        "long": "Executing",
        "quick": "Execution Complete",
        "failing": "Exception",
    }
    seen = set()
    for name, status in expected.items():
        seen.add((await wait_for_status(cluster, http, "Job", name, status)).status.value)
    await wait_for_status(cluster, http, "Job", "held", "Executing")
    cluster.delete("Job", "held", propagation="Foreground")
    seen.add((await wait_for_status(cluster, http, "Job", "held", "Deleting")).status.value)
    assert seen == {s.value for s in STATUSES_BY_KIND[Kind.JOB]}


async def test_cronjob_statuses(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    cluster.create(cronjob("nightly", "0 3 * * *"))
    cluster.create(cronjob("minutely", "* * * * *", behaviour(run_seconds="1")))
    cluster.create(cronjob("paused", "* * * * *", suspend=True))
    cluster.create(cronjob("held", "0 3 * * *", finalizers=[HOLD]))
    seen = {(await wait_for_status(cluster, http, "CronJob", "nightly", "Waiting")).status.value}
    seen.add((await wait_for_status(cluster, http, "CronJob", "paused", "Stopped")).status.value)
    cluster.clock.advance(61)
    state = await wait_for_status(cluster, http, "CronJob", "minutely", "Started")
    seen.add(state.status.value)
    assert cluster.list_objects("Job"), "the schedule created a Job"
    cluster.delete("CronJob", "held")
    seen.add((await wait_for_status(cluster, http, "CronJob", "held", "Deleting")).status.value)
    assert seen == {s.value for s in STATUSES_BY_KIND[Kind.CRONJOB]}


async def test_pod_phases(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    lost = add_lost_node(cluster)
    cluster.create(pod("waiting", behaviour(behavior="unschedulable")))
    cluster.create(pod("serving"))
    cluster.create(pod("done", behaviour(run_seconds="1"), restartPolicy="Never"))
    cluster.create(pod("crashed", behaviour(behavior="exit"), restartPolicy="Never"))
    cluster.create(pod("stranded", **on_lost_node()))
    expected = {
        "waiting": PodPhase.PENDING,
        "serving": PodPhase.RUNNING,
        "done": PodPhase.SUCCEEDED,
        "crashed": PodPhase.FAILED,
        "stranded": PodPhase.RUNNING,
    }
    for name, phase in expected.items():
        await cluster.wait_for(partial(_phase_is, cluster, name, phase))
    now = cluster.clock.now()
    pending = await pod_state(http, "default", "waiting", now)
    assert pending is not None
    assert pending.problem is not None
    assert pending.problem.reason == "Unschedulable"
    assert "nodes are available" in pending.message
    cluster.set_node_state(lost, NodeState.UNREACHABLE)
    cluster.clock.advance(301)
    await cluster.wait_for(lambda: _phase_is(cluster, "stranded", PodPhase.UNKNOWN))
    seen = set()
    for name in expected:
        state = await pod_state(http, "default", name, cluster.clock.now())
        assert state is not None
        seen.add(state.phase)
    assert seen == set(PodPhase)
    stranded = await pod_state(http, "default", "stranded", cluster.clock.now())
    assert stranded is not None
    assert stranded.display_reason == "Unknown"


def _phase_is(cluster: SimulatedCluster, name: str, phase: PodPhase) -> bool:
    found = cluster.get("Pod", name)
    return found is not None and (found.get("status") or {}).get("phase") == phase.value
