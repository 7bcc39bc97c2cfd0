"""One chat channel: notices queue here and go out in order, within the channel's rate.

When more notices wait than the token bucket allows right now (a flood, or the
backlog after the webhook was down), they go out as one digest instead of a queue
that would take minutes to drain.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from gateway.notify import notices
from gateway.notify.formats import Formatter
from gateway.notify.notices import Notice
from gateway.notify.ratelimit import TokenBucket
from gateway.notify.webhook import PostRejected, WebhookPoster

log = logging.getLogger(__name__)

NoticeHook = Callable[[Notice], Awaitable[None]]


class Channel:
    def __init__(
        self,
        poster: WebhookPoster,
        formatter: Formatter,
        bucket: TokenBucket,
        *,
        before_post: NoticeHook,
        after_post: NoticeHook,
        on_rejected: NoticeHook,
    ) -> None:
        self.poster = poster
        self.formatter = formatter
        self.bucket = bucket
        self.before_post = before_post
        self.after_post = after_post
        self.on_rejected = on_rejected
        self._queue: asyncio.Queue[Notice] = asyncio.Queue()
        self._current: asyncio.Task[None] | None = None
        self.digests = 0

    def put(self, notice: Notice) -> None:
        self._queue.put_nowait(notice)

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def _drain(self) -> list[Notice]:
        found = []
        while not self._queue.empty():
            found.append(self._queue.get_nowait())
        return found

    async def run(self) -> None:
        while True:
            pending = [await self._queue.get(), *self._drain()]
            if len(pending) <= self.bucket.available:
                for notice in pending:
                    self.bucket.try_take()
                    await self._post(notice)
                continue
            waited = await self.bucket.take()
            pending.extend(self._drain())
            if len(pending) == 1:
                await self._post(pending[0])
                continue
            log.info(
                "channel throttled; posting a digest",
                extra={"notices": len(pending), "waited_s": round(waited, 2)},
            )
            self.digests += 1
            await self._post(notices.digest(pending, "rate limited"))

    async def _post(self, notice: Notice) -> None:
        """Deliver in a task of its own, so stopping the channel does not cut a post short."""
        self._current = asyncio.create_task(self._deliver(notice))
        await asyncio.shield(self._current)

    async def finish(self, seconds: float) -> bool:
        """Let a post under way complete (and be recorded) for up to ``seconds``.

        True when it had to be cut while a request was on the wire: only then may the
        chat have a post the state does not record.
        """
        current = self._current
        if current is None or current.done():
            return False
        try:
            async with asyncio.timeout(seconds):
                await asyncio.shield(current)
        except TimeoutError:
            on_the_wire = self.poster.on_the_wire
            current.cancel()
            await asyncio.gather(current, return_exceptions=True)
            return on_the_wire
        return False

    async def _deliver(self, notice: Notice) -> None:
        context = {
            "notice": notice.kind.value,
            "severity": notice.severity.label,
            "transitions": len(notice.ids),
            "headline": notice.headline,
        }
        await self.before_post(notice)
        try:
            await self.poster.post(self.formatter(notice), context)
        except PostRejected:
            await self.on_rejected(notice)
            return
        await self.after_post(notice)
