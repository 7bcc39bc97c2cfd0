"""One list+watch loop for one resource of one cluster, in the manner of client-go's reflector.

List, hand the list over page by page, then watch from the list's resourceVersion
with bookmarks, keeping the version of every event seen. The list is a streaming
one where the API server offers it (a watch with ``sendInitialEvents``: the objects
arrive as ADDED events, then a bookmark marked ``k8s.io/initial-events-end``, and the
same stream goes on as the watch), else paged from one snapshot; see
``Reflector.sync`` for how a server without streaming lists is recognised. A 410
(on the watch, or on a continue token) relists; 429 waits as told; any other
failure backs off with jitter. Every failure is logged with cluster, resource and
cause: at debug when the API server itself fails (the cluster watcher warns once for
all resources), as a warning when it refuses this resource. Bodies are read raw and
parsed with orjson: the generated models are far too slow for 100,000 pods.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import orjson

from gateway import metrics
from gateway.backoff import Backoff
from gateway.status.fields import Obj
from gateway.watch.health import ContactTracker
from gateway.watch.resources import Resource

log = logging.getLogger(__name__)

PAGE_SIZE = 500
WATCH_SECONDS = 300
READ_TIMEOUT_SECONDS = 90
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
REFUSAL_REMINDER_SECONDS = 60.0
"""How often a resource the API server keeps refusing (403, 404) is warned about again."""
OBJECTS_PER_TURN = 64
"""Objects handed to the sink before the loop gets a turn. A page, or a burst of watch
events already buffered by aiohttp, is read without any await that suspends: 1,000 pods
of a scale-up would hold the event loop (probes, queries, subscribers) for 100-200 ms."""


class Sink(Protocol):
    def begin_listing(self, kind: str) -> None: ...

    def list_page(self, kind: str, items: list[Obj]) -> None: ...

    def end_listing(self, kind: str) -> None: ...

    def apply(self, kind: str, event_type: str, obj: Obj) -> None: ...


class NotStreamed(Exception):
    """The API server does not stream lists of this resource: page them instead."""


class Expired(Exception):
    """The requested resourceVersion is older than the server keeps: relist."""


class Throttled(Exception):
    def __init__(self, retry_after: float, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ApiFailure(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"HTTP {status} {reason}: {message}")
        self.status = status


@dataclass(slots=True)
class ReflectorStats:
    events: int = 0
    lists: int = 0
    relists_after_expiry: int = 0
    errors: int = 0
    listed_objects: int = 0
    last_list_seconds: float = 0.0
    resource_version: str = ""
    streamed_lists: int = 0
    """Lists received as a watch's initial events (the others were paged)."""
    refused: bool = False
    """The API server refuses this resource (403, 404) now: a first sync that can do
    without it (a custom kind, the CRDs) goes on instead of waiting for the refusal to end."""


ListCall = Callable[..., Awaitable[Any]]


def _status_error(status: int, body: bytes, headers: Any) -> Exception:
    """The exception a non-2xx answer stands for, from its Kubernetes Status object."""
    try:
        parsed = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        parsed = {}
    parsed = parsed if isinstance(parsed, dict) else {}
    reason = str(parsed.get("reason") or "")
    message = str(parsed.get("message") or body[:200].decode(errors="replace"))
    if status == 410:
        return Expired(message)
    if status == 429:
        details = parsed.get("details")
        retry = details.get("retryAfterSeconds") if isinstance(details, dict) else None
        header = headers.get("Retry-After") if headers is not None else None
        seconds = float(retry or header or 1)
        return Throttled(seconds, message)
    return ApiFailure(status, reason, message)


