"""Codes for the errors raised before execution, which graphql-core and Strawberry's limiters
raise without one: a client (or a person reading the response) can tell a typo from a
limit, and both from a failure of the gateway.

The names follow Apollo Server's where it has one (``GRAPHQL_PARSE_FAILED``,
``GRAPHQL_VALIDATION_FAILED``, ``BAD_USER_INPUT`` for variable values,
``OPERATION_RESOLUTION_FAILURE``), since Apollo's clients and tools already know them.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from schema.errors import (
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    OPERATION_RESOLUTION_FAILURE,
    QUERY_TOO_DEEP,
    TOO_MANY_ALIASES,
    TOO_MANY_TOKENS,
    GatewayError,
)


def request_error_code(error: GraphQLError, parsed: bool) -> str:
    """``parsed``: the document parsed, so the error came from validation or from the
    variables' values. The limiters are told apart by their messages (Strawberry's and
    graphql-core's wording; tests/api/test_error_codes.py notices if it changes)."""
    message = error.message
    if not parsed:
        return (
            TOO_MANY_TOKENS
            if "more than" in message and "tokens" in message
            else (GRAPHQL_PARSE_FAILED)
        )
    if "exceeds maximum operation depth" in message:
        return QUERY_TOO_DEEP
    if "aliases found. Allowed:" in message:
        return TOO_MANY_ALIASES
    if message.startswith("Variable "):
        return BAD_USER_INPUT
    return GRAPHQL_VALIDATION_FAILED


def give_codes(errors: list[GraphQLError], parsed: bool) -> None:
    """Errors without a code, raised outside any resolver (no path), get one."""
    for error in errors:
        if error.path is not None or (error.extensions or {}).get("code"):
            continue
        error.extensions = {**(error.extensions or {}), "code": request_error_code(error, parsed)}


class OperationChoice(SchemaExtension):
    """A document of several operations runs one only when the request names it (the
    GraphQL spec's GetOperation): Strawberry would run the first, and for a subscription
    sent over plain HTTP fail inside. Placed after the validation cache, which would
    otherwise overwrite the error. ``operation_name`` names the first operation when the
    request names none, so the name the request gave is read instead."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context._provided_operation_name is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [
                    *(context.pre_execution_errors or ()),
                    GatewayError(
                        f"the document holds {len(operations)} operations: say which to run "
                        "with operationName",
                        OPERATION_RESOLUTION_FAILURE,
                    ),
                ]
        yield
