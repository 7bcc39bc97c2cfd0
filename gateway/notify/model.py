"""What the bot reads from the feeds: workload, pod and cluster transitions, and severities.

Every transition gets an id derived from what the feed entry says (object, statuses,
reason and the entry's own timestamp), not from the cursor: the cursor is opaque and
the same entry replayed after a restart must get the same id, so the bot can tell it
has already posted it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from gateway.status.model import ABNORMAL_STATUSES, PodIssue, Status, abnormal_issue


class Severity(IntEnum):
    """How bad a transition is; ``--min-severity`` drops what ranks below it."""

    INFO = 0
    WARNING = 1
    NOT_READY = 2
    EXCEPTION = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper().replace("-", "_")]
        except KeyError:
            choices = ", ".join(s.label for s in cls if s > cls.INFO)
            raise ValueError(f"unknown severity {text!r} (one of {choices})") from None


def status_severity(label: str | None) -> Severity:
    """Exception outranks Not Ready; every other status is not a problem in itself."""
    if label == Status.EXCEPTION.value:
        return Severity.EXCEPTION
    if label == Status.NOT_READY.value:
        return Severity.NOT_READY
    return Severity.INFO


def is_abnormal(label: str | None) -> bool:
    return label is not None and label in ABNORMAL_STATUSES


_UNSEEN_OR_FAILED = frozenset({PodIssue.UNOBSERVABLE.value, PodIssue.FAILED.value})


def standalone_status(phase: str | None, issue: str | None) -> str | None:
    """A standalone pod's status in the manual's words, so it ranks as a workload would:
    Exception when its node cannot be observed or it failed (a Job that fails is
    Exception), Not Ready for any other trouble (crash loops, images, unschedulable,
    not ready), else its phase (Pending, Running, Succeeded)."""
    if issue in _UNSEEN_OR_FAILED:
        return Status.EXCEPTION.value
    if abnormal_issue(issue):
        return Status.NOT_READY.value
    return phase


def transition_id(*parts: object) -> str:
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=10)
    return digest.hexdigest()


STANDALONE_KIND = "Pod"
"""The kind a standalone pod (of no workload) is told under."""

WorkloadKey = tuple[str, str, str, str]
"""(cluster, kind, namespace, name), kind as the API spells it ("StatefulSet")."""


def key_text(key: WorkloadKey) -> str:
    return "/".join(key)


@dataclass(frozen=True, slots=True)
class WorkloadTransition:
    id: str
    cluster: str
    kind: str
    namespace: str
    name: str
    old_status: str | None
    new_status: str | None
    old_reason: str
    reason: str
    message: str
    time: datetime | None
    deleted: bool = False
    ready: int | None = None
    desired: int | None = None
    warnings: tuple[str, ...] = ()

    @property
    def key(self) -> WorkloadKey:
        return (self.cluster, self.kind, self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class PodTransition:
    id: str
    cluster: str
    namespace: str
    name: str
    phase: str | None
    reason: str
    message: str
    time: datetime | None
    owner: str | None
    """The owning workload as Kind/namespace/name, when it has one."""
    old_phase: str | None = None
    old_issue: str | None = None
    issue: str | None = None
    """What is wrong with the pod (a PodIssue value, None: nothing), before and after."""
    deleted: bool = False

    @property
    def owner_key(self) -> WorkloadKey | None:
        if not self.owner:
            return None
        kind, namespace, name = self.owner.split("/", 2)
        return (self.cluster, kind, namespace, name)

    @property
    def abnormal(self) -> bool:
        return abnormal_issue(self.issue)

    def as_workload(self) -> WorkloadTransition:
        """A standalone pod stands for itself: judged, told and recovered like a workload
        of kind Pod, its status from ``standalone_status``."""
        return WorkloadTransition(
            id=self.id,
            cluster=self.cluster,
            kind=STANDALONE_KIND,
            namespace=self.namespace,
            name=self.name,
            old_status=standalone_status(self.old_phase, self.old_issue),
            new_status=None if self.deleted else standalone_status(self.phase, self.issue),
            old_reason="",
            reason=self.reason,
            message=self.message,
            time=self.time,
            deleted=self.deleted,
        )


@dataclass(frozen=True, slots=True)
class ReachabilityTransition:
    id: str
    cluster: str
    reachable: bool
    since: datetime | None
    error: str
    time: datetime | None


Transition = WorkloadTransition | PodTransition | ReachabilityTransition

WORKLOADS, PODS, CLUSTERS = "workloads", "pods", "clusters"
STREAMS = (WORKLOADS, PODS, CLUSTERS)
