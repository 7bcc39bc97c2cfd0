"""Replicas split the clusters evenly: each takes its share, a newcomer gets clusters handed
over, and a replica that leaves has its clusters taken by the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.service import Gateway
from gateway.store.keys import Keys
from simcluster.fleet import SimulatedFleet
from tests.watch.conftest import settings_for, until

CLUSTERS = [f"sim-{n}" for n in range(1, 6)]


async def held(client: redis.Redis) -> Counter[str]:
    holders: Counter[str] = Counter()
    for name in CLUSTERS:
        value = await client.get(Keys().lease(name))
        holders[value.decode() if isinstance(value, bytes) else ""] += 1
    return holders


def shared(client: redis.Redis, *gateways: Gateway) -> Callable[[], Awaitable[Counter[str] | None]]:
    async def check() -> Counter[str] | None:
        holders = await held(client)
        wanted = {g.settings.replica for g in gateways}
        counts = sorted(holders[r] for r in wanted)
        fair = set(holders) == wanted and counts[-1] - counts[0] <= 1
        return holders if fair else None

    return check


async def test_replicas_take_even_shares_and_hand_over_when_one_joins_or_leaves(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    async with SimulatedFleet(clusters=len(CLUSTERS), kubeconfig=tmp_path / "kube") as fleet:
        first = Gateway(settings_for(fleet, redis_server.url, lease_seconds=1.5))
        await first.start()
        second = Gateway(settings_for(fleet, redis_server.url, lease_seconds=1.5))
        try:
            alone = await until(shared(redis_client, first), within=20)
            assert alone is not None and alone[first.settings.replica] == len(CLUSTERS)
            await second.start()
            split = await until(shared(redis_client, first, second), within=30)
            assert split is not None and sorted(split.values()) == [2, 3]
            assert await redis_client.zcard(Keys().replicas) == 2
        finally:
            await second.stop()
        assert await redis_client.zscore(Keys().replicas, second.settings.replica) is None
        try:
            await until(shared(redis_client, first), within=20)
        finally:
            await first.stop()
