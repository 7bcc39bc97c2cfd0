"""kubectl's own commands against a simulated cluster, judged by the gateway over GraphQL.

kubectl 1.32 sends ``create deployment/job/cronjob/namespace`` and ``debug`` as protobuf,
``run``, ``apply``, ``scale``, ``label`` and ``annotate`` as JSON or patches; whichever
it is, the object must reach the gateway's cache with the status its state deserves.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError

from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from simcluster.fleet import SimulatedFleet
from tests.api.harness import RunningGateway, running_gateway
from tests.simcluster import objects as k
from tests.simcluster.helpers import Kubectl, kubectl_binary, requests_sent
from tests.watch.conftest import TIME_SCALE, until

WORKLOAD = """query ($kind: WorkloadKind!, $name: String!) {
  workload(cluster: "sim-1", namespace: "shop", kind: $kind, name: $name) {
    status reason labels counts { desired ready active succeeded }
  }
}"""
POD = """query ($namespace: String!, $name: String!) {
  pod(cluster: "sim-1", namespace: $namespace, name: $name) { phase ready owner node }
}"""
Found = dict[str, Any]


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(time_scale=TIME_SCALE, kubeconfig=tmp_path / "kubeconfig") as fleet:
        yield fleet


@pytest_asyncio.fixture
async def gw(fleet: SimulatedFleet, redis_server: EmbeddedRedis) -> AsyncIterator[RunningGateway]:
    async with running_gateway(redis_server.url, from_kubeconfig(fleet.kubeconfig)) as running:
        yield running


@pytest_asyncio.fixture
async def kubectl(fleet: SimulatedFleet, tmp_path: Path) -> Kubectl:
    cache = tmp_path / "kubectl-cache"
    cache.mkdir()
    found = Kubectl(kubectl_binary(), fleet.kubeconfig, cache)
    await found.ok("create", "namespace", "shop")
    return found


async def ask(gw: RunningGateway, query: str, **variables: str) -> Found | None:
    """The query's one field, or None while the gateway does not know the object."""
    async with Client(transport=AIOHTTPTransport(url=gw.graphql)) as session:
        try:
            result = await session.execute(GraphQLRequest(query, variable_values=variables))
        except TransportQueryError:
            return None
    found: Found = next(iter(result.values()))
    return found


async def workload_reaches(
    gw: RunningGateway, kind: str, name: str, status: str, **counts: int
) -> Found:
    """The workload once the gateway gives it ``status`` and at least these counts."""

    async def check() -> Found | None:
        found = await ask(gw, WORKLOAD, kind=kind, name=name)
        if found is None or found["status"] != status:
            return None
        return found if counts.items() <= found["counts"].items() else None

    found = await until(check, within=60)
    assert found is not None
    return found


async def pod_running(gw: RunningGateway, namespace: str, name: str) -> Found | None:
    found = await ask(gw, POD, namespace=namespace, name=name)
    return found if found is not None and found["phase"] == "RUNNING" else None


async def test_deployments_created_scaled_labelled_and_applied(
    fleet: SimulatedFleet, gw: RunningGateway, kubectl: Kubectl
) -> None:
    ran = await kubectl.run(
        "create", "deployment", "web", "-n", "shop", "--image=nginx:1.27", "--replicas=2", "-v=8"
    )
    assert ran.code == 0, ran.err[-2000:]
    if await kubectl.client_minor() >= 32:
        assert any(s.method == "POST" and s.protobuf for s in requests_sent(ran.err))
    await workload_reaches(gw, "DEPLOYMENT", "web", "RUNNING", desired=2, ready=2)

    await kubectl.ok("scale", "deployment/web", "-n", "shop", "--replicas=3")
    await workload_reaches(gw, "DEPLOYMENT", "web", "RUNNING", desired=3, ready=3)

    await kubectl.ok("label", "deployment/web", "-n", "shop", "tier=front")

    async def labelled() -> bool:
        found = await ask(gw, WORKLOAD, kind="DEPLOYMENT", name="web")
        return found is not None and found["labels"].get("tier") == "front"

    await until(labelled, within=30)
    await kubectl.ok("annotate", "deployment/web", "-n", "shop", "team=payments")
    annotated = fleet["sim-1"].get("Deployment", "web", "shop")
    assert annotated is not None and annotated["metadata"]["annotations"]["team"] == "payments"

    manifest = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            k.workload("StatefulSet", "db", namespace="shop", replicas=2),
            k.workload("DaemonSet", "agent", namespace="shop"),
        ],
    }
    await kubectl.ok("apply", "-f", "-", stdin=json.dumps(manifest))
    await workload_reaches(gw, "STATEFUL_SET", "db", "RUNNING", desired=2, ready=2)
    await workload_reaches(gw, "DAEMON_SET", "agent", "RUNNING", desired=3, ready=3)


async def test_cronjob_and_jobs_created_by_kubectl(gw: RunningGateway, kubectl: Kubectl) -> None:
    busybox = "--image=busybox:1.36"
    await kubectl.ok("create", "cronjob", "yearly", "-n", "shop", busybox, "--schedule=0 3 1 1 *")
    yearly = await workload_reaches(gw, "CRON_JOB", "yearly", "WAITING")
    assert yearly["reason"] == "NotYetScheduled"
    await kubectl.ok("create", "cronjob", "minutely", "-n", "shop", busybox, "--schedule=* * * * *")
    await workload_reaches(gw, "CRON_JOB", "minutely", "STARTED")

    forever = {"metadata": {"annotations": k.behaviour(run_seconds="never")}}
    template = {"spec": {"jobTemplate": {"spec": {"template": forever}}}}
    await kubectl.ok("patch", "cronjob/yearly", "-n", "shop", "-p", json.dumps(template))
    await kubectl.ok("create", "job", "manual", "-n", "shop", "--from=cronjob/yearly")
    await workload_reaches(gw, "JOB", "manual", "EXECUTING", desired=1, active=1)

    await kubectl.ok("create", "job", "once", "-n", "shop", busybox, "--", "true")
    await workload_reaches(gw, "JOB", "once", "EXECUTION_COMPLETE", desired=1, succeeded=1)


async def test_bare_pods_from_kubectl_run_and_debug(
    fleet: SimulatedFleet, gw: RunningGateway, kubectl: Kubectl
) -> None:
    await kubectl.ok("run", "solo", "-n", "shop", "--image=nginx:1.27")
    solo = await until(lambda: pod_running(gw, "shop", "solo"), within=60)
    assert solo is not None and solo["owner"] is None and solo["ready"] is True

    await kubectl.ok("debug", "node/sim-1-node-3", "-n", "shop", "--image=busybox:1.36")
    [name] = [
        p["metadata"]["name"]
        for p in fleet["sim-1"].list_objects("Pod")
        if p["metadata"]["name"].startswith("node-debugger-")
    ]
    debugger = await until(lambda: pod_running(gw, "shop", name), within=60)
    assert debugger is not None and debugger["node"] == "sim-1-node-3" and debugger["owner"] is None
