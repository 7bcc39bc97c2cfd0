"""Fixtures every test area shares: a real Valkey server and clients to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real server for the session; tests that kill servers start their own."""
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("valkey")))
    asyncio.run(server.start())
    yield server
    server.stop_blocking()


@pytest_asyncio.fixture
async def redis_client(redis_server: EmbeddedRedis) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()
