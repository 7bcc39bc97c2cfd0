"""Fixtures every test area shares (a real Valkey server and clients to it), and the check
that no test secret ever appears in anything the suite printed or logged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests import secrets

pytest_plugins = ["tests.explaining"]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real server for the session; tests that kill servers start their own."""
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("valkey")))
    asyncio.run(server.start())
    yield server
    server.stop_blocking()


REDIS_7 = "/usr/bin/redis-server"
"""Debian's Redis 7 (scripts/ensure-system-deps installs it): the other engine users run."""


@pytest.fixture(scope="session")
def redis7_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """For what Redis and Valkey do differently (how trimming shows in XINFO STREAM)."""
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("redis7")), binary=REDIS_7)
    asyncio.run(server.start())
    yield server
    server.stop_blocking()


@pytest.fixture(params=["valkey-8", "redis-7"])
def either_server(request: pytest.FixtureRequest) -> EmbeddedRedis:
    """The test runs on both engines; each is checked to be what it is named."""
    name = "redis_server" if request.param == "valkey-8" else "redis7_server"
    found: EmbeddedRedis = request.getfixturevalue(name)
    return found


@pytest_asyncio.fixture
async def either_client(either_server: EmbeddedRedis) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(either_server.url)
    await client.flushdb()
    info = await client.info("server")
    engine = "valkey" if "valkey_version" in info else "redis"
    expected = "redis" if either_server.binary == REDIS_7 else "valkey"
    assert (engine, str(info.get("valkey_version", info["redis_version"]))[0]) == (
        expected,
        "7" if expected == "redis" else "8",
    ), info
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def redis_client(redis_server: EmbeddedRedis) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


_leaks: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Search this test's captured output (all phases, passed or not) for test secrets."""
    texts = [content for _, content in report.sections]
    if report.failed:
        texts.append(report.longreprtext)
    for text in texts:
        for value in secrets.KNOWN:
            if value in text:
                _leaks.append(
                    f"{report.nodeid} ({report.when}): a test secret appears in the output"
                )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("\nTest secrets leaked into captured output:", red=True)
            for leak in sorted(set(_leaks)):
                reporter.write_line(f"  {leak}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
