"""CEL through cel-expr-python (Google's cel-cpp), typed for the rest of the package.

Why this engine: docs/decisions/cel-library.md. Two of its habits shape this module: an
evaluation error comes back as a value of type ERROR rather than an exception (read as
such, its text would pass for a result), and converting the object is most of the cost,
so one ``Activation`` serves every expression evaluated on an object.
"""

from __future__ import annotations

from typing import Any

from cel_expr_python import cel  # type: ignore[import-untyped]
from cel_expr_python.ext import ext_optional, ext_strings  # type: ignore[import-untyped]


class CompileError(ValueError):
    """An expression that does not parse or check, with CEL's own position marks."""


class EvaluationError(ValueError):
    """An expression that failed on an object: a missing field read without has(), a type
    mismatch, an index out of range."""


_ENV = cel.NewEnv(
    variables={"self": cel.Type.DYN},
    extensions=[ext_strings.ExtStrings(), ext_optional.ExtOptional()],
)
"""One environment: ``self`` is the object; Kubernetes' strings and optional extensions."""


class Activation:
    """An object converted once for CEL."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self._value = _ENV.Activation({"self": obj})


class Expression:
    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self._compiled = _ENV.compile(text)
        except RuntimeError as error:
            raise CompileError(_cleaned(str(error))) from None

    def evaluate(self, on: Activation) -> object:
        value = self._compiled.eval(on._value)
        if value.type() == cel.Type.ERROR:
            raise EvaluationError(_cleaned(str(value.value())))
        return value.plain_value()


def _cleaned(message: str) -> str:
    """cel-cpp prefixes its status code ("INVALID_ARGUMENT: ERROR: <input>:1:21: ...") and
    appends it again; the position and the caret line are what a rule author needs."""
    for prefix in ("INVALID_ARGUMENT: ", "ERROR: "):
        message = message.removeprefix(prefix)
    return message.replace(" [INVALID_ARGUMENT]", "").strip()
