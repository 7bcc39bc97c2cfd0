"""A pod's verdict seen through the health of the node it runs on.

Pod evaluation and node health change independently: a node going NotReady changes
nothing in the pod objects for a while, yet their owners turn Exception at once.
Keeping the node out of the cached pod verdict and applying it here means a node
change re-judges its pods without re-reading them.
"""

from __future__ import annotations

import dataclasses

from gateway.status.fields import format_time
from gateway.status.model import PodIssue, PodPhase, PodProblem, PodState
from gateway.status.nodes import NodeHealth

_TERMINAL = (PodPhase.SUCCEEDED, PodPhase.FAILED)


def node_problem(pod_name: str, node: NodeHealth) -> PodProblem:
    return PodProblem(
        PodIssue.UNOBSERVABLE,
        node.reason,
        f"Pod {pod_name} cannot be observed: {node.message} since {format_time(node.since)}.",
        node.since,
    )


def observe_node(state: PodState, node: NodeHealth | None) -> PodState:
    """The pod as its owners must see it: unobservable when its node is not Ready."""
    if node is None or node.ready or state.phase in _TERMINAL:
        return state
    if state.problem is not None and state.problem.issue is PodIssue.UNOBSERVABLE:
        return state
    problem = node_problem(state.name, node)
    return dataclasses.replace(state, problem=problem, since=problem.since, recheck_at=None)
