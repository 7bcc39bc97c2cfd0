"""The audit line of every operation: who, what, which clusters and namespaces, outcome."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from gateway.auth import audit
from schema.context import ApiContext


class OperationAudit(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, ApiContext):
            return
        try:
            kind = execution.operation_type.value
        except RuntimeError:
            kind = "unknown"
        errors = list(execution.pre_execution_errors or ())
        if execution.result is not None and execution.result.errors:
            errors += execution.result.errors
        codes = [str((e.extensions or {}).get("code", "ERROR")) for e in errors]
        audit.operation(
            context.principal,
            name=execution.operation_name,
            kind=kind,
            outcome="error" if errors else "ok",
            touched=context.queries.touched,
            codes=codes,
        )
