"""A Sentinel deployment on loopback from the wheel's valkey-server: a primary, a replica,
three sentinels, with timeouts small enough that a failover takes a second or two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis, free_port

MASTER = "ksg"
DOWN_AFTER_MS = 500
FAILOVER_TIMEOUT_MS = 3000
REPLICATION_USER, REPLICATION_PASSWORD = "replication", "replication-secret"


@dataclass
class Deployment:
    primary: EmbeddedRedis
    replica: EmbeddedRedis
    sentinels: list[EmbeddedRedis]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{MASTER}"

    async def primary_port(self) -> int:
        """The primary's port as the sentinels say (0 while none answers)."""
        for sentinel in self.sentinels:
            client = redis.Redis(port=sentinel.port, socket_connect_timeout=1)
            try:
                answer = await client.sentinel_get_master_addr_by_name(MASTER)
            except (redis.ConnectionError, OSError):
                continue
            finally:
                await client.aclose()
            return int(answer[1]) if isinstance(answer, tuple | list) else 0
        return 0

    async def settled(self) -> bool:
        """Every sentinel knows the other two and the replica, which is in sync: only then
        can they agree on a failover."""
        for sentinel in self.sentinels:
            client = redis.Redis(port=sentinel.port)
            try:
                state = await client.sentinel_master(MASTER)
            finally:
                await client.aclose()
            assert isinstance(state, dict)
            if state["num-other-sentinels"] < 2 or state["num-slaves"] < 1:
                return False
        return await self.replica_in_sync()

    async def replica_in_sync(self) -> bool:
        client = redis.Redis(port=self.replica.port)
        try:
            info = await client.info("replication")
        finally:
            await client.aclose()
        return info.get("master_link_status") == "up"

    async def cut_replication(self) -> None:
        """Keep the replica from the primary's new writes: it lags, as a slow network
        would leave it, until it is promoted with less than the primary acknowledged."""
        client = redis.Redis(port=self.primary.port)
        try:
            await client.acl_setuser(REPLICATION_USER, enabled=False)
            await client.client_kill_filter(_type="replica")
        finally:
            await client.aclose()


def _primary_lines() -> list[str]:
    """The replication user, and a full sync at once (by default the primary waits 5 s
    for more replicas to serve with the same snapshot)."""
    return [
        f"user {REPLICATION_USER} on >{REPLICATION_PASSWORD} ~* &* +@all",
        "repl-diskless-sync-delay 0",
    ]


def _replica_lines(primary: EmbeddedRedis) -> list[str]:
    return [
        f"replicaof 127.0.0.1 {primary.port}",
        f"masteruser {REPLICATION_USER}",
        f"masterauth {REPLICATION_PASSWORD}",
        *_primary_lines(),
    ]


def _sentinel_lines(
    primary: EmbeddedRedis, replica: EmbeddedRedis, ports: list[int], me: int
) -> list[str]:
    """Each sentinel told its own id, its peers and the replica, as a sentinel's rewritten
    configuration would hold them: discovering them by hello messages takes seconds."""
    others = [
        f"sentinel known-sentinel {MASTER} 127.0.0.1 {port} {_sentinel_id(n)}"
        for n, port in enumerate(ports)
        if n != me
    ]
    return [
        f"sentinel myid {_sentinel_id(me)}",
        f"sentinel monitor {MASTER} 127.0.0.1 {primary.port} 2",
        f"sentinel known-replica {MASTER} 127.0.0.1 {replica.port}",
        *others,
        f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}",
        f"sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}",
        f"sentinel parallel-syncs {MASTER} 1",
    ]


def _sentinel_id(n: int) -> str:
    return f"{n + 1:040x}"


@asynccontextmanager
async def sentinel_deployment(root: Path) -> AsyncIterator[Deployment]:
    primary = EmbeddedRedis(root / "primary", extra=_primary_lines())
    started: list[EmbeddedRedis] = []
    try:
        await primary.start()
        started.append(primary)
        replica = EmbeddedRedis(root / "replica", extra=_replica_lines(primary))
        await replica.start()
        started.append(replica)
        ports = [free_port() for _ in range(3)]
        sentinels = [
            EmbeddedRedis(
                root / f"sentinel-{n}",
                port,
                extra=_sentinel_lines(primary, replica, ports, n),
                sentinel=True,
            )
            for n, port in enumerate(ports)
        ]
        for sentinel in sentinels:
            await sentinel.start()
            started.append(sentinel)
        deployment = Deployment(primary, replica, sentinels)
        await _until_settled(deployment)
        yield deployment
    finally:
        await asyncio.gather(*(server.stop() for server in started))


async def _until_settled(deployment: Deployment, within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        while not await deployment.settled():
            await asyncio.sleep(0.1)
