"""Log lines as the gateway writes them: every context field, nothing twice."""

from __future__ import annotations

import logging

import orjson
import pytest

from gateway.logs import JsonFormatter, TextFormatter
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import running_gateway


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
