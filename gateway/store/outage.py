"""What Redis raises when it is away or refuses to serve, for every part that talks to it.

Its own module so that a reader of the cache, the rate limiter or the readiness check
can tell an outage from a bug without importing the watchers' write link.
"""

from __future__ import annotations

from redis.exceptions import (
    AskError,
    BusyLoadingError,
    ClusterError,
    ExecAbortError,
    NoPermissionError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisClusterUnreachableError,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OUTAGE_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    BusyLoadingError,
    OutOfMemoryError,
    ReadOnlyError,
    NoPermissionError,
    ExecAbortError,
    OSError,
    TimeoutError,
    ClusterError,
    TryAgainError,
    AskError,
    SlotNotCoveredError,
    RedisClusterUnreachableError,
)
"""Redis is away or will not serve: refused, reset, loading, silent past our deadline
(``asyncio.timeout``), refusing the password (an AuthenticationError is a
ConnectionError), full under ``noeviction`` (OOM; a transaction with a refused command
ends in EXECABORT), a read-only replica, or an ACL that forbids a command. In Redis
Cluster also: a primary down (CLUSTERDOWN, a slot no node serves, no node answering), a
slot mid-migration (TRYAGAIN), or redirections that did not settle within the client's
retries (MOVED, ASK) while the slot map changes. Each is the operator's to fix, none the
caller's: callers get 503 UNAVAILABLE, writers keep their mirrors and rewrite the cache
once Redis takes writes again."""
