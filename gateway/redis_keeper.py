"""Keeps the embedded Valkey running: a killed or crashed server is started again.

Without it a dead embedded server stays dead: every request fails while ``/healthz``
says the process is fine, so no liveness probe ever restarts the pod. The keeper looks
every second; a server that exited is started again on the same port (with backoff and
jitter between failed attempts, each logged with its cause), and the store link is told
Redis was lost, so the watchers rewrite every cluster into the empty server as after any
Redis loss. The feed hub sees the feeds' new epoch and ends live subscriptions with
CURSOR_EXPIRED. If it cannot be started again for ``DEAD_SECONDS``, the keeper says the
process is no longer alive, and ``/healthz`` turns 503 so that Kubernetes restarts it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from gateway.backoff import Backoff
from gateway.redis_server import EmbeddedRedis, RedisServerError
from gateway.store.link import StoreLink

log = logging.getLogger(__name__)

LOOK_EVERY_SECONDS = 1.0
DEAD_SECONDS = 60.0
"""How long the embedded server may stay down before the process declares itself dead."""


class RedisKeeper:
    def __init__(self, server: EmbeddedRedis, link: StoreLink) -> None:
        self.server = server
        self.link = link
        self.restarts = 0
        self.down_since: float | None = None
        self._backoff = Backoff(base=0.5, cap=10.0)

    @property
    def alive(self) -> bool:
        return self.down_since is None or time.monotonic() - self.down_since < DEAD_SECONDS

    async def run(self) -> None:
        while True:
            await asyncio.sleep(LOOK_EVERY_SECONDS)
            if self.server.running:
                continue
            await self._restart()

    async def _restart(self) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.error(
                "embedded redis exited; starting it again",
                extra={"exit_code": self.server.exit_code, "url": self.server.url},
            )
            self.link.lost("the embedded redis exited")
        try:
            await self.server.start()
        except (RedisServerError, OSError) as error:
            delay = self._backoff.next_delay()
            log.error(
                "embedded redis did not start again; retrying",
                extra={"cause": str(error), "retry_in": round(delay, 2)},
            )
            await asyncio.sleep(delay)
            return
        self.restarts += 1
        self._backoff.reset()
        log.warning(
            "embedded redis started again; the cache is being rewritten",
            extra={
                "down_seconds": round(time.monotonic() - self.down_since, 1),
                "restarts": self.restarts,
            },
        )
        self.down_since = None
