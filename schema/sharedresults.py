"""One feed entry's result computed once per group of subscribers, not once per subscriber.

A change reaches every subscription whose filter admits it, and thousands of them ask
the same selection through the same view: their messages differ only in the operation
id of the frame. Executing the selection and serialising the answer for each of them
cost about 0.3 ms of CPU apiece, 300 ms before the last of a thousand heard of it.

So a subscription resolver takes its change object from ``SharedChanges`` (one per feed
entry, cursor and view), the executor keeps the answer of each selection on that object
(``SharingExecutionContext``), and that answer's ``data`` is a ``SharedData`` carrying
its JSON, which the transports splice into each frame (``encode``).

Groups are conservative: the view is the caller's whole visibility and limits compared by
value, the selection is the document's text, operation name and coerced variables; an
answer that had errors or needed to wait for anything (a resolver reading Redis or a
cluster) is not shared. Two subscribers whose views are not provably the same never
share an object, an answer or a serialisation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import orjson
from graphql import ExecutionResult, OperationType
from graphql.execution import Executor

from gateway.store.hub import FeedEvent
from schema.context import ApiContext
from schema.projection import ProjectingExecutionContext

T = TypeVar("T")

KEPT_CHANGES = 2048
"""Change objects kept for subscribers still to reach them: a subscriber more than this
many changes behind the others builds its own (the same answer, at the old cost)."""


class SharedData(dict[str, Any]):
    """A result's ``data`` as every subscriber of its group receives it, with its JSON."""

    __slots__ = ("payload",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.payload = '{"data":' + orjson.dumps(data).decode() + "}"
        """The whole ``payload`` of a next/data message (and an SSE ``next`` event's data)."""


class _Kept:
    """A change object and the answers computed on it, by selection and view."""

    __slots__ = ("change", "results")

    def __init__(self, change: object) -> None:
        self.change = change
        self.results: dict[Hashable, ExecutionResult] = {}


class SharedChanges:
    """The change objects of recent feed entries, by entry, cursor and view.

    Keyed by the object's id as well, for the executor, which receives only the object;
    an id is only looked up while its object is kept here, so it is never another's."""

    def __init__(self, size: int = KEPT_CHANGES) -> None:
        self.size = size
        self._by_key: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._by_id: dict[int, _Kept] = {}

    def change(self, key: Hashable, build: Callable[[], T]) -> T:
        kept = self._by_key.get(key)
        if kept is None:
            kept = _Kept(build())
            self._by_key[key] = kept
            self._by_id[id(kept.change)] = kept
            if len(self._by_key) > self.size:
                _, gone = self._by_key.popitem(last=False)
                del self._by_id[id(gone.change)]
        found: T = kept.change  # type: ignore[assignment]
        return found

    def results_of(self, change: object) -> dict[Hashable, ExecutionResult] | None:
        kept = self._by_id.get(id(change))
        return kept.results if kept is not None and kept.change is change else None

    def clear(self) -> None:
        self._by_key.clear()
        self._by_id.clear()


SHARED = SharedChanges()
"""One per process, as the feed hub is: every connection's subscriptions meet here."""


def view_key(ctx: ApiContext) -> Hashable:
    """What an answer may depend on besides the change and the selection: the caller's
    visibility (compared by value) and the limits its resolvers read."""
    return (ctx.queries.view_key(), ctx.limits)


def shared_change(
    ctx: ApiContext, event: FeedEvent, cursor: str, build: Callable[[FeedEvent, str], T]
) -> T:
    """The message of ``event`` at ``cursor`` as every caller of this view receives it: an
    entry's fields never change, so its id stands for them."""
    key = (event.stream, event.cluster, event.entry_id, cursor, view_key(ctx))
    return SHARED.change(key, lambda: build(event, cursor))


class SharingExecutionContext(ProjectingExecutionContext):
    """Executes a subscription's selection on a shared change once per selection and view."""

    _selection: Hashable | None = None

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        if self._selection is None:
            self._selection = self._selection_key()
        return super().build_per_event_executor(payload)

    def _selection_key(self) -> Hashable:
        """Unshareable (False) when the text or the variables cannot be pinned down."""
        location = self.operation.loc
        if location is None:
            return False
        try:
            variables = orjson.dumps(self.variable_values.coerced, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return False
        name = self.operation.name.value if self.operation.name else None
        return (location.source.body, name, variables)

    def execute_operation(self, serially: bool | None = None) -> Any:
        results = SHARED.results_of(self.root_value)
        context = self.context_value
        selection = self._selection
        if (
            results is None
            or not selection
            or not isinstance(context, ApiContext)
            or self.operation.operation is not OperationType.SUBSCRIPTION
        ):
            return super().execute_operation(serially)
        key = (selection, view_key(context))
        found = results.get(key)
        if found is not None:
            return found
        result = super().execute_operation(serially)
        if (
            isinstance(result, ExecutionResult)
            and not result.errors
            and isinstance(result.data, dict)
        ):
            result = ExecutionResult(SharedData(result.data), None)
            results[key] = result
        return result


def _member(name: object, value: object) -> str:
    return (orjson.dumps(name) + b":" + orjson.dumps(value)).decode()


def encode(message: object) -> str:
    """A message as JSON, a shared answer's serialisation spliced in rather than redone.

    Spliced only where the answer is all there is: a frame ``{..., "payload": {"data"}}``
    (graphql-transport-ws ``next``, graphql-ws ``data``, an SSE event ``{id, payload}``) or
    a response ``{"data"}`` (an SSE ``next`` event); anything else is serialised whole."""
    if isinstance(message, dict):
        if len(message) == 1 and isinstance(message.get("data"), SharedData):
            shared: SharedData = message["data"]
            return shared.payload
        payload = message.get("payload")
        if isinstance(payload, dict) and len(payload) == 1:
            data = payload.get("data")
            if isinstance(data, SharedData):
                members = (
                    '"payload":' + data.payload if name == "payload" else _member(name, value)
                    for name, value in message.items()
                )
                return "{" + ",".join(members) + "}"
    return orjson.dumps(message).decode()
