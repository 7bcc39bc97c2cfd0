"""Running the real gateway app on a real port, and filling its cache through the real writer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import orjson
import redis.asyncio as redis
import uvicorn

from gateway.clusters import ClusterSource
from gateway.config import Auth, Config, PersistedQueries, Server
from gateway.config import Limits as ConfigLimits
from gateway.http.app import build_app
from gateway.redis_server import free_port
from gateway.service import Gateway, Settings
from gateway.store.keys import Keys
from gateway.store.writer import StoreWriter
from gateway.watch.mirror import ClusterMirror
from schema.build import Protection
from schema.context import Limits

DEFAULT_PROTECTION = Protection()
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class RunningGateway:
    url: str
    gateway: Gateway

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    @property
    def websocket(self) -> str:
        return self.graphql.replace("http://", "ws://", 1)


@contextlib.asynccontextmanager
async def running_gateway(
    redis_url: str,
    sources: Sequence[ClusterSource] = (),
    *,
    prefix: str = "ksg",
    protection: Protection = DEFAULT_PROTECTION,
    limits: Limits = DEFAULT_LIMITS,
    grace_seconds: float = 30.0,
    max_page: int = 1000,
    auth: Auth | None = None,
    server: Server | None = None,
    persisted: PersistedQueries | None = None,
) -> AsyncIterator[RunningGateway]:
    auth = auth or Auth()
    gateway = Gateway(
        Settings(
            sources=sources,
            redis_url=redis_url,
            key_prefix=prefix,
            grace_seconds=grace_seconds,
            lease_seconds=3,
            max_page=max_page,
            auth=auth,
        )
    )
    config = Config(
        server=server or Server(),
        auth=auth,
        persisted_queries=persisted or PersistedQueries(),
        limits=ConfigLimits(
            max_depth=protection.max_depth,
            max_tokens=protection.max_tokens,
            max_aliases=protection.max_aliases,
            subscription_buffer=limits.subscription_buffer,
            snapshot_max=limits.snapshot_max,
            max_page=max_page,
        ),
    )
    port = free_port()
    server_config = uvicorn.Config(
        build_app(gateway, config),
        host="127.0.0.1",
        port=port,
        log_config=None,
        ws="websockets-sansio",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    http_server = uvicorn.Server(server_config)
    task = asyncio.create_task(http_server.serve())
    while not http_server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield RunningGateway(f"http://127.0.0.1:{port}", gateway)
    finally:
        http_server.should_exit = True
        await task


async def publish(client: redis.Redis, mirror: ClusterMirror, *, prefix: str = "ksg") -> None:
    """Write a mirror's cluster as the watcher would: records, then the cluster record."""
    keys = Keys(prefix)
    await StoreWriter(client, keys).replace_cluster(mirror.cluster, mirror.snapshot())
    record = {
        "name": mirror.cluster,
        "server": "https://example",
        "reachable": True,
        "synced": True,
    }
    await client.hset(keys.clusters, mirror.cluster, orjson.dumps(record))


async def flush(
    client: redis.Redis, mirror: ClusterMirror, *, prefix: str = "ksg", feed_length: int = 10_000
) -> None:
    """Write what changed, as the watcher would; a short ``feed_length`` trims the feeds."""
    writer = StoreWriter(client, Keys(prefix), feed_length)
    await writer.apply(mirror.cluster, mirror.flush())
