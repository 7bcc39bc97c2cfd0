"""The ``customResources`` section: which custom kinds the gateway watches, and the status
rules that judge them beyond the built-in library.

```yaml
customResources:
  watch: [Rollout.argoproj.io, Widget.example.com]   # null (default): every kind a rule names
  conventions: [{kind: Widget.example.com, family: run-to-completion}]
  ruleFiles: [/etc/ksg/rules]                        # rule.yaml files or folders of them
  rules:                                             # rule documents, as in a rule.yaml
    - {group: argoproj.io, kind: Rollout, family: long-running, statuses: [...]}
```

Rules are parsed when the configuration loads, by the rule file parser itself, so a broken
rule stops the gateway (and ``config check``) with the configuration file's line and the
rule's name rather than turning its objects into RuleError later. The library comes first,
then ``ruleFiles`` in order, then ``rules``: a later rule for the same group and kind
replaces the earlier one. A watched kind without a rule is read by Kubernetes'
conventions (rules/conventions.py), in the family ``conventions`` gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, PrivateAttr, ValidationInfo, field_validator, model_validator

from gateway import kinds
from gateway.rules.catalog import RuleSet, rules_in
from gateway.rules.custom import evaluate_custom
from gateway.rules.opted import OptedKinds
from gateway.rules.rulefile import Family, Lines, Rule, RuleError, parse_rule
from gateway.section import Section, stated
from gateway.status.model import WorkloadState

PLACES = "customResources.rules places"
"""The validation context's key for where each inline rule is in the configuration file."""
BUILT_IN = "built-in"
CONVENTIONS = "customResources.conventions"
DEFAULT_CONVENTIONS = "conventions, default family"


def _group_kind(name: str) -> str:
    try:
        custom = kinds.is_custom(kinds.normalize(name))
    except kinds.KindError:
        custom = False
    if not custom:
        raise ValueError(
            f"{name!r} is not a kind: write Kind.group, such as Rollout.argoproj.io (the kind "
            "starts with an uppercase letter, the group has a dot)"
        )
    return name


GroupKind = Annotated[str, AfterValidator(_group_kind)]


