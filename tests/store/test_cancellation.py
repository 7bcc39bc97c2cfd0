"""A task cancelled while it talks to Redis ends: nothing may swallow the cancellation.

redis-py writes through ``asyncio.wait_for`` when a socket timeout is set, and on
Python 3.11 that loses a cancellation that lands as the write completes; a
subscription cancelled at that moment would live on. The gateway's client has no
socket timeout for that reason; this test pins it.
"""

from __future__ import annotations

import asyncio

from gateway.redis_connect import connect
from gateway.redis_server import EmbeddedRedis


async def test_cancelled_reads_always_end(redis_server: EmbeddedRedis) -> None:
    client = connect(redis_server.url)
    await client.hset("probe", mapping={"a": "1"})
    survivors = 0
    try:
        for attempt in range(150):

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
    finally:
        await client.aclose()
    assert survivors == 0
