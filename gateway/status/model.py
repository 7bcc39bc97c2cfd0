"""The status vocabulary and the results the engine returns.

The words are the container-management manual's (``Not Ready``, ``Execution Complete``):
users read them in consoles and chat, so the enum values are the labels themselves and
every other layer (store, schema, explain) shows ``status.value`` without translating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """Workload kinds the engine knows; pods are evaluated separately."""

    DEPLOYMENT = "Deployment"
    STATEFULSET = "StatefulSet"
    DAEMONSET = "DaemonSet"
    JOB = "Job"
    CRONJOB = "CronJob"


class Status(StrEnum):
    """Workload statuses; which ones a kind can take is in ``STATUSES_BY_KIND``."""

    WAITING = "Waiting"
    RUNNING = "Running"
    DELETING = "Deleting"
    EXCEPTION = "Exception"
    NOT_READY = "Not Ready"
    EXECUTING = "Executing"
    EXECUTION_COMPLETE = "Execution Complete"
    STARTED = "Started"
    STOPPED = "Stopped"


class PodPhase(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    UNKNOWN = "Unknown"


_REPLICATED = (Status.WAITING, Status.RUNNING, Status.DELETING, Status.EXCEPTION, Status.NOT_READY)

STATUSES_BY_KIND: dict[Kind, tuple[Status, ...]] = {
    Kind.DEPLOYMENT: _REPLICATED,
    Kind.STATEFULSET: _REPLICATED,
    Kind.DAEMONSET: _REPLICATED,
    Kind.JOB: (
        Status.WAITING,
        Status.EXECUTING,
        Status.EXECUTION_COMPLETE,
        Status.DELETING,
        Status.EXCEPTION,
    ),
    Kind.CRONJOB: (Status.WAITING, Status.STARTED, Status.STOPPED, Status.DELETING),
}

ABNORMAL_STATUSES = frozenset({Status.EXCEPTION, Status.NOT_READY})


class PodIssue(StrEnum):
    """What is wrong with a pod, in the terms the workload rules ask about."""

    UNOBSERVABLE = "unobservable"
    CONTAINER_ERROR = "container-error"
    UNSCHEDULABLE = "unschedulable"
    NOT_READY = "not-ready"
    STARTING = "starting"
    FAILED = "failed"


def abnormal_issue(issue: str | None) -> bool:
    """Whether a pod with this issue (a PodIssue value; "" or None: none) is abnormal."""
    return bool(issue) and issue != PodIssue.STARTING.value


@dataclass(frozen=True, slots=True)
class PodProblem:
    """One abnormality of a pod with the sentence a person acts on."""

    issue: PodIssue
    reason: str
    message: str
    since: datetime | None = None


@dataclass(slots=True)
class PodState:
    """A pod as the workload rules and the API see it.

    ``display_reason`` is what kubectl prints in its STATUS column, so people can match
    what the gateway says with what they see in a terminal.
    """

    namespace: str
    name: str
    uid: str
    node: str
    phase: PodPhase
    display_reason: str
    ready: bool
    ready_containers: int
    total_containers: int
    restarts: int
    problem: PodProblem | None
    since: datetime | None
    deleting: bool = False
    recheck_at: datetime | None = None

    @property
    def abnormal(self) -> bool:
        return self.problem is not None and self.problem.issue is not PodIssue.STARTING

    @property
    def message(self) -> str:
        return self.problem.message if self.problem is not None else ""


@dataclass(frozen=True, slots=True)
class Counts:
    """Replica and run counters; ``None`` where a kind has no such number."""

    desired: int | None = None
    current: int | None = None
    ready: int | None = None
    updated: int | None = None
    available: int | None = None
    active: int | None = None
    succeeded: int | None = None
    failed: int | None = None
    completions: int | None = None
    last_schedule: datetime | None = None
    last_success: datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkloadState:
    """The engine's verdict on one workload.

    ``recheck_at`` is set when the verdict depends on the clock (a start-up grace
    period ending, a CronJob's first run): the caller re-evaluates then even if no
    object changed.
    """

    kind: str
    namespace: str
    name: str
    uid: str
    status: Status
    reason: str
    message: str
    warnings: tuple[str, ...] = ()
    counts: Counts = field(default_factory=Counts)
    since: datetime | None = None
    recheck_at: datetime | None = None

    @property
    def abnormal(self) -> bool:
        return self.status in ABNORMAL_STATUSES