def _once(names: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{name} is listed twice")
        seen.add(name)


class Convention(Section):
    """The family a kind without a rule is judged in: which statuses its conditions map to."""

    kind: GroupKind
    family: Family = Family.LONG_RUNNING


@dataclass(frozen=True, slots=True)
class UserRule:
    rule: Rule
    origin: str
    """Where it was written: ``customResources.rules[N]`` or the rule file's path."""


@dataclass(frozen=True, slots=True)
class Judging:
    """How objects of one watched kind are judged."""

    kind: str
    """``Kind.group``."""
    rule: Rule | None
    """None: by the conventions, in ``family``."""
    family: Family
    origin: str
    """``built-in``, a user rule's origin, ``customResources.conventions`` or
    ``conventions, default family``."""


@dataclass(frozen=True, slots=True)
class RulePlaces:
    """Where the inline rules are in the configuration file, to name their lines."""

    file: str | None = None
    nodes: tuple[yaml.Node, ...] = ()

    def lines(self, index: int) -> Lines:
        return Lines(self.nodes[index] if index < len(self.nodes) else None)

    def where(self, line: int | None) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{line}: " if line is not None else f"{self.file}: "


def library() -> RuleSet:
    """The built-in rules, read once: they are part of the package, tested by the suite."""
    return OptedKinds.library().rules


class CustomResources(Section):
    watch: tuple[GroupKind, ...] | None = None
    """None: every kind a rule names (the library's and the user's) and every kind
    ``conventions`` names. A list: exactly those kinds; ``[]`` watches none."""
    conventions: tuple[Convention, ...] = ()
    rule_files: tuple[Path, ...] = ()
    rules: tuple[Any, ...] = ()
    """Rule documents, checked by the rule parser (so that its messages carry lines)."""

    _user_rules: tuple[UserRule, ...] = PrivateAttr(default=())
    _in_force: RuleSet | None = PrivateAttr(default=None)

    @field_validator("watch")
    @classmethod
    def _watched_once(cls, watch: tuple[str, ...] | None) -> tuple[str, ...] | None:
        _once(watch or ())
        return watch

    @field_validator("conventions")
    @classmethod
    def _one_family_each(cls, conventions: tuple[Convention, ...]) -> tuple[Convention, ...]:
        _once(tuple(c.kind for c in conventions))
        return conventions

    @model_validator(mode="after")
    def _load_rules(self, info: ValidationInfo) -> CustomResources:
        places = (info.context or {}).get(PLACES) or RulePlaces()
        problems = [
            f"customResources.conventions[{n}].kind: {c.kind} is not in customResources.watch, "
            "so nothing is judged by it: watch it too, or leave watch unset"
            for n, c in enumerate(self.conventions)
            if self.watch is not None and c.kind not in self.watch
        ]
        found: list[UserRule] = []
        for index, path in enumerate(self.rule_files):
            problems += _from_file(index, path, found)
        inline: dict[tuple[str, str], str] = {}
        for index, document in enumerate(self.rules):
            key = f"customResources.rules[{index}]"
            lines = places.lines(index)
            source = f"{key} in {places.file}" if places.file else key
            try:
                rule = parse_rule(document, lines, source)
            except RuleError as error:
                name = _name_of(document)
                field = f"{error.field}: " if error.field else ""
                problems.append(f"{places.where(error.line)}{key}{name}: {field}{error.problem}")
                continue
            earlier = inline.setdefault((rule.group, rule.kind), key)
            if earlier != key:
                problems.append(
                    f"{places.where(lines.line(''))}{key} ({rule.group_kind}): "
                    f"{earlier} is a rule for the same kind already; keep one of them"
                )
            found.append(UserRule(rule, key))
        if problems:
            raise stated(problems)
        self._user_rules = tuple(found)
        return self

    def user_rules(self) -> tuple[UserRule, ...]:
        """The rules of ``ruleFiles`` then ``rules``, in the order they override."""
        return self._user_rules

    def rule_set(self) -> RuleSet:
        """The rules in force: the library, then ``ruleFiles``, then ``rules``."""
        if self._in_force is None:
            rules = [*library().by_kind.values(), *(u.rule for u in self._user_rules)]
            self._in_force = RuleSet(rules)
        return self._in_force

    def watched_kinds(self) -> frozenset[str]:
        """The custom kinds to watch, as ``Kind.group`` (kinds.split splits one)."""
        if self.watch is not None:
            return frozenset(self.watch)
        named = {rule.group_kind for rule in self.rule_set().by_kind.values()}
        return frozenset(named | {c.kind for c in self.conventions})

    def judging(self, kind: str) -> Judging:
        """By its rule if one names the kind, else by the conventions in its family."""
        found = kinds.split(kind)
        rule = self.rule_set().by_kind.get((found.group, found.kind))
        if rule is not None:
            origin = next(
                (u.origin for u in reversed(self._user_rules) if u.rule is rule), BUILT_IN
            )
            return Judging(kind, rule, rule.family, origin)
        for convention in self.conventions:
            if convention.kind == kind:
                return Judging(kind, None, convention.family, CONVENTIONS)
        return Judging(kind, None, Family.LONG_RUNNING, DEFAULT_CONVENTIONS)

    def opted(self) -> OptedKinds:
        """What the watchers watch and judge by: the serving path's one view of this section."""
        families = {c.kind: c.family for c in self.conventions}
        return OptedKinds(self.rule_set(), self.watched_kinds(), families)

    def judge(self, obj: dict[str, Any]) -> WorkloadState:
        """An object's verdict as the watchers reach it: its rule's (for its version), or the
        conventions' in the kind's family."""
        kind = kinds.of_manifest(str(obj.get("apiVersion") or ""), str(obj.get("kind") or ""))
        opted = self.opted()
        return evaluate_custom(
            opted.rules, kind, obj, datetime.now(UTC), family_hint=opted.family(kind)
        )


def _from_file(index: int, path: Path, found: list[UserRule]) -> list[str]:
    """The rules of one ``ruleFiles`` entry into ``found``, or what is wrong with it."""
    key = f"customResources.ruleFiles[{index}]"
    if not path.exists():
        return [f"{key}: {path}: no such file or folder"]
    try:
        rules = rules_in(path)
    except RuleError as error:
        return [f"{key}: {error}"]
    except OSError as error:
        return [f"{key}: {path}: cannot read: {error}"]
    if not rules:
        return [f"{key}: {path}: no rule.yaml below this folder (<group>/<Kind>/rule.yaml)"]
    found.extend(UserRule(rule, rule.source) for rule in rules)
    return []


def _name_of(document: object) -> str:
    """`` (Kind.group)`` as far as a rule that failed to parse says it."""
    if not isinstance(document, dict):
        return ""
    kind, group = document.get("kind"), document.get("group")
    parts = [str(p) for p in (kind, group) if isinstance(p, str) and p]
    return f" ({'.'.join(parts)})" if parts else ""


def _rules_of(values: Mapping[str, Any]) -> object:
    section = values.get("customResources")
    return section.get("rules") if isinstance(section, Mapping) else None


def rule_places(
    path: Path | None, in_file: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, RulePlaces]:
    """The validation context naming the lines of ``customResources.rules``: only when the
    rules validated are the file's (a variable or a flag could have replaced them)."""
    written = _rules_of(in_file)
    if path is None or not isinstance(written, list) or written is not _rules_of(values):
        return {}
    root = yaml.compose(path.read_text(encoding="utf-8"))
    nodes = _child(_child(root, "customResources"), "rules")
    items = tuple(nodes.value) if isinstance(nodes, yaml.SequenceNode) else ()
    return {PLACES: RulePlaces(str(path), items)}


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            if isinstance(name, yaml.ScalarNode) and name.value == key:
                return value if isinstance(value, yaml.Node) else None
    return None
