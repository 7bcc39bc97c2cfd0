"""The status engine: pure functions from Kubernetes objects to the manual's statuses."""

from gateway.status.engine import WORKLOAD_KINDS, evaluate, evaluate_workload
from gateway.status.model import (
    ABNORMAL_STATUSES,
    STATUSES_BY_KIND,
    Counts,
    Kind,
    PodIssue,
    PodPhase,
    PodProblem,
    PodState,
    Status,
    WorkloadState,
)
from gateway.status.nodes import NodeHealth, index_nodes, node_health
from gateway.status.pods import evaluate_pod

__all__ = [
    "ABNORMAL_STATUSES",
    "STATUSES_BY_KIND",
    "WORKLOAD_KINDS",
    "Counts",
    "Kind",
    "NodeHealth",
    "PodIssue",
    "PodPhase",
    "PodProblem",
    "PodState",
    "Status",
    "WorkloadState",
    "evaluate",
    "evaluate_pod",
    "evaluate_workload",
    "index_nodes",
    "node_health",
]
