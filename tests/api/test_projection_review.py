"""Cases the projection got wrong: each answers exactly as graphql-core's own completion.

Small schemas of their own show each case plainly; the gateway's schema over a filled
store (``Both`` from test_projection) shows the one a client of the gateway could hit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import graphql
import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.redis_server import EmbeddedRedis
from schema.projection import ProjectingExecutionContext
from tests.api.test_projection import Both

Answer = tuple[Any, list[tuple[str, Any]]]


@strawberry.type
class Item:
    name: str
    size: int | None


class Failure(Exception):
    """An exception that happens to have an Item's attributes."""

    name = "boom"
    size = 1


@strawberry.type
class Shelf:
    items: list[Item]
    item: Item | None


def _items() -> Iterator[Item]:
    yield Item(name="a", size=1)
    yield Item(name=None, size=2)  # type: ignore[arg-type]


@strawberry.type
class Query:
    @strawberry.field
    def again(self) -> Query:
        return Query()

    @strawberry.field
    def streamed(self) -> Shelf:
        """A list held as an iterator (read once), with a null where the schema forbids it."""
        return Shelf(items=_items(), item=None)  # type: ignore[arg-type]

    @strawberry.field
    def failed(self) -> Shelf:
        return Shelf(items=[], item=Failure())  # type: ignore[arg-type]

    @strawberry.field
    def items(self, note: str | None = None) -> list[Item]:
        return [Item(name="a", size=1), Item(name="b", size=None)]


SCHEMA = strawberry.Schema(query=Query)._schema


class Recording(ProjectingExecutionContext):
    """Keeps each execution for a look at its completers afterwards."""

    made: ClassVar[list[ProjectingExecutionContext]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.made.append(self)


async def _answer(
    execution: type[StrawberryGraphQLCoreExecutionContext],
    query: str,
    variables: dict[str, Any] | None = None,
) -> Answer:
    result = await graphql.graphql(
        SCHEMA, query, variable_values=variables, executor_class=execution
    )
    return result.data, [(e.message, e.path) for e in result.errors or ()]


async def _both(query: str, variables: dict[str, Any] | None = None) -> tuple[Answer, Answer]:
    reference = await _answer(StrawberryGraphQLCoreExecutionContext, query, variables)
    projected = await _answer(ProjectingExecutionContext, query, variables)
    return reference, projected


@pytest.mark.parametrize(
    "query",
    [
        "{ again { __schema { queryType { name } } } }",
        '{ again { __type(name: "Item") { name fields { name } } } }',
    ],
)
async def test_introspection_under_the_query_type_is_answered(query: str) -> None:
    """``__schema`` and ``__type`` are fields of the query type wherever it appears; the
    projection looked them up among its declared fields and left them out."""
    reference, projected = await _both(query)
    assert projected == reference
    assert reference[0]["again"], reference


async def test_a_list_held_as_an_iterator_is_graphql_cores_error() -> None:
    """An iterator read by the projection before it gave up was empty for graphql-core,
    which answered an empty list instead of the null it finds in it."""
    reference, projected = await _both("{ streamed { items { name size } } }")
    assert projected == reference
    null = "Cannot return null for non-nullable field Item.name."
    assert reference == (None, [(null, ["streamed", "items", 1, "name"])])


async def test_an_exception_where_an_object_belongs_is_an_error_not_its_attributes() -> None:
    """graphql-core reports an exception value as the field's error; the projection read
    the attributes off it as if it were the object."""
    reference, projected = await _both("{ failed { item { name size } } }")
    assert projected == reference
    assert reference == ({"failed": {"item": None}}, [("", ["failed", "item"])])


async def test_a_variable_json_cannot_hold_leaves_the_answer_alone() -> None:
    """A string with a lone surrogate (JSON's \\ud800, which Python's json accepts) made
    the projection's cache key raise, and the list became an error."""
    query = "query ($note: String) { items(note: $note) { name size } }"
    reference, projected = await _both(query, {"note": "\ud800"})
    assert projected == reference
    assert reference == ({"items": [{"name": "a", "size": 1}, {"name": "b", "size": None}]}, [])


def test_kept_completers_are_shared_by_values_the_selection_does_not_depend_on() -> None:
    """Only Boolean variables (@skip, @include) change a selection: executions that differ
    in another variable use the same kept completers, instead of each keeping a copy
    and its variables (a client's distinct values, up to the request size each)."""
    document = graphql.parse("query ($note: String) { items(note: $note) { name size } }")
    Recording.made.clear()
    for note in ("first", "x" * 10_000):
        result = graphql.execute(
            SCHEMA, document, variable_values={"note": note}, executor_class=Recording
        )
        assert isinstance(result, graphql.ExecutionResult)
        assert not result.errors, result.errors
    first, second = ([c for _, c in e.completers.values()] for e in Recording.made)
    assert first and all(c is not None for c in first)
    assert all(a is b for a, b in zip(first, second, strict=True))


async def test_a_streamed_list_is_delivered_incrementally() -> None:
    """@stream on the list itself (incremental execution enabled): the projection
    completed the whole list in the initial result."""
    initial = []
    for execution in (StrawberryGraphQLCoreExecutionContext, ProjectingExecutionContext):
        schema = strawberry.Schema(
            query=Query,
            config=StrawberryConfig(enable_experimental_incremental_execution=True),
            execution_context_class=execution,
        )
        result = await schema.execute("{ items @stream(initialCount: 1) { name } }")
        first = getattr(result, "initial_result", result)
        initial.append(first.data)
    assert initial[1] == initial[0] == {"items": [{"name": "a"}]}


@pytest.fixture(scope="module")
def both(redis_server: EmbeddedRedis) -> Iterator[Both]:
    started = Both(redis_server.url)
    yield started
    started.close()


def test_the_gateway_answers_a_lone_surrogate_in_a_filter(both: Both) -> None:
    """The same through the gateway's schema: a name filter a client sent as JSON."""
    query = """query ($name: String) {
      clusters { name }
      workloads(first: 5, filter: {nameContains: $name}) { totalCount nodes { name } }
    }"""
    reference, projected = both.answers(query, {"name": "\ud800"})
    assert projected == reference
    assert b'"errors":[]' in reference
