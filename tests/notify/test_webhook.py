"""Posting to a real webhook receiver: retries, Retry-After, refusals, an absent server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import pytest

from gateway.backoff import Backoff
from gateway.notify.ratelimit import TokenBucket
from gateway.notify.webhook import PostRejected, WebhookPoster, redacted, retry_after
from gateway.redis_server import free_port
from tests.notify.receiver import WebhookReceiver, webhook_receiver

QUICK = Backoff(base=0.05, cap=0.2)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30.0
    assert retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("86400", now) == 600.0, "capped: a broken header cannot stall the bot"
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_logs_never_show_the_webhook_token() -> None:
    url = "https://hooks.slack.com/services/T0001/B0002/XXXXsecretYYYY"
    assert redacted(url) == "https://hooks.slack.com/…YYYY"


async def test_server_errors_are_retried_until_accepted(receiver: WebhookReceiver) -> None:
    receiver.fail(500, times=2)
    async with aiohttp.ClientSession() as session:
        poster = WebhookPoster(receiver.url, session, backoff=QUICK)
        attempts = await poster.post({"text": "hello"}, {})
    assert attempts == 3
    assert [p.body for p in receiver.posts] == [{"text": "hello"}]
    assert [status for status, _ in receiver.refused] == [500, 500]


async def test_429_waits_as_long_as_retry_after_says(receiver: WebhookReceiver) -> None:
    receiver.fail(429, times=1, retry_after="1")
    async with aiohttp.ClientSession() as session:
        await WebhookPoster(receiver.url, session, backoff=QUICK).post({"text": "x"}, {})
    [(_, refused_at)] = receiver.refused
    assert receiver.posts[0].at - refused_at >= 0.9


async def test_a_refusal_that_retrying_cannot_fix_is_given_up(receiver: WebhookReceiver) -> None:
    receiver.fail(404, times=5)
    async with aiohttp.ClientSession() as session:
        poster = WebhookPoster(receiver.url, session, backoff=QUICK)
        with pytest.raises(PostRejected) as refused:
            await poster.post({"text": "x"}, {})
    assert refused.value.status == 404
    assert len(receiver.refused) == 1


async def test_a_webhook_that_is_not_there_yet_gets_the_post_when_it_comes() -> None:
    port = free_port()
    async with aiohttp.ClientSession() as session:
        poster = WebhookPoster(f"http://127.0.0.1:{port}/hooks/x", session, backoff=QUICK)
        posting = asyncio.create_task(poster.post({"text": "late"}, {}))
        await asyncio.sleep(0.3)
        assert not posting.done()
        async with webhook_receiver(port) as receiver:
            attempts = await asyncio.wait_for(posting, 10)
            assert [p.body for p in receiver.posts] == [{"text": "late"}]
    assert attempts > 1


def test_the_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(per_minute=60, burst=3, clock=lambda: now[0])
    assert [bucket.try_take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5
    assert bucket.available == 0
    now[0] = 1.0
    assert bucket.try_take() is True
    now[0] = 100.0
    assert bucket.available == 3, "never more than the burst"
    with pytest.raises(ValueError, match="burst at least 1"):
        TokenBucket(per_minute=60, burst=0)


async def test_taking_from_an_empty_bucket_waits_for_the_next_token() -> None:
    bucket = TokenBucket(per_minute=600, burst=1)
    assert bucket.try_take()
    waited = await bucket.take()
    assert waited > 0
