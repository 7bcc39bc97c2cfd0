"""Pod evaluation: kubectl's STATUS column plus what is wrong, in a sentence.

``display_reason`` follows kubectl's pod printer (init containers, sidecars, the
Completed-but-running case, Terminating, NodeLost), so the gateway and a terminal
never disagree. The problem found is what owners' rules need: is the pod
observable, failing, unschedulable, not ready or still starting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.status.events import event_message, latest_event
from gateway.status.fields import (
    EMPTY,
    Obj,
    as_int,
    as_str,
    condition_time,
    find_condition,
    format_time,
    newest,
    newest_transition,
    parse_time,
    plural,
    quote,
    sentence,
    text_of,
)
from gateway.status.malformed import describe_malformed
from gateway.status.model import PodIssue, PodPhase, PodProblem, PodState
from gateway.status.nodes import NodeHealth

STARTUP_GRACE = timedelta(minutes=5)
"""How long a new pod may be not-ready (or still creating) before it counts as broken.

Without it every scale-up would flash Not Ready while pods pass their first probe.
"""

CONTAINER_ERROR_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "ImageInspectError",
        "RegistryUnavailable",
        "SignatureValidationFailed",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "StartError",
        "ContainerCannotRun",
        "PreStartHookError",
        "PreCreateHookError",
        "PostStartHookError",
    }
)
IMAGE_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "ImageInspectError",
        "RegistryUnavailable",
        "SignatureValidationFailed",
    }
)
_IMAGE_EVENTS = frozenset({"Failed", "ErrImageNeverPull", "InspectFailed"})
_PROBE_EVENTS = frozenset({"Unhealthy"})
_PENDING_EVENTS = frozenset(
    {"FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox", "FailedSync", "Failed"}
)
_PHASES = {p.value: p for p in PodPhase}
_TERMINAL = (PodPhase.SUCCEEDED, PodPhase.FAILED)


def evaluate_pod(
    pod: Obj,
    nodes: Mapping[str, NodeHealth],
    now: datetime,
    events: Sequence[Obj] = (),
    grace: timedelta = STARTUP_GRACE,
) -> PodState:
    """Never raises: a pod that cannot be read is Unknown with reason InvalidObject."""
    try:
        healthy = _healthy_running(pod, nodes)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        healthy = None
    if healthy is not None:
        return healthy
    try:
        return _evaluate(pod, nodes, now, events, grace)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as error:
        problems = describe_malformed(pod, "Pod")
        if problems:
            return _invalid_pod(pod, problems, "InvalidObject")
        # Nothing malformed was found, so this is an engine bug: say so rather than blame the pod.
        return _invalid_pod(
            pod, [f"could not be evaluated ({type(error).__name__}: {error})"], "EvaluationError"
        )


def _healthy_running(pod: Obj, nodes: Mapping[str, NodeHealth]) -> PodState | None:
    """The common case in a few dict reads: running, ready, every container up.

    Most pods of a large fleet are like this, and the engine's speed is this
    function's speed. Anything unusual returns None and takes the full path.
    """
    status = pod["status"]
    meta = pod["metadata"]
    if (
        status.get("phase") != "Running"
        or meta.get("deletionTimestamp") is not None
        or status.get("reason")
    ):
        return None
    ready = False
    latest = ""
    for cond in status.get("conditions") or ():
        when = cond.get("lastTransitionTime") or ""
        if when > latest:
            latest = when
        if cond["type"] == "Ready":
            ready = cond.get("status") == "True"
    if not ready:
        return None
    started = status.get("startTime") or ""
    if started > latest:
        latest = started
    for init in status.get("initContainerStatuses") or ():
        done = init["state"].get("terminated")
        if done is None or done.get("exitCode", 0) != 0:
            return None
    restarts = 0
    running = 0
    for cs in status.get("containerStatuses") or ():
        if cs.get("ready") is not True or cs["state"].get("running") is None:
            return None
        restarts += cs.get("restartCount", 0)
        running += 1
    spec = pod["spec"]
    if running != len(spec["containers"]) or (
        spec.get("initContainers")
        and any(c.get("restartPolicy") == "Always" for c in spec["initContainers"])
    ):
        return None
    node = spec.get("nodeName") or ""
    health = nodes.get(node)
    if health is not None and not health.ready:
        return None
    name = meta["name"]
    namespace = meta.get("namespace") or ""
    uid = meta.get("uid") or ""
    if (
        type(restarts) is not int
        or type(name) is not str
        or type(namespace) is not str
        or type(uid) is not str
        or type(node) is not str
    ):
        return None
    return PodState(
        namespace,
        name,
        uid,
        node,
        PodPhase.RUNNING,
        "Running",
        True,
        running,
        running,
        restarts,
        None,
        parse_time(latest),
    )


def _invalid_pod(pod: object, problems: list[str], reason: str) -> PodState:
    meta = pod.get("metadata") if isinstance(pod, Mapping) else None
    meta = meta if isinstance(meta, Mapping) else EMPTY
    name = as_str(meta.get("name"))
    text = f"Pod {name or '(unnamed)'} cannot be read: {'; '.join(problems)}."
    return PodState(
        namespace=as_str(meta.get("namespace")),
        name=name,
        uid=as_str(meta.get("uid")),
        node="",
        phase=PodPhase.UNKNOWN,
        display_reason=reason,
        ready=False,
        ready_containers=0,
        total_containers=0,
        restarts=0,
        problem=PodProblem(PodIssue.UNOBSERVABLE, reason, text),
        since=None,
    )


def _evaluate(
    pod: Obj,
    nodes: Mapping[str, NodeHealth],
    now: datetime,
    events: Sequence[Obj],
    grace: timedelta,
) -> PodState:
    meta: Obj = pod.get("metadata") or EMPTY
    spec: Obj = pod.get("spec") or EMPTY
    status: Obj = pod.get("status") or EMPTY
    if not isinstance(meta, Mapping) or not isinstance(spec, Mapping):
        raise TypeError("metadata and spec must be objects")
    if not isinstance(status, Mapping):
        raise TypeError("status must be an object")
    name = text_of(meta.get("name"))
    phase = _PHASES.get(status.get("phase") or "Pending", PodPhase.UNKNOWN)
    reason, ready_n, total, restarts = kubectl_status(meta, spec, status)
    conditions = status.get("conditions") or []
    ready_cond = find_condition(conditions, "Ready")
    ready = ready_cond is not None and ready_cond.get("status") == "True"
    node_name = text_of(spec.get("nodeName"))
    deleting = meta.get("deletionTimestamp") is not None
    facts = _PodFacts(
        name, meta, spec, status, phase, conditions, node_name, events, now, grace, reason
    )
    problem, recheck = _find_problem(facts, nodes.get(node_name) if node_name else None, ready)
    since = (problem.since if problem else None) or newest(
        newest_transition(conditions), parse_time(status.get("startTime"))
    )
    return PodState(
        namespace=text_of(meta.get("namespace")),
        name=name,
        uid=text_of(meta.get("uid")),
        node=node_name,
        phase=phase,
        display_reason=reason,
        ready=ready,
        ready_containers=ready_n,
        total_containers=total,
        restarts=restarts,
        problem=problem,
        since=since or parse_time(meta.get("creationTimestamp")),
        deleting=deleting,
        recheck_at=recheck,
    )


def kubectl_status(meta: Obj, spec: Obj, status: Obj) -> tuple[str, int, int, int]:
    """STATUS, ready containers, total containers and restarts, as ``kubectl get pods``."""
    phase = text_of(status.get("phase"))
    reason = text_of(status.get("reason")) or phase
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init_specs: list[Obj] = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or ()) + len(sidecars)
    ready_n = 0
    restarts = 0
    sidecar_restarts = 0
    initializing = False
    for index, cs in enumerate(status.get("initContainerStatuses") or ()):
        count = as_int(cs.get("restartCount"))
        restarts += count
        is_sidecar = cs.get("name") in sidecars
        if is_sidecar:
            sidecar_restarts += count
        state: Obj = cs.get("state") or EMPTY
        terminated: Obj | None = state.get("terminated")
        waiting: Obj | None = state.get("waiting")
        if terminated is not None and as_int(terminated.get("exitCode")) == 0:
            continue
        if is_sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready_n += 1
            continue
        if terminated is not None:
            reason = "Init:" + _termination_label(terminated)
        elif waiting is not None and waiting.get("reason") not in (None, "", "PodInitializing"):
            reason = "Init:" + text_of(waiting.get("reason"))
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break
    conditions = status.get("conditions")
    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            restarts += as_int(cs.get("restartCount"))
            state = cs.get("state") or EMPTY
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = text_of(waiting["reason"])
            elif terminated is not None:
                reason = _termination_label(terminated)
            elif cs.get("ready") is True and state.get("running") is not None:
                has_running = True
                ready_n += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"
    if meta.get("deletionTimestamp") is not None:
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready_n, total, restarts


def _condition_true(conditions: object, kind: str) -> bool:
    found = find_condition(conditions, kind)
    return found is not None and found.get("status") == "True"


def _termination_label(terminated: Obj) -> str:
    reason = text_of(terminated.get("reason"))
    if reason:
        return reason
    signal = as_int(terminated.get("signal"))
    if signal:
        return f"Signal:{signal}"
    return f"ExitCode:{as_int(terminated.get('exitCode'))}"


@dataclass(frozen=True, slots=True)
class _PodFacts:
    """What the problem finders share, read once per pod."""

    name: str
    meta: Obj
    spec: Obj
    status: Obj
    phase: PodPhase
    conditions: Any
    node_name: str
    events: Sequence[Obj]
    now: datetime
    grace: timedelta
    display_reason: str


def _find_problem(
    facts: _PodFacts, node: NodeHealth | None, ready: bool
) -> tuple[PodProblem | None, datetime | None]:
    unobservable = _unobservable(facts, node)
    if unobservable is not None:
        return unobservable, None
    if facts.meta.get("deletionTimestamp") is not None:
        return None, None
    if facts.phase is PodPhase.FAILED:
        return _failed(facts), None
    if facts.phase is PodPhase.SUCCEEDED:
        return None, None
    scheduled = find_condition(facts.conditions, "PodScheduled")
    if scheduled is not None and scheduled.get("status") == "False":
        if scheduled.get("reason") == "Unschedulable":
            return _unschedulable(facts, scheduled), None
        if scheduled.get("reason") == "SchedulingGated":
            gates = [as_str(g.get("name")) for g in facts.spec.get("schedulingGates") or ()]
            text = (
                f"Pod {facts.name} is not scheduled until its scheduling gates are removed: "
                f"{', '.join(gates) or '(none listed)'}."
            )
            return PodProblem(PodIssue.STARTING, "SchedulingGated", text), None
    container = _container_error(facts, ready)
    if container is not None:
        return container, None
    if facts.phase is PodPhase.PENDING:
        return _pending(facts, scheduled)
    if facts.phase is PodPhase.RUNNING and not ready:
        return _not_ready(facts)
    return None, None


def _unobservable(facts: _PodFacts, node: NodeHealth | None) -> PodProblem | None:
    status = facts.status
    if facts.phase in _TERMINAL:
        return None
    if status.get("reason") == "NodeLost":
        detail = quote(as_str(status.get("message"))) or "its node stopped responding"
        return PodProblem(
            PodIssue.UNOBSERVABLE,
            "NodeLost",
            f"Pod {facts.name} on node {facts.node_name or '(none)'} was lost: {sentence(detail)}",
            parse_time(facts.meta.get("deletionTimestamp")),
        )
    if node is not None and not node.ready:
        return PodProblem(
            PodIssue.UNOBSERVABLE,
            node.reason,
            f"Pod {facts.name} cannot be observed: {node.message} since {format_time(node.since)}.",
            node.since,
        )
    if facts.phase is PodPhase.UNKNOWN:
        detail = quote(as_str(status.get("message"))) or "its node stopped reporting its state"
        return PodProblem(
            PodIssue.UNOBSERVABLE,
            "NodeLost",
            f"Pod {facts.name} on node {facts.node_name or '(none)'} is in phase Unknown: "
            f"{sentence(detail)}",
            newest_transition(facts.conditions),
        )
    return None


def _failed(facts: _PodFacts) -> PodProblem:
    status = facts.status
    reason = as_str(status.get("reason"))
    detail = quote(as_str(status.get("message")))
    if reason == "Evicted":
        return PodProblem(
            PodIssue.FAILED,
            "Evicted",
            f"Pod {facts.name} was evicted from node {facts.node_name or '(none)'}: "
            f"{sentence(detail or 'no reason given')}",
            newest_transition(facts.conditions),
        )
    for cs in _all_statuses(status):
        terminated = (cs.get("state") or EMPTY).get("terminated")
        if terminated is not None and (
            as_int(terminated.get("exitCode")) != 0 or as_int(terminated.get("signal")) != 0
        ):
            label = _termination_label(terminated)
            text = (
                f"Pod {facts.name} failed: container {cs.get('name')} exited with code "
                f"{as_int(terminated.get('exitCode'))} ({label}) at "
                f"{format_time(parse_time(terminated.get('finishedAt')))}"
            )
            output = quote(as_str(terminated.get("message")), 200)
            text = f"{text}: {sentence(output)}" if output else f"{text}."
            return PodProblem(
                PodIssue.FAILED, label, text, parse_time(terminated.get("finishedAt"))
            )
    text = f"Pod {facts.name} failed"
    text = f"{text} ({reason}): {sentence(detail)}" if reason or detail else f"{text}."
    return PodProblem(
        PodIssue.FAILED, reason or "Failed", text, newest_transition(facts.conditions)
    )


def _unschedulable(facts: _PodFacts, scheduled: Obj) -> PodProblem:
    detail = quote(as_str(scheduled.get("message")), 400) or "the scheduler gave no reason"
    text = f"Pod {facts.name} cannot be scheduled: {sentence(detail)}"
    requests = _requests_summary(facts.spec)
    if requests:
        text = f"{text} It requests {requests}."
    return PodProblem(PodIssue.UNSCHEDULABLE, "Unschedulable", text, condition_time(scheduled))


def _requests_summary(spec: Obj) -> str:
    parts: list[str] = []
    for container in spec.get("containers") or ():
        resources = container.get("resources") or EMPTY
        for resource, amount in (resources.get("requests") or EMPTY).items():
            parts.append(f"{resource} {amount}")
    if not parts:
        return ""
    return ", ".join(parts) + (" in total" if len(spec.get("containers") or ()) > 1 else "")


def _all_statuses(status: Obj) -> list[Obj]:
    return [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]


def _container_spec(spec: Obj, name: object) -> Obj:
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or ():
            if container.get("name") == name:
                return container  # type: ignore[no-any-return]
    return EMPTY


def _container_error(facts: _PodFacts, ready: bool) -> PodProblem | None:
    status = facts.status
    init_names = {cs.get("name") for cs in status.get("initContainerStatuses") or ()}
    for cs in _all_statuses(status):
        name = cs.get("name")
        is_init = name in init_names
        state = cs.get("state") or EMPTY
        waiting = state.get("waiting")
        last = (cs.get("lastState") or EMPTY).get("terminated")
        if waiting is not None and waiting.get("reason") in CONTAINER_ERROR_REASONS:
            if waiting["reason"] == "CrashLoopBackOff" and _oom(last):
                return _oom_problem(facts, cs, last)
            return _waiting_problem(facts, cs, waiting, last, is_init)
        terminated = state.get("terminated")
        if (
            terminated is not None
            and as_int(terminated.get("exitCode")) != 0
            and facts.phase is not PodPhase.FAILED
        ):
            if is_init:
                return _init_failed_problem(facts, cs, terminated)
            return _exited_problem(facts, cs, terminated)
        if _oom(last) and cs.get("ready") is not True and not ready:
            return _oom_problem(facts, cs, last)
    return None


def _oom(terminated: Obj | None) -> bool:
    return terminated is not None and terminated.get("reason") == "OOMKilled"


def _container_label(name: object, is_init: bool) -> str:
    return f"init container {name}" if is_init else f"container {name}"


def _oom_problem(facts: _PodFacts, cs: Obj, last: Obj | None) -> PodProblem:
    container = _container_spec(facts.spec, cs.get("name"))
    limits = (container.get("resources") or EMPTY).get("limits") or EMPTY
    limit = limits.get("memory")
    bound = f"its memory limit of {limit}" if limit else "the node's memory (no limit is set)"
    finished = parse_time((last or EMPTY).get("finishedAt"))
    text = (
        f"Container {cs.get('name')} of pod {facts.name} was OOMKilled for exceeding {bound} "
        f"and has restarted {plural(as_int(cs.get('restartCount')), 'time')}; "
        f"last killed at {format_time(finished)}."
    )
    return PodProblem(PodIssue.CONTAINER_ERROR, "OOMKilled", text, finished)


def _waiting_problem(
    facts: _PodFacts, cs: Obj, waiting: Obj, last: Obj | None, is_init: bool
) -> PodProblem:
    reason: str = waiting["reason"]
    label = _container_label(cs.get("name"), is_init)
    own = quote(as_str(waiting.get("message")))
    since = newest_transition(facts.conditions)
    if reason == "CrashLoopBackOff" and last is not None:
        finished = parse_time(last.get("finishedAt"))
        text = (
            f"The {label} of pod {facts.name} is crash-looping: it exited with code "
            f"{as_int(last.get('exitCode'))} ({_termination_label(last)}) at "
            f"{format_time(finished)} and has restarted "
            f"{plural(as_int(cs.get('restartCount')), 'time')}."
        )
        output = quote(as_str(last.get("message")), 200)
        if output:
            text = f"{text} Last words: {sentence(output)}"
        return PodProblem(PodIssue.CONTAINER_ERROR, reason, text, finished or since)
    if reason in IMAGE_REASONS:
        image = as_str(cs.get("image")) or as_str(
            _container_spec(facts.spec, cs.get("name")).get("image")
        )
        pulled = event_message(latest_event(facts.events, _IMAGE_EVENTS, f"{{{cs.get('name')}}}"))
        # Registry errors put the cause ("not found", "unauthorized") at the very end.
        detail = quote(pulled, 600) if pulled and "Back-off" in own else own or quote(pulled, 600)
        text = f'The {label} of pod {facts.name} cannot pull image "{image}" ({reason})'
        text = f"{text}: {sentence(detail)}" if detail else f"{text}."
        return PodProblem(PodIssue.CONTAINER_ERROR, reason, text, since)
    text = f"The {label} of pod {facts.name} cannot start ({reason})"
    text = f"{text}: {sentence(own)}" if own else f"{text}."
    return PodProblem(PodIssue.CONTAINER_ERROR, reason, text, since)


def _exited_problem(facts: _PodFacts, cs: Obj, terminated: Obj) -> PodProblem:
    """A container that exited with an error and has not been restarted yet (kubectl shows
    Error): the exit code and its last words say more than "not ready"."""
    finished = parse_time(terminated.get("finishedAt"))
    label = _termination_label(terminated)
    text = (
        f"Container {cs.get('name')} of pod {facts.name} exited with code "
        f"{as_int(terminated.get('exitCode'))} ({label}) at {format_time(finished)}"
    )
    restarts = as_int(cs.get("restartCount"))
    if restarts:
        text = f"{text}, after {plural(restarts, 'restart')}"
    output = quote(as_str(terminated.get("message")), 200)
    text = f"{text}: {sentence(output)}" if output else f"{text}."
    return PodProblem(PodIssue.CONTAINER_ERROR, label, text, finished)


def _init_failed_problem(facts: _PodFacts, cs: Obj, terminated: Obj) -> PodProblem:
    finished = parse_time(terminated.get("finishedAt"))
    text = (
        f"Init container {cs.get('name')} of pod {facts.name} failed with exit code "
        f"{as_int(terminated.get('exitCode'))} ({_termination_label(terminated)}) at "
        f"{format_time(finished)}; the pod cannot start until it succeeds."
    )
    output = quote(as_str(terminated.get("message")), 200)
    if output:
        text = f"{text} Last words: {sentence(output)}"
    return PodProblem(PodIssue.CONTAINER_ERROR, "InitContainerFailed", text, finished)


def _pending(facts: _PodFacts, scheduled: Obj | None) -> tuple[PodProblem | None, datetime | None]:
    started = condition_time(scheduled) or parse_time(facts.meta.get("creationTimestamp"))
    deadline = started + facts.grace if started is not None else None
    warning = latest_event(facts.events, _PENDING_EVENTS)
    if warning is not None and deadline is not None and facts.now >= deadline:
        reason = as_str(warning.get("reason")) or "Pending"
        text = (
            f"Pod {facts.name} has been pending since {format_time(started)}: "
            f"{sentence(quote(event_message(warning)))}"
        )
        return PodProblem(PodIssue.CONTAINER_ERROR, reason, text, started), None
    text = f"Pod {facts.name} is {_starting_step(facts)}"
    if facts.node_name:
        text = f"{text} on node {facts.node_name}"
    if warning is not None:
        text = f"{text}: {sentence(quote(event_message(warning)))}"
    else:
        text = f"{text}."
    reason = facts.display_reason
    if not reason.startswith("Init:") and reason != "PodInitializing":
        reason = "ContainerCreating"
    recheck = deadline if deadline is not None and facts.now < deadline else None
    return PodProblem(PodIssue.STARTING, reason, text, started), recheck


def _starting_step(facts: _PodFacts) -> str:
    """Which init container runs, so a pod stuck in ``Init:1/2`` names the one to look at."""
    step, _, total = facts.display_reason.removeprefix("Init:").partition("/")
    init_specs = facts.spec.get("initContainers") or ()
    if facts.display_reason.startswith("Init:") and step.isdigit() and int(step) < len(init_specs):
        name = as_str(init_specs[int(step)].get("name"))
        return f"running init container {name} ({int(step) + 1} of {total})"
    return "starting"


def _not_ready(facts: _PodFacts) -> tuple[PodProblem | None, datetime | None]:
    ready_cond = find_condition(facts.conditions, "Ready") or EMPTY
    statuses = facts.status.get("containerStatuses") or ()
    started = [
        parse_time(((cs.get("state") or EMPTY).get("running") or EMPTY).get("startedAt"))
        for cs in statuses
    ]
    latest_start = newest(*started)
    restarted = any(as_int(cs.get("restartCount")) > 0 for cs in statuses)
    transition = condition_time(ready_cond)
    never_ready = transition is None or latest_start is None or transition <= latest_start
    probe = event_message(latest_event(facts.events, _PROBE_EVENTS))
    if never_ready and not restarted and latest_start is not None:
        deadline = latest_start + facts.grace
        if facts.now < deadline:
            text = f"Pod {facts.name} started at {format_time(latest_start)} and is not ready yet"
            text = f"{text}: {sentence(quote(probe))}" if probe else f"{text}."
            return PodProblem(PodIssue.STARTING, "Starting", text, latest_start), deadline
    unready = [str(cs.get("name")) for cs in statuses if cs.get("ready") is not True]
    why = quote(as_str(ready_cond.get("message")))
    if not why and unready:
        why = f"containers not ready: {', '.join(unready)}"
    elif not why and ready_cond is EMPTY:
        why = "it reports no Ready condition"
    elif not why:
        cause = as_str(ready_cond.get("reason")) or "no reason given"
        why = f"its Ready condition is False ({cause}) although every container reports ready"
    text = f"Pod {facts.name} is running but not ready ({why})"
    text = f"{text}; {sentence(quote(probe))}" if probe else f"{text}."
    reason = as_str(ready_cond.get("reason")) or "ContainersNotReady"
    return PodProblem(PodIssue.NOT_READY, reason, text, transition), None
