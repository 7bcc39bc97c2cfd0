"""Queries generated from the live schema, valid and invalid, with other tenants' arguments."""

from __future__ import annotations

import graphql
import httpx
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from tests.fuzz.budget import budget, timeout
from tests.fuzz.checks import ask_as_alice, stays_up
from tests.fuzz.ledger import Ledger
from tests.fuzz.values import Specimens

pytestmark = timeout

LISTS = ("clusters", "workloads", "statusSummary")


def test_valid_queries_stay_inside_alices_namespace(
    alice: httpx.Client, live_schema: graphql.GraphQLSchema, specimens: Specimens
) -> None:
    ledger = Ledger.open("generated valid queries")

    @budget(150)
    @given(
        query=queries(live_schema, custom_scalars=specimens.scalars()),
        via_get=st.booleans(),
    )
    def example(query: str, via_get: bool) -> None:
        ask_as_alice(alice, live_schema, query, ledger, via_get=via_get)

    example()
    ledger.close()
    stays_up(alice)


def test_lists_with_any_selection_and_filters_stay_inside(
    alice: httpx.Client, live_schema: graphql.GraphQLSchema, specimens: Specimens
) -> None:
    """The list roots answer with data, so every nested field (pods, events, logs) resolves."""
    ledger = Ledger.open("generated list queries")

    @budget(150)
    @given(
        query=queries(
            live_schema, fields=LISTS, custom_scalars=specimens.scalars(), allow_null=False
        )
    )
    def example(query: str) -> None:
        ask_as_alice(alice, live_schema, query, ledger)

    example()
    ledger.close()
    stays_up(alice)


def test_invalid_queries_get_client_errors(
    alice: httpx.Client, live_schema: graphql.GraphQLSchema, specimens: Specimens
) -> None:
    ledger = Ledger.open("generated invalid queries")

    @budget(100)
    @given(query=queries(live_schema, custom_scalars=specimens.scalars(), mode=Mode.NEGATIVE))
    def example(query: str) -> None:
        body = ask_as_alice(alice, live_schema, query, ledger)
        assert body.get("errors"), body

    example()
    ledger.close()
    stays_up(alice)
