"""Which custom kinds a gateway watches, and how each is judged.

Watching is opt-in: a kind is watched because a rule names it (the library's or the
user's) or because the configuration lists it, never because its CRD exists. A cluster
with fifty CRDs costs the watches of the few kinds someone asked for, and a kind nobody
wrote a rule for is judged by the conventions only when a person chose it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from gateway import kinds
from gateway.rules.catalog import RuleSet
from gateway.rules.rulefile import Family, Rule


@dataclass(frozen=True, slots=True)
class OptedKinds:
    """``watch`` None means the kinds the rules name; ``families`` says how a kind judged
    by the conventions (no rule) reads its status."""

    rules: RuleSet
    watch: frozenset[str] | None = None
    families: Mapping[str, Family] = field(default_factory=dict)

    @classmethod
    def library(cls) -> OptedKinds:
        """The built-in rules' kinds, loaded once per process (compiling them takes
        about 0.1 s)."""
        return _library()

    @classmethod
    def none(cls) -> OptedKinds:
        return cls(RuleSet(()), frozenset())

    def watches(self, token: str) -> bool:
        if self.watch is None:
            return _key(token) in self.rules.by_kind
        return token in self.watch

    @property
    def any(self) -> bool:
        return bool(self.rules.by_kind) if self.watch is None else bool(self.watch)

    def rule(self, token: str) -> Rule | None:
        return self.rules.by_kind.get(_key(token))

    def family(self, token: str) -> Family:
        rule = self.rule(token)
        if rule is not None:
            return rule.family
        return self.families.get(token, Family.LONG_RUNNING)

    def preferred_versions(self, token: str) -> tuple[str, ...]:
        """The versions the kind's rule is written for (empty: any)."""
        rule = self.rule(token)
        return rule.versions if rule is not None else ()


@cache
def _library() -> OptedKinds:
    return OptedKinds(RuleSet.load())


def _key(token: str) -> tuple[str, str]:
    """The rule set's key, (group, kind), of a ``Kind.group`` string."""
    found = kinds.split(token)
    return found.group, found.kind
