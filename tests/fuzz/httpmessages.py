"""Random HTTP requests for /graphql: odd methods, wrong or missing content types, bodies that
are not JSON, not objects or too large, odd query strings, and headers of any size.

Credentials are labels until the request is sent, so a printed failing example holds
no secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
from hypothesis import strategies as st

from tests.fuzz.values import DEEP_JSON, DEEP_PARAMETER, JSON_VALUES

METHODS = ("GET", "POST", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE")

CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/graphql",
    "application/graphql-response+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "text/plain",
    "",
    "json",
)

ACCEPTS = (
    "application/json",
    "application/graphql-response+json",
    "text/html",
    "text/event-stream",
    "multipart/mixed",
    'multipart/mixed;subscriptionSpec="1.0", application/json',
    "*/*",
    "",
)

CREDENTIALS = ("alice", "alice", "alice", "none", "garbage", "basic", "bare bearer", "lowercase")

HEADER_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20)
HEADER_VALUE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60
).map(str.strip)
"""Printable ASCII without surrounding blanks: what an HTTP client library lets through."""

SUBSCRIPTION = (
    "subscription { workloadStatusChanged(snapshot: true) "
    "{ __typename cluster namespace name workloadId } }"
)


@dataclass(frozen=True, slots=True)
class Attempt:
    method: str
    credentials: str
    content_type: str | None
    accept: str | None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def streams(self) -> bool:
        """Asks for a streaming answer (Server-Sent Events or multipart), which may stay open."""
        accept = self.accept or ""
        return "event-stream" in accept or "multipart/mixed" in accept


def authorization(credentials: str, alice_token: str) -> dict[str, str]:
    value = {
        "alice": f"Bearer {alice_token}",
        "none": None,
        "garbage": "Bearer not-a-token",
        "basic": "Basic YWxpY2U6cGFzc3dvcmQ=",
        "bare bearer": "Bearer",
        "lowercase": f"bearer {alice_token}",
    }[credentials]
    return {"authorization": value} if value else {}


def as_text(value: object) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def graphql_requests(queries: st.SearchStrategy[str]) -> st.SearchStrategy[Attempt]:
    operation = st.one_of(queries, st.just(SUBSCRIPTION), st.text(max_size=40), JSON_VALUES)
    digest = st.text(alphabet="0123456789abcdef", max_size=64) | JSON_VALUES
    persisted = st.fixed_dictionaries(
        {
            "persistedQuery": st.fixed_dictionaries(
                {"version": st.just(1) | JSON_VALUES, "sha256Hash": digest}
            )
        }
    )
    request = st.fixed_dictionaries(
        {},
        optional={
            "query": operation,
            "variables": st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=4)
            | JSON_VALUES,
            "operationName": st.text(max_size=10) | JSON_VALUES,
            "extensions": persisted | JSON_VALUES,
        },
    )
    json_body = request.map(orjson.dumps)
    body = st.one_of(
        json_body,
        json_body,
        json_body,
        JSON_VALUES.map(orjson.dumps),
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
        st.sampled_from((900 << 10, 2 << 20)).map(
            lambda size: orjson.dumps({"query": "{" + " " * size + "clusters { name } }"})
        ),
        json_body.map(lambda raw: raw.decode().encode("utf-16")),
        DEEP_JSON.map(str.encode),
        DEEP_JSON.map(
            lambda deep: ('{"query": "{ clusters { name } }", "variables": ' + deep + "}").encode()
        ),
        DEEP_JSON.map(
            lambda deep: ('{"query": "{ clusters { name } }", "extensions": ' + deep + "}").encode()
        ),
        json_body.map(
            lambda raw: raw[:-1] + b'"\xff\xfe"}' if raw.endswith(b"}") else raw + b"\xc3"
        ),
    )
    params = st.fixed_dictionaries(
        {},
        optional={
            "query": operation.map(as_text),
            "variables": JSON_VALUES.map(as_text) | DEEP_PARAMETER,
            "operationName": st.text(max_size=10),
            "extensions": (persisted | JSON_VALUES).map(as_text)
            | st.text(max_size=20)
            | DEEP_PARAMETER,
        },
    )
    headers = st.one_of(
        st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=4),
        st.sampled_from((8 << 10, 20 << 10)).map(lambda size: {"x-padding": "p" * size}),
    )
    return st.builds(
        Attempt,
        method=st.sampled_from(METHODS),
        credentials=st.sampled_from(CREDENTIALS),
        content_type=st.sampled_from(CONTENT_TYPES) | HEADER_VALUE | st.none(),
        accept=st.sampled_from(ACCEPTS) | st.none(),
        params=params,
        headers=headers,
        body=body,
    )
