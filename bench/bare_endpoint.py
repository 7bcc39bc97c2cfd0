"""The baseline of the query benchmark: the same workload records from the same Redis, as JSON.

No GraphQL, no validation, no types: list the workload ids of every cluster, take
the first ``first`` in id order, HMGET their records (the hash the store keeps,
gateway/store/keys.py) and answer the fields the benchmark's GraphQL query asks
for, in the same response shape and with the same enum spellings, so both send
the same bytes. It runs under the same uvicorn as ``gateway serve``.

Run: ``python -m bench.bare_endpoint --redis-url URL --port P`` (from the repository root).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.redis_connect import connect
from gateway.store.keys import Keys

_CAPITAL = re.compile(r"(?<!^)(?=[A-Z])")


def kind_name(kind: str) -> str:
    """ "StatefulSet" -> "STATEFUL_SET", as the GraphQL enum spells it."""
    return _CAPITAL.sub("_", kind).upper()


def status_name(label: str) -> str:
    """ "Not Ready" -> "NOT_READY"."""
    return label.upper().replace(" ", "_")


def node(record: dict[str, Any]) -> dict[str, Any]:
    counts = record["counts"]
    return {
        "name": record["name"],
        "namespace": record["namespace"],
        "kind": kind_name(record["kind"]),
        "status": status_name(record["status"]),
        "reason": record["reason"],
        "message": record["message"],
        "counts": {
            "desired": counts["desired"],
            "ready": counts["ready"],
            "available": counts["available"],
        },
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def build_app(redis_url: str, prefix: str = "ksg") -> Starlette:
    keys = Keys(prefix)
    client = connect(redis_url)

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def workloads(request: Request) -> Response:
        first = int(request.query_params.get("first", "1000"))
        clusters = sorted(_text(c) for c in await client.hkeys(keys.clusters))
        async with client.pipeline(transaction=False) as pipe:
            for cluster in clusters:
                pipe.hkeys(keys.workload_index(cluster))
            ids = await pipe.execute()
        chosen = sorted(
            (c, i.decode()) for c, found in zip(clusters, ids, strict=True) for i in found
        )
        chosen = chosen[:first]
        by_cluster: dict[str, list[str]] = {}
        for cluster, item in chosen:
            by_cluster.setdefault(cluster, []).append(item)
        async with client.pipeline(transaction=False) as pipe:
            for cluster, items in by_cluster.items():
                pipe.hmget(keys.workloads(cluster), items)
            answers = await pipe.execute()
        edges = [
            {"node": node(orjson.loads(raw))}
            for values in answers
            for raw in values
            if raw is not None
        ]
        body = orjson.dumps({"data": {"workloads": {"edges": edges}}})
        return Response(body, media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/workloads", workloads)], lifespan=lifespan
    )


async def serve(redis_url: str, port: int) -> None:
    config = uvicorn.Config(
        build_app(redis_url), host="127.0.0.1", port=port, log_config=None, log_level="warning"
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    asyncio.run(serve(options.redis_url, options.port))
