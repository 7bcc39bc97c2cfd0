"""What every resolver can reach: the cache's queries, the feed hub, pod logs and limits."""

from __future__ import annotations

from dataclasses import dataclass

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
    request: object = None
    response: object = None
