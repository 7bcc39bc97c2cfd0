"""The audit line of every operation: who, what, which clusters and namespaces, outcome."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from gateway.auth import audit
from schema.context import ApiContext
from schema.observed import operation_errors, operation_kind


class OperationAudit(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, ApiContext):
            return
        errors = operation_errors(execution)
        codes = [str((e.extensions or {}).get("code", "ERROR")) for e in errors]
        audit.operation(
            context.principal,
            name=execution.operation_name,
            kind=operation_kind(execution),
            outcome="error" if errors else "ok",
            touched=context.queries.touched,
            codes=codes,
        )
