"""What every fuzzed answer is checked for: no server error, no stack trace, a GraphQL shape.

A stack trace can reach a client in many shapes (a formatted traceback, a file and
line, an exception's class and message, a Python repr), so the check looks for each
of them anywhere in the text the client receives, not only in ``errors``.
"""

from __future__ import annotations

import json
import re
from typing import Any

INTERNAL_ERROR = "Internal error; it has been logged."

LEAK_PATTERNS: dict[str, re.Pattern[str]] = {
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "source location": re.compile(r'File "[^"]*", line \d+|File \\"'),
    "source path": re.compile(r"(?:/|\\)(?:site-packages|gateway|schema|tests)(?:/|\\)\w+\.py"),
    "exception class": re.compile(
        r"\b(?:[a-z_][a-z0-9_]*\.)*"
        r"(?:[A-Z][A-Za-z0-9]*(?:Error|Exception|Exit|Interrupt)|StopIteration|StopAsyncIteration)"
        r"(?::\s|\(|\b(?= object)|$)"
    ),
    "python repr": re.compile(r"<[a-z_][\w.]* object at 0x[0-9a-f]+>|\bNoneType\b"),
    "python module path": re.compile(
        r"\b(?:gateway|schema|strawberry|graphql|redis|starlette)\.\w+\.\w+"
    ),
}
"""Each shape a Python failure takes when printed. GraphQL's own messages ("Syntax Error:
Unexpected ...") name no exception class: graphql-core writes "Syntax Error" as two words."""


def leaks(text: str, echo: str = "") -> list[str]:
    """The names of the stack-trace shapes found in ``text``.

    A match that also occurs in ``echo`` (what the client sent) is the client's own
    words repeated back, as GraphQL messages do with bad values, and does not count.
    """
    return [
        name
        for name, pattern in LEAK_PATTERNS.items()
        if any(match.group(0) not in echo for match in pattern.finditer(text))
    ]


def graphql_body(status: int, content_type: str, text: str, echo: str = "") -> dict[str, Any]:
    """The parsed GraphQL answer; AssertionError unless it has the shape a client expects."""
    assert status < 500, f"server error {status}: {text[:500]}"
    found = leaks(text, echo)
    assert not found, f"stack trace shapes {found} in: {text[:2000]}"
    assert "json" in content_type, f"{status} with content type {content_type!r}: {text[:300]}"
    body = json.loads(text)
    assert isinstance(body, dict), body
    assert "data" in body or "errors" in body, body
    errors = body.get("errors") or []
    assert isinstance(errors, list), body
    for error in errors:
        assert isinstance(error, dict) and isinstance(error.get("message"), str), error
        extensions = error.get("extensions") or {}
        assert not {"stacktrace", "exception", "traceback"} & set(extensions), error
    return body


def internal_errors(body: dict[str, Any]) -> int:
    return sum(1 for error in body.get("errors") or [] if error.get("message") == INTERNAL_ERROR)
