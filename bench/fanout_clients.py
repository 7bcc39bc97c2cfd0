"""One of the fan-out benchmark's client processes: its share of the subscribers, told what
to watch for over stdin, answering with arrival times over stdout.

Ten thousand WebSocket subscribers and ten thousand Redis listeners in one process
would be twenty thousand sockets on one core: the client would be what is measured,
and the process would pass its file limit. Each process holds a share of both. Arrival
times are ``time.perf_counter()``, the system's monotonic clock, which every process
on the machine reads alike, so the coordinator subtracts its own start time from them.

Commands, one JSON object a line: ``{"open": {...}}`` (answered ``{"opened": n}``),
``{"watch": token, "side": "gateway" | "redis"}`` (answered ``{"armed": true}`` at once
and ``{"times": [...]}`` once every subscriber of that side saw the token), ``{"close":
true}``. A failure is answered ``{"error": why}``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python -m bench.fanout_clients`` runs from the repository root; this keeps it runnable
# as a path too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncio
from typing import Any

import orjson

from bench.subscribers import (
    Arrivals,
    GraphQLSubscriber,
    RedisSubscriber,
    close_all,
    failures,
    open_graphql,
    open_redis,
)

WAIT_SECONDS = 60


class Clients:
    def __init__(self) -> None:
        self.sides: dict[str, list[GraphQLSubscriber] | list[RedisSubscriber]] = {
            "gateway": [],
            "redis": [],
        }

    async def open(self, spec: dict[str, Any]) -> int:
        """``spec``: the WebSocket url, ``groups`` of [query, variables, params, count], and
        ``redis`` as [host, port, channel, count]."""
        opened: list[GraphQLSubscriber] = []
        for query, variables, params, count in spec["groups"]:
            opened += await open_graphql(spec["url"], query, variables, count, params=params)
        self.sides["gateway"] = opened
        host, port, channel, count = spec["redis"]
        self.sides["redis"] = await open_redis(host, port, channel, count)
        return len(opened)

    async def watch(self, token: str, side: str) -> list[float]:
        subscribers = self.sides[side]
        arrivals = Arrivals(token.encode(), len(subscribers))
        for subscriber in subscribers:
            subscriber.watch(arrivals)
        reply({"armed": True})
        try:
            await asyncio.wait_for(arrivals.done.wait(), WAIT_SECONDS)
        except TimeoutError:
            problems = failures(subscribers)[:3]
            raise RuntimeError(
                f"{len(arrivals.times)} of {len(subscribers)} saw {token}; {problems}"
            ) from None
        return arrivals.times

    def close(self) -> None:
        for subscribers in self.sides.values():
            close_all(subscribers)


def reply(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message) + b"\n")
    sys.stdout.buffer.flush()


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    clients = Clients()
    try:
        while line := await reader.readline():
            command = orjson.loads(line)
            try:
                if "open" in command:
                    reply({"opened": await clients.open(command["open"])})
                elif "watch" in command:
                    reply({"times": await clients.watch(command["watch"], command["side"])})
                elif "close" in command:
                    return
            except (OSError, RuntimeError) as error:
                reply({"error": f"{type(error).__name__}: {error}"})
    finally:
        clients.close()
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(serve())
