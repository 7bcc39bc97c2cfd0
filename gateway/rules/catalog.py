"""The rules in force: the built-in library, then the user's, which replace a built-in rule
for the same group and kind. An object is judged by the rule of its group and kind whose
versions include its own."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gateway.rules.fixtures import LIBRARY, rule_files
from gateway.rules.rulefile import Rule, load_rule

_CHOICES_KEPT = 1024
"""apiVersion and kind pairs remembered; a cluster has a few dozen, a malformed stream more."""


class RuleSet:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.by_kind: dict[tuple[str, str], Rule] = {}
        for rule in rules:
            self.by_kind[(rule.group, rule.kind)] = rule
        self._chosen: dict[tuple[object, object], Rule | None] = {}

    @classmethod
    def load(cls, extra: Iterable[Path] = (), library: Path = LIBRARY) -> RuleSet:
        """RuleError for the first rule that does not load (the library's included)."""
        found = [load_rule(p, str(p.relative_to(library))) for p in rule_files(library)]
        for path in extra:
            found.extend(rules_in(path))
        return cls(found)

    def rule_for(self, obj: dict[str, Any]) -> Rule | None:
        """Remembered per apiVersion and kind (a rule set is fixed once loaded): this runs
        on every change of every custom workload."""
        key = (obj.get("apiVersion"), obj.get("kind"))
        try:
            return self._chosen[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable apiVersion or kind: a malformed object
            return self._choose(str(key[0] or ""), str(key[1] or ""))
        if len(self._chosen) >= _CHOICES_KEPT:
            self._chosen.clear()
        found = self._chosen[key] = self._choose(str(key[0] or ""), str(key[1] or ""))
        return found

    def _choose(self, api_version: str, kind: str) -> Rule | None:
        group = api_version.rpartition("/")[0]
        rule = self.by_kind.get((group, kind))
        return rule if rule is not None and rule.covers(api_version) else None


def rules_in(path: Path) -> list[Rule]:
    """The rules of a ``rule.yaml`` or of every ``rule.yaml`` below a folder (the library's
    layout); RuleError for the first that does not load."""
    paths = rule_files(path) if path.is_dir() else [path]
    return [load_rule(p) for p in paths]
