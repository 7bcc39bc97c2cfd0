"""What a simulated container does, chosen per pod template by annotations.

There are no kubelets and no images: a pod's annotations say whether its container
runs, crash-loops, cannot pull its image, lacks its config, is OOM-killed, never
gets scheduled or exits with a code after some seconds, and how slowly it starts
and becomes ready. Put them on a Deployment's ``spec.template.metadata`` and every
pod behaves that way. The keys and defaults are documented in docs/simcluster.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "simcluster.kube-status-gateway.io/"
BEHAVIOR = PREFIX + "behavior"
EXIT_CODE = PREFIX + "exit-code"
RUN_SECONDS = PREFIX + "run-seconds"
START_SECONDS = PREFIX + "start-seconds"
READY_AFTER = PREFIX + "ready-after-seconds"
TERMINATE_SECONDS = PREFIX + "terminate-seconds"
CONTAINER = PREFIX + "container"
LOG_FORMAT = PREFIX + "log-format"


class Behavior(StrEnum):
    RUN = "run"
    EXIT = "exit"
    CRASH_LOOP = "crash-loop"
    OOM_KILL = "oom-kill"
    IMAGE_PULL_ERROR = "image-pull-error"
    CONFIG_ERROR = "config-error"
    UNSCHEDULABLE = "unschedulable"


@dataclass(frozen=True, slots=True)
class PodBehavior:
    behavior: Behavior
    exit_code: int
    run_seconds: float | None
    """Seconds the container runs before it exits; None runs forever."""
    start_seconds: float
    ready_after: float | None
    """Seconds from container start to Ready; None is never ready."""
    terminate_seconds: float
    container: str | None

    @property
    def exits(self) -> bool:
        return self.run_seconds is not None


def _number(annotations: Mapping[str, str], key: str, default: float | None) -> float | None:
    text = annotations.get(key)
    if text is None:
        return default
    if text.strip().lower() == "never":
        return None
    try:
        value = float(text.strip().removesuffix("s"))
    except ValueError:
        return default
    return max(value, 0.0)


def pod_behavior(annotations: object, restart_policy: str) -> PodBehavior:
    """The behaviour of a pod from its annotations; unknown values fall back to ``run``."""
    found: Mapping[str, str] = annotations if isinstance(annotations, Mapping) else {}
    try:
        behavior = Behavior(str(found.get(BEHAVIOR, "run")).strip().lower())
    except ValueError:
        behavior = Behavior.RUN
    default_code = {Behavior.EXIT: 1, Behavior.CRASH_LOOP: 1, Behavior.OOM_KILL: 137}.get(
        behavior, 0
    )
    try:
        exit_code = int(found.get(EXIT_CODE, default_code))
    except ValueError:
        exit_code = default_code
    default_run: float | None = {
        Behavior.EXIT: 10.0,
        Behavior.CRASH_LOOP: 3.0,
        Behavior.OOM_KILL: 5.0,
    }.get(behavior)
    if behavior is Behavior.RUN and restart_policy != "Always":
        default_run = 10.0
    run_seconds = _number(found, RUN_SECONDS, default_run)
    if behavior is Behavior.OOM_KILL:
        exit_code = 137
    start = _number(found, START_SECONDS, 2.0)
    terminate = _number(found, TERMINATE_SECONDS, 1.0)
    return PodBehavior(
        behavior=behavior,
        exit_code=exit_code,
        run_seconds=run_seconds,
        start_seconds=2.0 if start is None else start,
        ready_after=_number(found, READY_AFTER, 0.0),
        terminate_seconds=1.0 if terminate is None else terminate,
        container=found.get(CONTAINER),
    )


def for_container(
    behavior: PodBehavior, name: str, first: str | None, restart_policy: str
) -> PodBehavior:
    """What one container of a pod does: the annotated container (else the first) behaves
    as annotated; the others run like the default, so one broken sidecar is the only story."""
    target = behavior.container or first
    if name == target or behavior.behavior is Behavior.RUN:
        return behavior
    return pod_behavior({}, restart_policy)


def json_logs(annotations: object) -> bool:
    """Whether the pod's containers log JSON objects rather than logfmt lines."""
    found: Mapping[str, str] = annotations if isinstance(annotations, Mapping) else {}
    return str(found.get(LOG_FORMAT, "")).strip().lower() == "json"
