"""The entry point for a custom workload change: the rule of its group, kind and version,
else what Kubernetes' conventions say of it, then its pods' trouble (overlay.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gateway.rules.catalog import RuleSet
from gateway.rules.conventions import judge_by_conventions
from gateway.rules.judge import judge
from gateway.rules.overlay import with_pods
from gateway.rules.rulefile import Family
from gateway.status.model import PodState, WorkloadState


def evaluate_custom(
    rules: RuleSet,
    kind: str,
    obj: dict[str, Any],
    now: datetime,
    *,
    pods: Sequence[PodState] = (),
    family_hint: Family | None = None,
) -> WorkloadState:
    """What the watcher calls on every change of a custom workload.

    ``kind`` is the GroupKind (``Rollout.argoproj.io``), the store's key, and names the
    kind when no rule explains it; ``pods`` are the PodState of the pods it owns, directly
    or through ReplicaSets or an owned VirtualMachineInstance; ``family_hint`` is how to
    read a kind without a rule (long-running unless told). ``now`` is the engine's clock,
    as evaluate_workload takes it: the pods' own verdicts already used it, and no rule
    reads the clock, so it only keeps one signature for every workload.
    """
    rule = rules.rule_for(obj)
    if rule is None:
        family = family_hint or Family.LONG_RUNNING
        return with_pods(kind, obj, family, judge_by_conventions(obj, family, kind), pods)
    return with_pods(kind, obj, rule.family, judge(rule, obj, pods), pods)
