"""The notifier: the gateway's feeds in, grouped and rate-limited notices out.

``run_notifier`` is the entry point both the command and the tests use. The bot
keeps, per feed, the cursor up to which everything is posted or deliberately
dropped (``progress``), saves it with the posted transition ids and open incidents
(``state``), and resumes from there after a restart.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from gateway.notify.channel import Channel
from gateway.notify.config import NotifierConfig
from gateway.notify.feed import FeedItem, GatewayFeed, Received, Restarted, SnapshotTaken
from gateway.notify.formats import FORMATS
from gateway.notify.model import STREAMS, WORKLOADS, PodTransition, ReachabilityTransition
from gateway.notify.notices import Accounting, Notice
from gateway.notify.progress import StreamProgress
from gateway.notify.ratelimit import TokenBucket
from gateway.notify.state import StateFile
from gateway.notify.triage import Batch, Triage
from gateway.notify.webhook import WebhookPoster, redacted
from gateway.watch.backoff import Backoff

log = logging.getLogger(__name__)

SAVE_EVERY = 1.0
"""Seconds between saves of progress that did not come from a post (dropped events)."""


class Notifier:
    def __init__(self, config: NotifierConfig) -> None:
        self.config = config
        self.state_file = StateFile(config.state_file)
        self.state = self.state_file.load()
        cursors = self.state.cursors
        self.progress = {s: StreamProgress(cursors.get(s)) for s in STREAMS}
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
            token=config.token,
            snapshot_first=WORKLOADS not in cursors,
            gap=not self.state.fresh,
            snapshot_quiet=config.snapshot_quiet,
            reconnect=Backoff(base=config.reconnect_base, cap=config.reconnect_cap),
        )
        self._batch = Batch()
        self._batch_open = asyncio.Event()
        self._dirty = False
        self.channel: Channel | None = None

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
                await self._save()
                log.info("notifier stopped", extra={"state_file": str(self.config.state_file)})

    # ---- feed in -------------------------------------------------------------------

    async def _receive(self, item: FeedItem) -> None:
        if isinstance(item, Received):
            progress = self.progress[item.stream]
            seq = progress.received(item.cursor)
            change = item.transition
            if change.id in self.state.posted:
                log.info("transition already posted; skipped", extra={"transition": change.id})
                self._settle([(item.stream, seq)])
                return
            if isinstance(change, PodTransition):
                self._batch.pods.append((change, seq))
            elif isinstance(change, ReachabilityTransition):
                self._batch.clusters.append((change, seq))
            else:
                self._batch.workloads[change.key].append((change, seq))
            self._batch_open.set()
        elif isinstance(item, SnapshotTaken):
            accounting = Accounting()
            if item.cursor is not None:
                accounting.progress.append(
                    (WORKLOADS, self.progress[WORKLOADS].received(item.cursor))
                )
            notice = self.triage.summary(item.abnormal, item.gap, item.error, accounting)
            if notice is None:
                self._settle(accounting.progress)
            else:
                self._send(notice)
            self._dirty = True
        elif isinstance(item, Restarted):
            self.progress[item.stream].restart(None)
            self.state.cursors.pop(item.stream, None)
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
            self._settle(verdict.settled)
            for notice in verdict.notices:
                self._send(notice)
            self._dirty = True

    def _send(self, notice: Notice) -> None:
        assert self.channel is not None
        self.channel.put(notice)

    # ---- bookkeeping ---------------------------------------------------------------

    def _settle(self, events: list[tuple[str, int]] | tuple[tuple[str, int], ...]) -> None:
        for stream, seq in events:
            progress = self.progress[stream]
            if progress.done(seq) and progress.durable is not None:
                self.state.cursors[stream] = progress.durable
                self._dirty = True

    async def _before_post(self, notice: Notice) -> None:
        self.state.inflight = list(notice.ids)
        await self._save()

    async def _after_post(self, notice: Notice) -> None:
        self.state.remember_posted(list(notice.ids))
        self.state.inflight = []
        self._settle(notice.progress)
        await self._save()

    async def _after_rejected(self, notice: Notice) -> None:
        self.state.inflight = []
        self._settle(notice.progress)
        await self._save()

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
