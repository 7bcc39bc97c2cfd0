"""The projection gives exactly graphql-core's answer, for every selection a client can make.

Each query runs twice on the same schema over the same store, filled from the bundled
examples (every status, pods with containers, events, jobs of CronJobs): once completed
field by field by Strawberry's own execution context, once by the projecting one. The
answers (data, key order, errors and their paths) must be the same.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import graphql
import orjson
import pytest
import redis.asyncio as redis
import strawberry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.manifests import load_paths
from gateway.podlogs import PodLogs
from gateway.redis_server import EmbeddedRedis
from gateway.store.hub import FeedHub
from gateway.store.keys import Keys
from gateway.store.queries import Queries
from gateway.store.reader import StoreReader
from gateway.watch.mirror import ClusterMirror
from schema.build import build_schema
from schema.context import ApiContext, Limits
from schema.projection import ProjectingExecutionContext
from tests.api.harness import publish
from tests.status import objects as o

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PREFIX = "projection"
ORDER = ("Namespace", "Node", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "CronJob")
T = TypeVar("T")

WORKLOAD_FIELDS = """
  __typename id cluster kind namespace name labels status statusLabel reason message
  warnings since createdAt images abnormal
  counts { desired ready updated available active succeeded failed }
  events { type reason message count lastSeen }
  pods {
    __typename id name phase displayReason ready restarts node
    containers { name image state ready restarts lastTerminationReason lastExitCode }
    events { reason message }
  }
