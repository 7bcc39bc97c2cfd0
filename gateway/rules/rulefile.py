"""A rule file: which kind it judges, its family, and its statuses in order, compiled.

```yaml
group: argoproj.io
kind: Rollout
versions: [v1alpha1]        # optional: every version when left out
family: long-running        # Deployment's words; run-to-completion takes Job's
statuses:                   # the first whose `when` holds wins; the last has no `when`
  - when: 'self.status.?phase.orValue("") == "Degraded"'
    status: Not Ready
    reason: Degraded
    message: 'self.status.?message.orValue("The rollout is degraded.")'
  - status: Running
    reason: Healthy
    message: '"The rollout is healthy."'
```

``when`` is a CEL boolean, ``message`` a CEL string (``self`` is the object, ``pods`` and
``podCounts`` the pods it owns: podfacts.py); ``reason`` is a CamelCase word. Deleting is
not a rule's to say: an object with a deletionTimestamp is Deleting whatever its rule
(judge.py). Every problem is reported with the file, the line and the field, so a rule
author fixes it before it judges anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from gateway.rules.cel import EVERYTHING, CompileError, Expression, Reads
from gateway.status.model import Status

REASON = re.compile(r"^[A-Z][A-Za-z0-9]*$")
GROUP = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$")
KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")


class Family(StrEnum):
    LONG_RUNNING = "long-running"
    RUN_TO_COMPLETION = "run-to-completion"


STATUSES: dict[Family, tuple[Status, ...]] = {
    Family.LONG_RUNNING: (Status.WAITING, Status.RUNNING, Status.EXCEPTION, Status.NOT_READY),
    Family.RUN_TO_COMPLETION: (
        Status.WAITING,
        Status.EXECUTING,
        Status.EXECUTION_COMPLETE,
        Status.EXCEPTION,
    ),
}
"""What a rule may say, per family; Deleting is the gateway's (judge.py)."""


class RuleError(ValueError):
    """A rule file that cannot be used, with where and why.

    The parts are kept apart too, for a caller that names the rule its own way (the
    configuration file says which item of ``customResources.rules`` it is)."""

    def __init__(
        self, message: str, field: str = "", line: int | None = None, problem: str = ""
    ) -> None:
        super().__init__(message)
        self.field = field
        self.line = line
        self.problem = problem or message


@dataclass(frozen=True, slots=True)
class Case:
    when: Expression | None
    status: Status
    reason: str
    message: Expression
    field: str
    """Where it is in its file ("statuses[2]"), for errors found while judging."""


@dataclass(frozen=True, slots=True)
class Rule:
    group: str
    kind: str
    versions: tuple[str, ...]
    family: Family
    cases: tuple[Case, ...]
    source: str
    reads: Reads = EVERYTHING
    """What every expression of the rule together can read: all the Activation binds."""
    selector: Expression | None = None
    """The whole rule in one expression giving ``[index, message]`` of the first status
    whose ``when`` holds: one evaluation instead of one per ``when`` and a message (judge.py
    falls back to them one by one when it fails, to name the field at fault)."""

    @property
    def name(self) -> str:
        return f"{self.group}/{self.kind}"

    @property
    def group_kind(self) -> str:
        """``Rollout.argoproj.io``: the kind as the configuration and the cache name it."""
        return f"{self.kind}.{self.group}"

    def covers(self, api_version: str) -> bool:
        group, _, version = api_version.rpartition("/")
        return group == self.group and (not self.versions or version in self.versions)


