"""A task cancelled while it talks to Redis ends: nothing may swallow the cancellation.

redis-py writes through ``asyncio.wait_for`` when a socket timeout is set, and on
Python 3.11 that loses a cancellation that lands as the write completes; a
subscription cancelled at that moment would live on. The gateway's client has no
socket timeout for that reason; this test pins it.
"""

from __future__ import annotations

import asyncio

from gateway.redis_connect import Client, connect
from gateway.redis_server import EmbeddedRedis


async def test_cancelled_reads_always_end(redis_server: EmbeddedRedis) -> None:
    client = connect(redis_server.url)
    try:
        assert await cancelled_survivors(client) == 0
    finally:
        await client.aclose()


async def cancelled_survivors(client: Client, attempts: int = 150) -> int:
    """Tasks that outlived their cancellation, of ``attempts`` cancelled at moments spread
    over their reads (a Sentinel client is tried the same way)."""
    await client.hset("probe", mapping={"a": "1"})
    survivors = 0
    for attempt in range(attempts):

        async def reads() -> None:
            for _ in range(5):
                await client.hgetall("probe")
            await asyncio.Event().wait()

        task = asyncio.create_task(reads())
        await asyncio.sleep(0.0001 * (attempt % 20))
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1)
        if not done:
            survivors += 1
            task.cancel()
    return survivors
