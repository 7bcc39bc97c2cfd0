"""A killed embedded Valkey is started again, the cache rewritten into it, and live
subscriptions told their feed is gone (CURSOR_EXPIRED), without a restart of the gateway."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.service import Gateway
from gateway.store.hub import WORKLOADS, CursorExpired
from simcluster.fleet import SimulatedFleet
from tests.simcluster.objects import workload
from tests.watch.conftest import ready, settings_for, status_of, until


async def test_a_killed_embedded_redis_comes_back_with_the_cache(
    fleet: SimulatedFleet, tmp_path: Path
) -> None:
    fleet["sim-1"].create(workload("Deployment", "web", replicas=2))
    gateway = Gateway(settings_for(fleet, "", state_dir=tmp_path / "state"))
    await gateway.start()
    client: redis.Redis | None = None
    try:
        await until(lambda: ready(gateway), within=30)
        client = redis.Redis.from_url(gateway.redis_url)
        await until(status_of(client, "sim-1", "Deployment", "default", "web"), within=20)
        assert gateway.embedded is not None and gateway.keeper is not None
        epoch = await gateway.hub.epoch()
        async with gateway.hub.subscribe(WORKLOADS, lambda _: True, 100, epoch) as live:
            process = gateway.embedded._process
            assert process is not None
            os.kill(process.pid, signal.SIGKILL)

            async def restarted() -> bool:
                return gateway.keeper is not None and gateway.keeper.restarts == 1

            await until(restarted, within=20)
            await until(status_of(client, "sim-1", "Deployment", "default", "web"), within=30)
            await until(lambda: ready(gateway), within=30)
            with pytest.raises(CursorExpired, match="recreated"):
                async with asyncio.timeout(15):
                    async for _ in gateway.hub.follow(live):
                        pass
        assert gateway.alive
    finally:
        if client is not None:
            await client.aclose()
        await gateway.stop()
