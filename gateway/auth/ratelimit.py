"""Per-subject limits kept in Redis, so every replica counts against the same budget.

Requests and new subscriptions per minute are fixed one-minute windows (INCR with an
expiry). Concurrent subscriptions are a sorted set of subscription ids scored by an
expiry that the holding replica renews: a replica that dies stops renewing, and its
subscriptions stop counting within two minutes instead of leaking forever.

The limits fail closed: when Redis cannot count (away, full, read-only, refusing the
password) the caller is refused with StoreUnavailable (503 UNAVAILABLE), not let
through uncounted; nothing could be answered without Redis anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator

from gateway.config import RateLimits
from gateway.redis_connect import Client
from gateway.store.errors import StoreUnavailable
from gateway.store.keys import Keys
from gateway.store.outage import OUTAGE_ERRORS

WINDOW_SECONDS = 60
HOLD_SECONDS = 120
RENEW_SECONDS = 40


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@contextlib.contextmanager
def _counted_in_redis() -> Iterator[None]:
    try:
        yield
    except OUTAGE_ERRORS as error:
        raise StoreUnavailable(
            f"the rate limits cannot be counted ({type(error).__name__}: {error}); "
            "try again shortly"
        ) from error


def _subject_key(subject: str) -> str:
    """Subjects are hashed into keys: they can be long, odd, or personal data."""
    return hashlib.sha256(subject.encode()).hexdigest()[:24]


class RateLimiter:
    def __init__(self, client: Client, keys: Keys, limits: RateLimits) -> None:
        self.client = client
        self.keys = keys
        self.limits = limits
        self._held: dict[str, str] = {}
        self._renewer: asyncio.Task[None] | None = None

    async def _count(self, kind: str, subject: str, limit: int) -> None:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"{self.keys.prefix}:rl:{kind}:{_subject_key(subject)}:{window}"
        with _counted_in_redis():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
                used, _ = await pipe.execute()
        if int(used) > limit:
            retry = (window + 1) * WINDOW_SECONDS - now
            raise RateLimited(f"more than {limit} {kind} per minute for {subject}", max(retry, 1.0))

    async def request(self, subject: str) -> None:
        """One operation, on any transport: an HTTP request, or a query or subscription
        started on a WebSocket."""
        await self._count("requests", subject, self.limits.requests_per_minute)

    async def check_failures(self, address: str) -> None:
        """Refuse an address that failed to authenticate too often this minute, before its
        next guess is even checked."""
        window = int(time.time() // WINDOW_SECONDS)
        key = f"{self.keys.prefix}:rl:failed:{_subject_key(address)}:{window}"
        with _counted_in_redis():
            failed = await self.client.get(key)
        limit = self.limits.failed_logins_per_minute
        if failed is not None and int(failed) >= limit:
            retry = (window + 1) * WINDOW_SECONDS - time.time()
            raise RateLimited(
                f"more than {limit} failed authentications per minute from {address}",
                max(retry, 1.0),
            )

    async def failed(self, address: str) -> None:
        window = int(time.time() // WINDOW_SECONDS)
        key = f"{self.keys.prefix}:rl:failed:{_subject_key(address)}:{window}"
        with _counted_in_redis():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
                await pipe.execute()

    async def hold_connection(self, subject: str, address: str) -> list[tuple[str, str]]:
        """Count one open WebSocket for its subject and its source address; RateLimited
        when either already has as many as allowed. Give what it returns to ``release``."""
        held: list[tuple[str, str]] = []
        try:
            for kind, owner, limit in (
                ("connections", subject, self.limits.connections_per_subject),
                ("address", address, self.limits.connections_per_address),
            ):
                held.append(await self._hold(kind, owner, limit))
        except BaseException:
            await self.release(held)
            raise
        return held

    async def _hold(self, kind: str, owner: str, limit: int) -> tuple[str, str]:
        key = f"{self.keys.prefix}:rl:{kind}:{_subject_key(owner)}"
        member = uuid.uuid4().hex
        now = time.time()
        with _counted_in_redis():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now)
                pipe.zcard(key)
                _, active = await pipe.execute()
            if int(active) >= limit:
                raise RateLimited(
                    f"{owner} already has {active} open connections (at most {limit})",
                    float(WINDOW_SECONDS),
                )
            await self.client.zadd(key, {member: now + HOLD_SECONDS})
        self._held[member] = key
        self._ensure_renewer()
        return key, member

    async def release(self, held: list[tuple[str, str]]) -> None:
        for key, member in held:
            self._held.pop(member, None)
            with contextlib.suppress(*OUTAGE_ERRORS):
                await self.client.zrem(key, member)

    @contextlib.asynccontextmanager
    async def subscription(self, subject: str) -> AsyncIterator[None]:
        """Hold one of the subject's concurrent subscriptions for the duration."""
        await self._count("subscriptions", subject, self.limits.subscriptions_per_minute)
        key = f"{self.keys.prefix}:rl:active:{_subject_key(subject)}"
        member = uuid.uuid4().hex
        now = time.time()
        with _counted_in_redis():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now)
                pipe.zcard(key)
                _, active = await pipe.execute()
        if int(active) >= self.limits.concurrent_subscriptions:
            raise RateLimited(
                f"{subject} already has {active} open subscriptions "
                f"(at most {self.limits.concurrent_subscriptions})",
                float(WINDOW_SECONDS),
            )
        with _counted_in_redis():
            await self.client.zadd(key, {member: now + HOLD_SECONDS})
        self._held[member] = key
        self._ensure_renewer()
        try:
            yield
        finally:
            self._held.pop(member, None)
            with contextlib.suppress(*OUTAGE_ERRORS):
                await self.client.zrem(key, member)

    def _ensure_renewer(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._renew(), name="subscription-holds")

    async def _renew(self) -> None:
        while self._held:
            await asyncio.sleep(RENEW_SECONDS)
            expiry = time.time() + HOLD_SECONDS
            with contextlib.suppress(*OUTAGE_ERRORS):
                async with self.client.pipeline(transaction=False) as pipe:
                    for member, key in list(self._held.items()):
                        pipe.zadd(key, {member: expiry}, xx=True)
                    await pipe.execute()

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
