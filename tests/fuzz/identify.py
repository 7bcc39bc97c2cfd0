"""Make every object in an answer say what it is and where it lives.

A generated query may select only ``ready`` on a node or only ``count`` on a
summary: nothing in the answer would then tell whose data it is. Adding
``__typename`` and the identity fields each type has (id, cluster, namespace, name,
the counts) to every selection set makes the tenant check exact without changing
what the query asks the gateway to resolve.
"""

from __future__ import annotations

import dataclasses

import graphql
from graphql import (
    DefinitionNode,
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
)

IDENTITY = (
    "__typename",
    "id",
    "cluster",
    "namespace",
    "name",
    "workloadId",
    "totalCount",
    "total",
    "count",
)


def identified(schema: GraphQLSchema, query: str) -> str:
    """The query with identity fields in every selection set; unparsable queries unchanged."""
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError:
        return query
    definitions: list[DefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            if root is not None:
                selections = _identify(schema, definition.selection_set, root)
                definitions.append(dataclasses.replace(definition, selection_set=selections))
                continue
        definitions.append(definition)
    return graphql.print_ast(DocumentNode(definitions=tuple(definitions)))


def _identify(
    schema: GraphQLSchema, selection_set: SelectionSetNode, parent: graphql.GraphQLNamedType
) -> SelectionSetNode:
    fields = (
        parent.fields
        if isinstance(parent, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType)
        else {}
    )
    selections: list[SelectionNode] = []
    taken: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            taken.add((selection.alias or selection.name).value)
            definition = fields.get(selection.name.value)
            if definition is not None and selection.selection_set is not None:
                child = graphql.get_named_type(definition.type)
                nested = _identify(schema, selection.selection_set, child)
                selections.append(dataclasses.replace(selection, selection_set=nested))
                continue
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = schema.get_type(condition.name.value) if condition is not None else parent
            if target is not None:
                nested = _identify(schema, selection.selection_set, target)
                selections.append(dataclasses.replace(selection, selection_set=nested))
                continue
        selections.append(selection)
    for name in IDENTITY:
        if name not in taken and (name == "__typename" or _identifies(fields.get(name))):
            selections.append(FieldNode(name=NameNode(value=name), arguments=(), directives=()))
    return dataclasses.replace(selection_set, selections=tuple(selections))


def _identifies(field: graphql.GraphQLField | None) -> bool:
    """A plain value with no arguments: ``Query.cluster(name:)`` is not an identity."""
    return (
        field is not None
        and not field.args
        and graphql.is_leaf_type(graphql.get_named_type(field.type))
    )
