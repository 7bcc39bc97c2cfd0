"""Argument values a curious or careless caller would send: other tenants' names and ids,
cursors from other sessions, cursors tampered with, and plain noise.

Random text alone almost never names ``billing`` or decodes as a cursor, so the
strategies mix the fixture's real names, ids and cursors (every tenant's) with
forged and random ones.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import graphql
import orjson
from hypothesis import strategies as st

from schema import ids

NAMES = (
    "sim-1",
    "sim-2",
    "shop",
    "billing",
    "web",
    "web-7d9f8b6c5d-0",
    "web-7d9f8b6c5d-1",
    "worker-1",
    "worker-2",
    "Deployment/shop/web",
    "Deployment/billing/web",
    "default",
    "kube-system",
    "",
    "*",
    ".*",
    "%",
    "sim-1\x1fshop",
    "../billing",
)
"""Names from every tenant of tests/scoping/tenants.py, and names that look like wildcards."""

SELECTORS = (
    "team=billing",
    "team!=shop",
    "team in (shop,billing)",
    "team notin (shop)",
    "!team",
    "app=web",
    "app==web",
    "app in ()",
    "a=b,,c",
    "(((",
    "=",
    "app=" + "x" * 300,
)

FIXTURE_IDS = tuple(
    ids.encode(type_name, cluster, path)
    for type_name, cluster, path in (
        ("Workload", "sim-1", "Deployment/shop/web"),
        ("Workload", "sim-1", "Deployment/billing/web"),
        ("Workload", "sim-2", "Deployment/shop/web"),
        ("Pod", "sim-1", "shop/web-7d9f8b6c5d-0"),
        ("Pod", "sim-1", "billing/web-7d9f8b6c5d-0"),
        ("Pod", "sim-2", "shop/web-7d9f8b6c5d-1"),
        ("ClusterNode", "sim-1", "worker-1"),
        ("ClusterNode", "sim-2", "worker-2"),
        ("Cluster", "sim-1", ""),
        ("Cluster", "sim-2", ""),
        ("Workload", "sim-1", "Deployment/shop"),
        ("Workload", "sim-1", "Nope/shop/web"),
        ("Pod", "sim-1", "shop"),
        ("Namespace", "sim-1", "billing"),
        ("Query", "", ""),
        ("", "", ""),
    )
)
"""Ids of every tenant's objects, and ids of the right form for objects that cannot exist."""


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

FEED_POSITIONS = st.one_of(
    st.sampled_from(("0-0", "0", "$", "+", "-", "1-1", "0-", "-1", "1--1", " 1-0", "1_0-0")),
    st.tuples(st.integers(min_value=0), st.integers(min_value=0)).map(lambda p: f"{p[0]}-{p[1]}"),
    st.text(max_size=12),
)


@dataclass(frozen=True, slots=True)
class Specimens:
    """Cursors an admin's session saw: the kind another tenant could hand to alice."""

    page_cursors: tuple[str, ...]
    feed_cursors: tuple[str, ...]
    epoch: str

    def page_cursor(self) -> st.SearchStrategy[str]:
        forged = st.fixed_dictionaries(
            {
                "o": st.sampled_from(("name", "since")) | JSON_VALUES,
                "d": st.booleans() | JSON_VALUES,
                "k": st.lists(JSON_VALUES, max_size=6) | JSON_VALUES,
            }
        )
        return st.one_of(
            st.sampled_from(self.page_cursors),
            forged.map(lambda payload: b64(orjson.dumps(payload))),
            JSON_VALUES.map(lambda payload: b64(orjson.dumps(payload))),
        )

    def feed_cursor(self) -> st.SearchStrategy[str]:
        forged = st.fixed_dictionaries(
            {
                "e": st.just(self.epoch) | JSON_VALUES,
                "p": st.dictionaries(st.sampled_from(("sim-1", "sim-2", "")), FEED_POSITIONS)
                | JSON_VALUES,
            }
        )
        return st.one_of(
            st.sampled_from(self.feed_cursors),
            forged.map(lambda payload: b64(orjson.dumps(payload))),
            JSON_VALUES.map(lambda payload: b64(orjson.dumps(payload))),
        )

    def strings(self) -> st.SearchStrategy[str]:
        return st.one_of(
            st.sampled_from(NAMES),
            st.sampled_from(SELECTORS),
            st.sampled_from(FIXTURE_IDS),
            self.page_cursor(),
            self.feed_cursor(),
            st.text(max_size=40),
            st.binary(max_size=30).map(b64),
        )

    def scalars(self) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
        """hypothesis-graphql's custom scalars: String and ID arguments drawn from the mix."""
        as_node = self.strings().map(lambda value: graphql.StringValueNode(value=value))
        return {"String": as_node, "ID": as_node}


def deeply_nested(depth: int, opener: str = "[") -> str:
    """JSON text nested ``depth`` levels: past what Python's parser recurses into (1,000)
    and past what orjson accepts (1,024), or just past the gateway's own bound."""
    closer = "]" if opener == "[" else "}"
    head = "[" if opener == "[" else '{"a":'
    return head * depth + "1" + closer * depth


DEPTHS = st.sampled_from((33, 200, 1000, 3000))
DEEP_JSON = st.builds(deeply_nested, DEPTHS, st.sampled_from("[{"))
"""Raw JSON text, to splice where a client puts JSON: bodies, variables, extensions, frames."""
DEEP_PARAMETER = st.builds(deeply_nested, st.sampled_from((33, 200, 1000)), st.sampled_from("[{"))
"""The same for a query string, which HTTP clients cap at 64 KiB."""
