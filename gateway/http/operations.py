"""The type of operation a request runs, read before Strawberry runs it: the transports
treat queries and subscriptions differently (which one streams, which one the legacy
socket protocol subscribes to)."""

from __future__ import annotations

from graphql import GraphQLError, OperationDefinitionNode, parse
from strawberry.types.graphql import OperationType


def operation_type(query: str | None, operation_name: str | None) -> OperationType | None:
    """None when the document does not say: it does not parse, or does not hold exactly
    one operation the request picks (execution then reports why)."""
    if not query:
        return None
    try:
        document = parse(query)
    except GraphQLError:
        return None
    chosen = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    return OperationType(chosen[0].operation.value) if len(chosen) == 1 else None
