"""A WebSocket's credential, checked again for as long as the socket stays open.

A socket authenticates once, in ``connection_init``; a token removed from the token
file, a JWT past its ``exp`` or a Kubernetes token that no longer reviews must not keep
answering on a socket opened earlier. So the credential is checked before every
operation the socket starts (a query, a subscription with its snapshot or replay) and
every ``recheck_seconds`` while it stays open, quiet or not; once refused, the socket
is closed with 4403 and the reason. The check is the one HTTP requests pass
(``Gatekeeper.principal``), so its bounds are theirs: the token file is looked at every
5 s, TokenReview answers are cached for ``cacheSeconds``, a JWT's ``exp`` is read each
time (with the configured clock skew).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from gateway.auth import audit
from gateway.auth.principal import AuthenticationError
from schema.context import ApiContext

log = logging.getLogger(__name__)

REFUSED = 4403
"""The close code graphql-transport-ws gives a refused client; the legacy protocol has none
of its own, and uses the same."""


class SocketCredential:
    def __init__(self, context: ApiContext, close: Callable[[int, str], Awaitable[None]]) -> None:
        self.context = context
        self.close = close
        self._timer: asyncio.Task[None] | None = None
        self.refused = False

    async def still_accepted(self) -> bool:
        """Check again (scoping the caller's queries anew); close the socket if refused."""
        reauthorize = self.context.reauthorize
        if self.refused:
            return False
        if reauthorize is None:
            return True
        try:
            self.context.queries = await reauthorize()
        except AuthenticationError as error:
            self.refused = True
            audit.denied(self.context.principal, "websocket", str(error))
            log.info("websocket closed: credential refused", extra={"cause": str(error)})
            await self.close(REFUSED, f"credential no longer accepted: {error}")
            return False
        return True

    def watch(self) -> None:
        """Check on a timer from now on, for a connection just acknowledged."""
        if self.context.reauthorize is not None and self._timer is None:
            self._timer = asyncio.create_task(self._every_while(), name="socket-credential")

    async def _every_while(self) -> None:
        while await self._after(self.context.recheck_seconds):
            pass

    async def _after(self, seconds: float) -> bool:
        await asyncio.sleep(seconds)
        return await self.still_accepted()

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
