"""``kubectl get ... -o yaml | explain -`` on dumps that lack related objects.

The dumps are kubectl's own output against a simulated cluster, piped into ``python -m
gateway explain -`` as a person would. Each test compares a partial dump with the whole
one (what the gateway sees): the verdict is the same where the grouping can make up for
what is missing, and the note says what was missing where it cannot.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from gateway.gaps import NO_NODES, UNREAD_REPLICA_SETS
from gateway.status import evaluate
from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet
from tests.simcluster.helpers import Kubectl, kubectl_binary, wait_for_status
from tests.simcluster.objects import behaviour, cronjob, workload

ROOT = Path(__file__).resolve().parents[1]
TIME_SCALE = 40.0
"""Simulated seconds per real second: a pod starts in about 50 ms."""
TOLERATE_LOST_NODES = {
    "tolerations": [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    ]
}
"""Pods that stay bound to an unreachable node instead of being evicted after 300 s."""


@dataclass(frozen=True, slots=True)
class Sim:
    cluster: SimulatedCluster
    kubectl: Kubectl
    http: aiohttp.ClientSession

    def now(self) -> str:
        return self.cluster.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest_asyncio.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    async with SimulatedFleet(time_scale=TIME_SCALE, kubeconfig=tmp_path / "kubeconfig") as fleet:
        cache = tmp_path / "kubectl-cache"
        cache.mkdir()
        cluster = fleet["sim-1"]
        async with aiohttp.ClientSession(cluster.url) as http:
            yield Sim(cluster, Kubectl(kubectl_binary(), fleet.kubeconfig, cache), http)


@dataclass(frozen=True, slots=True)
class Explained:
    code: int
    lines: list[dict[str, Any]]
    err: str

    def one(self, kind: str, name: str) -> dict[str, Any]:
        (found,) = [line for line in self.lines if (line["kind"], line["name"]) == (kind, name)]
        return found


async def explain_piped(dump: str, now: str, *options: str) -> tuple[int, str, str]:
    """``... | python -m gateway explain [options] -`` through a real pipe."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "explain",
        "--now",
        now,
        *options,
        "-",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(dump.encode()), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def explain_json(sim: Sim, *kinds: str, output: str = "yaml") -> Explained:
    dump = await sim.kubectl.ok("get", ",".join(kinds), "-A", "-o", output)
    return await explained(dump, sim.now())


async def explained(dump: str, now: str) -> Explained:
    code, out, err = await explain_piped(dump, now, "-o", "json")
    return Explained(code, [json.loads(line) for line in out.splitlines()], err)


async def whole_and_partial(sim: Sim, kinds: str, *left_out: str) -> tuple[Explained, Explained]:
    """One ``kubectl get KINDS -o json`` explained as it is and with ``left_out`` kinds
    taken out of its List: both dumps then show the same moment of a cluster that moves."""
    dump = await sim.kubectl.ok("get", kinds, "-A", "-o", "json")
    listing = json.loads(dump)
    listing["items"] = [item for item in listing["items"] if item["kind"] not in left_out]
    now = sim.now()
    return await explained(dump, now), await explained(json.dumps(listing, indent=4), now)


def without_notes(line: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in line.items() if key != "notes"}


async def test_a_deployment_whose_replica_sets_are_missing_keeps_the_gateways_verdict(
    sim: Sim,
) -> None:
    failing = workload("Deployment", "web", behaviour(behavior="config-error"), replicas=2)
    sim.cluster.create(failing)
    sim.cluster.create(workload("Deployment", "api", replicas=1))
    await wait_for_status(sim.cluster, sim.http, "Deployment", "web", "Not Ready")
    await wait_for_status(sim.cluster, sim.http, "Deployment", "api", "Running")

    whole, partial = await whole_and_partial(sim, "deploy,rs,pods,nodes", "ReplicaSet", "Node")
    assert whole.code == partial.code == 0
    for name in ("web", "api"):
        seen, dumped = whole.one("Deployment", name), partial.one("Deployment", name)
        assert without_notes(dumped) == without_notes(seen)
        assert seen["notes"] == []
    web = partial.one("Deployment", "web")
    assert (web["status"], web["reason"]) == ("Not Ready", "CreateContainerConfigError")
    (name,) = [
        rs["metadata"]["name"]
        for rs in sim.cluster.list_objects("ReplicaSet", "default")
        if rs["metadata"]["labels"]["app"] == "web"
    ]
    assert web["notes"][0].startswith(
        f"Its ReplicaSet {name} is not in the input: its 2 pods were counted as this Deployment's"
    )
    assert web["notes"][1:] == [UNREAD_REPLICA_SETS, NO_NODES]
    # Judged on its own status counts, as explain did before counting the pods by name:
    deployment = sim.cluster.get("Deployment", "web")
    assert evaluate(deployment, sim.cluster.clock.now()).status.value == "Waiting"


