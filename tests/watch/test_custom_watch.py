"""Custom resources end to end: CRDs discovered per cluster, opted-in kinds watched while their
CRD is there, pods owned through custom owners, all against the simulated cluster's own
controllers (Argo Rollouts, OpenKruise, KubeVirt, the Kubeflow training operator)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio as redis

from gateway.clusters import from_kubeconfig
from gateway.redis_connect import Client
from gateway.redis_server import EmbeddedRedis
from gateway.rules.opted import OptedKinds
from gateway.service import Gateway
from gateway.store.keys import Keys
from simcluster.crds import install_noise_crds, install_workload_crds
from simcluster.customdemo import custom_workloads
from simcluster.fleet import SimulatedFleet
from tests.simcluster import objects as k
from tests.simcluster.objects import workload
from tests.watch.conftest import (
    assert_consistent,
    cached,
    feed_entries,
    ready,
    settings_for,
    until,
)

ROLLOUT = "Rollout.argoproj.io"
CLONESET = "CloneSet.apps.kruise.io"
VM = "VirtualMachine.kubevirt.io"
VMI = "VirtualMachineInstance.kubevirt.io"
PYTORCH = "PyTorchJob.kubeflow.org"


def custom(name: str) -> dict[str, Any]:
    return next(o for o in custom_workloads() if o["metadata"]["name"] == name)


async def cluster_record(client: redis.Redis) -> dict[str, Any]:
    raw = await client.hget(Keys().clusters, "sim-1")
    assert isinstance(raw, bytes)
    found: dict[str, Any] = orjson.loads(raw)
    return found


def has(client: Client, ref: str, status: str) -> Any:
    """A check for ``until``: the record of ``ref`` (kind/namespace/name) once in ``status``."""
    kind, namespace, name = ref.split("/")

    async def check() -> dict[str, Any] | None:
        record = await cached(client, "sim-1", kind, namespace, name)
        return record if record is not None and record["status"] == status else None

    return check


async def test_custom_workloads_reach_the_cache_with_their_pods(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    install_workload_crds(cluster)
    for name in ("storefront", "checkout", "search", "fedora", "gpu-box"):
        cluster.create(custom(name))
    gateway = Gateway(settings_for(fleet, redis_server.url))
    await gateway.start()
    try:
        storefront = await until(has(redis_client, f"{ROLLOUT}/delivery/storefront", "Running"), 40)
        assert storefront["family"] == "long-running"
        assert storefront["apiVersion"] == "argoproj.io/v1alpha1"
        assert len(storefront["pods"]) == 3
        pod = await redis_client.hget(Keys().pods("sim-1"), f"delivery/{storefront['pods'][0]}")
        assert isinstance(pod, bytes)
        assert orjson.loads(pod)["owner"] == f"{ROLLOUT}/delivery/storefront"

        checkout = await until(has(redis_client, f"{ROLLOUT}/delivery/checkout", "Not Ready"), 40)
        assert checkout["reason"] in ("CrashLoopBackOff", "Degraded", "Error")
        search = await until(has(redis_client, f"{CLONESET}/delivery/search", "Running"), 40)
        assert len(search["pods"]) == 3

        fedora = await until(has(redis_client, f"{VM}/virt/fedora", "Running"), 40)
        [launcher] = fedora["pods"]
        assert launcher.startswith("virt-launcher-fedora-")
        launched = await redis_client.hget(Keys().pods("sim-1"), f"virt/{launcher}")
        assert isinstance(launched, bytes)
        assert orjson.loads(launched)["owner"] == f"{VMI}/virt/fedora"
        stuck = await until(has(redis_client, f"{VM}/virt/gpu-box", "Not Ready"), 40)
        assert stuck["reason"] == "ErrorUnschedulable"

        watched = {c["kind"]: c for c in (await cluster_record(redis_client))["customKinds"]}
        assert set(watched) == {ROLLOUT, CLONESET, VM, VMI, PYTORCH}
        assert watched[ROLLOUT] == {
            "kind": ROLLOUT,
            "group": "argoproj.io",
            "version": "v1alpha1",
            "plural": "rollouts",
            "namespaced": True,
            "family": "long-running",
            "rule": "argoproj.io/Rollout",
        }
        await assert_consistent(gateway, within=30)
    finally:
        await gateway.stop()


async def test_crds_that_come_and_go_start_and_stop_their_watches(
    fleet: SimulatedFleet, gateway: Gateway, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    assert (await cluster_record(redis_client))["customKinds"] == []
    install_workload_crds(cluster)
    cluster.create(custom("search"))
    await until(has(redis_client, f"{CLONESET}/delivery/search", "Running"), 40)
    await until(lambda: _watches(redis_client, CLONESET), within=20)

    cluster.delete("CustomResourceDefinition", "clonesets.apps.kruise.io")

    async def gone() -> bool:
        return await cached(redis_client, "sim-1", CLONESET, "delivery", "search") is None

    await until(gone, within=30)
    entries = await feed_entries(redis_client, "sim-1")
    assert any(e["type"] == "deleted" and e["id"] == f"{CLONESET}/delivery/search" for e in entries)
    await until(lambda: _watches(redis_client, CLONESET, False), within=20)
    await assert_consistent(gateway, within=30)


async def _watches(client: redis.Redis, kind: str, wanted: bool = True) -> bool:
    record = await cluster_record(client)
    return (kind in {c["kind"] for c in record["customKinds"]}) == wanted


async def test_of_many_crds_only_the_opted_in_kinds_are_watched(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    install_workload_crds(cluster)
    install_noise_crds(cluster, 45)
    three = frozenset({ROLLOUT, CLONESET, PYTORCH})
    opted = OptedKinds(OptedKinds.library().rules, three)
    gateway = Gateway(settings_for(fleet, redis_server.url, opted=opted))
    await gateway.start()
    try:
        await until(lambda: ready(gateway), within=30)
        record = await cluster_record(redis_client)
        assert {c["kind"] for c in record["customKinds"]} == three
        watcher = gateway.supervisor.watchers["sim-1"]
        assert set(watcher.custom) == three
        plurals = {r.resource.plural for r in watcher.reflectors}
        assert not any("noise" in p or "kubevirt" in p for p in plurals)
    finally:
        await gateway.stop()


async def test_a_custom_kind_the_gateway_may_not_read_holds_nothing_back(
    tmp_path: Path, redis_server: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """The gateway's account reads the built-in kinds and the CRDs, not Rollouts."""
    async with SimulatedFleet(require_auth=True, kubeconfig=tmp_path / "admin") as fleet:
        cluster = fleet["sim-1"]
        install_workload_crds(cluster)
        cluster.create(custom("storefront"))
        cluster.create(custom("search"))
        cluster.create(workload("Deployment", "web", replicas=1))
        rules = [
            k.rule(["list", "watch"], ["pods", "nodes", "namespaces", "events"]),
            k.rule(
                ["list", "watch"],
                ["deployments", "replicasets", "statefulsets", "daemonsets"],
                ("apps",),
            ),
            k.rule(["list", "watch"], ["jobs", "cronjobs"], ("batch",)),
            k.rule(["list", "watch"], ["customresourcedefinitions"], ("apiextensions.k8s.io",)),
            k.rule(["list", "watch"], ["clonesets"], ("apps.kruise.io",)),
        ]
        cluster.create(k.role("no-rollouts", *rules))
        cluster.create(
            k.binding("gateway", "ClusterRole", "no-rollouts", k.subject("User", "gateway"))
        )
        token = cluster.identities.add_user("gateway")
        kubeconfig = fleet.write_kubeconfig(tmp_path / "gateway", {"sim-1": token})
        opted = OptedKinds(OptedKinds.library().rules, frozenset({ROLLOUT, CLONESET}))
        settings = settings_for(
            fleet, redis_server.url, sources=from_kubeconfig(kubeconfig), opted=opted
        )
        caplog.set_level(logging.WARNING, logger="gateway.watch")
        gateway = Gateway(settings)
        await gateway.start()
        try:
            await until(lambda: ready(gateway), within=30)
            client = gateway.client
            await until(has(client, "Deployment/default/web", "Running"), 40)
            await until(has(client, f"{CLONESET}/delivery/search", "Running"), 40)
            assert await cached(client, "sim-1", ROLLOUT, "delivery", "storefront") is None
        finally:
            await gateway.stop()
    refused = [r for r in caplog.records if r.__dict__.get("resource") == "rollouts.argoproj.io"]
    assert refused and "403" in refused[0].__dict__["cause"]
