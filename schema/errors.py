"""Errors clients can act on: a readable message and ``extensions.code``.

Only these reach clients as they are; anything else is masked (and logged with its
context) by the error-masking extension.
"""

from __future__ import annotations

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
CURSOR_EXPIRED = "CURSOR_EXPIRED"
SLOW_CONSUMER = "SLOW_CONSUMER"
UNAVAILABLE = "UNAVAILABLE"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
FORBIDDEN = "FORBIDDEN"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"


class GatewayError(GraphQLError):
    """An error whose message is meant for the client."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})
        self.code = code


def bad_input(message: str) -> GatewayError:
    return GatewayError(message, BAD_USER_INPUT)


def not_found(message: str) -> GatewayError:
    return GatewayError(message, NOT_FOUND)