"""

HANDWRITTEN = [
    (
        "{ workloads(first: 1000) { edges { node { name namespace kind status reason "
        "message counts { desired ready available } } } } }",
        {},
    ),
    (f"{{ workloads(first: 1000) {{ totalCount nodes {{ {WORKLOAD_FIELDS} }} }} }}", {}),
    (
        """query ($abnormal: Boolean!, $noPods: Boolean!) {
          first: workloads(first: 7, orderBy: {field: SINCE}) {
            pageInfo { hasNextPage endCursor }
            edges {
              cursor
              node {
                kindName: __typename
                n: name
                ...Kinds
                ... on Workload @include(if: $abnormal) { reason message warnings }
                pods @skip(if: $noPods) { name displayReason }
                pods { phase }
              }
            }
          }
        }
        fragment Kinds on Workload {
          ... on Deployment { paused strategy }
          ... on StatefulSet { strategy }
          ... on Job { completions parallelism active succeeded failed startTime }
          ... on CronJob { schedule suspend lastScheduleTime jobs { name status reason } }
        }""",
        {"abnormal": True, "noPods": False},
    ),
    (
        """{ clusters {
            name reachable lastSyncedAt
            namespaces { name phase labels }
            nodes { __typename id name ready reason }
            statusSummary { total byStatus { status count } byKind { kind status count } }
            workloads(first: 5) { nodes { name ... on CronJob { jobs { name pods { name } } } } }
          } }""",
        {},
    ),
    ("{ workloads(first: 3) { nodes { pods { name logs(tailLines: 5) } } } }", {}),
    ("{ workloads(first: 50) { nodes { name pods { name a: phase b: phase } } } }", {}),
]


class Both:
    """Both execution contexts over one filled store, on an event loop of their own:
    hypothesis drives plain functions, the store is asynchronous."""

    def __init__(self, redis_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.schema = build_schema()._schema
        self.documents: dict[str, graphql.DocumentNode] = {}
        self.client: redis.Redis = self.call(self._fill(redis_url))

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    async def _fill(self, redis_url: str) -> redis.Redis:
        client = redis.Redis.from_url(redis_url)
        loaded = load_paths([EXAMPLES])
        assert not loaded.errors, loaded.errors
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for obj in loaded.objects:
            by_kind.setdefault(str(obj["kind"]), []).append(obj)
        mirror = ClusterMirror("sim-1", lambda: o.NOW)
        for kind in (*ORDER, *(k for k in by_kind if k not in ORDER)):
            mirror.replace(kind, by_kind.get(kind, []))
        await publish(client, mirror, prefix=PREFIX)
        return client

    def context(self) -> ApiContext:
        """What a request of an unauthenticated gateway reads through: everything."""
        keys = Keys(PREFIX)
        return ApiContext(
            queries=Queries(StoreReader(self.client, keys)),
            hub=FeedHub(self.client, keys),
            logs=PodLogs([]),
            limits=Limits(),
        )

    def answers(self, query: str, variables: dict[str, Any]) -> tuple[bytes, bytes]:
        return self.call(self._answers(query, variables))

    async def _answers(self, query: str, variables: dict[str, Any]) -> tuple[bytes, bytes]:
        document = self.documents.get(query)
        if document is None:  # parsed once, as the gateway's parser cache does
            document = self.documents[query] = graphql.parse(query)
            assert not graphql.validate(self.schema, document), query
        context = self.context()
        answers = []
        for execution in (StrawberryGraphQLCoreExecutionContext, ProjectingExecutionContext):
            result = graphql.execute(
                self.schema,
                document,
                context_value=context,
                variable_values=variables,
                executor_class=execution,
            )
            if not isinstance(result, graphql.ExecutionResult):
                result = await result
            assert isinstance(result, graphql.ExecutionResult)
            answers.append(orjson.dumps({"data": result.data, "errors": _errors(result)}))
        return answers[0], answers[1]

    def close(self) -> None:
        self.call(self.client.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _errors(result: graphql.ExecutionResult) -> list[str] | bool:
    """Sibling async fields fail in whichever order they finish, so errors compare as a
    set; once a failure nulls the whole answer, which of the racing errors made it in is
    graphql-core's race, not the projection's: then only that there were errors."""
    if result.data is None:
        return bool(result.errors)
    return sorted(orjson.dumps([e.message, e.path]).decode() for e in result.errors or ())


@pytest.fixture(scope="module")
def both(redis_server: EmbeddedRedis) -> Iterator[Both]:
    started = Both(redis_server.url)
    yield started
    started.close()


@pytest.mark.parametrize(("query", "variables"), HANDWRITTEN)
def test_handwritten_selections_answer_the_same(
    both: Both, query: str, variables: dict[str, Any]
) -> None:
    reference, projected = both.answers(query, variables)
    assert projected == reference
    if "logs(" not in query:  # no cluster to ask for logs: that one is all errors
        assert b'"errors":[]' in reference


def test_completers_kept_across_executions_follow_the_variables(both: Both) -> None:
    """The same document again with @include and @skip turned the other way: a kept
    completer must not answer with the other selection."""
    query, _ = HANDWRITTEN[2]
    seen = set()
    for abnormal, no_pods in [(True, False), (False, True), (True, False), (False, False)]:
        reference, projected = both.answers(query, {"abnormal": abnormal, "noPods": no_pods})
        assert projected == reference
        seen.add(projected)
    assert len(seen) == 3


class Recording(ProjectingExecutionContext):
    """Keeps each execution's completers for a look afterwards."""

    made: ClassVar[list[ProjectingExecutionContext]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.made.append(self)


def test_the_page_a_console_asks_for_is_projected(both: Both) -> None:
    """Equal answers prove nothing if the projection never ran: it must take the big list."""
    query, _ = HANDWRITTEN[1]
    context = both.context()

    async def run() -> Any:
        return await graphql.graphql(
            both.schema, query, context_value=context, executor_class=Recording
        )

    Recording.made.clear()
    result = both.call(run())
    assert not result.errors, result.errors
    (execution,) = Recording.made
    projected = [complete for _, complete in execution.completers.values() if complete]
    assert projected, "no list was projected"


@strawberry.type
class Item:
    name: str
    size: int | None


@strawberry.type
class Broken:
    @strawberry.field
    def items(self) -> list[Item] | None:
        return [Item(name="a", size=1), Item(name=None, size=None)]  # type: ignore[arg-type]

    @strawberry.field
    def one(self) -> Item | None:
        return Item(name=None, size=4)  # type: ignore[arg-type]

    @strawberry.field
    def maybe(self) -> list[Item | None]:
        return [None, Item(name="b", size=2), Item(name=None, size=3)]  # type: ignore[arg-type]


async def test_a_null_where_the_schema_forbids_it_is_graphql_cores_error() -> None:
    """The projection gives up on the list; graphql-core reports the field and its path."""
    schema = strawberry.Schema(query=Broken)._schema
    query = "{ items { name size } one { size name } maybe { name size } }"
    answers = []
    for execution in (StrawberryGraphQLCoreExecutionContext, ProjectingExecutionContext):
        result = await graphql.graphql(schema, query, executor_class=execution)
        answers.append((result.data, [(e.message, e.path) for e in result.errors or ()]))
    assert answers[1] == answers[0]
    data, errors = answers[0]
    assert data == {"items": None, "one": None, "maybe": [None, {"name": "b", "size": 2}, None]}
    assert [path for _, path in errors] == [
        ["items", 1, "name"],
        ["one", "name"],
        ["maybe", 2, "name"],
    ]


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    query=queries(
        build_schema()._schema,
        fields=("workloads", "clusters", "cluster", "statusSummary"),
        custom_scalars={
            "String": st.sampled_from(
                ["sim-1", "shop", "payments", "batch", "checkout", "app=web", "", "web"]
            ).map(lambda value: graphql.StringValueNode(value=value)),
        },
        allow_null=False,
    )
)
def test_generated_selections_answer_the_same(both: Both, query: str) -> None:
    reference, projected = both.answers(query, {})
    assert projected == reference


async def test_kept_completers_do_not_keep_documents_alive() -> None:
    """A kept document would hold its whole text and tokens: many distinct large
    queries would pin them all."""
    schema = strawberry.Schema(query=Broken)._schema
    document = graphql.parse("{ maybe { size } }")
    result = graphql.execute(schema, document, executor_class=ProjectingExecutionContext)
    if not isinstance(result, graphql.ExecutionResult):
        result = await result
    assert result.data == {"maybe": [None, {"size": 2}, {"size": 3}]}
    gone = weakref.ref(document.definitions[0])
    del document
    gc.collect()
    assert gone() is None
