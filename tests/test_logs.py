"""Log lines as the gateway writes them: every context field, nothing twice."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from gateway import logs
from gateway.commands.serve import announce_exposure
from gateway.config import Auth, Config, Server, TokenFile
from gateway.logs import REVEALING_LOGGERS, JsonFormatter, TextFormatter
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import running_gateway
from tests.api.test_subscriptions import CHANGES, settle
from tests.api.wsclient import transport_ws


async def test_uvicorns_coloured_copy_of_a_message_is_left_out(
    redis_server: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_gateway(redis_server.url):
        pass
    coloured = [record for record in caplog.records if "color_message" in vars(record)]
    assert {record.name for record in coloured} == {"uvicorn.error"}
    for record in coloured:
        text = TextFormatter().format(record)
        assert text.endswith(record.getMessage())
        assert "\033[" not in text
        entry = orjson.loads(JsonFormatter().format(record))
        assert "color_message" not in entry
        assert entry["message"] == record.getMessage()


def test_context_fields_are_printed_in_both_formats() -> None:
    record = logging.LogRecord("gateway.watch", logging.WARNING, "", 0, "watch failed", (), None)
    record.__dict__.update({"cluster": "sim-1", "resource": "pods", "cause": "410 Gone"})
    assert (
        TextFormatter()
        .format(record)
        .endswith("watch failed  [cluster=sim-1 resource=pods cause=410 Gone]")
    )
    entry = orjson.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["cluster"], entry["resource"], entry["cause"]) == (
        "warning",
        "sim-1",
        "pods",
        "410 Gone",
    )


@pytest.fixture
def configured() -> Iterator[Callable[[str], io.StringIO]]:
    """``logs.configure`` as ``serve`` calls it, into a buffer; the test's logging comes back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    names = ("uvicorn.access", "aiohttp.access", *REVEALING_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}

    def configure(level: str) -> io.StringIO:
        buffer = io.StringIO()
        logs.configure(level, "text", buffer)
        return buffer

    yield configure
    root.handlers[:], root.level = saved
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def _a_board_and_a_query(url: str, websocket: str) -> None:
    """What a board page does without authentication: subscribe over a WebSocket, ask once."""
    async with transport_ws(websocket) as ws:
        operation = await ws.subscribe(CHANGES)
        await settle()
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{url}/graphql", json={"query": "{ clusters { name } }"})
        assert answer.status_code == 200
        await ws.send({"id": operation, "type": "complete"})
    await asyncio.sleep(0.3)


@pytest.mark.parametrize("level", ["info", "debug"])
async def test_websocket_connections_and_anonymous_operations_are_debug_lines(
    redis_server: EmbeddedRedis, configured: Callable[[str], io.StringIO], level: str
) -> None:
    buffer = configured(level)
    async with running_gateway(redis_server.url) as gw:
        await _a_board_and_a_query(gw.url, gw.websocket)
    lines = buffer.getvalue().splitlines()
    quiet = ('"WebSocket /graphql" [accepted]', "connection open", "connection closed")
    audit = ("operation  [subject=system:anonymous", "connected  [subject=system:anonymous")
    shown = {part: [line.split()[1] for line in lines if part in line] for part in quiet + audit}
    if level == "info":
        assert shown == {part: [] for part in quiet + audit}
        assert any("Uvicorn running on" in line for line in lines)
    else:
        assert all(set(levels) <= {"debug"} for levels in shown.values()), shown
        assert all(shown[part] for part in ('"WebSocket /graphql" [accepted]', *audit)), shown


def test_serving_without_authentication_warns_only_beyond_this_machine(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="gateway.commands.serve")
    announce_exposure(Config())
    announce_exposure(Config(server=Server(host="0.0.0.0"), auth=Auth(insecure_no_auth=True)))
    announce_exposure(Config(auth=Auth(token_file=TokenFile(path=Path("tokens.yaml")))))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "serving without authentication: every caller on this machine sees every cluster"),
        (
            "WARNING",
            "serving without authentication: every caller that reaches the port sees every cluster",
        ),
    ]
