"""The fault admin API under /simcluster/, driven over HTTP as a person or another process would."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from simcluster.cluster import SimulatedCluster

PODS = "/api/v1/namespaces/default/pods"


async def _post(http: aiohttp.ClientSession, path: str, **params: str) -> dict[str, object]:
    async with http.post(f"/simcluster/{path}", params=params) as response:
        assert response.status == 200, await response.text()
        body: dict[str, object] = await response.json()
        return body


async def test_describe(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    async with http.get("/simcluster/") as response:
        described = await response.json()
    assert described["name"] == "sim-1"
    assert described["objects"]["nodes"] == 3
    assert described["faults"]["resourceVersion"] == cluster.store.resource_version


async def test_fail_next_requests(http: aiohttp.ClientSession) -> None:
    await _post(http, "faults/fail", count="2", code="429", retryAfter="3")
    for _ in range(2):
        async with http.get(PODS) as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == "3"
            body = await response.json()
            assert body["reason"] == "TooManyRequests"
            assert body["details"]["retryAfterSeconds"] == 3
    async with http.get(PODS) as response:
        assert response.status == 200
    await _post(http, "faults/fail", count="1", code="500")
    async with http.get("/simcluster/") as response:
        assert response.status == 200, "the admin API is never failed"
    async with http.get(PODS) as response:
        assert response.status == 500
        assert (await response.json())["reason"] == "InternalError"


async def test_latency_delays_and_clears(http: aiohttp.ClientSession) -> None:
    await _post(http, "faults/latency", seconds="0.2")
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with http.get(PODS) as response:
        assert response.status == 200
    assert loop.time() - started >= 0.2
    cleared = await _post(http, "faults/clear")
    assert cleared["latencySeconds"] == 0


async def _open_watch(
    http: aiohttp.ClientSession, cluster: SimulatedCluster
) -> aiohttp.ClientResponse:
    response = await http.get(
        PODS, params={"watch": "1", "resourceVersion": str(cluster.store.resource_version)}
    )
    assert response.status == 200
    await cluster.wait_for(lambda: cluster.faults.describe()["openWatches"] == 1)
    return response


async def test_drop_watches_ends_streams(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    response = await _open_watch(http, cluster)
    dropped = await _post(http, "faults/drop-watches")
    assert dropped == {"dropped": 1}
    assert await asyncio.wait_for(response.content.read(), 5) == b""
    response.release()
    reset = await _open_watch(http, cluster)
    await _post(http, "faults/drop-watches", reset="true")
    with pytest.raises(aiohttp.ClientError):
        await asyncio.wait_for(reset.content.read(), 5)
    reset.release()


async def test_compact_expires_old_versions(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    version = cluster.store.resource_version
    cluster.add_node("extra")
    compacted = await _post(http, "faults/compact")
    assert compacted == {"compactedTo": cluster.store.resource_version}
    async with http.get(
        "/api/v1/nodes", params={"watch": "1", "resourceVersion": str(version)}
    ) as response:
        event = json.loads(await response.content.readline())
    assert event["object"]["code"] == 410


async def test_unreachable_for_a_while(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    answer = await _post(http, "faults/unreachable", seconds="0.5")
    assert answer == {"unreachableForSeconds": 0.5}
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(aiohttp.ClientConnectorError):
            await fresh.get(f"{cluster.url}{PODS}")

        async def back() -> bool:
            try:
                async with fresh.get(f"{cluster.url}{PODS}") as response:
                    return response.status == 200
            except aiohttp.ClientConnectorError:
                return False

        for _ in range(200):
            if await back():
                break
            await asyncio.sleep(0.05)
        assert await back()


async def test_node_states_and_clock(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    node = await _post(http, "nodes/sim-1-node-2/state", state="NotReady")
    conditions = {c["type"]: c["status"] for c in node["status"]["conditions"]}  # type: ignore[index]
    assert conditions["Ready"] == "False"
    assert {t["key"] for t in node["spec"]["taints"]} == {"node.kubernetes.io/not-ready"}  # type: ignore[index]
    await _post(http, "nodes/sim-1-node-2/state", state="Ready")
    assert "taints" not in (cluster.get("Node", "sim-1-node-2") or {})["spec"]
    before = cluster.clock.time()
    await _post(http, "clock/advance", seconds="3600")
    assert cluster.clock.time() - before >= 3600


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("nodes/sim-1-node-1/state", {"state": "Sleepy"}, 400),
        ("nodes/nowhere/state", {"state": "Ready"}, 404),
        ("faults/fail", {"count": "1", "code": "418"}, 400),
        ("faults/latency", {}, 400),
        ("faults/latency", {"seconds": "soon"}, 400),
        ("faults/unreachable", {"seconds": "0"}, 400),
        ("clock/advance", {"seconds": "-5"}, 400),
    ],
)
async def test_bad_admin_requests(
    http: aiohttp.ClientSession, path: str, params: dict[str, str], code: int
) -> None:
    async with http.post(f"/simcluster/{path}", params=params) as response:
        assert response.status == code
        assert (await response.json())["kind"] == "Status"
