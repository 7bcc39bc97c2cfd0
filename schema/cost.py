"""A query cost limit on top of depth, tokens and aliases: page sizes multiply.

``workloads(first: 1000) { edges { node { pods { events { message } } } } }`` is
shallow and short, yet asks for 200,000 events. The estimate charges each field one
unit times the number of items its list is expected to hold, so nested lists
multiply. A page size is charged at what the request asks for: the literal, or the
variable's value in this request (its default when the request gives none), since
Apollo, urql and Relay always pass paging arguments as variables. A size past the
maximum page is charged at the maximum (the resolver refuses it anyway): an unbounded
literal would make the reported cost an integer no JSON encoder takes.

The check runs once validation has passed, per request rather than per document,
because the same document costs differently with other variables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from schema.errors import QUERY_TOO_COSTLY

EXPECTED_SIZES = {
    "pods": 10,
    "events": 20,
    "jobs": 10,
    "containers": 3,
    "namespaces": 50,
    "nodes": 50,
    "clusters": 5,
    "byStatus": 9,
    "byKind": 45,
    "warnings": 3,
    "images": 3,
}
PAGE_SIZES = ("first", "last")
"""A connection's page size; a field returning a ``...Connection`` is charged by it."""
DEFAULT_PAGE = 100
DEFAULT_LIST = 10
"""Lists this module does not name are charged as ten items."""
MAX_INT_DIGITS = 10
"""Digits past an Int's ten are refused by validation; reading them could even fail."""


@dataclass(frozen=True, slots=True)
class Multiplier:
    """A list on the costliest path, and how many items it was charged for."""

    field: str
    size: int
    page: bool
    """Charged by its page size (``first``/``last``) rather than by an expected length."""

    def said(self) -> str:
        if self.page:
            return f"{self.field} (a page of {self.size})"
        return f"{self.field} (about {self.size} each)"


@dataclass(frozen=True, slots=True)
class Cost:
    total: int
    path: tuple[Multiplier, ...]
    """The lists whose sizes multiplied into the costliest branch, outermost first."""


def _unwrap(kind: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    """The named type under NonNull/List wrappers, and whether a list was among them."""
    listed = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        listed = listed or isinstance(kind, GraphQLList)
        kind = kind.of_type
    return cast(GraphQLNamedType, kind), listed


def _page_of(value: object, max_page: int) -> int:
    """A page size as charged: clamped to 1..max_page; anything not an Int (which
    coercion refuses before the resolver runs) as the maximum."""
    if isinstance(value, bool) or not isinstance(value, int):
        return max_page
    return min(max(value, 1), max_page)


def _literal(node: IntValueNode, max_page: int) -> int:
    if len(node.value.lstrip("-")) > MAX_INT_DIGITS:
        return max_page
    return _page_of(int(node.value), max_page)


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, object],
        defaults: Mapping[str, IntValueNode | None],
        max_page: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.defaults = defaults
        self.max_page = max_page

    def of(
        self,
        selections: SelectionSetNode | None,
        parent: GraphQLNamedType,
        seen: frozenset[str] = frozenset(),
    ) -> Cost:
        if selections is None:
            return Cost(0, ())
        total = 0
        costliest = Cost(0, ())
        for part in self._parts(selections, parent, seen):
            total += part.total
            if part.total > costliest.total:
                costliest = part
        return Cost(total, costliest.path)

    def _parts(
        self, selections: SelectionSetNode, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> Iterator[Cost]:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                yield self._field(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                yield self.of(selection.selection_set, inner or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    yield self.of(fragment.selection_set, inner or parent, seen | {name})

    def _field(self, field: FieldNode, parent: GraphQLNamedType, seen: frozenset[str]) -> Cost:
        definition = getattr(parent, "fields", {}).get(field.name.value)
        if definition is None:
            return Cost(1, ())
        named, listed = _unwrap(definition.type)
        inner = self.of(field.selection_set, named, seen)
        multiplier = self._multiplier(field, parent, named, listed)
        if multiplier is None:
            return Cost(1 + inner.total, inner.path)
        return Cost(multiplier.size * (1 + inner.total), (multiplier, *inner.path))

    def _multiplier(
        self, field: FieldNode, parent: GraphQLNamedType, named: GraphQLNamedType, listed: bool
    ) -> Multiplier | None:
        name = field.name.value
        if named.name.endswith("Connection"):
            asked = (
                self._page(argument.value)
                for argument in field.arguments or ()
                if argument.name.value in PAGE_SIZES
            )
            sizes = [size for size in asked if size is not None]
            return Multiplier(name, max(sizes, default=DEFAULT_PAGE), page=True)
        if not listed or parent.name.endswith("Connection"):
            return None
        return Multiplier(name, EXPECTED_SIZES.get(name, DEFAULT_LIST), page=False)

    def _page(self, value: object) -> int | None:
        """None when the argument is null or an absent variable: the resolver's default."""
        if isinstance(value, IntValueNode):
            return _literal(value, self.max_page)
        if isinstance(value, VariableNode):
            name = value.name.value
            if name in self.variables:
                given = self.variables[name]
                return None if given is None else _page_of(given, self.max_page)
            default = self.defaults.get(name)
            return None if default is None else _literal(default, self.max_page)
        return None if isinstance(value, NullValueNode) else self.max_page


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        return next((o for o in operations if o.name and o.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, object] | None,
    max_page: int,
) -> Cost | None:
    """The estimate of the operation a request runs; None when the request names no
    single operation (execution refuses it)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    defaults = {
        v.variable.name.value: v.default_value
        if isinstance(v.default_value, IntValueNode)
        else None
        for v in operation.variable_definitions or ()
    }
    estimate = _Estimate(schema, fragments, variables or {}, defaults, max_page)
    return estimate.of(operation.selection_set, root)


def too_costly(cost: Cost, max_cost: int) -> GraphQLError:
    path = " x ".join(m.said() for m in cost.path) or "the fields asked for"
    return GraphQLError(
        f"query cost {cost.total} exceeds the maximum of {max_cost}; most of it comes from "
        f"{path}: ask for smaller pages or fewer nested lists",
        extensions={
            "code": QUERY_TOO_COSTLY,
            "cost": cost.total,
            "maxCost": max_cost,
            "multipliedBy": [{"field": m.field, "size": m.size} for m in cost.path],
        },
    )


def cost_limit(max_cost: int, max_page: int) -> type[SchemaExtension]:
    """An extension to place after validation (and its cache): a request whose operation
    passed validation is refused here, before execution, when it costs too much."""

    class CostLimit(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if document is not None and not context.pre_execution_errors:
                variables = context.variables if isinstance(context.variables, dict) else None
                cost = operation_cost(
                    context.schema._schema, document, context.operation_name, variables, max_page
                )
                if cost is not None and cost.total > max_cost:
                    context.pre_execution_errors = [too_costly(cost, max_cost)]
            yield

    return CostLimit


__all__ = ["Cost", "Multiplier", "cost_limit", "operation_cost"]
