"""Kubernetes RBAC decides what a caller sees: people bring their cluster tokens (TokenReview)
and the gateway asks the cluster (SubjectAccessReview) what each may list, read and follow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from gateway.clusters import from_kubeconfig
from gateway.config import Auth, Rbac, TokenReview
from gateway.redis_server import EmbeddedRedis
from simcluster.cluster import SimulatedCluster
from simcluster.crds import install_workload_crds
from simcluster.customdemo import custom_workloads
from simcluster.fleet import SimulatedFleet
from tests.api.harness import RunningGateway, running_gateway
from tests.scoping.tenants import ask
from tests.secrets import secret
from tests.simcluster import objects as k
from tests.watch.conftest import until

WORKLOADS = "{ workloads { totalCount nodes { namespace name } } }"
SUMMARY = "{ statusSummary { total } clusters { name } }"
NODES = '{ cluster(name: "sim-1") { nodes { name } } }'


@pytest_asyncio.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[SimulatedCluster]:
    async with SimulatedFleet(
        clusters=1, require_auth=True, kubeconfig=tmp_path / "kubeconfig"
    ) as fleet:
        found = fleet[0]
        for namespace in ("shop", "billing"):
            found.create(k.workload("Deployment", "web", namespace=namespace, replicas=1))
        found.create(k.workload("Deployment", "ledger", namespace="billing", replicas=1))
        found.create(
            k.binding(
                "shop-view",
                "ClusterRole",
                "view",
                k.subject("Group", "team-shop"),
                namespace="shop",
            )
        )
        found.create(
            k.role("workload-lister", k.rule(["list"], ["deployments", "statefulsets"], ("apps",)))
        )
        found.create(
            k.binding(
                "auditors",
                "ClusterRole",
                "workload-lister",
                k.subject("User", "auditor@example.test"),
            )
        )
        install_workload_crds(found)
        rollout = next(o for o in custom_workloads() if o["metadata"]["name"] == "storefront")
        rollout["metadata"]["namespace"] = "shop"
        found.create(rollout)
        found.create(k.role("rollout-lister", k.rule(["list"], ["rollouts"], ("argoproj.io",))))
        found.create(
            k.binding(
                "release-managers",
                "ClusterRole",
                "rollout-lister",
                k.subject("User", "release@example.test"),
            )
        )
        yield found


@pytest_asyncio.fixture
async def gw(
    cluster: SimulatedCluster, redis_server: EmbeddedRedis, tmp_path: Path
) -> AsyncIterator[RunningGateway]:
    auth = Auth(token_review=TokenReview(cluster="sim-1"), rbac=Rbac(enabled=True, cache_seconds=1))
    sources = from_kubeconfig(tmp_path / "kubeconfig")
    async with running_gateway(redis_server.url, sources, auth=auth) as running:
        await until(lambda: _ready(running), within=30)
        yield running


async def _ready(running: RunningGateway) -> bool:
    ready, _ = await running.gateway.readiness()
    return ready


def token_of(cluster: SimulatedCluster, name: str, groups: tuple[str, ...] = ()) -> str:
    return secret(cluster.identities.add_user(name, groups=list(groups)))


async def data(gw: RunningGateway, query: str, token: str) -> dict[str, Any]:
    answer = (await ask(gw.graphql, query, token)).json()
    assert "errors" not in answer, answer
    found: dict[str, Any] = answer["data"]
    return found


def names(found: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((n["namespace"], n["name"]) for n in found["workloads"]["nodes"])


async def test_a_namespace_role_binding_shows_that_namespace_only(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    alice = token_of(cluster, "alice@example.test", ("team-shop",))
    found = await data(gw, WORKLOADS, alice)
    assert names(found) == [("shop", "web")]
    assert found["workloads"]["totalCount"] == 1
    summary = await data(gw, SUMMARY, alice)
    assert summary["statusSummary"]["total"] == 1
    assert summary["clusters"] == [{"name": "sim-1"}]


async def test_a_cluster_role_binding_shows_its_kinds_everywhere_but_not_nodes(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    auditor = token_of(cluster, "auditor@example.test")
    found = await data(gw, WORKLOADS, auditor)
    assert names(found) == [("billing", "ledger"), ("billing", "web"), ("shop", "web")]
    answer = (await ask(gw.graphql, NODES, auditor)).json()
    assert answer["data"] is None or answer["data"]["cluster"]["nodes"] == []


async def test_a_custom_kind_is_seen_by_who_may_list_its_resource(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    """The auditor lists Deployments, not Rollouts; the release manager the reverse."""
    release = token_of(cluster, "release@example.test")
    query = "{ workloads { nodes { groupKind namespace name } } }"

    async def rollouts() -> list[tuple[str, str, str]] | None:
        found = await data(gw, query, release)
        listed = [(n["groupKind"], n["namespace"], n["name"]) for n in found["workloads"]["nodes"]]
        return listed or None

    assert await until(rollouts, within=30) == [("Rollout.argoproj.io", "shop", "storefront")]
    auditor = token_of(cluster, "auditor@example.test")
    seen = await data(gw, query, auditor)
    assert {n["groupKind"] for n in seen["workloads"]["nodes"]} == {"Deployment.apps"}


async def test_without_any_binding_the_cluster_does_not_exist(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    stranger = token_of(cluster, "stranger@example.test", ("nobody",))
    found = await data(gw, SUMMARY, stranger)
    assert found == {"statusSummary": {"total": 0}, "clusters": []}


async def test_a_revoked_binding_takes_effect_within_the_cache_time(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    bob = token_of(cluster, "bob@example.test", ("team-billing",))
    assert names(await data(gw, WORKLOADS, bob)) == []
    cluster.create(
        k.binding(
            "billing-view",
            "ClusterRole",
            "view",
            k.subject("Group", "team-billing"),
            namespace="billing",
        )
    )

    async def sees_billing() -> bool:
        return names(await data(gw, WORKLOADS, bob)) == [("billing", "ledger"), ("billing", "web")]

    await until(sees_billing, within=20)
    cluster.delete("RoleBinding", "billing-view", "billing")

    async def sees_nothing() -> bool:
        return names(await data(gw, WORKLOADS, bob)) == []

    await until(sees_nothing, within=20)


async def test_pod_logs_follow_the_pods_log_permission(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    """``view`` in shop includes pods/log; a ClusterRole listing workloads does not."""
    viewer = token_of(cluster, "viewer@example.test", ("team-shop",))
    lister = token_of(cluster, "auditor@example.test")
    pod = await until(lambda: _a_pod(gw, viewer), within=20)
    query = (
        f'{{ pod(cluster: "sim-1", namespace: "shop", name: "{pod}") {{ logs(tailLines: 5) }} }}'
    )

    async def read_by_viewer() -> dict[str, Any] | None:
        answer: dict[str, Any] = (await ask(gw.graphql, query, viewer)).json()
        return None if answer.get("errors") else answer

    read = await until(read_by_viewer, within=30)
    assert read is not None and isinstance(read["data"]["pod"]["logs"], str)
    refused = (await ask(gw.graphql, query, lister)).json()
    assert {e["extensions"]["code"] for e in refused["errors"]} <= {"FORBIDDEN", "NOT_FOUND"}


async def _a_pod(gw: RunningGateway, token: str) -> str | None:
    query = '{ workloads(filter: {namespaces: ["shop"]}) { nodes { pods { name } } } }'
    found = await data(gw, query, token)
    pods = [p["name"] for n in found["workloads"]["nodes"] for p in n["pods"]]
    return pods[0] if pods else None


async def test_a_token_that_cannot_be_checked_now_is_503_not_401(
    gw: RunningGateway, cluster: SimulatedCluster
) -> None:
    """The API server answering TokenReviews is away: the caller should retry, not give up."""
    alice = token_of(cluster, "carol@example.test", ("team-shop",))
    await cluster.faults.go_unreachable()
    try:
        answer = await ask(gw.graphql, WORKLOADS, alice)
    finally:
        await cluster.faults.come_back()
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert (await ask(gw.graphql, WORKLOADS, alice)).status_code == 200
