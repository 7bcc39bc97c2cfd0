"""Faults a person or a test injects into one simulated cluster.

The gateway's watchers must survive what real API servers do: watches that end,
history compacted under them (410 Gone), throttling (429 with Retry-After),
errors (500), slowness, and the server disappearing and coming back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from simcluster import errors
from simcluster.server import ClusterServer
from simcluster.store import Store
from simcluster.watch import Watches


@dataclass(slots=True)
class _Failures:
    remaining: int = 0
    code: int = 500
    retry_after: int = 1


class Faults:
    def __init__(self, store: Store, watches: Watches, server: ClusterServer) -> None:
        self._store = store
        self._watches = watches
        self._server = server
        self._failures = _Failures()
        self.latency = 0.0
        """Seconds added before every API request is answered."""
        self._return: asyncio.TimerHandle | None = None
        self._unreachable = False

    def fail_next(self, count: int, code: int = 500, retry_after: int = 1) -> None:
        """Answer the next ``count`` API requests with 500 InternalError or 429 TooManyRequests."""
        if code not in (429, 500):
            raise ValueError("code must be 429 or 500")
        if count < 0 or retry_after < 0:
            raise ValueError("count and retry_after must not be negative")
        self._failures = _Failures(count, code, retry_after)

    def drop_watches(self, *, reset: bool = False) -> int:
        """End every open watch (cleanly, or by resetting the connection); returns how many."""
        return self._watches.drop(reset=reset)

    def compact(self) -> int:
        """Forget the history: watches and continue tokens from before now get 410."""
        self._store.compact()
        return self._store.resource_version

    @property
    def unreachable(self) -> bool:
        return self._unreachable

    async def go_unreachable(
        self, seconds: float | None = None, *, spare: asyncio.BaseTransport | None = None
    ) -> None:
        """Refuse connections (and cut open ones) until ``come_back``, or for ``seconds``.

        ``spare`` is the connection of an admin request asking for this: it is
        answered, then closed.
        """
        self._cancel_return()
        self._unreachable = True
        self._watches.drop(reset=True)
        await self._server.stop_listening(spare)
        if seconds is not None:
            loop = asyncio.get_running_loop()
            self._return = loop.call_later(seconds, lambda: loop.create_task(self.come_back()))

    async def come_back(self) -> None:
        self._cancel_return()
        self._unreachable = False
        await self._server.listen()

    def _cancel_return(self) -> None:
        if self._return is not None:
            self._return.cancel()
            self._return = None

    async def clear(self) -> None:
        self._failures = _Failures()
        self.latency = 0.0
        if self._unreachable:
            await self.come_back()

    async def before_request(self) -> None:
        """Delay or fail an API request as configured; raises the ApiError to answer with."""
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if self._failures.remaining > 0:
            self._failures.remaining -= 1
            if self._failures.code == 429:
                raise errors.too_many_requests(self._failures.retry_after)
            raise errors.internal("the simulated cluster was told to fail this request")

    def describe(self) -> dict[str, Any]:
        return {
            "failNext": self._failures.remaining,
            "failCode": self._failures.code,
            "retryAfterSeconds": self._failures.retry_after,
            "latencySeconds": self.latency,
            "unreachable": self._unreachable,
            "openWatches": len(self._watches.open),
            "oldestResourceVersion": self._store.history.floor,
            "resourceVersion": self._store.resource_version,
        }
