"""The gatekeeper a gateway runs with, built from the ``auth`` configuration."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.auth.authorizer import Authorizer
from gateway.auth.chain import build_authenticators
from gateway.auth.gatekeeper import Gatekeeper
from gateway.auth.ratelimit import RateLimiter
from gateway.auth.rbac import RbacReviews
from gateway.clusters import ClusterSource
from gateway.config import Auth
from gateway.redis_connect import Client
from gateway.store.keys import Keys
from gateway.store.reader import StoreReader


def build_gatekeeper(
    auth: Auth,
    sources: Sequence[ClusterSource],
    reader: StoreReader,
    client: Client,
    keys: Keys,
) -> Gatekeeper:
    authenticators = build_authenticators(auth, sources) if auth.configured else []
    rbac = RbacReviews(sources, auth.rbac.cache_seconds) if auth.rbac.enabled else None
    return Gatekeeper(
        authenticators,
        Authorizer(auth, reader, rbac),
        RateLimiter(client, keys, auth.rate_limits),
    )
