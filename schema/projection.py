"""Plain objects and lists of them completed as projections, not field by field.

graphql-core completes every field of every row on its own: a resolver call, a path, a
type check, for 12,000 fields when a console asks for 1,000 workloads, and again for
each of a thousand subscribers when one change goes out. Our resolvers hand over
objects that are complete already (the parent batched everything), and most of what a
client selects are attributes read by Strawberry's default resolver. For such a
selection the answer is a projection of the objects, which a few closures per selected
field compute without graphql-core's per-field machinery.

The projection is taken only where it gives exactly what graphql-core would give:
every selected field uses the default resolver (no arguments, no resolver, no
extension), no middleware, no @defer. It reads attributes and nothing else, so when
anything is off (a null where the schema says non-null, a value the scalar refuses, an
object of the wrong type) it is abandoned whole and graphql-core completes the value
itself, errors, paths and all.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, cast

from graphql import (
    FieldNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Complete = Callable[[Any], Any]
"""A value to what the response holds for it; raises Abandon when graphql-core must."""


class Abandon(Exception):
    """The projection cannot give graphql-core's answer; graphql-core completes the value."""


NO_INFO = cast(GraphQLResolveInfo[Any], None)
"""What type checks get for ``info`` (see _Compiler)."""

SHARED_COMPLETERS = 2_000
"""Completers kept across executions: a subscription executes its selection again for
every change it delivers, a console asks the same query again and again."""


class ProjectingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    shared: ClassVar[dict[tuple[Any, ...], tuple[tuple[Any, ...], Complete | None]]] = {}
    """By schema, operation, variables, type and selection nodes. An entry refers to them
    weakly (a kept document would keep its whole text and tokens) and counts only while
    they are the very objects it was made for: ids are reused once they are gone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.completers: dict[tuple[int, int], tuple[FieldDetailsList, Complete | None]] = {}
        """By type and selection, for every row's nested value alike; None: never
        projectable. The selection is kept so that its id is not reused meanwhile."""
        self._conditions: tuple[tuple[str, bool | None], ...] | None = None

    def complete_list_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        if isinstance(result, list | tuple) and not _streamed(field_details_list):
            projected = self._projected(return_type, field_details_list, result)
            if projected is not None:
                return cast(list[Any], projected)
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_object_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """One object, a subscription's change or a connection with its pages: projected
        whole when its whole selection is plain."""
        projected = self._projected(return_type, field_details_list, result)
        if projected is not None:
            return cast(dict[str, Any], projected)
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _projected(self, of: GraphQLOutputType, fields: FieldDetailsList, value: Any) -> Any:
        """The completed value, or None when graphql-core must complete it."""
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return None
        try:
            complete = self._completer(of, fields)
            return None if complete is None else complete(value)
        except Exception:
            return None  # pure reads, nothing to undo: graphql-core says what went wrong

    def _completer(self, of: GraphQLOutputType, fields: FieldDetailsList) -> Complete | None:
        key = (id(of), id(fields))
        known = self.completers.get(key)
        if known is not None:
            return known[1]
        complete = self._shared_completer(of, fields)
        self.completers[key] = (fields, complete)
        return complete

    def _shared_completer(self, of: GraphQLOutputType, fields: FieldDetailsList) -> Complete | None:
        """What the selection depends on: the schema, the operation (its fragments), the
        values of Boolean variables (the only ones @skip and @include take) and the field
        nodes, which are the same objects from one execution of a cached document to the
        next. Other variables (a name filter, a cursor) are left out: they change nothing
        here, and each value would keep a copy of the completers and of itself."""
        if self._conditions is None:
            self._conditions = tuple(
                sorted(
                    (name, value)
                    for name, value in self.variable_values.coerced.items()
                    if value is None or isinstance(value, bool)
                )
            )
        nodes = tuple(d.node for d in fields)
        key = (
            id(self.schema),
            id(self.operation),
            self._conditions,
            id(of),
            tuple(map(id, nodes)),
        )
        shared = ProjectingExecutionContext.shared
        known = shared.get(key)
        kept = (self.schema, of, self.operation, *nodes)
        if known is not None and _alive(known[0], kept):
            return known[1]
        try:
            complete: Complete | None = _Compiler(self).completer(of, fields)
        except Exception:
            complete = None  # graphql-core completes it, and says what is wrong if anything is
        shared.pop(key, None)
        if len(shared) >= SHARED_COMPLETERS:
            del shared[next(iter(shared))]
        shared[key] = (tuple(map(weakref.ref, kept)), complete)
        return complete


class _Compiler:
    """Completers for one selection, compiled whole before any value is seen: they keep
    nothing of the execution that compiled them, and type checks get no ``info`` (ours
    and Strawberry's do not read it; one that does fails, and graphql-core takes over)."""

    def __init__(self, context: ProjectingExecutionContext) -> None:
        self.context = context
        self.objects: dict[tuple[str, int], Complete] = {}

    def completer(self, of: GraphQLOutputType, fields: FieldDetailsList) -> Complete:
        if is_non_null_type(of):
            return _non_null(self.completer(_inner(of), fields))
        if is_list_type(of):
            return _list(self.completer(_inner(of), fields))
        if is_leaf_type(of):
            return _leaf(of.coerce_output_value)
        if is_abstract_type(of):
            return self._abstract(of, fields)
        if is_object_type(of):
            return self._object(of, fields)
        raise Abandon

    def _object(self, of: GraphQLObjectType, fields: FieldDetailsList) -> Complete:
        project = self._projector(of, fields)
        is_type_of = of.is_type_of

        def complete(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, Exception):
                raise Abandon
            if is_type_of is not None and is_type_of(value, NO_INFO) is not True:
                raise Abandon
            return project(value)

        return complete

    def _abstract(self, of: GraphQLAbstractType, fields: FieldDetailsList) -> Complete:
        resolve_type = of.resolve_type
        if resolve_type is None:
            raise Abandon
        by_name: dict[str, Complete] = {}
        for runtime in self.context.schema.get_possible_types(of):
            try:
                by_name[runtime.name] = self._object(runtime, fields)
            except Abandon:
                continue  # a value of this type goes to graphql-core

        def complete(value: Any) -> Any:
            if value is None:
                return None
            name = resolve_type(value, NO_INFO, of)
            found = by_name.get(name) if isinstance(name, str) else None
            if found is None:
                raise Abandon
            return found(value)

        return complete

    def _projector(self, of: GraphQLObjectType, fields: FieldDetailsList) -> Complete:
        key = (of.name, id(fields))
        known = self.objects.get(key)
        if known is not None:
            return known
        grouped, deferred, forbidden = self.context.collect_subfields(of, fields)
        if deferred or forbidden:
            raise Abandon
        parts: list[tuple[str, Callable[[Any], Any], Complete | None]] = []
        for response_key, details in grouped.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                parts.append((response_key, _constant(of.name), None))
                continue
            field = self.context.schema.get_field(of, name)
            if field is None:
                continue
            if any(_special(d.node) for d in details):
                raise Abandon
            parts.append((response_key, _reader(field), self.completer(field.type, details)))

        def project(value: Any) -> dict[str, Any]:
            answer: dict[str, Any] = {}
            for response_key, read, complete in parts:
                raw = read(value)
                answer[response_key] = raw if complete is None else complete(raw)
            return answer

        self.objects[key] = project
        return project


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    """What Strawberry's default resolver reads for the field, without the three calls
    around it: a C-level attribute read."""
    if not getattr(field.resolve, "_is_default", False):
        raise Abandon
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        raise Abandon
    if definition.default_resolver is not getattr:
        raise Abandon
    return attrgetter(definition.python_name)


def _alive(refs: tuple[weakref.ref[Any], ...], nodes: tuple[Any, ...]) -> bool:
    """The kept entry is for these very objects."""
    return all(ref() is node for ref, node in zip(refs, nodes, strict=True))


def _special(node: FieldNode) -> bool:
    """Arguments ask for a resolver; @stream for incremental delivery."""
    return bool(node.arguments) or any(d.name.value == "stream" for d in node.directives or ())


def _streamed(fields: FieldDetailsList) -> bool:
    """@stream on the list itself: graphql-core delivers its items incrementally."""
    return any(d.name.value == "stream" for detail in fields for d in detail.node.directives or ())


def _inner(of: GraphQLOutputType) -> GraphQLOutputType:
    assert isinstance(of, GraphQLNonNull | GraphQLList)
    inner: GraphQLOutputType = of.of_type
    return inner


def _constant(value: str) -> Callable[[Any], str]:
    return lambda _: value


def _non_null(complete: Complete) -> Complete:
    def required(value: Any) -> Any:
        completed = complete(value)
        if completed is None:
            raise Abandon
        return completed

    return required


def _list(complete: Complete) -> Complete:
    """Lists and tuples only: any other iterable goes to graphql-core unread, as an
    iterator read here would be empty there."""

    def each(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            raise Abandon
        return [complete(item) for item in value]

    return each


def _leaf(coerce: Callable[[Any], Any]) -> Complete:
    def leaf(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Exception):
            raise Abandon
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Abandon
        return coerced

    return leaf
