"""A query cost limit on top of depth, tokens and aliases: page sizes multiply.

``workloads(first: 1000) { edges { node { pods { events { message } } } } }`` is
shallow and short, yet asks for 200,000 events. The estimate charges each field one
unit times the number of items its list is expected to hold, so nested lists
multiply; a variable page size is charged at the maximum it could be, and so is a
literal one above it (the resolver refuses it anyway): an unbounded literal would make
the reported cost an integer no JSON encoder takes.
"""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

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


def _unwrap(kind: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    """The named type under NonNull/List wrappers, and whether a list was among them."""
    listed = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        listed = listed or isinstance(kind, GraphQLList)
        kind = kind.of_type
    return cast(GraphQLNamedType, kind), listed


def _literal_page(literal: str, max_page: int) -> int:
    """Digits past an Int's ten are refused by validation; reading them could even fail."""
    if len(literal.lstrip("-")) > 10:
        return max_page
    return min(max(int(literal), 1), max_page)


def cost_rule(max_cost: int, max_page: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            cost = self._cost(node.selection_set, root, frozenset())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the maximum of {max_cost}: "
                        "ask for smaller pages or fewer nested lists",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
                    )
                )

        def _cost(
            self,
            selections: SelectionSetNode | None,
            parent: GraphQLNamedType,
            fragments: frozenset[str],
        ) -> int:
            if selections is None:
                return 0
            total = 0
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    fields = getattr(parent, "fields", {})
                    definition = fields.get(selection.name.value)
                    if definition is None:
                        total += 1
                        continue
                    named, listed = _unwrap(definition.type)
                    size = self._size(selection, parent, named, listed)
                    total += size * (1 + self._cost(selection.selection_set, named, fragments))
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = (
                        self.context.schema.get_type(condition.name.value) if condition else parent
                    )
                    total += self._cost(selection.selection_set, inner or parent, fragments)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.context.get_fragment(name)
                    if fragment is not None and name not in fragments:
                        inner = self.context.schema.get_type(fragment.type_condition.name.value)
                        total += self._cost(
                            fragment.selection_set, inner or parent, fragments | {name}
                        )
            return total

        def _size(
            self,
            field: FieldNode,
            parent: GraphQLNamedType,
            named: GraphQLNamedType,
            listed: bool,
        ) -> int:
            name = field.name.value
            if named.name.endswith("Connection"):
                sizes = [
                    _literal_page(argument.value.value, max_page)
                    if isinstance(argument.value, IntValueNode)
                    else max_page
                    for argument in field.arguments or ()
                    if argument.name.value in PAGE_SIZES
                ]
                return max(sizes, default=DEFAULT_PAGE)
            if not listed or parent.name.endswith("Connection"):
                return 1
            return EXPECTED_SIZES.get(name, DEFAULT_LIST)

    return CostLimit
