"""The door every request and connection passes: who is it, what may it see, is it too much.

HTTP requests present ``Authorization: Bearer <token>``; WebSocket clients put the
token in ``connection_init`` (``Authorization`` or ``authToken``); Server-Sent Events
are HTTP. With no authentication configured (allowed only on loopback or with the
explicit insecure switch) every caller is anonymous and sees everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
