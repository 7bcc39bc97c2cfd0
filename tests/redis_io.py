"""Redis in tests with plain types: the stubs say "bytes or str or None" everywhere."""

from __future__ import annotations

from typing import Any

import orjson
import redis.asyncio as redis

from gateway.store import feed


def text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def load(value: object) -> Any:
    assert isinstance(value, bytes | str), f"expected a stored value, found {value!r}"
    return orjson.loads(value)


async def hash_of(client: redis.Redis, key: str) -> dict[str, bytes]:
    raw: dict[Any, Any] = await client.hgetall(key)
    return {text(k): v for k, v in raw.items()}


async def stream_of(client: redis.Redis, key: str) -> list[dict[str, Any]]:
    """The feed entries of a stream, decoded as the gateway's hub decodes them."""
    entries: Any = await client.xrange(key)
    return [feed.decode(fields or {}) for _, fields in entries or ()]
