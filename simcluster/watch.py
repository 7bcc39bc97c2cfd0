"""Watch streams: newline-delimited events over one chunked HTTP response.

A watch subscribes to the store before its first await, so nothing written while
its initial events go out is lost; then it drains its inbox, filters, and writes
the event lines the store encoded once for every watcher. Bookmarks, the
``initial-events-end`` marker, ``timeoutSeconds`` and the 410 for a version older
than the kept history follow the real API server.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from simcluster import errors
from simcluster.customresources import served_at
from simcluster.query import ListOptions, parse_resource_version
from simcluster.resources import ResourceType
from simcluster.store import (
    ADDED,
    DELETED,
    MODIFIED,
    Change,
    Store,
    StoredObject,
    Subscription,
    dump,
)
from simcluster.tables import column_definitions, row

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
_BATCH = 500
_TOO_LARGE_WAIT = 3.0


@dataclass(frozen=True, slots=True)
class WatchSettings:
    bookmark_interval: float = 60.0
    """Real seconds between bookmarks on a quiet watch (the real server: about a minute)."""
    default_timeout: float = 1800.0
    """Real seconds a watch without timeoutSeconds lasts, before jitter (30-60 min)."""
    inbox_limit: int = 100_000
    """Undelivered events after which a watcher is too slow and its watch is closed."""
    log_follow_limit: float = 3600.0
    """Real seconds a followed pod log (``follow=true``) streams at most."""
    streaming_lists: bool = True
    """Whether ``sendInitialEvents`` is served (the WatchList feature, beta and on since
    Kubernetes 1.32); off, it is refused with the 422 of a server with the feature off,
    so clients can be tested falling back to paged lists."""


class WatchStream:
    """One open watch, so faults can drop it."""

    def __init__(self, request: web.Request, subscription_stop: Callable[[str], None]) -> None:
        self.request = request
        self._stop = subscription_stop

    def close(self) -> None:
        self._stop("dropped")

    def reset(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Watches:
    """The open watches of one cluster."""

    def __init__(self) -> None:
        self.open: set[WatchStream] = set()

    def drop(self, *, reset: bool = False) -> int:
        streams = list(self.open)
        for stream in streams:
            if reset:
                stream.reset()
            else:
                stream.close()
        return len(streams)


Encoder = Callable[[str, StoredObject, bool], bytes]


def _json_encoder(kind: str, obj: StoredObject, first: bool) -> bytes:
    return b'{"type":"' + kind.encode() + b'","object":' + obj.data + b"}\n"


def version_encoder(resource: ResourceType) -> Encoder:
    """Events of a custom resource at the watched version, whatever version wrote them."""

    def encode(kind: str, obj: StoredObject, first: bool) -> bytes:
        return b'{"type":"' + kind.encode() + b'","object":' + served_at(obj, resource) + b"}\n"

    return encode


def table_encoder(resource: ResourceType, now: Callable[[], float], include: str) -> Encoder:
    def encode(kind: str, obj: StoredObject, first: bool) -> bytes:
        body: dict[str, Any] = {
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": str(obj.rv)},
        }
        if first:
            body["columnDefinitions"] = column_definitions(resource)
        body["rows"] = [row(resource, obj.load(), now(), include)]
        return dump({"type": kind, "object": body}) + b"\n"

    return encode


def _filtered_type(change: Change, options: ListOptions) -> str | None:
    """The event type this watcher sees, or None; leaving or entering a selector counts."""
    if not options.filtered:
        return change.type
    now_matches = options.matches(change.obj)
    if change.type == ADDED:
        return ADDED if now_matches else None
    was_matching = change.old is not None and options.matches(change.old)
    if change.type == DELETED:
        return DELETED if was_matching else None
    if now_matches and was_matching:
        return MODIFIED
    if now_matches:
        return ADDED
    return DELETED if was_matching else None


def bookmark(resource: ResourceType, rv: int, *, initial_end: bool = False) -> bytes:
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return (
        dump(
            {
                "type": "BOOKMARK",
                "object": {
                    "kind": resource.kind,
                    "apiVersion": resource.api_version,
                    "metadata": meta,
                },
            }
        )
        + b"\n"
    )


def error_line(error: errors.ApiError) -> bytes:
    return dump({"type": "ERROR", "object": error.status()}) + b"\n"


async def wait_for_version(store: Store, wanted: int) -> None:
    """A version from the future: wait briefly for it, as the watch cache does, else 504."""
    deadline = time.monotonic() + _TOO_LARGE_WAIT
    while store.resource_version < wanted:
        if time.monotonic() >= deadline:
            raise errors.too_large(wanted, store.resource_version)
        await asyncio.sleep(0.05)


async def serve_watch(
    request: web.Request,
    *,
    store: Store,
    watches: Watches,
    settings: WatchSettings,
    resource: ResourceType,
    namespace: str | None,
    options: ListOptions,
    encoder: Encoder | None = None,
) -> web.StreamResponse:
    encode = encoder or _json_encoder
    if options.initial_events is not None and not settings.streaming_lists:
        raise errors.unprocessable(
            "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless "
            "the WatchList feature gate is enabled"
        )
    version = options.resource_version
    if version not in ("", "0"):
        await wait_for_version(store, parse_resource_version(version))
    subscription = store.subscribe(resource, namespace, settings.inbox_limit)
    initial: Iterable[StoredObject] = ()
    backlog: list[Change] = []
    start_rv = store.resource_version
    expired: errors.ApiError | None = None
    send_initial = options.initial_events is True or (
        options.initial_events is None and version in ("", "0")
    )
    if send_initial:
        initial = [
            o for o in store.snapshot(resource, namespace, start_rv).objects if options.matches(o)
        ]
    elif version:
        try:
            backlog = store.history.since(int(version))
        except errors.ApiError as error:
            expired = error
    stream = WatchStream(request, subscription.stop)
    watches.open.add(stream)
    response = web.StreamResponse(
        status=200,
        headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"},
    )
    response.enable_chunked_encoding()
    try:
        await response.prepare(request)
        if expired is not None:
            await response.write(error_line(expired))
            await response.write_eof()
            return response
        first = True
        batch: list[bytes] = []
        for obj in initial:
            batch.append(encode(ADDED, obj, first))
            first = False
            if len(batch) >= _BATCH:
                await response.write(b"".join(batch))
                batch = []
        if options.initial_events is True and options.bookmarks:
            batch.append(bookmark(resource, start_rv, initial_end=True))
        for change in backlog:
            if change.obj.resource.qualified != resource.qualified:
                continue
            if namespace is not None and change.obj.namespace != namespace:
                continue
            first = _append(batch, change, options, encode, first)
        if batch:
            await response.write(b"".join(batch))
        await _stream_live(
            response,
            store=store,
            subscription=subscription,
            settings=settings,
            resource=resource,
            options=options,
            encode=encode,
            first=first,
        )
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
    except ConnectionError:
        pass
    finally:
        watches.open.discard(stream)
        store.unsubscribe(subscription)
    return response


def _append(
    batch: list[bytes], change: Change, options: ListOptions, encode: Encoder, first: bool
) -> bool:
    kind = _filtered_type(change, options)
    if kind is None:
        return first
    if encode is _json_encoder:
        batch.append(change.line(kind))
    else:
        batch.append(encode(kind, change.obj, first))
    return False


async def _stream_live(
    response: web.StreamResponse,
    *,
    store: Store,
    subscription: Subscription,
    settings: WatchSettings,
    resource: ResourceType,
    options: ListOptions,
    encode: Encoder,
    first: bool,
) -> None:
    loop = asyncio.get_running_loop()
    now = loop.time()
    if options.timeout is not None:
        deadline = now + options.timeout
    else:
        deadline = now + settings.default_timeout * (1 + random.random())
    closing_bookmark = deadline - min(2.0, (deadline - now) / 2)
    next_bookmark = min(now + settings.bookmark_interval, closing_bookmark)
    queue = subscription.queue
    while True:
        if queue:
            batch: list[bytes] = []
            while queue:
                first = _append(batch, queue.popleft(), options, encode, first)
            if batch:
                await response.write(b"".join(batch))
            continue
        if subscription.overflowed or subscription.stop_reason:
            return
        now = loop.time()
        if now >= deadline:
            return
        if options.bookmarks and now >= next_bookmark:
            await response.write(bookmark(resource, store.resource_version))
            next_bookmark = now + settings.bookmark_interval
            if next_bookmark > closing_bookmark > now:
                next_bookmark = closing_bookmark
            continue
        wake_at = min(deadline, next_bookmark) if options.bookmarks else deadline
        subscription.wake.clear()
        alarm = loop.call_at(wake_at, subscription.wake.set)
        try:
            await subscription.wake.wait()
        finally:
            alarm.cancel()
