"""The real gateway served from a thread of its own, so synchronous Hypothesis tests can hit it.

Hypothesis drives each example from plain functions; the gateway (uvicorn, the app,
its Redis clients) keeps running in its own event loop for the whole fuzz package,
filled once with the two-team fixture of tests/scoping.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis.asyncio as redis

from tests.api.harness import RunningGateway, running_gateway
from tests.scoping.tenants import auth_config, fill

GENEROUS_RATES = {
    "requestsPerMinute": 1_000_000,
    "subscriptionsPerMinute": 100_000,
    "concurrentSubscriptions": 100_000,
    "failedLoginsPerMinute": 100_000,
}
"""Fuzzing sends thousands of requests a minute as one subject, a third with bad credentials:
rate limits are tested elsewhere (tests/scoping/test_limits.py) and would otherwise turn most
examples into 429s, alice's own included (failed logins are counted per address)."""


QUIETED = ("httpx", "uvicorn.access")
"""A line per request from the clients and the server: thousands per fuzz run, saying nothing
a failing example does not say better. The gateway's own logs (audit, errors) stay."""


@contextmanager
def quiet_request_logs() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in QUIETED]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextmanager
def served_gateway(redis_url: str, directory: Path) -> Iterator[RunningGateway]:
    ready: threading.Event = threading.Event()
    started: list[RunningGateway] = []
    failures: list[BaseException] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        client = redis.Redis.from_url(redis_url)
        try:
            await client.flushdb()
            await fill(client)
        finally:
            await client.aclose()
        auth = auth_config(directory, rateLimits=GENEROUS_RATES)
        async with running_gateway(redis_url, auth=auth) as running:
            started.append(running)
            ready.set()
            await stop.wait()

    def run() -> None:
        try:
            loop.run_until_complete(serve())
        except BaseException as error:
            failures.append(error)
        finally:
            ready.set()
            loop.close()

    thread = threading.Thread(target=run, name="fuzzed-gateway", daemon=True)
    thread.start()
    ready.wait(60)
    if not started:
        thread.join(10)
        raise RuntimeError("the gateway did not start") from (failures[0] if failures else None)
    try:
        yield started[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        if failures:
            raise failures[0]
