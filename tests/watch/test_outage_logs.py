"""What the log says while an API server is away: once for the cluster, not once per
resource and retry.

The gateway watches ten resources of each cluster; when the API server stops
answering, all ten fail and retry with backoff. A newcomer must read one warning
(the server is not answering), one error if it stays away past the grace period,
and one line when it is back; the retries are debug lines. A refusal of one
resource (RBAC) is that resource's own problem: a warning, repeated once a minute.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from gateway.service import Gateway
from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet
from tests.simcluster import objects as k
from tests.watch.conftest import ready, settings_for, status_of, until

RETRY = "list/watch failed, retrying"


def shown(caplog: pytest.LogCaptureFixture, at_least: int = logging.INFO) -> list[tuple[str, str]]:
    """(level, message) of the watchers' records at ``at_least`` or above."""
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.levelno >= at_least and record.name.startswith("gateway.watch")
    ]


@contextlib.asynccontextmanager
async def synced(
    fleet: SimulatedFleet, redis_url: str, client: redis.Redis, grace_seconds: float
) -> AsyncIterator[Gateway]:
    """A gateway watching the fleet, synced and caching a Deployment of ``sim-1``."""
    gateway = Gateway(settings_for(fleet, redis_url, grace_seconds=grace_seconds))
    await gateway.start()
    try:
        await until(lambda: ready(gateway), within=30)
        fleet["sim-1"].create(k.workload("Deployment", "web", replicas=1))
        await until(status_of(client, "sim-1", "Deployment", "default", "web"), within=20)
        yield gateway
    finally:
        await gateway.stop()


def said(caplog: pytest.LogCaptureFixture, start: str, at_least: int = logging.INFO) -> int:
    return sum(1 for _, text in shown(caplog, at_least) if text.startswith(start))


async def logged_once(caplog: pytest.LogCaptureFixture, message: str) -> None:
    async def logged() -> bool:
        return said(caplog, message) == 1

    await until(logged, within=60)


async def outage(
    caplog: pytest.LogCaptureFixture, cluster: SimulatedCluster, down: str, back: str
) -> None:
    """The API server away until the log says ``down``, then back until it says ``back``."""
    caplog.set_level(logging.DEBUG, logger="gateway.watch")
    caplog.clear()
    await cluster.faults.go_unreachable()
    await logged_once(caplog, down)
    await cluster.faults.come_back()
    await logged_once(caplog, back)


async def test_a_short_outage_is_one_warning_and_one_line_when_it_is_over(
    fleet: SimulatedFleet,
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with synced(fleet, redis_server.url, redis_client, grace_seconds=60):
        await outage(
            caplog,
            fleet["sim-1"],
            "sim-1: API server not answering; retrying",
            "sim-1: API server answering again after ",
        )
    assert [level for level, _ in shown(caplog, logging.WARNING)] == ["WARNING"]
    retries = [level for level, text in shown(caplog, logging.DEBUG) if text == RETRY]
    assert len(retries) >= 10
    assert set(retries) == {"DEBUG"}


async def test_a_long_outage_adds_one_error_when_the_grace_period_is_over(
    fleet: SimulatedFleet,
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with synced(fleet, redis_server.url, redis_client, grace_seconds=1.0):
        await outage(
            caplog,
            fleet["sim-1"],
            "sim-1: API server unreachable",
            "sim-1: API server reachable again",
        )
    assert shown(caplog, logging.WARNING) == [
        ("WARNING", "sim-1: API server not answering; retrying"),
        ("ERROR", "sim-1: API server unreachable"),
    ]
    assert said(caplog, "sim-1: API server answering again") == 0
    assert said(caplog, RETRY, logging.DEBUG) >= 10


async def test_a_resource_the_api_server_refuses_is_warned_about_once(
    tmp_path: Path, redis_server: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """The gateway's account may list everything but Events (an RBAC mistake)."""
    async with SimulatedFleet(require_auth=True, kubeconfig=tmp_path / "admin") as fleet:
        cluster = fleet["sim-1"]
        everything_but_events = [
            k.rule(["list", "watch"], ["pods", "nodes", "namespaces"]),
            k.rule(
                ["list", "watch"],
                ["deployments", "replicasets", "statefulsets", "daemonsets"],
                ("apps",),
            ),
            k.rule(["list", "watch"], ["jobs", "cronjobs"], ("batch",)),
            k.rule(["list", "watch"], ["customresourcedefinitions"], ("apiextensions.k8s.io",)),
        ]
        cluster.create(k.role("almost-a-watcher", *everything_but_events))
        cluster.create(
            k.binding("gateway", "ClusterRole", "almost-a-watcher", k.subject("User", "gateway"))
        )
        token = cluster.identities.add_user("gateway")
        kubeconfig = fleet.write_kubeconfig(tmp_path / "gateway", {"sim-1": token})
        settings = settings_for(fleet, redis_server.url, sources=from_kubeconfig(kubeconfig))
        caplog.set_level(logging.DEBUG, logger="gateway.watch")
        gateway = Gateway(settings)
        await gateway.start()
        try:

            async def retried() -> bool:
                return said(caplog, RETRY, logging.DEBUG) >= 3

            await until(retried, within=30)
        finally:
            await gateway.stop()
    refusals = [r for r in caplog.records if r.getMessage() == RETRY]
    assert {r.__dict__["resource"] for r in refusals} == {"events"}
    assert "403" in refusals[0].__dict__["cause"]
    assert [r.levelname for r in refusals[:3]] == ["WARNING", "DEBUG", "DEBUG"]
    assert said(caplog, "sim-1: API server not answering") == 0
