"""The gateway's three change feeds, followed for as long as the bot runs.

One WebSocket carries the workload, pod and cluster subscriptions. After any
disconnect, server-side error or gateway restart, each subscription resumes from the
last cursor it received, so nothing is missed and nothing is received twice. When
the gateway no longer holds the history after a cursor (CURSOR_EXPIRED), the
workload feed starts over with a snapshot of what is abnormal now, which the bot
posts as one summary rather than as a flood of old changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    WebSocketException,
)

from gateway.backoff import Backoff
from gateway.notify import documents, parse
from gateway.notify.filters import ChannelFilter
from gateway.notify.model import CLUSTERS, PODS, WORKLOADS, Transition, WorkloadTransition
from gateway.notify.transport import GraphQLSocket, ProtocolError, ServerMessage, graphql_socket

log = logging.getLogger(__name__)

FIELDS = {
    WORKLOADS: "workloadStatusChanged",
    PODS: "podStatusChanged",
    CLUSTERS: "clusterReachabilityChanged",
}
POSITION_SECONDS = 10.0
CURSOR_EXPIRED = "CURSOR_EXPIRED"
BAD_USER_INPUT = "BAD_USER_INPUT"


@dataclass(frozen=True, slots=True)
class Received:
    stream: str
    cursor: str
    transition: Transition


@dataclass(frozen=True, slots=True)
class SnapshotTaken:
    """What is abnormal now, when the bot starts afresh or after a hole in the history."""

    cursor: str | None
    abnormal: tuple[WorkloadTransition, ...]
    gap: bool
    error: str = ""


@dataclass(frozen=True, slots=True)
class Restarted:
    """A feed lost its history and continues from now; earlier positions mean nothing."""

    stream: str


@dataclass(frozen=True, slots=True)
class Positioned:
    """Where a feed stands before its first change: kept, so a restart resumes from here."""

    stream: str
    cursor: str


FeedItem = Received | SnapshotTaken | Restarted | Positioned


class FatalFeedError(Exception):
    """The gateway refuses what the bot asks (a bad filter, an unknown field): stop."""


@dataclass(slots=True)
class _Snapshot:
    gap: bool
    items: list[WorkloadTransition] = field(default_factory=list)
    cursor: str | None = None
    refused: str = ""
    """Why the gateway refused the snapshot (too many workloads): follow changes only."""


class GatewayFeed:
    def __init__(
        self,
        url: str,
        channel_filter: ChannelFilter,
        cursors: dict[str, str | None],
        *,
        token: Callable[[], str | None] = lambda: None,
        snapshot_first: bool,
        gap: bool = False,
        snapshot_quiet: float = 1.0,
        reconnect: Backoff | None = None,
        resubscribe: Backoff | None = None,
    ) -> None:
        self.url = url
        self.filter = channel_filter
        self.since = dict(cursors)
        self.token = token
        self._snapshot: _Snapshot | None = _Snapshot(gap=gap) if snapshot_first else None
        self.snapshot_quiet = snapshot_quiet
        self.reconnect = reconnect or Backoff(base=0.5, cap=30.0)
        self.resubscribe = resubscribe or Backoff(base=0.5, cap=10.0)
        self.connections = 0
        self.connected = asyncio.Event()

    @property
    def snapshot_pending(self) -> bool:
        """A snapshot is asked for and not complete yet: live changes are not followed yet."""
        return self._snapshot is not None

    async def run(self, deliver: Callable[[FeedItem], Awaitable[None]]) -> None:
        """Follow the feeds until cancelled; FatalFeedError when the gateway refuses the bot.

        A lost connection is a warning once; the attempts to reconnect are debug lines,
        until the connection that says how long the gateway was away.
        """
        loop = asyncio.get_running_loop()
        lost_at: float | None = None
        while True:
            cause, refused = "", False
            try:
                async with graphql_socket(self.url, self.token()) as socket:
                    self.connections += 1
                    context: dict[str, object] = {
                        "gateway": self.url,
                        "connection": self.connections,
                    }
                    if lost_at is not None:
                        context["away_seconds"] = round(loop.time() - lost_at, 1)
                        lost_at = None
                    log.info("connected to the gateway", extra=context)
                    await self._position(socket, deliver)
                    operations = {await self._subscribe(socket, s): s for s in FIELDS}
                    self.connected.set()
                    self.reconnect.reset()
                    await self._pump(socket, operations, deliver)
            except (OSError, TimeoutError, WebSocketException, ProtocolError) as error:
                cause = f"{type(error).__name__}: {error}"
                if isinstance(error, InvalidHandshake):
                    cause = f"handshake refused: {error}"
                refused = _refused_credentials(error)
            finally:
                self.connected.clear()
            delay = self.reconnect.next_delay()
            lost = {"gateway": self.url, "cause": cause, "retry_in": round(delay, 2)}
            if refused:
                log.error("the gateway refused the notifier's credentials; retrying", extra=lost)
            else:
                first = lost_at is None
                log.log(
                    logging.WARNING if first else logging.DEBUG,
                    "gateway connection lost; reconnecting"
                    if first
                    else "gateway still not reachable; retrying",
                    extra=lost,
                )
            if lost_at is None:
                lost_at = loop.time()
            await asyncio.sleep(delay)

    async def _position(
        self, socket: GraphQLSocket, deliver: Callable[[FeedItem], Awaitable[None]]
    ) -> None:
        """Ask where each feed without a cursor ends now, before subscribing to it.

        Without this a feed has no cursor until its first change arrives, and what
        happens while the bot is away before then could not be replayed. An empty
        snapshot, too, hands out no cursor: the one asked for here stands in for it.
        """
        for stream in FIELDS:
            if self.since.get(stream) is not None:
                continue
            answer = await socket.ask(
                documents.FEED_CURSOR, {"feed": stream.upper()}, POSITION_SECONDS
            )
            cursor = ((answer or {}).get("data") or {}).get("feedCursor")
            if not isinstance(cursor, str):
                log.warning(
                    "the gateway did not say where its feed ends; following it from now",
                    extra={"stream": stream, "cause": str(answer)[:200]},
                )
                continue
            if stream == WORKLOADS and self._snapshot is not None:
                self._snapshot.cursor = self._snapshot.cursor or cursor
                continue
            self.since[stream] = cursor
            await deliver(Positioned(stream, cursor))

    async def _subscribe(self, socket: GraphQLSocket, stream: str) -> str:
        since = self.since.get(stream)
        if stream == WORKLOADS:
            snapshot = self._snapshot is not None and not self._snapshot.refused
            variables = documents.workload_variables(
                self.filter.workload_filter(), None if snapshot else since, snapshot
            )
            return await socket.subscribe(documents.WORKLOAD_CHANGES, variables)
        if stream == PODS:
            variables = documents.pod_variables(self.filter.pod_filter(), since)
            return await socket.subscribe(documents.POD_CHANGES, variables)
        return await socket.subscribe(documents.CLUSTER_CHANGES, documents.cluster_variables(since))

    async def _pump(
        self,
        socket: GraphQLSocket,
        operations: dict[str, str],
        deliver: Callable[[FeedItem], Awaitable[None]],
    ) -> None:
        loop = asyncio.get_running_loop()
        quiet_until = loop.time() + self.snapshot_quiet
        while True:
            message: ServerMessage | None = None
            if self._snapshot is None:
                message = await socket.receive()
            else:
                try:
                    async with asyncio.timeout(max(quiet_until - loop.time(), 0)):
                        message = await socket.receive()
                except TimeoutError:
                    await self._finish_snapshot(deliver)
                    continue
            stream = operations.get(message.operation)
            if stream is None:
                continue
            if message.type == "error":
                raise FatalFeedError(
                    f"the gateway refused the {stream} subscription: {message.payload}"
                )
            if message.type == "complete":
                del operations[message.operation]
                log.info(
                    "the gateway ended a subscription; resubscribing", extra={"stream": stream}
                )
                operations[await self._subscribe(socket, stream)] = stream
                continue
            payload: dict[str, Any] = message.payload or {}
            if payload.get("errors"):
                del operations[message.operation]
                await self._on_errors(stream, payload["errors"], deliver)
                operations[await self._subscribe(socket, stream)] = stream
                quiet_until = loop.time() + self.snapshot_quiet
                continue
            change = (payload.get("data") or {}).get(FIELDS[stream])
            if not isinstance(change, dict) or not isinstance(change.get("cursor"), str):
                raise ProtocolError(f"a {stream} change without data: {str(payload)[:200]}")
            if stream == WORKLOADS and parse.is_snapshot_end(change):
                # The marker after the snapshot names no workload; its cursor resumes
                # right after the snapshot, so the snapshot ends here, not after a quiet spell.
                if self._snapshot is not None:
                    self._snapshot.cursor = change["cursor"]
                    await self._finish_snapshot(deliver)
                self.since[stream] = change["cursor"]
                continue
            if self._snapshot is not None and stream == WORKLOADS:
                if parse.is_snapshot(change):
                    self._snapshot.items.append(parse.workload(change))
                    self._snapshot.cursor = change["cursor"]
                    quiet_until = loop.time() + self.snapshot_quiet
                    continue
                await self._finish_snapshot(deliver)
            self.resubscribe.reset()
            try:
                transition = _transition(stream, change)
            except (KeyError, ValueError, TypeError) as error:
                log.error(
                    "a change the notifier cannot read; skipped",
                    extra={"stream": stream, "cause": repr(error), "change": str(change)[:500]},
                )
            else:
                await deliver(Received(stream, change["cursor"], transition))
            self.since[stream] = change["cursor"]

    async def _finish_snapshot(self, deliver: Callable[[FeedItem], Awaitable[None]]) -> None:
        taken = self._snapshot
        if taken is None:
            return
        self._snapshot = None
        if taken.cursor is not None:
            self.since[WORKLOADS] = taken.cursor
        await deliver(SnapshotTaken(taken.cursor, tuple(taken.items), taken.gap, taken.refused))

    async def _on_errors(
        self,
        stream: str,
        errors: list[dict[str, Any]],
        deliver: Callable[[FeedItem], Awaitable[None]],
    ) -> None:
        first = errors[0] if errors else {}
        code = (first.get("extensions") or {}).get("code", "")
        text = str(first.get("message", first))
        context = {"stream": stream, "code": code, "cause": text}
        refused_cursor = code == BAD_USER_INPUT and self.since.get(stream) is not None
        if code == CURSOR_EXPIRED or refused_cursor:
            log.warning(
                "the gateway cannot resume from the cursor; starting over from now",
                extra=context,
            )
            self.since[stream] = None
            await deliver(Restarted(stream))
            if stream == WORKLOADS:
                self._snapshot = _Snapshot(gap=True)
            return
        if code == BAD_USER_INPUT:
            taken = self._snapshot
            if stream == WORKLOADS and taken is not None and not taken.refused:
                log.error("the gateway refused the snapshot; following changes only", extra=context)
                taken.refused = text
                return
            raise FatalFeedError(f"the gateway refused the {stream} subscription: {text}")
        delay = self.resubscribe.next_delay()
        log.warning(
            "subscription failed; resuming from the last cursor",
            extra={**context, "retry_in": round(delay, 2)},
        )
        await asyncio.sleep(delay)


def _refused_credentials(error: Exception) -> bool:
    """401/403 on the handshake, or graphql-transport-ws close 4401/4403 after connection_init."""
    if isinstance(error, InvalidStatus):
        return error.response.status_code in (401, 403)
    if isinstance(error, ConnectionClosed) and error.rcvd is not None:
        return error.rcvd.code in (4401, 4403)
    return False


def _transition(stream: str, change: dict[str, Any]) -> Transition:
    if stream == WORKLOADS:
        return parse.workload(change)
    if stream == PODS:
        return parse.pod(change)
    return parse.reachability(change)
