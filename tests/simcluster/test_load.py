"""200 concurrent watches while 1,000 writes happen: every watcher sees every event, in order."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from simcluster.cluster import SimulatedCluster

WATCHERS = 200
CREATES = 500
UPDATES = 500
NAMESPACE = "load"


def _pod(name: str) -> dict[str, object]:
    """A pod no scheduler takes, so the only writes are the test's own."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "schedulerName": "nobody",
            "containers": [{"name": "main", "image": "nginx:1.27"}],
        },
    }


async def _watch(
    session: aiohttp.ClientSession, since: int, expected: int, ready: asyncio.Event
) -> list[tuple[str, str, int]]:
    seen: list[tuple[str, str, int]] = []
    params = {"watch": "true", "resourceVersion": str(since)}
    async with session.get(f"/api/v1/namespaces/{NAMESPACE}/pods", params=params) as response:
        assert response.status == 200
        ready.set()
        async for line in response.content:
            event = json.loads(line)
            meta = event["object"]["metadata"]
            seen.append((event["type"], meta["name"], int(meta["resourceVersion"])))
            if len(seen) == expected:
                break
    return seen


async def test_every_watcher_sees_every_event_in_order(cluster: SimulatedCluster) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    since = cluster.store.resource_version
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(cluster.url, connector=connector, timeout=timeout) as session:
        ready = [asyncio.Event() for _ in range(WATCHERS)]
        watchers = [
            asyncio.create_task(_watch(session, since, CREATES + UPDATES, ready[i]))
            for i in range(WATCHERS)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 60)
        assert cluster.faults.describe()["openWatches"] == WATCHERS
        for index in range(CREATES):
            cluster.create(_pod(f"p{index:03d}"))
            if index % 10 == 0:
                await asyncio.sleep(0)
        for index in range(UPDATES):
            current = cluster.get("Pod", f"p{index:03d}", NAMESPACE)
            assert current is not None
            current["metadata"].setdefault("labels", {})["round"] = "2"
            cluster.apply(current)
            if index % 10 == 0:
                await asyncio.sleep(0)
        results = await asyncio.wait_for(asyncio.gather(*watchers), 90)
    expected = [
        (change.type, change.obj.name, change.rv)
        for change in cluster.store.history.since(since)
        if change.obj.resource.plural == "pods" and change.obj.namespace == NAMESPACE
    ]
    assert len(expected) == CREATES + UPDATES
    assert [kind for kind, _, _ in expected].count("MODIFIED") == UPDATES
    for seen in results:
        assert seen == expected
