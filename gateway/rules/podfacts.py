"""The workload's pods as rules read them: ``pods`` and ``podCounts``.

The pods are those the workload owns (directly, through ReplicaSets, through an owned
VirtualMachineInstance), already judged by the built-in pod rules, so a rule reads what
the gateway says of each pod (``issue``, ``message``) instead of redoing kubectl's logic
in CEL. Built only for a rule whose expressions name them (cel.Reads).
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.status.model import PodPhase, PodState

EMPTY_COUNTS = {
    "total": 0,
    "ready": 0,
    "running": 0,
    "pending": 0,
    "succeeded": 0,
    "failed": 0,
    "abnormal": 0,
}


def pod_variables(pods: Sequence[PodState]) -> dict[str, object]:
    counts = dict(EMPTY_COUNTS)
    listed: list[dict[str, object]] = []
    for pod in pods:
        problem = pod.problem
        listed.append(
            {
                "name": pod.name,
                "phase": pod.phase.value,
                "ready": pod.ready,
                "status": pod.display_reason,
                "reason": problem.reason if problem is not None else "",
                "message": problem.message if problem is not None else "",
                "issue": problem.issue.value if problem is not None else "",
                "restarts": pod.restarts,
                "node": pod.node,
            }
        )
        counts["total"] += 1
        counts["ready"] += pod.ready
        counts["running"] += pod.phase is PodPhase.RUNNING
        counts["pending"] += pod.phase is PodPhase.PENDING
        counts["succeeded"] += pod.phase is PodPhase.SUCCEEDED
        counts["failed"] += pod.phase is PodPhase.FAILED
        counts["abnormal"] += pod.abnormal
    return {"pods": listed, "podCounts": counts}
