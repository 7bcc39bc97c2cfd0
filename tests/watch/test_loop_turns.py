"""A reflector hands objects over in bounded runs, so the event loop is never held for
long by a big list page or a burst of watch events (a Deployment scaled to 1,000)."""

from __future__ import annotations

import asyncio
import itertools

from kubernetes_asyncio import client

from gateway.clusters import api_client, from_kubeconfig
from gateway.status.fields import Obj
from gateway.watch.health import ContactTracker
from gateway.watch.reflector import OBJECTS_PER_TURN, Reflector
from gateway.watch.resources import RESOURCES
from simcluster.fleet import SimulatedFleet
from tests.simcluster.objects import workload
from tests.watch.conftest import until

PODS = next(r for r in RESOURCES if r.kind == "Pod")


class CountingSink:
    def __init__(self) -> None:
        self.handed = 0

    def begin_listing(self, kind: str) -> None:
        pass

    def list_page(self, kind: str, items: list[Obj]) -> None:
        self.handed += len(items)

    def end_listing(self, kind: str) -> None:
        pass

    def apply(self, kind: str, event_type: str, obj: Obj) -> None:
        self.handed += 1


async def test_a_big_page_and_a_burst_of_events_leave_the_loop_turns(
    fleet: SimulatedFleet,
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "big", replicas=300))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod", "default")) >= 300)
    api = await api_client(from_kubeconfig(fleet.kubeconfig)[0])
    sink = CountingSink()
    handed_at_each_turn: list[int] = []

    async def note_each_turn() -> None:
        while True:
            handed_at_each_turn.append(sink.handed)
            await asyncio.sleep(0)

    reflector = Reflector(
        "sim-1",
        PODS,
        client.CoreV1Api(api).list_pod_for_all_namespaces,
        sink,
        ContactTracker(30.0),
        page_size=500,
    )
    ticker = asyncio.create_task(note_each_turn())
    try:
        version = await reflector.list_all()
        listed = sink.handed
        assert listed >= 300
        watching = asyncio.create_task(reflector.watch_from(version))
        cluster.create(workload("Deployment", "burst", replicas=300))

        async def burst_seen() -> bool:
            return sink.handed >= listed + 300

        await until(burst_seen, within=60)
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
        await api.close()
    runs = [later - earlier for earlier, later in itertools.pairwise(handed_at_each_turn)]
    assert max(runs) <= OBJECTS_PER_TURN
