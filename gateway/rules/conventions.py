"""A custom kind without a rule: what Kubernetes' conventions say of it, or that nothing does.

Many controllers follow the conventions kstatus documents: observedGeneration behind
metadata.generation means the controller has not caught up; a ``Stalled`` condition that
is True means it gave up; ``Reconciling`` True means it is working; ``Ready`` says the
result. Others put one word in ``status.phase`` or ``status.state``; only words whose
meaning is plain are read (Running, Failed, Succeeded, ...). A kind that neither explains
is **not** Running: it is Exception with reason NoStatusRule, saying how to add a rule,
because calling an unexplained object healthy is the mistake users most hold against
other tools.
"""

from __future__ import annotations

from typing import Any

from gateway.rules.judge import Verdict, deleting
from gateway.rules.rulefile import Family
from gateway.status.model import Status

_GOOD = frozenset({"running", "ready", "healthy", "available", "active", "bound", "online"})
_BUSY = frozenset(
    {
        "pending",
        "creating",
        "provisioning",
        "progressing",
        "starting",
        "updating",
        "deploying",
        "initializing",
        "scheduling",
        "reconciling",
        "waiting",
    }
)
_BAD = frozenset({"failed", "failure", "error", "degraded", "unhealthy", "crashloopbackoff"})
_DONE = frozenset({"succeeded", "success", "completed", "complete", "done", "finished"})


def judge_by_conventions(obj: dict[str, Any], family: Family, name: str) -> Verdict:
    """``name`` names the kind in the message that asks for a rule (evaluate_custom gives
    the GroupKind, ``Thing.example.com``, as the store and kubectl name it)."""
    gone = deleting(obj)
    if gone is not None:
        return gone
    found = _by_generation(obj) or _by_conditions(obj, family) or _by_phase(obj, family)
    if found is not None:
        return found
    return Verdict(
        Status.EXCEPTION,
        "NoStatusRule",
        f"No status rule explains {name}, and its status follows no convention the gateway "
        "reads (Ready, Reconciling or Stalled conditions, or a plain status.phase): add a rule "
        "for it (docs/rules.md), so that its state is said rather than guessed.",
    )


def _status(obj: dict[str, Any]) -> dict[str, Any]:
    found = obj.get("status")
    return found if isinstance(found, dict) else {}


def _by_generation(obj: dict[str, Any]) -> Verdict | None:
    meta = obj.get("metadata")
    generation = meta.get("generation") if isinstance(meta, dict) else None
    observed = _status(obj).get("observedGeneration")
    if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
        return Verdict(
            Status.WAITING,
            "GenerationNotObserved",
            f"Its controller has not acted on generation {generation} yet (observed {observed}).",
        )
    return None


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    conditions = _status(obj).get("conditions")
    if not isinstance(conditions, list):
        return None
    for condition in conditions:
        if isinstance(condition, dict) and condition.get("type") == kind:
            return condition
    return None


def _said(condition: dict[str, Any]) -> str:
    reason, message = str(condition.get("reason") or ""), str(condition.get("message") or "")
    if reason and message:
        return f"{reason}: {message}"
    return reason or message or "no reason given"


def _by_conditions(obj: dict[str, Any], family: Family) -> Verdict | None:
    failed = Status.NOT_READY if family is Family.LONG_RUNNING else Status.EXCEPTION
    stalled = _condition(obj, "Stalled")
    if stalled is not None and stalled.get("status") == "True":
        return Verdict(failed, "Stalled", f"Its controller has stalled ({_said(stalled)}).")
    reconciling = _condition(obj, "Reconciling")
    if reconciling is not None and reconciling.get("status") == "True":
        busy = Status.WAITING if family is Family.LONG_RUNNING else Status.EXECUTING
        return Verdict(busy, "Reconciling", f"Its controller is working ({_said(reconciling)}).")
    ready = _condition(obj, "Ready")
    if ready is None:
        return None
    if ready.get("status") == "True":
        good = Status.RUNNING if family is Family.LONG_RUNNING else Status.EXECUTION_COMPLETE
        return Verdict(good, "Ready", f"Its Ready condition is True ({_said(ready)}).")
    if ready.get("status") == "False":
        return Verdict(failed, "NotReady", f"Its Ready condition is False ({_said(ready)}).")
    return Verdict(Status.WAITING, "Unknown", f"Its Ready condition is Unknown ({_said(ready)}).")


def _by_phase(obj: dict[str, Any], family: Family) -> Verdict | None:
    status = _status(obj)
    field, word = next(
        ((f, status[f]) for f in ("phase", "state") if isinstance(status.get(f), str)), ("", "")
    )
    plain = word.lower()
    said = f"status.{field} is {word}"
    word = word[:1].upper() + word[1:]
    long_running = family is Family.LONG_RUNNING
    if plain in _GOOD:
        return Verdict(Status.RUNNING if long_running else Status.EXECUTING, word, f"{said}.")
    if plain in _BUSY:
        return Verdict(Status.WAITING, word, f"{said}.")
    if plain in _BAD:
        return Verdict(Status.NOT_READY if long_running else Status.EXCEPTION, word, f"{said}.")
    if plain in _DONE and not long_running:
        return Verdict(Status.EXECUTION_COMPLETE, word, f"{said}.")
    return None
