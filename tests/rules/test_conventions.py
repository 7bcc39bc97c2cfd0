"""A custom kind without a rule: the conventions kstatus documents, then a plain phase word,
and otherwise Exception NoStatusRule, never Running by default."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.rules.conventions import judge_by_conventions
from gateway.rules.rulefile import Family
from gateway.status.model import Status

LONG, DONE = Family.LONG_RUNNING, Family.RUN_TO_COMPLETION


def thing(status: dict[str, Any] | None = None, generation: int = 2) -> dict[str, Any]:
    found: dict[str, Any] = {
        "apiVersion": "example.com/v1",
        "kind": "Thing",
        "metadata": {"name": "t", "namespace": "shop", "generation": generation},
    }
    if status is not None:
        found["status"] = status
    return found


def ready(value: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {"type": "Ready", "status": value, "reason": reason, "message": message}


@pytest.mark.parametrize(
    ("status", "family", "expected"),
    [
        (
            {"observedGeneration": 1, "conditions": [ready("True")]},
            LONG,
            (Status.WAITING, "GenerationNotObserved"),
        ),
        (
            {
                "observedGeneration": 2,
                "conditions": [
                    {
                        "type": "Stalled",
                        "status": "True",
                        "reason": "QuotaExceeded",
                        "message": "x",
                    },
                    ready("False"),
                ],
            },
            LONG,
            (Status.NOT_READY, "Stalled"),
        ),
        (
            {"conditions": [{"type": "Stalled", "status": "True"}]},
            DONE,
            (Status.EXCEPTION, "Stalled"),
        ),
        (
            {"conditions": [{"type": "Reconciling", "status": "True", "reason": "Progressing"}]},
            LONG,
            (Status.WAITING, "Reconciling"),
        ),
        ({"conditions": [ready("True", "Succeeded")]}, LONG, (Status.RUNNING, "Ready")),
        (
            {"conditions": [ready("False", "InstallFailed", "chart not found")]},
            LONG,
            (Status.NOT_READY, "NotReady"),
        ),
        ({"conditions": [ready("Unknown")]}, LONG, (Status.WAITING, "Unknown")),
        ({"phase": "Running"}, LONG, (Status.RUNNING, "Running")),
        ({"state": "provisioning"}, LONG, (Status.WAITING, "Provisioning")),
        ({"phase": "Failed"}, DONE, (Status.EXCEPTION, "Failed")),
        ({"phase": "Succeeded"}, DONE, (Status.EXECUTION_COMPLETE, "Succeeded")),
    ],
)
def test_conventions(status: dict[str, Any], family: Family, expected: tuple[Status, str]) -> None:
    verdict = judge_by_conventions(thing(status), family, "example.com/Thing")
    assert (verdict.status, verdict.reason) == expected, verdict.message


def test_the_condition_reason_and_message_are_told() -> None:
    verdict = judge_by_conventions(
        thing({"conditions": [ready("False", "InstallFailed", "chart podinfo not found")]}),
        LONG,
        "example.com/Thing",
    )
    assert "InstallFailed: chart podinfo not found" in verdict.message


@pytest.mark.parametrize(
    "status",
    [None, {}, {"phase": "Blue"}, {"phase": "Succeeded"}, {"replicas": 3}],
    ids=["no status", "empty", "unknown word", "done word on a long-running kind", "counters"],
)
def test_what_nothing_explains_is_not_running(status: dict[str, Any] | None) -> None:
    verdict = judge_by_conventions(thing(status), LONG, "example.com/Thing")
    assert (verdict.status, verdict.reason) == (Status.EXCEPTION, "NoStatusRule")
    assert "example.com/Thing" in verdict.message and "docs/rules.md" in verdict.message


def test_deleting_comes_first() -> None:
    gone = thing({"phase": "Running"})
    gone["metadata"]["deletionTimestamp"] = "2026-12-07T10:00:00Z"
    assert judge_by_conventions(gone, LONG, "example.com/Thing").status is Status.DELETING
