"""The door every request and connection passes: who is it, what may it see, is it too much.

HTTP requests present ``Authorization: Bearer <token>``; WebSocket clients put the
token in ``connection_init`` (``Authorization`` or ``authToken``); Server-Sent Events
are HTTP. With no authentication configured (allowed only on loopback or with the
explicit insecure switch) every caller is anonymous and sees everything.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence

from gateway.auth.authorizer import Authorizer
from gateway.auth.chain import authenticate
from gateway.auth.principal import ANONYMOUS, AuthenticationError, Authenticator, Principal
from gateway.auth.ratelimit import RateLimiter
from gateway.visibility import Visibility


class Unauthenticated(AuthenticationError):
    """No credentials where they are required."""


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Gatekeeper:
    def __init__(
        self,
        authenticators: Sequence[Authenticator],
        authorizer: Authorizer | None,
        limiter: RateLimiter | None,
    ) -> None:
        self.authenticators = list(authenticators)
        self.authorizer = authorizer
        self.limiter = limiter
        self._rechecks: dict[str, asyncio.Future[Visibility]] = {}
        """Rechecks in flight, by a digest of the credential checked."""

    @property
    def enabled(self) -> bool:
        return bool(self.authenticators)

    async def principal(self, token: str | None) -> Principal:
        """The caller behind a bearer token; Unauthenticated or AuthenticationError if none."""
        if not self.enabled:
            return ANONYMOUS
        if token is None:
            raise Unauthenticated("authentication required: send Authorization: Bearer <token>")
        return await authenticate(self.authenticators, token)

    async def from_connection_params(self, params: Mapping[str, object] | None) -> Principal:
        params = params or {}
        header = params.get("Authorization") or params.get("authorization")
        token = bearer(header) if isinstance(header, str) else None
        raw = params.get("authToken")
        if token is None and isinstance(raw, str) and raw.strip():
            token = bearer(raw) or raw.strip()
        return await self.principal(token)

    async def visibility(self, principal: Principal) -> Visibility:
        if not self.enabled or self.authorizer is None:
            return Visibility.everything()
        return await self.authorizer.visibility(principal)

    async def recheck(
        self, credential: str, principal: Callable[[], Awaitable[Principal]]
    ) -> Visibility:
        """A credential checked again for the subscriptions that outlive its first check.

        One change wakes every subscription of a tenant at once, and each whose recheck is
        due asks again: ten thousand identical checks in the same moment exhausted Redis's
        pool. Rechecks of one credential that overlap share one check (nothing is kept once
        it ends, so a revocation is seen exactly as soon as before)."""
        key = hashlib.sha256(credential.encode()).hexdigest()
        running = self._rechecks.get(key)
        if running is None:
            running = asyncio.ensure_future(self._checked(principal))
            self._rechecks[key] = running
            running.add_done_callback(lambda done: self._settled(key, done))
        return await asyncio.shield(running)

    async def _checked(self, principal: Callable[[], Awaitable[Principal]]) -> Visibility:
        return await self.visibility(await principal())

    def _settled(self, key: str, done: asyncio.Future[Visibility]) -> None:
        self._rechecks.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have gone meanwhile

    def grants_metrics(self, principal: Principal) -> bool:
        if not self.enabled or self.authorizer is None:
            return True
        return self.authorizer.grants_metrics(principal)

    async def close(self) -> None:
        for authenticator in self.authenticators:
            await authenticator.close()
        if self.limiter is not None:
            await self.limiter.close()
        if self.authorizer is not None:
            await self.authorizer.close()
