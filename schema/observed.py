"""Every GraphQL operation timed and counted by name, type and outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import GraphQLError, OperationType
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gateway.metrics import GRAPHQL_SECONDS, operation_label


def operation_kind(execution: ExecutionContext) -> str:
    """query, mutation or subscription; "unknown" when the document names no such operation."""
    try:
        return execution.operation_type.value
    except RuntimeError:
        return "unknown"


def operation_errors(execution: ExecutionContext) -> list[GraphQLError]:
    """The errors of parsing and validation, then those of execution."""
    errors = list(execution.pre_execution_errors or ())
    if execution.result is not None and execution.result.errors:
        errors += execution.result.errors
    return errors


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        kind = operation_kind(context)
        failed = bool(operation_errors(context))
        outcome = "error" if failed else "ok"
        if kind == OperationType.SUBSCRIPTION.value and not failed:
            outcome = "subscribed"
        GRAPHQL_SECONDS.labels(operation_label(context.operation_name), kind, outcome).observe(
            time.perf_counter() - started
        )
