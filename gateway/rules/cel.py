"""CEL through cel-expr-python (Google's cel-cpp), typed for the rest of the package.

Why this engine: docs/decisions/cel-library.md. Two of its habits shape this module: an
evaluation error comes back as a value of type ERROR rather than an exception (read as
such, its text would pass for a result), and converting the object is most of the cost
(cel-cpp converts a variable whole, on the first read). So one ``Activation`` serves every
expression evaluated on an object, and it binds only what the rule's expressions can
reach: the top-level fields, and the second-level ones, their text names (``Reads``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel  # type: ignore[import-untyped]
from cel_expr_python.ext import ext_optional, ext_strings  # type: ignore[import-untyped]


class CompileError(ValueError):
    """An expression that does not parse or check, with CEL's own position marks."""


class EvaluationError(ValueError):
    """An expression that failed on an object: a missing field read without has(), a type
    mismatch, an index out of range."""


_ENV = cel.NewEnv(
    variables={"self": cel.Type.DYN, "pods": cel.Type.DYN, "podCounts": cel.Type.DYN},
    extensions=[ext_strings.ExtStrings(), ext_optional.ExtOptional()],
)
"""One environment: ``self`` is the object, ``pods`` and ``podCounts`` its pods
(podfacts.py); Kubernetes' strings and optional extensions."""

_SELF_PATH = re.compile(r"\bself\b((?:\s*\.\s*\??\s*[A-Za-z_]\w*){0,2})(\s*\()?")
_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")
"""A plain string literal: what it says is not read."""
_OTHER_LITERAL = re.compile(r"'''|\"\"\"|\b[rRbB]{1,2}[\"']")
"""Triple-quoted and raw strings, which _STRING does not read right."""
_NAME = re.compile(r"[A-Za-z_]\w*")
_POD_VARIABLES = {"pods": re.compile(r"\bpods\b"), "podCounts": re.compile(r"\bpodCounts\b")}

Fields = Mapping[str, frozenset[str] | None]
"""Top-level fields read, each with the second-level fields read below it (None: all)."""


@dataclass(frozen=True, slots=True)
class Reads:
    """What an expression can read, from its text: a superset, never less, since anything
    left out would read as missing. ``fields`` None is the whole object (``self`` used
    other than by a field path: ``self.all(...)``, ``self["status"]``, ``string(self)``);
    a pod variable is bound when its name appears outside string literals."""

    fields: Fields | None
    variables: frozenset[str]

    @classmethod
    def of(cls, expression: str) -> Reads:
        text = _STRING.sub('""', expression)
        outside = _STRING.sub("", expression)
        if _OTHER_LITERAL.search(expression) or '"' in outside or "'" in outside:
            text = expression  # a literal not read right could hide a name: read every word
        variables = frozenset(n for n, word in _POD_VARIABLES.items() if word.search(text))
        fields: dict[str, frozenset[str] | None] = {}
        for found in _SELF_PATH.finditer(text):
            names = _NAME.findall(found.group(1))
            if found.group(2):  # the last name is a method or macro on what comes before
                names = names[:-1]
            if not names:
                return cls(None, variables)
            top = names[0]
            below = fields.get(top, frozenset())
            if len(names) == 1:
                fields[top] = None
            elif below is not None:
                fields[top] = below | {names[1]}
        return cls(fields, variables)

    def union(self, other: Reads) -> Reads:
        variables = self.variables | other.variables
        if self.fields is None or other.fields is None:
            return Reads(None, variables)
        fields = dict(self.fields)
        for top, below in other.fields.items():
            mine = fields.get(top, frozenset())
            fields[top] = None if mine is None or below is None else mine | below
        return Reads(fields, variables)


EVERYTHING = Reads(None, frozenset())
"""The whole object, no pod variable."""


class Activation:
    """An object bound for CEL: only the fields ``reads`` names, so cel-cpp converts no
    more than the rule can look at; a field that is not a mapping is bound whole, so a
    malformed object fails the same way it would whole."""

    __slots__ = ("_value",)

    def __init__(self, obj: dict[str, Any], reads: Reads, variables: Mapping[str, object]) -> None:
        """``variables``: the pod variables by name (podfacts.py), when ``reads`` has any."""
        bound: dict[str, object] = {
            "self": obj if reads.fields is None else _pruned(obj, reads.fields)
        }
        for name in reads.variables:
            bound[name] = variables[name]
        self._value = _ENV.Activation(bound)


def _pruned(obj: dict[str, Any], fields: Fields) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for top, below in fields.items():
        if top in obj:
            value = obj[top]
            if below is None or not isinstance(value, dict):
                kept[top] = value
            else:
                kept[top] = {name: value[name] for name in below if name in value}
    return kept


class Expression:
    def __init__(self, text: str) -> None:
        self.text = text
        self.reads = Reads.of(text)
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
