"""Posting to an incoming webhook: retries with backoff and jitter, 429 Retry-After obeyed.

Connection errors, timeouts, 408, 425, 429 and 5xx are retried until the webhook
accepts the post; any other 4xx (a revoked webhook, a payload the chat rejects) will
not get better by retrying, so it is logged with the chat's answer and given up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from gateway.backoff import Backoff

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({408, 425, 429})
MAX_RETRY_AFTER = 600.0


class PostRejected(Exception):
    """The webhook refused the post for good (a 4xx other than 408, 425 and 429)."""

    def __init__(self, status: int, answer: str) -> None:
        super().__init__(f"HTTP {status}: {answer}")
        self.status = status


def redacted(url: str) -> str:
    """Webhook URLs are secrets (the token is in the path): logs show host and a hint."""
    parts = urlsplit(url)
    tail = parts.path.rstrip("/")[-4:]
    return f"{parts.scheme}://{parts.netloc}/…{tail}"


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class WebhookPoster:
    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        *,
        backoff: Backoff | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.session = session
        self.backoff = backoff or Backoff(base=1.0, cap=60.0)
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.where = redacted(url)
        self.on_the_wire = False
        """A request is under way: if it is cut now, the chat may or may not have the post."""

    async def post(self, payload: dict[str, Any], context: dict[str, Any]) -> int:
        """Post until accepted; returns the number of attempts. PostRejected if refused."""
        body = orjson.dumps(payload)
        attempt = 0
        self.backoff.reset()
        while True:
            attempt += 1
            started = time.monotonic()
            status, answer, wait = 0, "", None
            self.on_the_wire = True
            try:
                async with self.session.post(
                    self.url,
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=self.timeout,
                ) as response:
                    status = response.status
                    answer = (await response.text(errors="replace"))[:300]
                    wait = retry_after(response.headers.get("Retry-After"))
            except (aiohttp.ClientError, TimeoutError) as error:
                answer = f"{type(error).__name__}: {error}"
            finally:
                self.on_the_wire = False
            elapsed = round((time.monotonic() - started) * 1000, 1)
            details = {
                **context,
                "webhook": self.where,
                "attempt": attempt,
                "http_status": status or None,
                "elapsed_ms": elapsed,
            }
            if 200 <= status < 300:
                log.info("webhook post accepted", extra=details)
                return attempt
            if status and status < 500 and status not in RETRIED_STATUSES:
                log.error(
                    "webhook refused the post; giving up", extra={**details, "answer": answer}
                )
                raise PostRejected(status, answer)
            delay = self.backoff.next_delay()
            if wait is not None and status in (429, 503):
                delay = wait
            log.warning(
                "webhook post failed; retrying",
                extra={**details, "answer": answer, "retry_in": round(delay, 2)},
            )
            await asyncio.sleep(delay)
