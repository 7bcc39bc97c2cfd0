"""Errors of the read side, each with the code the API hands to clients."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from gateway import metrics
from gateway.store.outage import OUTAGE_ERRORS

READ_SECONDS = 5.0
"""Longer than any healthy read of the cache; past it the client is told, not kept waiting."""

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


class QueryError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class StoreUnavailable(QueryError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "UNAVAILABLE")


def bounded(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """A read with a deadline; Redis being away becomes StoreUnavailable, said plainly."""

    @functools.wraps(method)
    async def read(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            async with asyncio.timeout(READ_SECONDS):
                with metrics.REDIS_SECONDS.labels("read").time():
                    return await method(self, *args, **kwargs)
        except OUTAGE_ERRORS as error:
            metrics.REDIS_ERRORS.labels("read").inc()
            raise StoreUnavailable(
                f"the cache is unavailable ({type(error).__name__}: {error or 'no answer'}); "
                "try again shortly"
            ) from error

    return cast(Callable[Concatenate[S, P], Coroutine[Any, Any, R]], read)