class Reflector:
    def __init__(
        self,
        cluster: str,
        resource: Resource,
        list_call: ListCall,
        sink: Sink,
        contact: ContactTracker,
        *,
        page_size: int = PAGE_SIZE,
        watch_seconds: int = WATCH_SECONDS,
    ) -> None:
        self.cluster = cluster
        self.resource = resource
        self.list_call = list_call
        self.sink = sink
        self.contact = contact
        self.page_size = page_size
        self.watch_seconds = watch_seconds
        self.synced = asyncio.Event()
        self.stats = ReflectorStats()
        self._context = {"cluster": cluster, "resource": resource.plural}
        self._backoff = Backoff()
        self._seen: str | None = None
        """The newest resourceVersion seen since the last complete list, None before one."""
        self.streaming = True
        """Whether the next list is asked for as a stream; false for good once the
        server has shown it does not stream this resource."""
        self._refusal_warned = float("-inf")
        self._counted = {
            kind: metrics.WATCH_EVENTS.labels(cluster, resource.plural, kind)
            for kind in ("ADDED", "MODIFIED", "DELETED")
        }
        self._lists = metrics.WATCH_LISTS.labels(cluster, resource.plural)
        self._expired = metrics.WATCH_EXPIRED.labels(cluster, resource.plural)
        self._errors = metrics.WATCH_ERRORS.labels(cluster, resource.plural)

    async def run(self) -> None:
        """Watch from the last version seen; list again only when that version has expired.

        The version seen is kept through every failure, also when a streamed list's watch
        fails: that stream is the watch, and relisting a hundred thousand pods because a
        connection dropped would cost a first sync each time."""
        while True:
            try:
                if self._seen is None:
                    self._seen = await self.sync()
                await self.watch_from(self._seen)
            except Expired as error:
                self._seen = None
                self.stats.relists_after_expiry += 1
                self._expired.inc()
                log.info("watch expired, relisting", extra={**self._context, "cause": str(error)})
            except Throttled as error:
                self.contact.succeeded()
                log.warning(
                    "throttled by the API server",
                    extra={**self._context, "cause": str(error), "retry_after": error.retry_after},
                )
                await asyncio.sleep(error.retry_after)
            except (aiohttp.ClientError, TimeoutError, ApiFailure, OSError, ValueError) as error:
                self.stats.errors += 1
                self._errors.inc()
                cause = f"{type(error).__name__}: {error}"
                delay = self._backoff.next_delay()
                self.stats.refused = isinstance(error, ApiFailure) and error.status < 500
                if not self.stats.refused:
                    # The API server itself: the cluster watcher says so once for all of
                    # its resources (the server not answering, unreachable, back).
                    self.contact.failed(cause)
                    level = logging.DEBUG
                else:
                    level = self._refusal_level()
                log.log(
                    level,
                    "list/watch failed, retrying",
                    extra={**self._context, "cause": cause, "retry_in": round(delay, 2)},
                )
                await asyncio.sleep(delay)

    def _refusal_level(self) -> int:
        """A refusal of this resource alone (403, 404): a warning, repeated once a minute
        while it lasts, the retries in between at debug."""
        now = time.monotonic()
        if now - self._refusal_warned < REFUSAL_REMINDER_SECONDS:
            return logging.DEBUG
        self._refusal_warned = now
        return logging.WARNING

    async def _request(self, **params: Any) -> aiohttp.ClientResponse:
        response: aiohttp.ClientResponse = await self.list_call(_preload_content=False, **params)
        if response.status != 200:
            body = await response.read()
            response.release()
            raise _status_error(response.status, body, response.headers)
        self.contact.succeeded()
        self._backoff.reset()
        self._refusal_warned = float("-inf")
        self.stats.refused = False
        return response

    async def sync(self) -> str:
        """List, streamed if the server can, else paged; returns the version to watch from.

        A streamed list goes on as a watch, so this returns only when that stream ends.
        The server shows that it does not stream lists by refusing the parameters (422,
        or 400: an API server before 1.27 forbids ``resourceVersionMatch`` on a watch,
        one with the WatchList feature off forbids ``sendInitialEvents``), by a client
        call without them (the custom objects API), or by a stream that does not behave
        like one: an event other than ADDED, or a bookmark without the end marker, before
        the marker (a server that ignored the parameters and watches from now), or the
        stream ending before it. Any of these pages this list and every later one: the
        objects handed over so far stay, and the paged list that follows says which of
        them are gone."""
        if self.streaming:
            try:
                return await self.stream_all()
            except NotStreamed as error:
                self.streaming = False
                log.info(
                    "lists are not streamed here, paging them",
                    extra={**self._context, "cause": str(error)},
                )
        return await self.list_all()

    async def stream_all(self) -> str:
        """The list as a watch's initial events, then that watch, until it ends."""
        started = time.perf_counter()
        try:
            response = await self._request(
                watch=True,
                send_initial_events=True,
                resource_version_match="NotOlderThan",
                allow_watch_bookmarks=True,
                timeout_seconds=self.watch_seconds,
                _request_timeout=_watch_timeout(),
            )
        except TypeError as error:
            raise NotStreamed(f"the client cannot ask for it: {error}") from None
        except ApiFailure as error:
            if error.status in (400, 422):
                raise NotStreamed(str(error)) from None
            raise
        self.sink.begin_listing(self.resource.kind)
        return await self._consume(response, "", _Listing(started))

    async def list_all(self) -> str:
        """Every page of one snapshot; a continue token that expired mid-way starts over."""
        started = time.perf_counter()
        listed = 0
        token = ""
        version = ""
        kind = self.resource.kind
        self.sink.begin_listing(kind)
        while True:
            params: dict[str, Any] = {
                "limit": self.page_size,
                "_request_timeout": (10, READ_TIMEOUT_SECONDS),
            }
            if token:
                params["_continue"] = token
            response = await self._request(**params)
            try:
                page = orjson.loads(await response.read())
            finally:
                response.release()
            metadata = page.get("metadata") or {}
            version = str(metadata.get("resourceVersion") or version)
            items = page.get("items") or []
            for item in items:
                item.setdefault("kind", kind)
            for start in range(0, len(items), OBJECTS_PER_TURN):
                self.sink.list_page(kind, items[start : start + OBJECTS_PER_TURN])
                await asyncio.sleep(0)
            listed += len(items)
            token = str(metadata.get("continue") or "")
            if not token:
                break
        self._listed(listed, started, version)
        return version

    def _listed(self, listed: int, started: float, version: str) -> None:
        self.sink.end_listing(self.resource.kind)
        self.stats.lists += 1
        self._lists.inc()
        self.stats.listed_objects = listed
        self.stats.last_list_seconds = time.perf_counter() - started
        self.stats.resource_version = version
        self.synced.set()

    async def watch_from(self, version: str) -> str:
        """Watch until the server ends the stream; returns the newest version seen."""
        response = await self._request(
            watch=True,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=self.watch_seconds,
            _request_timeout=_watch_timeout(),
        )
        return await self._consume(response, version, None)

    async def _consume(
        self, response: aiohttp.ClientResponse, version: str, listing: _Listing | None
    ) -> str:
        """A watch stream's events to the sink; while ``listing``, its initial events."""
        kind = self.resource.kind
        handed = 0
        try:
            async for line in response.content:
                if not line.strip():
                    continue
                event = orjson.loads(line)
                event_type = event.get("type")
                obj = event.get("object") or {}
                self.contact.succeeded()
                if event_type == "ERROR":
                    raise _status_error(int(obj.get("code") or 500), orjson.dumps(obj), None)
                meta = obj.get("metadata") or {}
                version = str(meta.get("resourceVersion") or version)
                if listing is not None:
                    if await self._initial(listing, str(event_type), obj, version):
                        listing = None
                        self._seen = version
                    continue
                self._seen = version
                if event_type == "BOOKMARK":
                    continue
                self.stats.events += 1
                counter = self._counted.get(event_type)
                if counter is not None:
                    counter.inc()
                obj.setdefault("kind", kind)
                self.sink.apply(kind, str(event_type), obj)
                handed += 1
                if handed % OBJECTS_PER_TURN == 0:
                    await asyncio.sleep(0)
        finally:
            response.release()
        if listing is not None:
            raise NotStreamed("the stream ended before the initial-events-end bookmark")
        self.stats.resource_version = version
        return version

    async def _initial(
        self, listing: _Listing, event_type: str, obj: dict[str, Any], version: str
    ) -> bool:
        """One event of a streamed list; true once it is the end marker."""
        kind = self.resource.kind
        if event_type == "BOOKMARK":
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            if annotations.get(INITIAL_EVENTS_END) != "true":
                raise NotStreamed("a bookmark came before the initial-events-end one")
            self.sink.list_page(kind, listing.page)
            self.stats.streamed_lists += 1
            self._listed(listing.listed + len(listing.page), listing.started, version)
            return True
        if event_type != "ADDED":
            raise NotStreamed(f"a {event_type} event came before the initial-events-end bookmark")
        obj.setdefault("kind", kind)
        listing.page.append(obj)
        if len(listing.page) >= OBJECTS_PER_TURN:
            self.sink.list_page(kind, listing.page)
            listing.listed += len(listing.page)
            listing.page = []
            await asyncio.sleep(0)
        return False


@dataclass(slots=True)
class _Listing:
    """A streamed list under way: the objects not yet handed over, and how many were."""

    started: float
    listed: int = 0
    page: list[Obj] = field(default_factory=list)


def _watch_timeout() -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(sock_connect=10, sock_read=READ_TIMEOUT_SECONDS)
