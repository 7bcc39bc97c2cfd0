"""A shared answer spliced into a frame is byte for byte the frame serialised whole.

Every transport's frame passes through ``sharedresults.encode``: graphql-transport-ws
``next``, graphql-ws ``data``, graphql-sse's single-connection ``{id, payload}`` and its
distinct-connection ``{data}``. A client must not be able to tell a shared answer from
its own, so each splice is compared with orjson's serialisation of the same message.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from schema.sharedresults import SharedData, encode

DATA = {"workloadStatusChanged": {"name": 'we"b\u2028', "counts": {"ready": 2}, "workload": None}}


@pytest.mark.parametrize(
    "message",
    [
        {"id": "1", "type": "next", "payload": {"data": SharedData(DATA)}},
        {"type": "data", "id": 'op-"7"', "payload": {"data": SharedData(DATA)}},
        {"id": "stream-op", "payload": {"data": SharedData(DATA)}},
        {"data": SharedData(DATA)},
    ],
)
def test_a_spliced_frame_is_the_whole_serialisation(message: dict[str, Any]) -> None:
    assert encode(message) == orjson.dumps(message).decode()
    assert orjson.loads(encode(message)) == orjson.loads(orjson.dumps(message))


def test_a_payload_with_more_than_data_is_serialised_whole() -> None:
    errors = [{"message": "boom"}]
    message = {"id": "1", "type": "next", "payload": {"data": SharedData(DATA), "errors": errors}}
    assert encode(message) == orjson.dumps(message).decode()
