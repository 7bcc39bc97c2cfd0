"""The gateway the crossing tests ask, with the tenants' rules; each module fills its cache
through its own ``mirrors`` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, running_gateway
from tests.scoping.tenants import auth_config


@pytest.fixture
async def gw(
    redis_server: EmbeddedRedis, mirrors: dict[str, ClusterMirror], tmp_path: Path
) -> AsyncIterator[RunningGateway]:
    async with running_gateway(redis_server.url, auth=auth_config(tmp_path)) as running:
        yield running
