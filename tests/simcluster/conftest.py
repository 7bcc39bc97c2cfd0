"""Fixtures for the simulated cluster tests: a running fleet and real clients to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import kubernetes
import pytest
import pytest_asyncio
from kubernetes_asyncio import client

from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings

from .helpers import Kubectl, api_from, kubectl_binary

TIME_SCALE = 40.0
"""Simulated seconds per real second: a pod starts in about 50 ms."""


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(
        time_scale=TIME_SCALE,
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.3),
    ) as started:
        yield started


@pytest.fixture
def cluster(fleet: SimulatedFleet) -> SimulatedCluster:
    return fleet["sim-1"]


@pytest_asyncio.fixture
async def api(fleet: SimulatedFleet) -> AsyncIterator[client.ApiClient]:
    """kubernetes_asyncio configured from the fleet's kubeconfig."""
    async with api_from(fleet.kubeconfig) as api_client:
        yield api_client


@pytest.fixture
def official(fleet: SimulatedFleet) -> Iterator[kubernetes.client.ApiClient]:
    """The official (synchronous) client; call it through asyncio.to_thread."""
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(fleet.kubeconfig), context="sim-1", client_configuration=configuration
    )
    api_client = kubernetes.client.ApiClient(configuration)
    yield api_client
    api_client.close()  # type: ignore[no-untyped-call]


@pytest_asyncio.fixture
async def http(cluster: SimulatedCluster) -> AsyncIterator[aiohttp.ClientSession]:
    """A bare HTTP session on the cluster's URL, for what no client library sends."""
    async with aiohttp.ClientSession(cluster.url) as session:
        yield session


@pytest.fixture
def kubectl(fleet: SimulatedFleet, tmp_path: Path) -> Kubectl:
    cache = tmp_path / "kubectl-cache"
    cache.mkdir()
    return Kubectl(kubectl_binary(), fleet.kubeconfig, cache)
