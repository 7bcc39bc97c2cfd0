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
