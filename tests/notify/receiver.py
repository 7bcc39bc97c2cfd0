"""A real incoming-webhook receiver on a free port: records posts, fails when told to."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from gateway.redis_server import free_port


@dataclass(frozen=True, slots=True)
class Post:
    body: dict[str, Any]
    at: float
    """Loop time when it arrived."""


@dataclass(slots=True)
class Failure:
    status: int
    remaining: int | None
    """How many more requests fail; None: until ``recover``."""
    retry_after: str | None = None


@dataclass(slots=True)
class WebhookReceiver:
    port: int
    posts: list[Post] = field(default_factory=list)
    refused: list[tuple[int, float]] = field(default_factory=list)
    """(status, loop time) of every request answered with an error."""
    failure: Failure | None = None
    on_post: Callable[[dict[str, Any]], object] | None = None
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/T000/B000/secret"

    def fail(self, status: int, times: int | None = None, retry_after: str | None = None) -> None:
        self.failure = Failure(status, times, retry_after)

    def recover(self) -> None:
        self.failure = None

    async def handle(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        failure = self.failure
        if failure is not None:
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self.failure = None
            self.refused.append((failure.status, loop.time()))
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            async with self.arrived:
                self.arrived.notify_all()
            return web.Response(status=failure.status, text="try later", headers=headers)
        body = await request.json()
        if self.on_post is not None:
            self.on_post(body)
        async with self.arrived:
            self.posts.append(Post(body, loop.time()))
            self.arrived.notify_all()
        return web.Response(text="ok")

    async def wait_for(self, check: Callable[[list[Post]], bool], within: float = 15.0) -> None:
        """Until ``check(posts)`` holds; fails with what arrived after ``within`` seconds."""
        try:
            async with asyncio.timeout(within), self.arrived:
                await self.arrived.wait_for(lambda: check(self.posts))
        except TimeoutError:
            raise AssertionError(
                f"webhook condition not met within {within}s; posts: "
                f"{[p.body.get('title', p.body) for p in self.posts]}"
            ) from None

    async def wait_for_posts(self, count: int, within: float = 15.0) -> list[Post]:
        await self.wait_for(lambda posts: len(posts) >= count, within)
        return self.posts

    async def wait_for_refusals(self, count: int, within: float = 15.0) -> None:
        async with asyncio.timeout(within), self.arrived:
            await self.arrived.wait_for(lambda: len(self.refused) >= count)


@contextlib.asynccontextmanager
async def webhook_receiver(port: int | None = None) -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver(port or free_port())
    app = web.Application()
    app.router.add_post("/hooks/{path:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", receiver.port)
    await site.start()
    try:
        yield receiver
    finally:
        await runner.cleanup()
