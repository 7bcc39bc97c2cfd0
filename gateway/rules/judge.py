"""A custom object's status by its rule: total, so never a crash and never a silent Running.

An object being deleted is Deleting, naming the finalizers that hold it, whatever its rule
says. Otherwise the rule's statuses are tried in order; an expression that fails on the
object (a field it reads without ``has``, a type it did not expect) makes the object an
Exception with reason RuleError naming the rule and the field, since a status the rule
could not compute is a problem someone must look at, not a healthy workload.

The rule is first evaluated as one expression (Rule.selector); only when that fails or
gives something other than ``[index, string]`` are the statuses tried one by one, which
is slower but names the field at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from gateway.rules.cel import Activation, EvaluationError
from gateway.rules.podfacts import pod_variables
from gateway.rules.rulefile import Case, Rule
from gateway.status.model import PodState, Status

MESSAGE_LIMIT = 1000
RULE_ERROR = "RuleError"
_NO_POD_VARIABLES: dict[str, object] = {}


class Verdict(NamedTuple):
    """A tuple, not a frozen dataclass: one is made per object judged, and a tuple is
    made in half the time."""

    status: Status
    reason: str
    message: str


def deleting(obj: dict[str, Any]) -> Verdict | None:
    """Deleting, naming the finalizers that hold it, for any kind with a deletionTimestamp."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    if not meta.get("deletionTimestamp"):
        return None
    finalizers = [str(f) for f in meta.get("finalizers") or ()]
    waiting = f"; waiting for finalizers {', '.join(finalizers)}" if finalizers else ""
    return Verdict(
        Status.DELETING, "Deleting", f"Deletion requested at {meta['deletionTimestamp']}{waiting}."
    )


def judge(rule: Rule, obj: dict[str, Any], pods: Sequence[PodState] = ()) -> Verdict:
    """``pods``: the PodState of the pods the object owns, for rules that read them."""
    gone = deleting(obj)
    if gone is not None:
        return gone
    variables = pod_variables(pods) if rule.reads.variables else _NO_POD_VARIABLES
    on = Activation(obj, rule.reads, variables)
    if rule.selector is not None:
        try:
            chosen = rule.selector.evaluate(on)
        except EvaluationError:
            chosen = None
        if type(chosen) is list and len(chosen) == 2:
            index, message = chosen
            if type(index) is int and isinstance(message, str):
                case = rule.cases[index]
                return Verdict(case.status, case.reason, message.strip()[:MESSAGE_LIMIT])
    return _one_by_one(rule, on)


def _one_by_one(rule: Rule, on: Activation) -> Verdict:
    for case in rule.cases:
        field = f"{case.field}.when"
        try:
            if case.when is not None:
                holds = case.when.evaluate(on)
                if not isinstance(holds, bool):
                    return _failed(rule, field, f"gave {type(holds).__name__}, not a boolean")
                if not holds:
                    continue
            field = f"{case.field}.message"
            message = case.message.evaluate(on)
        except EvaluationError as error:
            return _failed(rule, field, str(error))
        return _verdict(rule, case, message)
    raise AssertionError(f"rule {rule.name} has no status without `when`")  # parse_rule's


def _verdict(rule: Rule, case: Case, message: object) -> Verdict:
    if not isinstance(message, str):
        return _failed(
            rule, f"{case.field}.message", f"gave {type(message).__name__}, not a string"
        )
    return Verdict(case.status, case.reason, message.strip()[:MESSAGE_LIMIT])


def _failed(rule: Rule, field: str, problem: str) -> Verdict:
    return Verdict(
        Status.EXCEPTION,
        RULE_ERROR,
        f"The status rule {rule.name} failed on this object at {field} ({rule.source}): "
        f"{problem}. Fix the rule, or the object if it is malformed.",
    )
