"""At debug level nothing logs a credential, not even the libraries under the gateway:
uvicorn's handshake lines, the websockets library's frames (which show the start of a
``connection_init`` and so the tail of its token), HTTP headers."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from gateway import logs
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import running_gateway
from tests.scoping.tenants import TOKENS, auth_config

QUERY = "{ clusters { name } }"


@contextlib.contextmanager
def debug_output() -> Iterator[io.StringIO]:
    """The gateway's own logging set up at debug, as ``serve --log-level debug`` does; in
    the test body, since pytest sets the root level again for each phase of a test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    out = io.StringIO()
    logs.configure("debug", "json", out)
    try:
        yield out
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def pieces(token: str) -> list[str]:
    """The token and the tails a truncated log line could keep of it."""
    return [token, token[-12:], token[:12]]


async def test_no_credential_reaches_the_logs_at_debug(
    redis_server: EmbeddedRedis, tmp_path: Path
) -> None:
    token = TOKENS["alice"]
    with debug_output() as output:
        await talk_to_a_gateway(redis_server, tmp_path, token)
    written = output.getvalue()
    assert '"level":"debug","logger":"uvicorn.error","message":"< TEXT <redacted>' in written, (
        "the run did not log the server's frames at debug, so it proves nothing"
    )
    for piece in pieces(token):
        assert piece not in written


async def talk_to_a_gateway(redis_server: EmbeddedRedis, tmp_path: Path, token: str) -> None:
    async with running_gateway(redis_server.url, auth=auth_config(tmp_path)) as gw:
        headers = {"authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=10) as http:
            assert (await http.post(gw.graphql, json={"query": QUERY}, headers=headers)).is_success
            await http.post(
                gw.graphql, json={"query": QUERY}, headers={"authorization": "Bearer x" + token}
            )
        for protocol in ("graphql-transport-ws", "graphql-ws"):
            async with connect(
                gw.websocket,
                subprotocols=[Subprotocol(protocol)],
                additional_headers=headers,
            ) as socket:
                init = {"type": "connection_init", "payload": {"authToken": token}}
                await socket.send(json.dumps(init))
                assert json.loads(await socket.recv())["type"] == "connection_ack"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("> Authorization: Bearer abc.def-ghi", "> Authorization: <redacted>"),
        ("authorization=Basic dXNlcjpwYXNz", "authorization=<redacted>"),
        ("sent Bearer abc.def to the API server", "sent Bearer <redacted> to the API server"),
        (
            """< TEXT '{"payload": {"authTo...e68b3a1"}}' [89 bytes]""",
            "< TEXT <redacted> [89 bytes]",
        ),
        ("""{'authToken': 'abc', 'x': 1}""", "{'authToken': '<redacted>', 'x': 1}"),
        ('{"token":"abc"}', '{"token":"<redacted>"}'),
        ("listed 36 pods in 0.2s", "listed 36 pods in 0.2s"),
    ],
)
def test_what_looks_like_a_credential_is_redacted(line: str, kept: str) -> None:
    assert logs.redact(line) == kept
