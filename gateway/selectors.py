"""Kubernetes label selectors: the query-string syntax and the structured form.

One implementation serves the simulated API server's ``labelSelector``, workload
ownership by selector and the GraphQL filter, so all three agree on what matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class SelectorError(ValueError):
    """The selector cannot be parsed; the message quotes the offending part."""


class Operator(StrEnum):
    EQUALS = "="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        match self.operator:
            case Operator.EXISTS:
                return present
            case Operator.DOES_NOT_EXIST:
                return not present
            case Operator.EQUALS | Operator.IN:
                return present and labels[self.key] in self.values
            case Operator.NOT_EQUALS | Operator.NOT_IN:
                return not present or labels[self.key] not in self.values


@dataclass(frozen=True, slots=True)
class Selector:
    """All requirements must hold; no requirements match everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: object) -> bool:
        if not self.requirements:
            return True
        found: Mapping[str, str] = labels if isinstance(labels, Mapping) else {}
        return all(r.matches(found) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


EVERYTHING = Selector()

_KEY = r"(?:[a-z0-9A-Z.\-]+/)?[a-zA-Z0-9](?:[a-zA-Z0-9_.\-]*[a-zA-Z0-9])?"
_VALUE = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9_.\-]*[a-zA-Z0-9])?)?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EQUALITY = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*({_VALUE})\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
_VALUE_ONLY = re.compile(rf"^{_VALUE}$")


def parse_selector(text: str) -> Selector:
    """Parse ``app=web,tier in (a,b),!legacy``; raises SelectorError naming the bad part."""
    requirements = [_parse_requirement(part) for part in _split(text)]
    return Selector(tuple(requirements))


def _split(text: str) -> list[str]:
    """Commas separate requirements except inside the parentheses of a set."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unbalanced ')' in selector {text!r}")
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth:
        raise SelectorError(f"unbalanced '(' in selector {text!r}")
    parts.append("".join(current))
    if len(parts) == 1 and not parts[0].strip():
        return []
    return parts


_MAX_NAME = 63
_MAX_PREFIX = 253


def _checked(requirement: Requirement, part: str) -> Requirement:
    """Lengths the API server enforces, which the patterns above cannot express."""
    prefix, _, name = requirement.key.rpartition("/")
    if len(name) > _MAX_NAME or len(prefix) > _MAX_PREFIX:
        raise SelectorError(f"key {requirement.key!r} is too long in {part.strip()!r}")
    for value in requirement.values:
        if len(value) > _MAX_NAME:
            raise SelectorError(
                f"value {value[:20]!r}... is longer than {_MAX_NAME} characters in {part.strip()!r}"
            )
    return requirement


def _parse_requirement(part: str) -> Requirement:
    return _checked(_parse_requirement_syntax(part), part)


def _parse_requirement_syntax(part: str) -> Requirement:
    if not part.strip():
        raise SelectorError("empty requirement (two commas in a row, or a trailing comma)")
    found = _SET.match(part)
    if found:
        values = [v.strip() for v in found.group(3).split(",")]
        bad = [v for v in values if not _VALUE_ONLY.match(v)]
        if bad or not values:
            raise SelectorError(f"invalid value {bad[0] if bad else ''!r} in {part.strip()!r}")
        operator = Operator.IN if found.group(2) == "in" else Operator.NOT_IN
        return Requirement(found.group(1), operator, frozenset(values))
    found = _EQUALITY.match(part)
    if found:
        operator = Operator.NOT_EQUALS if found.group(2) == "!=" else Operator.EQUALS
        return Requirement(found.group(1), operator, frozenset({found.group(3)}))
    found = _EXISTS.match(part)
    if found:
        operator = Operator.DOES_NOT_EXIST if found.group(1) else Operator.EXISTS
        return Requirement(found.group(2), operator)
    raise SelectorError(f"cannot parse requirement {part.strip()!r}")


def selector_from_spec(spec: object) -> Selector | None:
    """A workload's ``spec.selector`` (matchLabels and matchExpressions); None if absent or bad.

    None means "selects nothing": Kubernetes treats a missing workload selector as an
    error, and guessing would adopt unrelated pods.
    """
    if not isinstance(spec, Mapping):
        return None
    requirements: list[Requirement] = []
    labels = spec.get("matchLabels") or {}
    expressions = spec.get("matchExpressions") or []
    if not isinstance(labels, Mapping) or not isinstance(expressions, list):
        return None
    for key, value in labels.items():
        requirements.append(Requirement(str(key), Operator.EQUALS, frozenset({str(value)})))
    for expression in expressions:
        requirement = _expression(expression)
        if requirement is None:
            return None
        requirements.append(requirement)
    if not requirements:
        return None
    return Selector(tuple(requirements))


_EXPRESSION_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def _expression(expression: object) -> Requirement | None:
    if not isinstance(expression, Mapping):
        return None
    operator = _EXPRESSION_OPERATORS.get(str(expression.get("operator")))
    key = expression.get("key")
    values = expression.get("values") or []
    if operator is None or not isinstance(key, str) or not isinstance(values, list):
        return None
    # The API server rejects these; reading them any other way would adopt the wrong pods.
    needs_values = operator in (Operator.IN, Operator.NOT_IN)
    if needs_values != bool(values):
        return None
    return Requirement(key, operator, frozenset(str(v) for v in values))


def format_selector(selector: Selector) -> str:
    """Back to query-string syntax, as kubectl prints a workload's selector."""
    return ",".join(_format(r) for r in selector.requirements)


def _format(requirement: Requirement) -> str:
    values = sorted(requirement.values)
    match requirement.operator:
        case Operator.EQUALS:
            return f"{requirement.key}={values[0]}"
        case Operator.NOT_EQUALS:
            return f"{requirement.key}!={values[0]}"
        case Operator.EXISTS:
            return requirement.key
        case Operator.DOES_NOT_EXIST:
            return f"!{requirement.key}"
        case _:
            return f"{requirement.key} {requirement.operator.value} ({','.join(values)})"
