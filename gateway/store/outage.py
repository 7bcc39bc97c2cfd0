"""What Redis raises when it is away, for every part that talks to it.

Its own module so that a reader of the cache, the rate limiter or the readiness check
can tell an outage from a bug without importing the watchers' write link.
"""

from __future__ import annotations

from redis.exceptions import BusyLoadingError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, BusyLoadingError, OSError, TimeoutError)
"""Redis is away: refused, reset, loading, or silent past our deadline (``asyncio.timeout``)."""
