"""The rules in force: the built-in library, then the user's, which replace a built-in rule
for the same group and kind. An object is judged by the rule of its group and kind whose
versions include its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.rules.conventions import judge_by_conventions
from gateway.rules.fixtures import LIBRARY, rule_files
from gateway.rules.judge import judge
from gateway.rules.rulefile import Family, Rule, load_rule
from gateway.status.fields import parse_time
from gateway.status.model import PodState, WorkloadState


class RuleSet:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.by_kind: dict[tuple[str, str], Rule] = {}
        for rule in rules:
            self.by_kind[(rule.group, rule.kind)] = rule

    @classmethod
    def load(cls, extra: Iterable[Path] = (), library: Path = LIBRARY) -> RuleSet:
        """RuleError for the first rule that does not load (the library's included)."""
        found = [load_rule(p, str(p.relative_to(library))) for p in rule_files(library)]
        for path in extra:
            found.extend(rules_in(path))
        return cls(found)

    def rule_for(self, obj: dict[str, Any]) -> Rule | None:
        api_version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
        group = api_version.rpartition("/")[0]
        rule = self.by_kind.get((group, kind))
        return rule if rule is not None and rule.covers(api_version) else None


def rules_in(path: Path) -> list[Rule]:
    """The rules of a ``rule.yaml`` or of every ``rule.yaml`` below a folder (the library's
    layout); RuleError for the first that does not load."""
    paths = rule_files(path) if path.is_dir() else [path]
    return [load_rule(p) for p in paths]


def custom_state(rule: Rule, obj: dict[str, Any]) -> WorkloadState:
    """The verdict in the engine's own shape, so custom workloads sit beside built-in ones."""
    verdict = judge(rule, obj)
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return WorkloadState(
        kind=rule.kind,
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        status=verdict.status,
        reason=verdict.reason,
        message=verdict.message,
        since=parse_time(meta.get("creationTimestamp")),
    )


def evaluate_custom(
    rules: RuleSet,
    kind: str,
    obj: dict[str, Any],
    now: datetime,
    *,
    pods: Sequence[PodState] = (),
    family_hint: Family | None = None,
) -> WorkloadState:
    """A watched custom object's verdict: its rule's, else the conventions'."""
    rule = rules.rule_for(obj)
    if rule is not None:
        state = custom_state(rule, obj)
    else:
        family = family_hint or Family.LONG_RUNNING
        verdict = judge_by_conventions(obj, family, kind)
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        state = WorkloadState(
            kind=kind,
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
            uid=str(meta.get("uid") or ""),
            status=verdict.status,
            reason=verdict.reason,
            message=verdict.message,
            since=parse_time(meta.get("creationTimestamp")),
        )
    return replace(state, kind=kind)
