"""Kubernetes TokenReview: people use the tokens they already have for a cluster.

The API server of the chosen cluster says who a token belongs to. Its answers, yes
and no alike, are kept for ``cacheSeconds`` under the token's sha256 (the whole
digest: the short fingerprint shown in audit logs is too short to be a safe key),
so a client repeating a token, or a flood of bad ones, costs the API server one call
per token and period; at most ``max_in_flight`` reviews run at once, and concurrent
requests with the same token share one review; a caller waits at most ``timeout``
seconds, queueing included.

The response is read raw: the client library logs preloaded response bodies at
debug level, and a TokenReview response carries the token back in its spec.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast

import aiohttp
from kubernetes_asyncio import client

from gateway.auth.principal import AuthenticationError, Principal, fingerprint
from gateway.auth.redact import redacted
from gateway.auth.unavailable import VerificationUnavailable
from gateway.clusters import ClusterConfigError, ClusterSource, api_client
from gateway.config import TokenReview

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
MAX_CACHED = 10_000
MAX_IN_FLIGHT = 8

Outcome = Principal | str
"""A review's answer: the caller, or why the API server refused the token."""


def _hint(status: int) -> str:
    if status in (401, 403):
        return "the gateway's credentials must allow create on tokenreviews.authentication.k8s.io"
    if status == 404:
        return "the API server does not serve authentication.k8s.io/v1 TokenReview"
    return "see the API server's message"


class TokenReviewAuthenticator:
    """Asks one cluster's API server about every token that reaches it (always its kind)."""

    name = "token-review"

    def __init__(
        self,
        settings: TokenReview,
        source: ClusterSource,
        *,
        timeout: float = TIMEOUT_SECONDS,
        max_cached: int = MAX_CACHED,
        max_in_flight: int = MAX_IN_FLIGHT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.source = source
        self._timeout = timeout
        self._max_cached = max_cached
        self._clock = clock
        self._slots = asyncio.Semaphore(max_in_flight)
        self._api: client.ApiClient | None = None
        self._cache: OrderedDict[bytes, tuple[float, Outcome]] = OrderedDict()
        self._pending: dict[bytes, asyncio.Task[Outcome]] = {}

    async def authenticate(self, token: str) -> Principal | None:
        key = hashlib.sha256(token.encode()).digest()
        outcome = self._cached(key)
        if outcome is None:
            review = self._pending.get(key)
            if review is None:
                review = asyncio.create_task(self._review(token))
                self._pending[key] = review
                review.add_done_callback(lambda done: self._settled(key, done))
            outcome = await asyncio.shield(review)
        if isinstance(outcome, str):
            raise AuthenticationError(outcome)
        return outcome

    def _cached(self, key: bytes) -> Outcome | None:
        found = self._cache.get(key)
        if found is None:
            return None
        expires, outcome = found
        if self._clock() >= expires:
            del self._cache[key]
            return None
        return outcome

    def _settled(self, key: bytes, review: asyncio.Task[Outcome]) -> None:
        """Remember a finished review's answer; an unreachable API server is not remembered."""
        self._pending.pop(key, None)
        if review.cancelled() or review.exception() is not None:
            return
        if self.settings.cache_seconds <= 0:
            return
        self._cache[key] = (self._clock() + self.settings.cache_seconds, review.result())
        self._cache.move_to_end(key)
        while len(self._cache) > self._max_cached:
            self._cache.popitem(last=False)

    async def _client(self) -> client.ApiClient:
        if self._api is None:
            self._api = await api_client(self.source)
        return self._api

    async def _review(self, token: str) -> Outcome:
        cluster = self.source.name
        spec = client.V1TokenReviewSpec(
            token=token, audiences=list(self.settings.audiences) or None
        )
        try:
            async with asyncio.timeout(self._timeout), self._slots:
                api = client.AuthenticationV1Api(await self._client())
                # Unparsed, the call answers with the HTTP response (typed as the model).
                response = cast(
                    aiohttp.ClientResponse,
                    await api.create_token_review(
                        client.V1TokenReview(spec=spec), _preload_content=False
                    ),
                )
                try:
                    status, body = response.status, await response.read()
                finally:
                    response.release()
        except (aiohttp.ClientError, TimeoutError, OSError, ClusterConfigError) as error:
            cause = redacted(f"{type(error).__name__}: {error}", token)
            logger.warning(
                "TokenReview failed: no answer from the API server",
                extra={"cluster": cluster, "cause": cause, "timeout": self._timeout},
            )
            raise VerificationUnavailable from None
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if status not in (200, 201) or not isinstance(answer, dict):
            message = answer.get("message") if isinstance(answer, dict) else None
            cause = redacted(f"HTTP {status}: {message or 'unreadable answer'}", token)
            logger.error(
                "TokenReview failed: the API server did not review the token",
                extra={"cluster": cluster, "cause": cause, "hint": _hint(status)},
            )
            raise VerificationUnavailable
        return self._outcome(answer.get("status") or {}, token)

    def _outcome(self, status: dict[str, Any], token: str) -> Outcome:
        cluster = self.source.name
        if status.get("authenticated") is not True:
            error = status.get("error")
            reason = redacted(error, token) if isinstance(error, str) and error else "not valid"
            return f"token refused by cluster {cluster}: {reason}"
        wanted = set(self.settings.audiences)
        if wanted and not wanted & set(status.get("audiences") or ()):
            return f"token refused by cluster {cluster}: audience mismatch"
        user = status.get("user") or {}
        username = user.get("username")
        groups = user.get("groups") or []
        if not isinstance(username, str) or not username:
            return f"token refused by cluster {cluster}: no username in the review"
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            return f"token refused by cluster {cluster}: unreadable groups in the review"
        return Principal(username, frozenset(groups), self.name, fingerprint(token))

    async def close(self) -> None:
        pending = list(self._pending.values())
        for review in pending:
            review.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._api is not None:
            await self._api.close()
            self._api = None
