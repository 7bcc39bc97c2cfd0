"""Every GraphQL operation timed and counted by name, type and outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from gateway.metrics import GRAPHQL_SECONDS, operation_label


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except RuntimeError:
            kind = "unknown"
        result = context.result
        failed = bool(context.pre_execution_errors) or bool(result is not None and result.errors)
        outcome = "error" if failed else "ok"
        if kind == OperationType.SUBSCRIPTION.value and not failed:
            outcome = "subscribed"
        GRAPHQL_SECONDS.labels(operation_label(context.operation_name), kind, outcome).observe(
            time.perf_counter() - started
        )
