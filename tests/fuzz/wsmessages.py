"""Random client frames for both GraphQL WebSocket protocols, well-formed and not.

A conversation is a list of frames: protocol messages with fields that may be
missing or of the wrong type, ids from a small pool (so duplicates and stray
completes happen), text that is not JSON or not an object, binary frames and very
large messages, in any order. Alice's token is a placeholder until the frame is sent,
so a failing example printed by Hypothesis never holds the secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from hypothesis import strategies as st

from tests.fuzz.values import DEEP_JSON, JSON_VALUES, Specimens

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"

ALICE_TOKEN = "<alice's token>"
"""Replaced by alice's real token when the frame is sent."""

IDS = st.sampled_from(("1", "2", "a")) | JSON_VALUES

WORKLOAD_CHANGES = """
subscription ($filter: WorkloadFilter, $after: String, $snapshot: Boolean!) {
  workloadStatusChanged(filter: $filter, after: $after, snapshot: $snapshot) {
    __typename type cursor cluster namespace name kind workloadId newStatus
    workload { __typename id cluster namespace name pods { __typename id cluster namespace name } }
  }
}"""

POD_CHANGES = """
subscription ($filter: PodFilter, $after: String) {
  podStatusChanged(filter: $filter, after: $after) {
    __typename type cursor cluster namespace name pod { __typename id cluster namespace name }
  }
}"""

CLUSTER_CHANGES = """
subscription ($after: String) {
  clusterReachabilityChanged(after: $after) { __typename cursor cluster reachable error }
}"""

OWN_WORKLOADS = "{ workloads { totalCount nodes { __typename id cluster namespace name } } }"


@dataclass(frozen=True, slots=True)
class Text:
    value: Any
    """A JSON value to send encoded, or a str to send as it is."""
    raw: bool = False

    def encoded(self, token: str) -> str:
        text = self.value if self.raw else orjson.dumps(self.value).decode()
        return text.replace(ALICE_TOKEN, token)


@dataclass(frozen=True, slots=True)
class Binary:
    value: bytes


Frame = Text | Binary


def _message(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {key: _or_wrong(value) for key, value in required.items()},
        optional={key: _or_wrong(value) for key, value in optional.items()},
    )


def _or_wrong(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The field's proper value, usually; sometimes any JSON value at all."""
    return st.one_of(strategy, strategy, strategy, JSON_VALUES)


def connection_params() -> st.SearchStrategy[Any]:
    token = st.sampled_from((ALICE_TOKEN, f"Bearer {ALICE_TOKEN}", "", "Bearer", "Bearer ")) | (
        st.text(max_size=40)
    )
    return st.one_of(
        st.fixed_dictionaries({"authToken": token}),
        st.fixed_dictionaries({"Authorization": token}),
        st.fixed_dictionaries({"authorization": token}),
        st.dictionaries(
            st.sampled_from(("authToken", "Authorization", "authorization", "other")),
            token | JSON_VALUES,
        ),
        JSON_VALUES,
    )


def operation(
    specimens: Specimens, queries: st.SearchStrategy[str], *, proper: bool
) -> st.SearchStrategy[Any]:
    """A subscribe/start payload: one of the subscriptions or a generated query, with variables;
    ``proper`` payloads have every field of the right type (their values still vary)."""
    names = st.lists(specimens.strings(), max_size=3)
    workload_filter = st.fixed_dictionaries(
        {},
        optional={
            "clusters": names,
            "namespaces": names,
            "kinds": st.lists(st.sampled_from(("DEPLOYMENT", "JOB", "POD"))),
            "labelSelector": specimens.strings(),
            "nameContains": specimens.strings(),
        },
    )
    query = st.sampled_from((WORKLOAD_CHANGES, POD_CHANGES, CLUSTER_CHANGES, OWN_WORKLOADS))
    if proper:
        variables = st.fixed_dictionaries(
            {"snapshot": st.booleans()},
            optional={"filter": workload_filter, "after": specimens.feed_cursor()},
        )
        return st.fixed_dictionaries({"query": query | queries, "variables": variables})
    variables = st.fixed_dictionaries(
        {},
        optional={
            "filter": workload_filter | JSON_VALUES,
            "after": specimens.feed_cursor() | JSON_VALUES,
            "snapshot": st.booleans() | JSON_VALUES,
        },
    )
    return _message(
        {"query": query | queries},
        {"variables": variables, "operationName": st.none() | st.text(max_size=10)},
    )


def protocol_messages(
    protocol: str, specimens: Specimens, queries: st.SearchStrategy[str]
) -> st.SearchStrategy[Any]:
    """Mostly well-formed operations, so that conversations reach the resolvers; the rest
    anything the protocol has, with fields missing or of the wrong type."""
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    stop = "complete" if protocol == TRANSPORT_WS else "stop"
    proper = st.fixed_dictionaries(
        {
            "type": st.just(start),
            "id": st.sampled_from(("1", "2", "a")),
            "payload": operation(specimens, queries, proper=True),
        }
    )
    mangled = _message(
        {"type": st.just(start)},
        {"id": IDS, "payload": operation(specimens, queries, proper=False)},
    )
    init = _message({"type": st.just("connection_init")}, {"payload": connection_params()})
    others = (
        _message({"type": st.sampled_from(("ping", "pong"))}, {"payload": JSON_VALUES})
        if protocol == TRANSPORT_WS
        else _message({"type": st.just("connection_terminate")}, {})
    )
    return st.one_of(
        proper,
        proper,
        proper,
        mangled,
        init,
        _message({"type": st.just(stop), "id": IDS}, {}),
        others,
        _message({"type": st.text(max_size=20)}, {"id": IDS, "payload": JSON_VALUES}),
    )


OPENING = Text({"type": "connection_init", "payload": {"authToken": ALICE_TOKEN}})
"""Most conversations start properly, so that what follows reaches the subscriptions."""


def frames(
    protocol: str, specimens: Specimens, queries: st.SearchStrategy[str]
) -> st.SearchStrategy[list[Frame]]:
    messages = protocol_messages(protocol, specimens, queries).map(Text)
    noise = st.one_of(
        st.text(max_size=60).map(lambda text: Text(text, raw=True)),
        JSON_VALUES.map(Text),
        st.binary(max_size=64).map(Binary),
        st.sampled_from((64 << 10, 1 << 20)).map(huge),
        DEEP_JSON.map(lambda deep: Text(deep, raw=True)),
        DEEP_JSON.map(
            lambda deep: Text(
                '{"type": "subscribe", "id": "deep", "payload": {"query": "{ clusters { name } }", '
                '"variables": ' + deep + "}}",
                raw=True,
            )
        ),
        st.just(Binary(b'{"type": "ping", "payload": "\xff\xfe"}')),
    )
    rest = st.lists(st.one_of(messages, messages, messages, noise), min_size=1, max_size=8)
    opening = st.sampled_from(([OPENING], [OPENING], []))
    return st.tuples(opening, rest).map(lambda parts: parts[0] + parts[1])


def huge(size: int) -> Text:
    return Text({"type": "subscribe", "id": "big", "payload": {"query": "{" + " " * size}})
