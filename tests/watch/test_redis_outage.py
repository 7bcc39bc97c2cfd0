"""Redis killed and restarted: watching goes on, readiness drops, the cache is rewritten in full."""

from __future__ import annotations

from pathlib import Path

from gateway.redis_server import EmbeddedRedis
from gateway.service import Gateway
from simcluster.fleet import SimulatedFleet
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import assert_consistent, ready, settings_for, until


async def test_cache_equals_the_cluster_again_after_redis_dies(
    fleet: SimulatedFleet, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "valkey")
    await server.start()
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=2))
    cluster.create(workload("Deployment", "old", replicas=1))
    gateway = Gateway(settings_for(fleet, server.url))
    await gateway.start()
    try:
        await until(lambda: ready(gateway), within=30)
        await assert_consistent(gateway)

        await server.kill()
        cluster.create(
            workload("Deployment", "crashy", behaviour(behavior="crash-loop"), replicas=1)
        )
        cluster.delete("Deployment", "old", "default")
        assert not (await gateway.readiness())[0]
        await until(lambda: _not(gateway.link.healthy), within=20)

        await server.start()
        await until(lambda: ready(gateway), within=30)
        report = await assert_consistent(gateway, within=30)
        assert report.compared > 5
    finally:
        await gateway.stop()
        await server.stop()


async def _not(value: bool) -> bool:
    return not value
