"""GraphiQL opens on the gateway's own document: valid for the schema the gateway serves,
run by it as it stands, and written into Strawberry's page so that no text can break out
of the page's script. tests/browser/test_graphiql.py runs it in a browser."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from graphql import (
    OperationDefinitionNode,
    build_client_schema,
    get_introspection_query,
    parse,
    validate,
)

from gateway.http.graphiql import (
    DEFAULT_DOCUMENT,
    STATUS_CHANGES,
    WHAT_IS_BROKEN,
    UnknownPageError,
    with_default_document,
)
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import running_gateway

PAGE_LITERAL = re.compile(r"const EXAMPLE_QUERY = (\".*?\");\n")


async def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        answer = await http.post(url, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_the_default_document_is_valid_for_the_served_schema(
    redis_server: EmbeddedRedis,
) -> None:
    async with running_gateway(redis_server.url) as gw:
        introspection = await post(gw.graphql, {"query": get_introspection_query()})
    served = build_client_schema(introspection["data"])
    document = parse(DEFAULT_DOCUMENT)
    assert validate(served, document) == []
    operations = {
        op.name.value: op.operation.value
        for op in document.definitions
        if isinstance(op, OperationDefinitionNode) and op.name
    }
    assert operations == {WHAT_IS_BROKEN: "query", STATUS_CHANGES: "subscription"}


async def test_the_gateway_runs_the_default_query_within_its_limits(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    """The gateway validates the whole document (depth, aliases, cost) before it runs the
    operation asked for, so this covers the subscription's text too. ``redis_client`` is
    asked for so the shared server starts empty."""
    async with running_gateway(redis_server.url) as gw:
        answer = await post(
            gw.graphql, {"query": DEFAULT_DOCUMENT, "operationName": WHAT_IS_BROKEN}
        )
    assert "errors" not in answer, answer
    assert answer["data"]["workloads"] == {"totalCount": 0, "edges": []}
    assert answer["data"]["statusSummary"] == {"total": 0, "abnormal": 0}


async def test_the_page_opens_on_the_default_document(redis_server: EmbeddedRedis) -> None:
    async with running_gateway(redis_server.url) as gw, httpx.AsyncClient() as http:
        page = (await http.get(gw.graphql, headers={"Accept": "text/html"})).text
    (literal,) = PAGE_LITERAL.findall(page)
    assert json.loads(literal) == DEFAULT_DOCUMENT
    assert "Welcome to GraphiQL" not in page


PAGE = "<script>\n      const EXAMPLE_QUERY = `# Welcome`;\n      run(EXAMPLE_QUERY);\n</script>"


def test_no_document_text_can_close_the_script_or_the_literal() -> None:
    hostile = '# </script><script>alert(1)</script> `${alert(2)}` \\ "\u2028'
    page = with_default_document(PAGE, hostile)
    script = page.removeprefix("<script>").removesuffix("</script>")
    assert "</" not in script
    (literal,) = PAGE_LITERAL.findall(page)
    assert json.loads(literal) == hostile
    assert page.endswith("run(EXAMPLE_QUERY);\n</script>")


@pytest.mark.parametrize(
    "page",
    ["<script>const QUERY = `# Welcome`;</script>", PAGE + PAGE],
    ids=["no-default-query", "two-default-queries"],
)
def test_a_page_of_another_shape_is_refused(page: str) -> None:
    with pytest.raises(UnknownPageError, match="EXAMPLE_QUERY"):
        with_default_document(page, DEFAULT_DOCUMENT)
