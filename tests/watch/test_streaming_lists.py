"""A reflector lists through a watch's initial events where the API server streams lists,
and pages its lists where it does not, however the server shows it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client

from gateway.clusters import api_client, from_kubeconfig
from gateway.status.fields import Obj
from gateway.watch.health import ContactTracker
from gateway.watch.reflector import ListCall, Reflector
from gateway.watch.resources import RESOURCES, Resource
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings
from tests.simcluster.objects import workload
from tests.watch.conftest import until

PODS = next(r for r in RESOURCES if r.kind == "Pod")
DEPLOYMENTS = next(r for r in RESOURCES if r.kind == "Deployment")


class RecordingSink:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.listed: list[str] = []
        self.applied: list[tuple[str, str]] = []

    def begin_listing(self, kind: str) -> None:
        self.calls.append("begin")
        self.listed = []

    def list_page(self, kind: str, items: list[Obj]) -> None:
        self.calls.append("page")
        self.listed += [item["metadata"]["name"] for item in items]

    def end_listing(self, kind: str) -> None:
        self.calls.append("end")

    def apply(self, kind: str, event_type: str, obj: Obj) -> None:
        self.applied.append((event_type, obj["metadata"]["name"]))


@asynccontextmanager
async def reflecting(
    fleet: SimulatedFleet,
    resource: Resource,
    call: Callable[[client.ApiClient], ListCall],
) -> AsyncIterator[tuple[Reflector, RecordingSink]]:
    """A reflector running against the fleet's first cluster, synced."""
    api = await api_client(from_kubeconfig(fleet.kubeconfig)[0])
    sink = RecordingSink()
    reflector = Reflector("sim-1", resource, call(api), sink, ContactTracker(30.0))
    running = asyncio.create_task(reflector.run())
    try:
        await asyncio.wait_for(reflector.synced.wait(), 30)
        yield reflector, sink
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await api.close()


def pods_call(api: client.ApiClient) -> ListCall:
    return client.CoreV1Api(api).list_pod_for_all_namespaces


async def five_pods(fleet: SimulatedFleet) -> list[str]:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=5))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod", "default")) >= 5)
    return sorted(p["metadata"]["name"] for p in cluster.list_objects("Pod", "default"))


async def new_pod_seen(fleet: SimulatedFleet, sink: RecordingSink) -> None:
    """The watch that follows the list delivers a change made after it."""
    fleet["sim-1"].create(workload("Deployment", "later", replicas=1))

    async def seen() -> bool:
        return any(name.startswith("later-") for _, name in sink.applied)

    await until(seen, within=30)


async def test_a_streamed_list_is_the_watch_s_initial_events(fleet: SimulatedFleet) -> None:
    names = await five_pods(fleet)
    async with reflecting(fleet, PODS, pods_call) as (reflector, sink):
        assert reflector.streaming
        assert reflector.stats.streamed_lists == 1
        assert reflector.stats.lists == 1
        assert sorted(sink.listed) == names
        assert sink.calls[0] == "begin" and sink.calls[-1] == "end"
        assert sink.applied == []  # the initial events were the list, not watch events
        assert reflector.stats.resource_version
        await new_pod_seen(fleet, sink)
        assert reflector.stats.streamed_lists == 1  # the same stream went on as the watch


async def test_a_server_without_streaming_lists_is_paged(tmp_path: Path) -> None:
    async with SimulatedFleet(
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.5, streaming_lists=False),
    ) as fleet:
        names = await five_pods(fleet)
        async with reflecting(fleet, PODS, pods_call) as (reflector, sink):
            assert not reflector.streaming
            assert reflector.stats.streamed_lists == 0
            assert reflector.stats.lists == 1
            assert sorted(sink.listed) == names
            await new_pod_seen(fleet, sink)


def ignoring_the_parameters(api: client.ApiClient) -> ListCall:
    """A server that does not know the parameters: a watch from now, with bookmarks."""
    real = client.CoreV1Api(api).list_pod_for_all_namespaces

    def call(**params: Any) -> Awaitable[Any]:
        params.pop("send_initial_events", None)
        params.pop("resource_version_match", None)
        return real(**params)

    return call


async def test_a_stream_without_the_end_marker_falls_back_to_pages(
    fleet: SimulatedFleet,
) -> None:
    names = await five_pods(fleet)
    async with reflecting(fleet, PODS, ignoring_the_parameters) as (reflector, sink):
        assert not reflector.streaming
        assert reflector.stats.streamed_lists == 0
        assert sorted(sink.listed) == names
        assert sink.calls.count("begin") == 2 and sink.calls.count("end") == 1
        await new_pod_seen(fleet, sink)


async def test_a_client_call_without_the_parameters_falls_back_to_pages(
    fleet: SimulatedFleet,
) -> None:
    """The custom objects API has no ``send_initial_events``."""
    fleet["sim-1"].create(workload("Deployment", "web", replicas=1))

    def custom(api: client.ApiClient) -> ListCall:
        return partial(
            client.CustomObjectsApi(api).list_cluster_custom_object, "apps", "v1", "deployments"
        )

    async with reflecting(fleet, DEPLOYMENTS, custom) as (reflector, sink):
        assert not reflector.streaming
        assert sink.listed == ["web"]
