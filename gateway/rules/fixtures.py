"""A rule folder's fixtures, run: each is an object and the status its rule must give it.

```
library/argoproj.io/Rollout/
  rule.yaml
  fixtures/degraded.yaml    # object: {...}  expect: {status, reason, messageIncludes: [...]}
                            #   (and warningsInclude: [...], if it should warn)
```

A fixture may also list ``pods:``, manifests of the pods the object owns: they are judged
by the built-in pod rules as of ``now:`` (an RFC 3339 time; the present when left out),
read by the rule as ``pods``/``podCounts`` and weighed on its verdict (overlay.py), as
the gateway does with the pods it watches.

A folder is a kind: adding a kind is adding a folder. ``run_folder`` finds every
``rule.yaml`` below a folder and checks its fixtures, so rule authors test offline with
``gw rules test DIR`` and the suite runs the built-in library the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from gateway.rules.overlay import custom_state
from gateway.rules.rulefile import Rule, RuleError, load_rule
from gateway.status.fields import parse_time
from gateway.status.model import WorkloadState
from gateway.status.pods import evaluate_pod

LIBRARY = Path(__file__).parent / "library"
"""The rules the gateway ships with, one folder per API group and kind."""


@dataclass(frozen=True, slots=True)
class Outcome:
    rule: str
    fixture: str
    problems: tuple[str, ...]
    state: WorkloadState | None = None

    @property
    def passed(self) -> bool:
        return not self.problems


def rule_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("rule.yaml"))


def run_folder(folder: Path) -> Iterator[Outcome]:
    for path in rule_files(folder):
        try:
            rule = load_rule(path, str(path.relative_to(folder)))
        except RuleError as error:
            yield Outcome(str(path.parent), "rule.yaml", (str(error),))
            continue
        fixtures = sorted((path.parent / "fixtures").glob("*.yaml"))
        if not fixtures:
            yield Outcome(rule.name, "fixtures/", ("no fixtures: a rule is tested like code",))
        for fixture in fixtures:
            yield run_fixture(rule, fixture)


def run_fixture(rule: Rule, path: Path) -> Outcome:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return Outcome(rule.name, path.name, (f"not YAML: {error}",))
    return check_fixture(rule, loaded, path.name)


def check_fixture(rule: Rule, loaded: object, name: str) -> Outcome:
    """A fixture's object judged by ``rule`` against what the fixture expects."""
    if not isinstance(loaded, dict) or not isinstance(loaded.get("object"), dict):
        return Outcome(rule.name, name, ("a fixture holds `object:` and `expect:`",))
    expect = loaded.get("expect")
    if not isinstance(expect, dict) or "status" not in expect or "reason" not in expect:
        return Outcome(rule.name, name, ("`expect:` names a status and a reason",))
    obj = loaded["object"]
    problems: list[str] = []
    if not rule.covers(str(obj.get("apiVersion", ""))) or obj.get("kind") != rule.kind:
        problems.append(
            f"the object is a {obj.get('apiVersion')} {obj.get('kind')}, not this rule's"
        )
    raw_pods = loaded.get("pods") or []
    if not isinstance(raw_pods, list) or not all(isinstance(p, dict) for p in raw_pods):
        return Outcome(rule.name, name, ("`pods:` is a list of pod manifests",))
    now = parse_time(str(loaded.get("now") or "")) or datetime.now(UTC)
    pods = [evaluate_pod(pod, {}, now) for pod in raw_pods]
    state = custom_state(rule, obj, pods)
    if state.status.value != expect["status"]:
        problems.append(f"status {state.status.value!r}, expected {expect['status']!r}")
    if state.reason != expect["reason"]:
        problems.append(f"reason {state.reason!r}, expected {expect['reason']!r}")
    for part in expect.get("messageIncludes") or ():
        if str(part) not in state.message:
            problems.append(f"the message lacks {part!r}: {state.message!r}")
    for part in expect.get("warningsInclude") or ():
        if not any(str(part) in warning for warning in state.warnings):
            problems.append(f"no warning includes {part!r}: {list(state.warnings)!r}")
    return Outcome(rule.name, name, tuple(problems), state)
