"""The cost limit charges page sizes as the request asks for them, variables included:
Apollo, urql and Relay pass every paging argument as a variable."""

from __future__ import annotations

import redis.asyncio as redis
from graphql import parse

from gateway.redis_server import EmbeddedRedis
from schema.build import build_schema
from schema.cost import Cost, operation_cost
from tests.api.harness import publish, running_gateway
from tests.api.test_queries import ask
from tests.store.test_mirror import fleet_mirror

PAGED = """query Page($first: Int = 20, $after: String) {
  workloads(first: $first, after: $after) {
    edges { node { name pods { name containers { name } } } }
  }
}"""
SCHEMA = build_schema()._schema


def cost_of(document: str, variables: dict[str, object] | None = None) -> Cost:
    cost = operation_cost(SCHEMA, parse(document), None, variables, max_page=1000)
    assert cost is not None
    return cost


def test_a_variable_page_size_is_charged_at_its_value() -> None:
    one, seven, thousand = (cost_of(PAGED, {"first": n}).total for n in (1, 7, 1000))
    literal = cost_of(PAGED.replace("$first, after", "7, after"), {}).total
    assert one < seven < thousand and seven == literal
    assert thousand == 1000 * one


def test_an_absent_variable_is_charged_at_its_default_and_null_at_the_resolvers() -> None:
    assert cost_of(PAGED).total == cost_of(PAGED, {"first": 20}).total
    assert cost_of(PAGED, {"first": None}).total == cost_of(PAGED, {"first": 100}).total


def test_sizes_past_the_maximum_and_values_that_are_not_ints_charge_the_maximum() -> None:
    most = cost_of(PAGED, {"first": 1000}).total
    assert cost_of(PAGED, {"first": 10**30}).total == most
    assert cost_of(PAGED, {"first": "lots"}).total == most
    assert cost_of(PAGED, {"first": True}).total == most


def test_the_costliest_path_names_the_lists_that_multiplied() -> None:
    cost = cost_of(
        "{ clusters { name } workloads(first: 500) { nodes { pods { events { message } } } } }"
    )
    assert [(m.field, m.size) for m in cost.path] == [
        ("workloads", 500),
        ("pods", 10),
        ("events", 20),
    ]


async def test_variables_reach_the_limit_over_http(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    await publish(redis_client, fleet_mirror())
    async with running_gateway(redis_server.url) as gw:
        cheap = await ask(gw.graphql, PAGED, {"first": 1})
        assert "errors" not in cheap, cheap
        assert cheap["data"]["workloads"]["edges"]
        costly = (
            "query ($n: Int) { workloads(first: $n) { nodes { pods { events { message } } } } }"
        )
        refused = await ask(gw.graphql, costly, {"n": 1000})
        [error] = refused["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["extensions"]["multipliedBy"][0] == {"field": "workloads", "size": 1000}
        assert "workloads (a page of 1000) x pods (about 10 each)" in error["message"]
        assert "errors" not in await ask(gw.graphql, costly, {"n": 10})