def load_rule(path: Path, source: str | None = None) -> Rule:
    """``source`` names the file in messages (the path itself unless given)."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RuleError(f"{path}: not YAML: {error}") from None
    return parse_rule(document, Lines(root), source or str(path))


def parse_rule(document: object, lines: Lines | None = None, source: str = "rule") -> Rule:
    where = lines or Lines(None)

    def fail(field: str, problem: str) -> RuleError:
        return RuleError(
            f"{source}{where.at(field)}: {field}: {problem}", field, where.line(field), problem
        )

    if not isinstance(document, dict):
        problem = "a rule is a mapping with group, kind, family and statuses"
        raise RuleError(f"{source}: {problem}", "", where.line(""), problem)
    unknown = set(document) - {"group", "kind", "versions", "family", "statuses"}
    if unknown:
        raise fail(sorted(unknown)[0], "not a rule field (group, kind, versions, family, statuses)")
    group, kind = document.get("group"), document.get("kind")
    if not isinstance(group, str) or not GROUP.match(group):
        raise fail("group", f"an API group such as argoproj.io, got {group!r}")
    if not isinstance(kind, str) or not KIND.match(kind):
        raise fail("kind", f"a kind such as Rollout, got {kind!r}")
    versions = document.get("versions", [])
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise fail("versions", "a list of versions such as [v1alpha1]")
    try:
        family = Family(str(document.get("family")))
    except ValueError:
        raise fail("family", "long-running or run-to-completion") from None
    raw_cases = document.get("statuses")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise fail("statuses", "a list of at least one status")
    cases = tuple(_case(raw, f"statuses[{n}]", family, fail) for n, raw in enumerate(raw_cases))
    for case in cases[:-1]:
        if case.when is None:
            raise fail(case.field, "only the last status may leave out `when`")
    if cases[-1].when is not None:
        raise fail(
            cases[-1].field,
            "the last status has no `when`: it is what the object is when nothing else holds",
        )
    reads = Reads({}, frozenset())
    for case in cases:
        reads = reads.union(case.message.reads)
        if case.when is not None:
            reads = reads.union(case.when.reads)
    return Rule(group, kind, tuple(versions), family, cases, source, reads, _selector(cases))


def _selector(cases: tuple[Case, ...]) -> Expression | None:
    last = len(cases) - 1
    chosen = f"[{last}, ({cases[last].message.text})]"
    for index in range(last - 1, -1, -1):
        when = cases[index].when
        assert when is not None  # only the last case has none (checked above)
        chosen = f"({when.text}) ? [{index}, ({cases[index].message.text})] : ({chosen})"
    try:
        return Expression(chosen)
    except CompileError:
        return None


def _case(raw: object, field: str, family: Family, fail: Any) -> Case:
    if not isinstance(raw, dict):
        raise fail(field, "a mapping with when, status, reason and message")
    unknown = set(raw) - {"when", "status", "reason", "message"}
    if unknown:
        raise fail(f"{field}.{sorted(unknown)[0]}", "not a status field")
    allowed = STATUSES[family]
    try:
        status = Status(str(raw.get("status")))
    except ValueError:
        status = None
    if status not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise fail(f"{field}.status", f"{raw.get('status')!r} is not a {family} status ({names})")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not REASON.match(reason):
        raise fail(f"{field}.reason", f"a CamelCase word such as Degraded, got {reason!r}")
    when = raw.get("when")
    message = raw.get("message")
    if not isinstance(message, str):
        raise fail(f"{field}.message", "a CEL expression giving the message (a string)")
    return Case(
        _compiled(when, f"{field}.when", fail) if when is not None else None,
        status,
        reason,
        _compiled(message, f"{field}.message", fail),
        field,
    )


def _compiled(text: object, field: str, fail: Any) -> Expression:
    if not isinstance(text, str):
        raise fail(field, "a CEL expression (a string)")
    try:
        return Expression(text)
    except CompileError as error:
        raise fail(field, f"CEL: {error}") from None


class Lines:
    """Line numbers of a rule's fields, from its YAML node tree: a rule file's root, or the
    node of a rule inside another document (the configuration file)."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, field: str) -> int | None:
        """The field's line, or the line of the nearest enclosing node that is there."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", field):
            node = _child(node, part)
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    def at(self, field: str) -> str:
        line = self.line(field)
        return f" line {line}" if line is not None else ""


def _child(node: yaml.Node | None, part: str) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and part.startswith("["):
        index = int(part[1:-1])
        return node.value[index] if index < len(node.value) else None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value if isinstance(value, yaml.Node) else key
    return None
