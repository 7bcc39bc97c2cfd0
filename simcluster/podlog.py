"""``GET /api/v1/namespaces/NS/pods/NAME/log``: container logs, as text/plain.

The request goes the way it goes on a real cluster: options validated (400, 422),
the pod read (404), the container chosen (400 with the choices), no node yet
(204, empty), the node's kubelet out of reach (500), the kubelet choosing the run
(400 saying why there is none); then the lines of that run, computed from the
clock as they are written out, in chunks, so a long log costs no memory.

With ``follow`` the response stays open and each line is written when the
simulated clock reaches it, until the run ends (its last words are written
first), the pod or its node goes, the client leaves (aiohttp cancels the handler),
``limitBytes`` is spent, the cluster stops or ``log_follow_limit`` passes.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from simcluster import errors
from simcluster.clock import SimClock
from simcluster.containerlogs import ContainerLog, Run
from simcluster.logoptions import parse_log_options
from simcluster.logscripts import NS
from simcluster.logsource import choose_container, same_run, select_run, writer_for
from simcluster.nodes import NodeState, node_state
from simcluster.registry import Registry
from simcluster.resources import NODES, PODS
from simcluster.store import Store, Subscription, object_key
from simcluster.watch import WatchSettings

CHUNK = 64 * 1024
POLL = 0.25
"""Real seconds between looks at a followed pod when nothing wakes the follower: a
clock that jumped or a node that went silent is noticed within this."""
INBOX = 10_000
"""Pod changes a follower may have unread (its namespace's); past that it reads the
store instead, which can only miss a run's last words if the pod is gone too."""
_HEADERS = {"Content-Type": "text/plain", "Cache-Control": "no-cache, private"}


class LogStreams:
    """The followed logs of one cluster: counted for the admin API, ended when it stops."""

    def __init__(self) -> None:
        self.open: set[Subscription] = set()

    def close_all(self) -> int:
        streams = list(self.open)
        for subscription in streams:
            subscription.stop("closed")
        return len(streams)


@dataclass(frozen=True, slots=True)
class LogContext:
    store: Store
    registry: Registry
    clock: SimClock
    streams: LogStreams
    settings: WatchSettings

    def now(self) -> int:
        return round(self.clock.time() * NS)


async def serve_log(
    request: web.Request, context: LogContext, namespace: str, name: str
) -> web.StreamResponse:
    options = parse_log_options(request.query, name)
    pod = context.registry.get(PODS, namespace, name).load()
    container = choose_container(pod, options.container)
    node_name = str((pod.get("spec") or {}).get("nodeName") or "")
    if not node_name:
        return web.Response(status=204)
    _dial_kubelet(context, pod, node_name, container)
    run = select_run(pod, container, previous=options.previous)
    log = ContainerLog(writer_for(pod, container), run)
    now = context.now()
    count = log.count(now)
    start = log.first(count)
    if options.tail_lines is not None:
        start = max(start, count - options.tail_lines)
    since = options.since(now)
    if since is not None:
        start = log.index_at(since, start, count)
    response = web.StreamResponse(status=200, headers=_HEADERS)
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        budget = await _write(
            response,
            log,
            range(start, count),
            timestamps=options.timestamps,
            budget=options.limit_bytes,
        )
        if options.follow and run.running and budget != 0:
            await _follow(
                response,
                context,
                log,
                position=count,
                timestamps=options.timestamps,
                budget=budget,
                key=(namespace, name),
            )
        await response.write_eof()
    except ConnectionError:
        pass
    return response


def _dial_kubelet(context: LogContext, pod: dict[str, Any], node: str, container: str) -> None:
    """The API server dials the node's kubelet: a missing node is a 404, a silent one a 500."""
    stored = context.store.get(NODES, "", node)
    if stored is None:
        raise errors.not_found(NODES, node)
    if node_state(stored.load()) is NodeState.UNREACHABLE:
        meta = pod["metadata"]
        address = f"{(pod.get('status') or {}).get('hostIP') or node}:10250"
        raise errors.unknown(
            500,
            f'Get "https://{address}/containerLogs/{meta.get("namespace")}/{meta["name"]}/'
            f'{container}": dial tcp {address}: connect: no route to host',
        )


async def _write(
    response: web.StreamResponse,
    log: ContainerLog,
    lines: range,
    *,
    timestamps: bool,
    budget: int | None,
) -> int | None:
    """Write lines [start, end), at most ``budget`` bytes (cutting a line as the kubelet
    does); returns what is left of the budget."""
    chunk: list[bytes] = []
    size = 0
    for index in lines:
        data = log.render(index, timestamps)
        if budget is not None:
            if len(data) >= budget:
                chunk.append(data[:budget])
                budget = 0
                break
            budget -= len(data)
        chunk.append(data)
        size += len(data)
        if size >= CHUNK:
            await response.write(b"".join(chunk))
            chunk, size = [], 0
    if chunk:
        await response.write(b"".join(chunk))
    return budget


async def _follow(
    response: web.StreamResponse,
    context: LogContext,
    log: ContainerLog,
    *,
    position: int,
    timestamps: bool,
    budget: int | None,
    key: tuple[str, str],
) -> None:
    """Write the run's lines as the clock reaches them, then its last words when it ends.

    The follower reads its namespace's pod changes (so a pod deleted right after its
    container stopped still has the stopped status read) and the store; it wakes on a
    change, when the next line is due, or every POLL.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + context.settings.log_follow_limit
    subscription = context.store.subscribe(PODS, key[0], INBOX)
    context.streams.open.add(subscription)
    try:
        while budget != 0 and not subscription.stop_reason and loop.time() < deadline:
            subscription.wake.clear()
            run = _latest(context, subscription, key, log)
            if run is None:
                return
            if not run.running:
                ended = ContainerLog(log.writer, run)
                lines = range(min(position, ended.end_index), ended.count(0))
                await _write(response, ended, lines, timestamps=timestamps, budget=budget)
                return
            count = log.count(context.now())
            if count > position:
                lines = range(position, count)
                budget = await _write(response, log, lines, timestamps=timestamps, budget=budget)
                position = count
            wait = min(POLL, max(deadline - loop.time(), 0.0))
            next_at = log.time_of(position)
            if next_at is not None:
                wait = min(wait, context.clock.real_seconds((next_at - context.now()) / NS))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await subscription.wake.wait()
    finally:
        context.streams.open.discard(subscription)
        context.store.unsubscribe(subscription)


def _latest(
    context: LogContext, subscription: Subscription, key: tuple[str, str], log: ContainerLog
) -> Run | None:
    """The followed run as last written, or None once it cannot go on: replaced, its pod
    gone, or its node out of reach."""
    container, container_id = log.writer.name, log.run.container_id
    wanted = object_key(*key)
    queue = subscription.queue
    while queue:
        change = queue.popleft()
        if change.obj.key == wanted:
            run = same_run(change.obj.load(), container, container_id)
            if run is None or not run.running:
                return run
    stored = context.store.get(PODS, *key)
    if stored is None:
        return None
    node = context.store.get(NODES, "", stored.fields["spec.nodeName"])
    if node is None or node_state(node.load()) is NodeState.UNREACHABLE:
        return None
    return same_run(stored.load(), container, container_id)
