"""Every authentication test checks that no test token reaches a log record or an error.

Records are collected at DEBUG from the loggers that handle tokens (the gateway's,
the Kubernetes client's, aiohttp's) by a handler of the guard's own: pytest's
capture keeps INFO and above, and a client library's debug output is where a
credential would slip out. Tokens are also registered with tests/secrets.py, so the
suite-wide check looks for them in everything the tests printed.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Iterator
from pathlib import Path

import pytest

from gateway.auth.principal import AuthenticationError
from gateway.auth.tokenfile import token_sha256
from gateway.config import TokenFile
from gateway.logs import JsonFormatter, TextFormatter
from tests.secrets import secret

WATCHED_LOGGERS = ("gateway", "kubernetes_asyncio", "aiohttp")


class LeakGuard(logging.Handler):
    """Remembers the test's tokens and fails the test if one is shown anywhere."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.tokens: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def secret(self, token: str) -> str:
        self.tokens.append(secret(token))
        return token

    def assert_absent(self, text: str, where: str) -> None:
        for number, token in enumerate(self.tokens, start=1):
            assert token not in text, f"test token {number} appears in {where}"

    async def refused(
        self, attempt: Awaitable[object], kind: type[AuthenticationError] = AuthenticationError
    ) -> str:
        """The message of the AuthenticationError ``attempt`` raises, checked for tokens."""
        with pytest.raises(kind) as raised:
            await attempt
        self.assert_absent("".join(traceback.format_exception(raised.value)), "an exception")
        return str(raised.value)

    def messages(self, level: int = logging.DEBUG) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]

    def causes(self) -> list[str]:
        """The ``cause`` context of the log records so far."""
        return [str(vars(r)["cause"]) for r in self.records if "cause" in vars(r)]

    def check_logs(self) -> None:
        for record in self.records:
            for formatter in (JsonFormatter(), TextFormatter()):
                self.assert_absent(formatter.format(record), f"a log record of {record.name}")


@pytest.fixture(autouse=True)
def guard() -> Iterator[LeakGuard]:
    watching = LeakGuard()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(watching)
    try:
        yield watching
    finally:
        root.removeHandler(watching)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    watching.check_logs()


class ManualClock:
    """A monotonic clock the test moves, for caches and reload intervals."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def token_file(path: Path, token: str, subject: str) -> TokenFile:
    """A token file holding one bot, as the configuration names it."""
    path.write_text(f"- sha256: {token_sha256(token)}\n  subject: {subject}\n")
    return TokenFile(path=path)
