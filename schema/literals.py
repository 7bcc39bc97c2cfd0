"""Integer literals too long to read are refused before validation tries to read them.

graphql-core reads Int literals with ``int()``, which refuses more than 4300 digits
(Python's guard against quadratic conversions); the ValueError would reach the client
as an internal error. No such literal can be an Int (ten digits at most), so it is
refused as bad input first, and validation is not run on that document.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import BREAK, DocumentNode, IntValueNode, Visitor, visit
from strawberry.extensions import ValidationCache

from schema.errors import bad_input

MAX_DIGITS = 100
"""Far more than any Int or Float needs, far fewer than Python refuses to convert."""


class CheckedValidationCache(ValidationCache):
    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        digits = _longest_integer(document) if document is not None else 0
        if digits <= MAX_DIGITS:
            yield from super().on_validate()
            return
        self.execution_context.pre_execution_errors = [
            bad_input(f"an integer literal of {digits} digits: an Int has at most 10")
        ]
        yield


class _LongIntegers(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.digits = 0

    def enter_int_value(self, node: IntValueNode, *_: Any) -> object:
        self.digits = max(self.digits, len(node.value.lstrip("-")))
        return BREAK if self.digits > MAX_DIGITS else None


def _longest_integer(document: DocumentNode) -> int:
    found = _LongIntegers()
    visit(document, found)
    return found.digits
