"""The schema with its protections: depth, tokens, aliases, error masking, parse caches.

Client errors (bad input, not found, expired cursors, validation) reach clients as
they are; anything unexpected is masked for them and logged here with its context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError, parse, specified_rules, validate
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext

from schema.audited import OperationAudit
from schema.cost import cost_limit
from schema.custom import CustomWorkload
from schema.literals import CheckedValidationCache
from schema.observed import OperationMetrics
from schema.query import Cluster, Query
from schema.requesterrors import OperationChoice, give_codes
from schema.sharedresults import SharingExecutionContext
from schema.subscription import Subscription
from schema.types import ClusterNode, CronJob, DaemonSet, Deployment, Job, Pod, StatefulSet

log = logging.getLogger("gateway.graphql")


@dataclass(frozen=True, slots=True)
class Protection:
    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_cost: int = 50_000
    max_page: int = 1000


REQUEST_MISTAKES = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
"""Strawberry's words for a request with no query, naming an operation its document lacks,
or of a type the transport does not run. Over plain HTTP they become 400s; over
WebSocket and Server-Sent Events they arrive wrapped in GraphQL errors."""


def is_unexpected(error: GraphQLError) -> bool:
    """Masked: errors raised by our own code by accident, not those meant for the client."""
    original = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, *REQUEST_MISTAKES))


class QuickMaskErrors(MaskErrors):
    """MaskErrors, asking a result for its errors without a runtime Protocol check:
    Strawberry's ``isinstance(result, _ResultWithErrors)`` walks the protocol's members on
    every call, and a subscription makes one per message, thousands per change."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            setattr(result, "errors", self._process_errors(errors))  # noqa: B010


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        operation = execution_context.operation_name if execution_context else None
        if execution_context is not None:
            give_codes(errors, parsed=execution_context.graphql_document is not None)
        for error in errors:
            if is_unexpected(error):
                log.error(
                    "resolver failed",
                    exc_info=error.original_error,
                    extra={"operation": operation, "path": error.path, "error": str(error)},
                )
            else:
                code = error.extensions.get("code") if error.extensions else None
                log.debug(
                    "client error",
                    extra={"operation": operation, "code": code, "error": error.message},
                )


def build_schema(
    protection: Protection = Protection(), extra: tuple[Any, ...] = ()
) -> strawberry.Schema:
    # The rule classes are made once: the validation cache is keyed by them, and the
    # limiters make a new class per instance, so per-request limiters never hit it.
    rules = [
        *QueryDepthLimiter(max_depth=protection.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=protection.max_aliases).validation_rules,
    ]
    extensions: list[type[SchemaExtension] | Any] = [
        lambda: MaxTokensLimiter(max_token_count=protection.max_tokens),
        lambda: ParserCache(maxsize=500),
        lambda: AddValidationRules(rules),
        lambda: CheckedValidationCache(maxsize=500),
        OperationChoice,
        cost_limit(protection.max_cost, protection.max_page),
        OperationMetrics,
        OperationAudit,
        *extra,
        lambda: QuickMaskErrors(
            should_mask_error=is_unexpected, error_message="Internal error; it has been logged."
        ),
    ]
    return GatewaySchema(
        query=Query,
        subscription=Subscription,
        types=[
            Deployment,
            StatefulSet,
            DaemonSet,
            Job,
            CronJob,
            CustomWorkload,
            Pod,
            ClusterNode,
            Cluster,
        ],
        extensions=extensions,
        execution_context_class=SharingExecutionContext,
    )


def registration_check(
    schema: strawberry.Schema, protection: Protection = Protection()
) -> Callable[[str], str | None]:
    """What keeps a text from being persisted: it must parse within the token limit and be
    valid for this schema within the depth and alias limits, as if it were run. Costs
    depend on each request's variables and are checked when it runs."""
    rules = (
        *specified_rules,
        *QueryDepthLimiter(max_depth=protection.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=protection.max_aliases).validation_rules,
    )

    def problem(query: str) -> str | None:
        try:
            document = parse(query, max_tokens=protection.max_tokens)
        except GraphQLError as error:
            return f"does not parse: {error.message}"
        errors = validate(schema._schema, document, rules)
        return f"not valid: {errors[0].message}" if errors else None

    return problem


__all__ = ["Protection", "build_schema", "registration_check"]
