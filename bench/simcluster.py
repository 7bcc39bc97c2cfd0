"""How fast the simulated cluster lists and watches, against a bare aiohttp baseline.

``python bench/simcluster.py`` builds the ``scale:10000`` fleet (about 100,000 pods)
and reports how long that took, then measures in the same run:

- list: paging through every pod with ``limit=500`` as kubectl does, against an
  aiohttp handler that returns the same pre-serialised page;
- watch: many watchers receiving every write to a namespace, against a handler
  that streams the same pre-serialised event lines to as many clients.

Ratios are simulator / baseline (1.0 = as fast as serving bytes from memory).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet
from simcluster.resources import PODS
from simcluster.scale import install_scale
from simcluster.server import ClusterServer

PAGE = 500
NAMESPACE = "bench-watch"


_CONTINUE = re.compile(rb'"continue":"([^"]*)"')


async def fetch_page(
    session: aiohttp.ClientSession, path: str, params: dict[str, str]
) -> tuple[int, str]:
    """One page: its size and continue token, read from the head of the body only,
    so the client spends the same effort on the simulator and on the baseline."""
    async with session.get(path, params=params) as response:
        body = await response.read()
    found = _CONTINUE.search(body, 0, 512)
    return len(body), found.group(1).decode() if found else ""


async def page_through(session: aiohttp.ClientSession, path: str) -> tuple[int, int]:
    """Pages and bytes read following ``continue`` tokens from ``path``."""
    pages = 0
    size = 0
    token = ""
    while True:
        params = {"limit": str(PAGE)}
        if token:
            params["continue"] = token
        read, token = await fetch_page(session, path, params)
        pages += 1
        size += read
        if not token:
            return pages, size


async def fetch_repeatedly(session: aiohttp.ClientSession, path: str, count: int) -> int:
    size = 0
    for _ in range(count):
        read, _ = await fetch_page(session, path, {"limit": str(PAGE)})
        size += read
    return size


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


class Baseline:
    """An aiohttp server that answers with bytes prepared in advance."""

    def __init__(self, page: bytes, lines: list[bytes]) -> None:
        self.page = page
        self.stream = b"".join(lines)
        self.server = ClusterServer()
        """The simulator's own listener setup, so only the handlers differ."""

    async def list_handler(self, request: web.Request) -> web.Response:
        return web.Response(body=self.page, content_type="application/json")

    async def watch_handler(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(self.stream)
        await response.write_eof()
        return response

    async def __aenter__(self) -> Baseline:
        app = web.Application()
        app.router.add_get("/page", self.list_handler)
        app.router.add_get("/watch", self.watch_handler)
        await self.server.start(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()


async def read_events(session: aiohttp.ClientSession, path: str, expected: int) -> int:
    seen = 0
    async with session.get(path) as response:
        async for _ in response.content:
            seen += 1
            if seen == expected:
                break
    return seen


async def watch_round(
    cluster: SimulatedCluster, session: aiohttp.ClientSession, watchers: int, writes: int
) -> float:
    since = cluster.store.resource_version
    path = f"/api/v1/namespaces/{NAMESPACE}/pods?watch=1&resourceVersion={since}"
    tasks = [asyncio.create_task(read_events(session, path, writes)) for _ in range(watchers)]
    await cluster.wait_for(lambda: len(cluster.watches.open) == watchers, within=60)
    started = time.perf_counter()
    for index in range(writes):
        cluster.store.put(PODS, _bench_pod(index))
        if index % 50 == 0:
            await asyncio.sleep(0)
    counts = await asyncio.gather(*tasks)
    assert all(count == writes for count in counts)
    return time.perf_counter() - started


def _bench_pod(index: int) -> dict[str, object]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": f"bench-{index % 100}",
            "namespace": NAMESPACE,
            "labels": {"n": str(index)},
        },
        "spec": {"schedulerName": "nobody", "containers": [{"name": "app", "image": "nginx:1.27"}]},
    }


async def main(workloads: int, watchers: int, writes: int) -> None:
    async with SimulatedFleet() as fleet:
        cluster = fleet[0]
        started = time.perf_counter()
        install_scale(cluster, workloads)
        created = time.perf_counter() - started
        pods = cluster.store.count(PODS)
        print(f"scale:{workloads}: {pods} pods created in {created:.1f}s")
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(cluster.url, connector=connector) as session:
            pages, size = await page_through(session, "/api/v1/pods")
            list_seconds = await timed(lambda: page_through(session, "/api/v1/pods"))
            async with session.get("/api/v1/pods", params={"limit": str(PAGE)}) as response:
                page = await response.read()
            watch_seconds = await watch_round(cluster, session, watchers, writes)
            lines = [
                change.line()
                for change in cluster.store.history.since(cluster.store.resource_version - writes)
            ]
        async with (
            Baseline(page, lines) as baseline,
            aiohttp.ClientSession(
                baseline.server.url, connector=aiohttp.TCPConnector(limit=0)
            ) as session,
        ):
            base_list = await timed(lambda: fetch_repeatedly(session, "/page", pages))
            base_watch = await timed(
                lambda: asyncio.gather(
                    *(read_events(session, "/watch", writes) for _ in range(watchers))
                )
            )
    list_rate = pods / list_seconds
    base_rate = pods / base_list
    throughput = size / list_seconds / 1e6
    print(
        f"list:  {list_rate:,.0f} pods/s in pages of {PAGE} ({throughput:.0f} MB/s); "
        f"baseline {base_rate:,.0f} pods/s; ratio {list_rate / base_rate:.2f}"
    )
    events = watchers * writes
    watch_rate = events / watch_seconds
    base_events = events / base_watch
    print(
        f"watch: {watch_rate:,.0f} events/s delivered ({watchers} watchers x {writes} writes); "
        f"baseline {base_events:,.0f} events/s; ratio {watch_rate / base_events:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--writes", type=int, default=2_000)
    options = parser.parse_args()
    asyncio.run(main(options.workloads, options.watchers, options.writes))