async def test_pods_of_an_absent_owner_are_shown_on_their_own_and_say_so(sim: Sim) -> None:
    sim.cluster.create(workload("Deployment", "web", replicas=1))
    sim.cluster.create(workload("StatefulSet", "db", replicas=1))
    await wait_for_status(sim.cluster, sim.http, "Deployment", "web", "Running")
    await wait_for_status(sim.cluster, sim.http, "StatefulSet", "db", "Running")

    only_pods = await explain_json(sim, "rs", "pods", "nodes")
    assert only_pods.code == 0
    (web_pod,) = [line for line in only_pods.lines if line["name"].startswith("web-")]
    (replica_set,) = sim.cluster.list_objects("ReplicaSet", "default")
    assert web_pod["notes"] == [
        f"Its ReplicaSet {replica_set['metadata']['name']} is in the input but not the "
        "Deployment web that owns it: the pod is shown on its own and counts for no workload "
        "here, while the gateway judges it with Deployment web."
    ]
    assert only_pods.one("Pod", "db-0")["notes"] == [
        "Its owner StatefulSet db is not in the input: the pod is shown on its own and counts "
        "for no workload here, while the gateway judges it with StatefulSet db."
    ]

    table = await sim.kubectl.ok("get", "pods", "-A", "-o", "yaml")
    code, out, _ = await explain_piped(table, sim.now())
    assert code == 0
    flat = " ".join(out.split())
    assert "Notes on the input, each for the rows above marked with its number:" in flat
    assert f"(2 rows) {NO_NODES}" in flat
    assert "Its owner StatefulSet db is not in the input" in flat


async def test_workloads_without_their_pods_say_their_verdict_rests_on_counts(sim: Sim) -> None:
    failing = workload("Deployment", "web", behaviour(behavior="config-error"), replicas=2)
    sim.cluster.create(failing)
    await wait_for_status(sim.cluster, sim.http, "Deployment", "web", "Not Ready")
    alone = await explain_json(sim, "deploy")
    web = alone.one("Deployment", "web")
    assert web["status"] == "Waiting"
    assert web["notes"] == [
        "No pod in the input is counted as its own, though its status counts 2 pods: this "
        "verdict rests on those counts alone. Problems only pods show (crash loops, image "
        "pulls, scheduling, lost nodes) are not seen: the gateway may say Not Ready or "
        "Exception."
    ]


async def test_a_pod_on_a_node_missing_from_the_dump(sim: Sim) -> None:
    sim.cluster.create(workload("Deployment", "web", replicas=1, pod=TOLERATE_LOST_NODES))
    await wait_for_status(sim.cluster, sim.http, "Deployment", "web", "Running")
    (pod,) = sim.cluster.list_objects("Pod", "default")
    lost = pod["spec"]["nodeName"]
    sim.cluster.set_node_state(lost, "Unreachable")
    await wait_for_status(sim.cluster, sim.http, "Deployment", "web", "Exception")

    whole = await explain_json(sim, "deploy", "rs", "pods", "nodes")
    assert (whole.one("Deployment", "web")["status"], whole.one("Deployment", "web")["notes"]) == (
        "Exception",
        [],
    )
    others = [
        n["metadata"]["name"]
        for n in sim.cluster.list_objects("Node")
        if n["metadata"]["name"] != lost
    ]
    workloads = await sim.kubectl.ok("get", "deploy,rs,pods", "-o", "yaml")
    healthy_node = await sim.kubectl.ok("get", "node", others[0], "-o", "yaml")
    code, out, err = await explain_piped(f"{workloads}---\n{healthy_node}", sim.now(), "-o", "json")
    assert (code, err) == (0, "")
    partial = Explained(code, [json.loads(line) for line in out.splitlines()], err)
    web = partial.one("Deployment", "web")
    assert web["status"] != "Exception"
    expected = (
        f"Node {lost} is not in the input, so whether it is Ready is not known: if it is not, "
        "its pods cannot be observed, and the gateway says Exception for their workloads."
    )
    assert expected in web["notes"]
    assert partial.one("Pod", pod["metadata"]["name"])["notes"] == [expected]


async def test_a_cronjob_without_its_jobs(sim: Sim) -> None:
    running = behaviour(run_seconds="100000")
    sim.cluster.create(cronjob("tick", "* * * * *", running, concurrencyPolicy="Forbid"))
    sim.cluster.clock.advance(60)
    await sim.cluster.wait_for(
        lambda: (sim.cluster.get("CronJob", "tick") or {}).get("status", {}).get("active")
    )
    await sim.cluster.wait_for(lambda: sim.cluster.list_objects("Pod", "default"))
    (job,) = sim.cluster.list_objects("Job", "default")
    job_name = job["metadata"]["name"]

    whole, partial = await whole_and_partial(sim, "cronjobs,jobs,pods,nodes", "Job")
    assert whole.one("CronJob", "tick")["notes"] == []
    tick = partial.one("CronJob", "tick")
    assert without_notes(tick) == without_notes(whole.one("CronJob", "tick"))
    assert tick["notes"] == [
        f"Its running Job {job_name} (status.active) is not in the input: its own status is "
        "not shown here, and whether its last finished run failed could not be checked "
        "(the gateway warns when it did)."
    ]
    (pod,) = [line for line in partial.lines if line["kind"] == "Pod"]
    assert pod["notes"] == [
        f"Its owner Job {job_name} is not in the input: the pod is shown on its own and counts "
        f"for no workload here, while the gateway judges it with Job {job_name}."
    ]
    jobs_alone = await explain_json(sim, "jobs", "nodes")
    assert jobs_alone.one("Job", job_name)["notes"] == [
        "No pod in the input is counted as its own, though its status counts 1 active pod: this "
        "verdict rests on those counts alone. Problems only pods show (failing containers, lost "
        "nodes) are not seen: the gateway may say Exception or warn about failing pods."
    ]
