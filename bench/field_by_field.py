"""What graphql-core's field-by-field completion alone costs for benchmark (a)'s selection:
the least a server pays that leaves completion to graphql-core.

graphql-core runs the same query over the bare endpoint's answer, held in memory as
plain dicts: no Redis, no HTTP, no Strawberry, no records to convert, the cheapest
resolver there is (a dict lookup). The gateway gets under it by completing plain
lists as projections (schema/projection.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
from graphql import GraphQLResolveInfo, build_schema, graphql_sync

from bench.measure import Spread

SCHEMA = build_schema(
    """
    type Counts { desired: Int ready: Int available: Int }
    type Workload {
      name: String! namespace: String! kind: String! status: String!
      reason: String! message: String! counts: Counts!
    }
    type Edge { node: Workload! }
    type Connection { edges: [Edge!]! }
    type Query { workloads(first: Int): Connection! }
    """
)


def _lookup(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
    return source.get(info.field_name)


def field_by_field(query: bytes, nodes: Sequence[dict[str, Any]], rounds: int) -> Spread:
    """Seconds per execution of ``query`` (a benchmark request body) over ``nodes``,
    serialised to JSON bytes as a server would."""
    document = orjson.loads(query)["query"]
    root = {"workloads": {"edges": [{"node": node} for node in nodes]}}
    times: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = graphql_sync(SCHEMA, document, root_value=root, field_resolver=_lookup)
        orjson.dumps({"data": result.data})
        times.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"the field-by-field query failed: {result.errors}")
    return Spread.of(times)
