"""The embedded Valkey server starts in any state directory a checkout can be in."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis


@pytest.mark.parametrize("name", ["with space", 'with "quotes"', "back\\slash", "naïve"])
async def test_a_state_dir_with_spaces_or_quotes_holds_the_server(
    tmp_path: Path, name: str
) -> None:
    directory = tmp_path / name / "redis"
    server = EmbeddedRedis(directory)
    await server.start()
    client = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        assert await client.config_get("dir") == {"dir": str(directory)}
        assert (directory / "valkey.log").exists()
    finally:
        await client.aclose()
        await server.stop()
