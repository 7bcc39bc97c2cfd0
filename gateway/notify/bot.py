"""The notifier: the gateway's feeds in, grouped and rate-limited notices out.

``run_notifier`` is the entry point both the command and the tests use. Every
transition received is journaled as pending with its feed's cursor (``state``),
judged with the others of its grouping window (``triage``), and leaves the journal
when its notice is posted or when it is dropped as not worth a post.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import aiohttp

from gateway.backoff import Backoff
from gateway.notify.channel import Channel
from gateway.notify.config import NotifierConfig
from gateway.notify.feed import (
    FeedItem,
    GatewayFeed,
    Positioned,
    Received,
    Restarted,
    SnapshotTaken,
)
from gateway.notify.formats import FORMATS
from gateway.notify.model import CLUSTERS, STREAMS, WORKLOADS
from gateway.notify.notices import Notice, NoticeKind
from gateway.notify.ratelimit import TokenBucket
from gateway.notify.state import StateFile
from gateway.notify.triage import Batch, Triage
from gateway.notify.webhook import WebhookPoster, redacted

log = logging.getLogger(__name__)

SAVE_EVERY = 1.0
"""Seconds between saves of what changed without a post (received or dropped transitions)."""


class Notifier:
    def __init__(self, config: NotifierConfig) -> None:
        self.config = config
        self.state_file = StateFile(config.state_file)
        self.state = self.state_file.load()
        cursors = self.state.cursors
        self.triage = Triage(
            self.state,
            config.filter,
            min_severity=config.min_severity,
            digest_after=config.digest_after,
            resent=frozenset(self.state.inflight),
        )
        self.feed = GatewayFeed(
            config.gateway,
            config.filter,
            {s: cursors.get(s) for s in STREAMS},
            token=config.current_token,
            snapshot_first=WORKLOADS not in cursors,
            gap=not self.state.fresh,
            snapshot_quiet=config.snapshot_quiet,
            reconnect=Backoff(base=config.reconnect_base, cap=config.reconnect_cap),
        )
        self._latest: dict[str, str] = dict(cursors)
        self._summary_waiting = False
        """A summary is queued: the workload cursor is not saved past its snapshot until
        it is posted, so a restart takes the snapshot (and posts the summary) again."""
        self._batch = Batch()
        self._batch_open = asyncio.Event()
        for _, transition in self.state.pending.values():
            self._batch.add(transition)
        if self.state.pending:
            self._batch_open.set()
        self._dirty = False
        self.channel: Channel | None = None

    @property
    def idle(self) -> bool:
        """Everything received is posted or dropped, and nothing waits to be judged or sent."""
        return (
            not self._batch_open.is_set()
            and not self.state.pending
            and not (self.channel is not None and self.channel.waiting)
        )

    async def run(self) -> None:
        """Until cancelled; raises FatalFeedError when the gateway refuses the subscriptions."""
        log.info(
            "notifier starting",
            extra={
                "gateway": self.config.gateway,
                "webhook": redacted(self.config.webhook),
                "format": self.config.format,
                "min_severity": self.config.min_severity.label,
                "state_file": str(self.config.state_file),
                "resuming": not self.state.fresh,
                "pending": len(self.state.pending),
            },
        )
        async with aiohttp.ClientSession() as session:
            poster = WebhookPoster(
                self.config.webhook,
                session,
                backoff=Backoff(base=self.config.retry_base, cap=self.config.retry_cap),
                timeout=self.config.post_timeout,
            )
            self.channel = Channel(
                poster,
                FORMATS[self.config.format],
                TokenBucket(self.config.per_minute, self.config.burst),
                before_post=self._before_post,
                after_post=self._after_post,
                on_rejected=self._after_rejected,
            )
            tasks = [
                asyncio.create_task(self.feed.run(self._receive), name="notifier-feed"),
                asyncio.create_task(self.channel.run(), name="notifier-channel"),
                asyncio.create_task(self._judge_batches(), name="notifier-batches"),
                asyncio.create_task(self._save_now_and_then(), name="notifier-saver"),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    task.result()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if not await self.channel.finish(self.config.post_timeout):
                    self.state.inflight = []
                await self._save()
                log.info("notifier stopped", extra={"state_file": str(self.config.state_file)})

    # ---- feed in -------------------------------------------------------------------

    async def _receive(self, item: FeedItem) -> None:
        if isinstance(item, Received):
            first = item.stream not in self._latest
            self._advance(item.stream, item.cursor)
            change = item.transition
            if change.id in self.state.posted or change.id in self.state.pending:
                log.info("transition already handled; skipped", extra={"transition": change.id})
                return
            self.state.pending[change.id] = (item.stream, change)
            self._batch.add(change)
            self._batch_open.set()
            if first:
                await self._save()
        elif isinstance(item, SnapshotTaken):
            notice = self.triage.summary(item.abnormal, item.gap, item.error)
            if notice is None:
                if item.cursor is not None:
                    self._advance(WORKLOADS, item.cursor)
            else:
                self._summary_waiting = True
                if item.cursor is not None:
                    self._latest[WORKLOADS] = item.cursor
                self._send(notice)
        elif isinstance(item, Positioned):
            self._advance(item.stream, item.cursor)
            await self._save()
        elif isinstance(item, Restarted):
            self._latest.pop(item.stream, None)
            self.state.cursors.pop(item.stream, None)
            if item.stream == CLUSTERS:
                self.triage.forget_clusters()
            self._dirty = True

    def _advance(self, stream: str, cursor: str) -> None:
        self._latest[stream] = cursor
        if not (stream == WORKLOADS and self._summary_waiting):
            self.state.cursors[stream] = cursor
        self._dirty = True

    async def _judge_batches(self) -> None:
        while True:
            await self._batch_open.wait()
            await asyncio.sleep(self.config.window)
            batch, self._batch = self._batch, Batch()
            self._batch_open.clear()
            verdict = self.triage.judge(batch)
            log.info(
                "burst judged",
                extra={"transitions": len(batch), "notices": len(verdict.notices)},
            )
            self._forget(verdict.dropped)
            for notice in verdict.notices:
                self._send(notice)
            self._dirty = True

    def _send(self, notice: Notice) -> None:
        assert self.channel is not None, "the channel exists while the feed runs"
        self.channel.put(notice)

    # ---- bookkeeping ---------------------------------------------------------------

    def _forget(self, ids: Iterable[str]) -> None:
        for done in ids:
            self.state.pending.pop(done, None)

    async def _before_post(self, notice: Notice) -> None:
        self.state.inflight = list(notice.ids)
        await self._save()

    async def _after_post(self, notice: Notice) -> None:
        self.state.remember_posted(list(notice.ids))
        self._forget(notice.ids)
        self.state.inflight = []
        for key, incident in notice.incidents:
            self.state.set_incident(key, incident)
        self._release_summary(notice)
        await self._save()

    async def _after_rejected(self, notice: Notice) -> None:
        self.triage.withdraw(notice)
        self._forget(notice.ids)
        self.state.inflight = []
        self._release_summary(notice)
        await self._save()

    def _release_summary(self, notice: Notice) -> None:
        if NoticeKind.SUMMARY in {notice.kind, *(p.kind for p in notice.parts)}:
            self._summary_waiting = False
            if WORKLOADS in self._latest:
                self.state.cursors[WORKLOADS] = self._latest[WORKLOADS]

    async def _save(self) -> None:
        self._dirty = False
        await self.state_file.save(self.state)

    async def _save_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY)
            if self._dirty:
                await self._save()


async def run_notifier(config: NotifierConfig) -> None:
    """The bot, until cancelled: state saved on the way out, pending bursts replayed later."""
    await Notifier(config).run()
