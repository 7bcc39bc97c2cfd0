"""graphql-http's server audits: the GraphQL-over-HTTP spec's every MUST and SHOULD, as its
reference implementation checks them, against a running gateway."""

from __future__ import annotations

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import running_gateway
from tests.clients.node import run_script


async def test_every_audit_passes(redis_server: EmbeddedRedis) -> None:
    async with running_gateway(redis_server.url) as gw:
        results = await run_script("audits.mjs", gw.graphql)
    failed = [
        f"{r['status']} {r['id']} {r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok"
    ]
    assert len(results) >= 60, "the audit suite shrank: check the graphql-http version"
    assert failed == []
