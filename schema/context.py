"""What every resolver can reach: the caller, its scoped queries, the feed hub, logs, limits.

``queries`` is always scoped to the caller: resolvers cannot reach an unscoped read
path. A WebSocket connection starts with nothing visible and gets its caller's view
in ``connection_init`` (see gateway/http/graphql.py and websocket.py). A subscription outlives the
moment its credential was checked, so it checks again every ``recheck_seconds``: a
revoked token or a narrowed rule ends or narrows what it receives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gateway.auth.principal import Principal
from gateway.auth.ratelimit import RateLimiter
from gateway.podlogs import PodLogs
from gateway.store.hub import FeedHub
from gateway.store.queries import Queries


@dataclass(frozen=True, slots=True)
class Limits:
    events_per_object: int = 20
    subscription_buffer: int = 1000
    snapshot_max: int = 20_000


@dataclass(slots=True)
class ApiContext:
    queries: Queries
    hub: FeedHub
    logs: PodLogs
    limits: Limits
    principal: Principal | None = None
    limiter: RateLimiter | None = None
    request: object = None
    response: object = None
    connection_params: dict[str, object] = field(default_factory=dict)
    reauthorize: Callable[[], Awaitable[Queries]] | None = None
    """Checks the caller's credential again and returns its queries scoped anew; raises
    AuthenticationError once the credential is refused. Long subscriptions call it."""
    recheck_seconds: float = 10.0
    connection_slots: list[tuple[str, str]] = field(default_factory=list)
    """A WebSocket's places in its subject's and its address's connection counts, given
    back when it closes."""
