"""A custom workload's pods weighed on its rule's verdict as the built-in engine weighs
them, so a crash-looping pod makes a Rollout Not Ready exactly as it makes a Deployment
Not Ready.

The weighing is the built-in engine's own (replicated.pod_verdict, job's pod helpers), by
family: a long-running workload's verdict plays the part of a Deployment's own findings
(Not Ready: a failure the pods may explain; Waiting: a rollout under way, during which
not-ready pods are expected; Running: nothing found), a run-to-completion one's follows
the Job rules (pod trouble is a warning while it runs; a lost pod makes it Exception).
Deleting, a rule's own Exception and a RuleError are never overridden: they already say
what someone must look at.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gateway.rules.judge import RULE_ERROR, Verdict, judge
from gateway.rules.rulefile import Family, Rule
from gateway.status.fields import newest_transition, parse_time, sentence
from gateway.status.job import failed_pods, last_failure, lost_pods, troubled_pods
from gateway.status.model import Counts, PodState, Status, WorkloadState
from gateway.status.replicated import Finding, pod_verdict

NO_COUNTS = Counts()
"""Custom kinds have no counters (READY shows '-'); one shared value, as it is immutable."""


def custom_state(rule: Rule, obj: dict[str, Any], pods: Sequence[PodState] = ()) -> WorkloadState:
    """One object by a rule already chosen (explain, fixtures), kind as the rule names it."""
    return with_pods(rule.kind, obj, rule.family, judge(rule, obj, pods), pods)


Weighed = tuple[Status, Finding, tuple[str, ...]]
"""A verdict with the pods weighed on it: status, reason and message, warnings."""


def with_pods(
    kind: str, obj: dict[str, Any], family: Family, verdict: Verdict, pods: Sequence[PodState]
) -> WorkloadState:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    state, reason, message = verdict.status, verdict.reason, verdict.message
    since: datetime | None = None
    warnings: tuple[str, ...] = ()
    weighed = _weighed(verdict, family, pods) if pods else None
    if weighed is not None:
        state, finding, warnings = weighed
        reason, message, since = finding.reason, finding.message, finding.since
    if state is Status.DELETING:
        since = parse_time(meta.get("deletionTimestamp"))
    if since is None:
        status = obj.get("status")
        conditions = status.get("conditions") if isinstance(status, dict) else None
        since = newest_transition(conditions) or parse_time(meta.get("creationTimestamp"))
    rechecks = [p.recheck_at for p in pods if p.recheck_at is not None]
    return WorkloadState(
        kind=kind,
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        status=state,
        reason=reason,
        message=message,
        warnings=warnings,
        counts=NO_COUNTS,
        since=since,
        recheck_at=min(rechecks) if rechecks else None,
    )


def _weighed(verdict: Verdict, family: Family, pods: Sequence[PodState]) -> Weighed | None:
    """None: the verdict stands as the rule gave it."""
    if verdict.status in (Status.DELETING, Status.EXCEPTION):
        if verdict.status is Status.EXCEPTION and family is Family.RUN_TO_COMPLETION:
            return _failed_run(verdict, pods)
        return None
    own = Finding(verdict.reason, verdict.message)
    if family is Family.LONG_RUNNING:
        failures = [own] if verdict.status is Status.NOT_READY else []
        rolling = own if verdict.status is Status.WAITING else None
        found = pod_verdict(pods, failures, rolling, None)
        return (*found, ()) if found is not None else None
    if verdict.status is Status.EXECUTION_COMPLETE:
        return None
    lost = lost_pods(pods)
    if lost is not None:
        return Status.EXCEPTION, lost, ()
    return verdict.status, own, (*troubled_pods(pods), *failed_pods(pods))


def _failed_run(verdict: Verdict, pods: Sequence[PodState]) -> Weighed | None:
    """A run its rule says failed ends its message with the latest pod failure, as a Job's
    does; a RuleError is left as it is, since it is about the rule, not the run."""
    if verdict.reason == RULE_ERROR:
        return None
    tail = last_failure(pods)
    if not tail:
        return None
    return verdict.status, Finding(verdict.reason, sentence(verdict.message) + tail), ()
