"""A three-primary Valkey Cluster on loopback from the wheel's valkey-server, and one
replica, of the primary holding ``sim-1``: small enough to start in about a second.

Slots are split unevenly on purpose (``RANGES``) so that ``sim-1``, the shared keys'
tag ``{g}`` and ``sim-2`` each land on a different primary: a transaction or an XREAD
that reached across slots would fail here, as it would in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as redis
from redis.crc import key_slot

from gateway.redis_server import EmbeddedRedis, free_port

RANGES = ((0, 7000), (7001, 9000), (9001, 16383))
"""Per primary, its slots: sim-1 (5635), {g} (7233), sim-2 (9824) on three primaries."""
NODE_TIMEOUT_MS = 1000
REPLICATION_USER, REPLICATION_PASSWORD = "replication", "replication-secret"


def slot_of(tag: str) -> int:
    return key_slot(f"{{{tag}}}".encode())


@dataclass
class ValkeyCluster:
    primaries: list[EmbeddedRedis]
    replica: EmbeddedRedis
    """Of ``primaries[0]``, which holds sim-1."""

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p.port}" for p in self.primaries)

    def primary_of(self, tag: str) -> EmbeddedRedis:
        slot = slot_of(tag)
        index = next(n for n, (low, high) in enumerate(RANGES) if low <= slot <= high)
        return self.primaries[index]

    async def failover(self) -> None:
        """Promote the replica with the primary's consent (CLUSTER FAILOVER): nothing is
        lost, and the old primary becomes its replica and answers MOVED."""
        await _call(self.replica, "CLUSTER", "FAILOVER")
        await self._until_promoted()

    async def kill_primary(self) -> None:
        """SIGKILL the replica's primary: the other primaries find it failing after the
        node timeout and elect the replica, and its slots are refused meanwhile."""
        await self.primaries[0].kill()
        await self._until_promoted()

    async def cut_replication(self) -> None:
        """Keep the replica from its primary's new writes (the replication user disabled,
        its link dropped): it lags, as a slow network would leave it."""
        await _call(self.primaries[0], "ACL", "SETUSER", REPLICATION_USER, "off")
        await _call(self.primaries[0], "CLIENT", "KILL", "TYPE", "replica")

    async def take_over(self) -> None:
        """Promote the replica without its primary's consent (CLUSTER FAILOVER TAKEOVER),
        as after a partition: the old primary turns into its replica and drops the writes
        the promoted one never received."""
        await _call(self.replica, "CLUSTER", "FAILOVER", "TAKEOVER")
        await self._until_promoted()

    async def _until_promoted(self, within: float = 15.0) -> None:
        async with asyncio.timeout(within):
            while (await _role(self.replica)) != "master":
                await asyncio.sleep(0.05)

    async def migrate_slot(self, slot: int, source: EmbeddedRedis, target: EmbeddedRedis) -> int:
        """Move one slot's keys as ``valkey-cli --cluster reshard`` does: IMPORTING and
        MIGRATING, MIGRATE in batches (clients get ASK meanwhile), then the new owner
        announced to every node. Returns how many keys moved."""
        source_id, target_id = await _node_id(source), await _node_id(target)
        await _call(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        await _call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        moved = 0
        while True:
            keys = await _call(source, "CLUSTER", "GETKEYSINSLOT", slot, 100)
            assert isinstance(keys, list)
            if not keys:
                break
            await _call(source, "MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys)
            moved += len(keys)
        for node in (target, source, *self.primaries):
            await _call(node, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
        return moved


async def _call(node: EmbeddedRedis, *args: object) -> object:
    client = redis.Redis(port=node.port, decode_responses=True)
    try:
        answer: object = await client.execute_command(*args)  # type: ignore[no-untyped-call]
        return answer
    finally:
        await client.aclose()


async def _node_id(node: EmbeddedRedis) -> str:
    return str(await _call(node, "CLUSTER", "MYID"))


async def _info(node: EmbeddedRedis) -> dict[str, object]:
    answer = await _call(node, "INFO", "replication")
    assert isinstance(answer, dict)
    return answer


async def _role(node: EmbeddedRedis) -> str:
    answer = await _call(node, "ROLE")
    assert isinstance(answer, list)
    return str(answer[0])


def _node_lines(bus: int) -> list[str]:
    """The bus port is chosen too: the default, the client port + 10000, may not exist.
    Replicas authenticate as a user of their own, which ``cut_replication`` disables."""
    return [
        f"user {REPLICATION_USER} on >{REPLICATION_PASSWORD} ~* &* +@all",
        f"masteruser {REPLICATION_USER}",
        f"masterauth {REPLICATION_PASSWORD}",
        "cluster-enabled yes",
        f"cluster-port {bus}",
        "cluster-config-file nodes.conf",
        f"cluster-node-timeout {NODE_TIMEOUT_MS}",
        "repl-diskless-sync-delay 0",
    ]


@asynccontextmanager
async def valkey_cluster(root: Path) -> AsyncIterator[ValkeyCluster]:
    buses = [free_port() for _ in range(4)]
    servers = [
        EmbeddedRedis(root / f"node-{n}", extra=_node_lines(bus)) for n, bus in enumerate(buses)
    ]
    try:
        await asyncio.gather(*(server.start() for server in servers))
        primaries, replica = servers[:3], servers[3]
        for primary, (low, high) in zip(primaries, RANGES, strict=True):
            await _call(primary, "CLUSTER", "ADDSLOTSRANGE", low, high)
        for other, bus in zip(servers[1:], buses[1:], strict=True):
            await _call(servers[0], "CLUSTER", "MEET", "127.0.0.1", other.port, bus)
        cluster = ValkeyCluster(primaries, replica)
        await _until_formed(cluster, await _node_id(primaries[0]))
        yield cluster
    finally:
        await asyncio.gather(*(server.stop() for server in servers))


async def _until_formed(cluster: ValkeyCluster, first: str, within: float = 20.0) -> None:
    """Every node knows every other and serves the whole slot map, and the replica has
    synced: only then do clients see one cluster, and can it fail over."""
    async with asyncio.timeout(within):
        while True:
            nodes = str(await _call(cluster.replica, "CLUSTER", "NODES"))
            if first in nodes and nodes.count("\n") >= 3:
                break
            await asyncio.sleep(0.05)
        await _call(cluster.replica, "CLUSTER", "REPLICATE", first)
        for node in (*cluster.primaries, cluster.replica):
            while "cluster_state:ok" not in str(await _call(node, "CLUSTER", "INFO")):
                await asyncio.sleep(0.05)
        while (await _info(cluster.replica)).get("master_link_status") != "up":
            await asyncio.sleep(0.05)
