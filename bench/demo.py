"""Whether the demo stays responsive while someone scales a Deployment to 1,000 replicas.

``python bench/demo.py`` starts ``python -m gateway demo`` as a child process (the
simulated fleet, the embedded Valkey and the gateway, as a user runs them) and the
bare baseline endpoint (bench/bare_endpoint.py) reading the demo's own Valkey. It
creates a Deployment of 3 replicas in the namespace ``bench``, waits until the
gateway says it is Running, then scales it to 1,000 replicas at the simulated API
server: the demo's nodes hold 110 pods each, so most pods stay Pending, and the
Deployment turns Not Ready with the reason Unschedulable. Measured in the same run:

- ``/healthz`` probes sent at a fixed rate (open loop: a stalled server shows as the
  whole stall, not as one slow sample), to the demo and to the bare endpoint, idle
  and during the scale-up (target: the demo's p99 under 100 ms during the scale-up);
- the GraphQL query of 50 workloads (status, reason, message, counts) at a fixed
  rate during the scale-up, against the bare endpoint answering the same fields
  from the same Valkey as JSON;
- how long after the scale PATCH the gateway's GraphQL answer shows the Deployment
  Not Ready / Unschedulable (target: within 3 s), against a plain watch on the API
  server seeing the first pod the scheduler could not place.

A scale-up's window lasts from the PATCH until the scheduler has placed every pod or
found it fits no node (seen through the watch), and ``--tail`` s more; then the
Deployment goes back to 3 replicas, untimed, and the next of ``--rounds`` begins. The
samples of all rounds are pooled; the Unschedulable times are per round.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/demo.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import orjson
import yaml

from bench.api import query_for
from bench.measure import Row, Spread, compared
from bench.services import (
    Endpoint,
    bare_endpoint,
    child,
    cpu_seconds,
    measured,
    wait_until_ready,
)
from gateway.redis_server import free_port
from simcluster.commands.demostate import KUBECONFIG

NAMESPACE = "bench"
NAME = "scaled"
REPLICAS = 1000
PROBE_TIMEOUT = 30.0
"""A probe that gets no answer within this counts as this long (it never happened so far)."""


@dataclass(slots=True)
class Probes:
    """Open-loop samples of one request: one sent every ``period`` seconds, whatever the
    previous ones are doing, each timed from when it was due."""

    send: Callable[[], Awaitable[httpx.Response]]
    period: float
    samples: list[float] = field(default_factory=list)
    failures: int = 0

    async def _one(self) -> None:
        """Timed to the answer, whatever it says; an error status or a GraphQL error (the
        gateway's Redis calls time out when its loop is starved) also counts as a failure."""
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(self.send(), PROBE_TIMEOUT)
        except (httpx.HTTPError, TimeoutError):
            self.failures += 1
            self.samples.append(PROBE_TIMEOUT)
            return
        self.samples.append(time.perf_counter() - started)
        if response.status_code != 200 or b'"errors":[{' in response.content:
            self.failures += 1

    async def run(self, stop: asyncio.Event) -> None:
        pending: set[asyncio.Task[None]] = set()
        due = time.perf_counter()
        while not stop.is_set():
            task = asyncio.create_task(self._one())
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += self.period
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, due - time.perf_counter()))
        if pending:
            await asyncio.wait(pending)


@dataclass(frozen=True, slots=True)
class Cluster:
    """sim-1 of the demo's kubeconfig, spoken to over plain HTTP with its admin token."""

    url: str
    token: str

    @classmethod
    def of(cls, kubeconfig: Path) -> Cluster:
        config = yaml.safe_load(kubeconfig.read_text())
        return cls(config["clusters"][0]["cluster"]["server"], config["users"][0]["user"]["token"])

    def session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        )


def deployment() -> dict[str, Any]:
    labels = {"app": NAME}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


@dataclass(slots=True)
class PodWatch:
    """Pod events in the namespace, from a plain watch: when the first unschedulable pod
    showed, and which pods exist, have a node, or were found to fit none."""

    since: float = 0.0
    unschedulable_at: float | None = None
    pods: set[str] = field(default_factory=set)
    placed: set[str] = field(default_factory=set)
    unschedulable: set[str] = field(default_factory=set)

    @property
    def scheduled(self) -> bool:
        """Every pod exists and the scheduler has decided on each: the scale-up is done."""
        return len(self.pods) >= REPLICAS and len(self.placed | self.unschedulable) >= REPLICAS

    def seen(self, event: dict[str, Any], at: float) -> None:
        pod = event["object"]
        name = pod["metadata"]["name"]
        for found in (self.pods, self.placed, self.unschedulable):
            found.discard(name)
        if event["type"] == "DELETED":
            return
        self.pods.add(name)
        if pod["spec"].get("nodeName"):
            self.placed.add(name)
        conditions = (pod.get("status") or {}).get("conditions") or []
        if any(
            c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
            for c in conditions
        ):
            self.unschedulable.add(name)
            if self.unschedulable_at is None and at >= self.since:
                self.unschedulable_at = at

    async def list(self, session: aiohttp.ClientSession) -> str:
        """The pods there are now; the resource version to watch from."""
        found = await pods_now(session)
        for pod in found["items"]:
            self.seen({"type": "ADDED", "object": pod}, time.perf_counter())
        version: str = found["metadata"]["resourceVersion"]
        return version

    async def follow(self, session: aiohttp.ClientSession, version: str) -> None:
        path = f"/api/v1/namespaces/{NAMESPACE}/pods"
        params = {"watch": "1", "resourceVersion": version, "allowWatchBookmarks": "false"}
        async with session.get(path, params=params) as response:
            response.raise_for_status()
            async for line in response.content:
                if line.strip():
                    self.seen(orjson.loads(line), time.perf_counter())


async def pods_now(session: aiohttp.ClientSession) -> Any:
    async with session.get(f"/api/v1/namespaces/{NAMESPACE}/pods") as listed:
        listed.raise_for_status()
        return await listed.json()


async def workload_state(http: httpx.AsyncClient, url: str) -> tuple[str, str, int] | None:
    """(status, reason, desired) of the benchmark's Deployment as GraphQL answers it."""
    query = (
        "query ($filter: WorkloadFilter) { workloads(filter: $filter, first: 5) "
        "{ edges { node { name status reason counts { desired } } } } }"
    )
    variables = {"filter": {"namespaces": [NAMESPACE]}}
    response = await http.post(f"{url}/graphql", json={"query": query, "variables": variables})
    answer = orjson.loads(response.content)
    if answer.get("errors"):
        return None
    for edge in answer["data"]["workloads"]["edges"]:
        node = edge["node"]
        if node["name"] == NAME:
            return node["status"], node["reason"], node["counts"]["desired"]
    return None


async def until(check: Callable[[], Awaitable[bool]], within: float, what: str) -> float:
    started = time.perf_counter()
    while not await check():
        if time.perf_counter() - started > within:
            raise RuntimeError(f"{what} did not happen within {within:.0f}s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def demo(logs: Path) -> AsyncIterator[tuple[Endpoint, Path]]:
    """``python -m gateway demo`` on a free port with its state in the run's directory."""
    port = free_port()
    state = logs / "demo-state"
    arguments = ["-m", "gateway", "demo", f"--port={port}", f"--state-dir={state}"]
    async with child("demo", [*arguments, "--log-level=warning"], logs) as process:
        url = f"http://127.0.0.1:{port}"
        ready = await wait_until_ready(process, f"{url}/readyz", within=300)
        print(f"demo ready after {ready:.1f}s (pid {process.pid}, {url})")
        yield Endpoint(process, url), state


def children(pid: int) -> list[tuple[int, str]]:
    """The processes whose parent is ``pid``, with their command lines (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found.append((int(entry.name), (entry / "cmdline").read_text().replace("\0", " ")))
    return found


def valkey_url(state: Path) -> str:
    """The demo's embedded Valkey, from the configuration file it was started with."""
    config = (state / "redis" / "valkey.conf").read_text()
    port = next(line.split()[1] for line in config.splitlines() if line.startswith("port "))
    return f"redis://127.0.0.1:{port}/0"


def healthz(http: httpx.AsyncClient, url: str) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: http.get(f"{url}/healthz")


@dataclass(frozen=True, slots=True)
class Clients:
    """One HTTP client per side, without a connection limit: a stalled server's requests
    never hold up the baseline's (or the benchmark's own checks) waiting for a connection."""

    gateway: httpx.AsyncClient
    bare: httpx.AsyncClient
    checks: httpx.AsyncClient


@contextlib.asynccontextmanager
async def clients() -> AsyncIterator[Clients]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=50)
    async with contextlib.AsyncExitStack() as stack:
        made = [
            await stack.enter_async_context(httpx.AsyncClient(timeout=PROBE_TIMEOUT, limits=limits))
            for _ in range(3)
        ]
        yield Clients(*made)


async def sample_idle(
    gw: Endpoint, bare: Endpoint, http: Clients, seconds: float, period: float
) -> list[Row]:
    ours = Probes(healthz(http.gateway, gw.url), period)
    base = Probes(healthz(http.bare, bare.url), period)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop)) for p in (ours, base)]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    mine, theirs = Spread.of(ours.samples), Spread.of(base.samples)
    return [
        compared("/healthz idle, p50", theirs.p50, mine.p50),
        compared("    p99", theirs.p99, mine.p99),
    ]


@dataclass(slots=True)
class Round:
    """One scale-up: its probes, the pods the watch saw, and when each side showed it."""

    probes: dict[str, Probes]
    watch: PodWatch
    board_at: float | None = None
    window: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    """Seconds of CPU each process used during the window."""

    def seconds(self, at: float | None) -> float:
        return (at if at is not None else float("nan")) - self.watch.since


class Scaler:
    """Scales the benchmark's Deployment up and down at the API server, probing meanwhile."""

    def __init__(
        self,
        gw: Endpoint,
        bare: Endpoint,
        api: aiohttp.ClientSession,
        http: Clients,
        options: argparse.Namespace,
    ) -> None:
        self.gw, self.bare, self.api, self.http, self.options = gw, bare, api, http, options
        (fleet,) = [pid for pid, command in children(gw.process.pid) if "simcluster" in command]
        self.pids = {"gateway": gw.process.pid, "clusters": fleet, "bare": bare.process.pid}

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    async def create(self) -> None:
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        for path, obj in (
            ("/api/v1/namespaces", namespace),
            (f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment()),
        ):
            async with self.api.post(path, json=obj) as created:
                created.raise_for_status()
        await self.until_shown("RUNNING", "Ready", 3, "the 3-replica Deployment Running")

    async def scale(self, replicas: int) -> None:
        async with self.api.patch(
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{NAME}/scale",
            data=orjson.dumps({"spec": {"replicas": replicas}}),
            headers={"Content-Type": "application/merge-patch+json"},
        ) as patched:
            patched.raise_for_status()

    async def until_shown(self, status: str, reason: str, desired: int, what: str) -> float:
        """Until the gateway's GraphQL answer shows this; the time it first did."""
        shown: list[float] = []

        async def check() -> bool:
            if await workload_state(self.http.checks, self.gw.url) == (status, reason, desired):
                shown.append(time.perf_counter())
            return bool(shown)

        await until(check, self.options.within, f"the gateway showing {what}")
        return shown[0]

    def probes(self) -> dict[str, Probes]:
        body = query_for(50)
        headers = {"content-type": "application/json"}
        period, every = self.options.period, self.options.query_period
        return {
            "healthz": Probes(healthz(self.http.gateway, self.gw.url), period),
            "bare healthz": Probes(healthz(self.http.bare, self.bare.url), period),
            "query": Probes(
                lambda: self.http.gateway.post(
                    f"{self.gw.url}/graphql", content=body, headers=headers
                ),
                every,
            ),
            "bare query": Probes(
                lambda: self.http.bare.get(f"{self.bare.url}/workloads", params={"first": "50"}),
                every,
            ),
        }

    async def round(self) -> Round:
        """3 -> 1,000 replicas, timed until the scheduler has decided on every pod (and
        ``--tail`` s more); then back to 3, untimed, until the gateway shows it Running."""
        run = Round(self.probes(), PodWatch())
        version = await run.watch.list(self.api)
        watcher = asyncio.create_task(run.watch.follow(self.api, version))
        stop = asyncio.Event()
        tasks = [asyncio.create_task(p.run(stop)) for p in run.probes.values()]

        async def scheduled() -> bool:
            if watcher.done():
                watcher.result()
                raise RuntimeError("the API server ended the pod watch")
            return run.watch.scheduled

        cpu = self.cpu()
        try:
            run.watch.since = time.perf_counter()
            await self.scale(REPLICAS)
            run.board_at = await self.until_shown(
                "NOT_READY", "Unschedulable", REPLICAS, "Unschedulable"
            )
            await until(scheduled, self.options.within, "the scheduler deciding on every pod")
            await asyncio.sleep(self.options.tail)
        finally:
            run.window = time.perf_counter() - run.watch.since
            run.cpu = {name: used - cpu[name] for name, used in self.cpu().items()}
            stop.set()
            await asyncio.gather(*tasks)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await self.scale(3)
        await self.until_shown("RUNNING", "Ready", 3, "the Deployment back to 3 Running")

        async def gone() -> bool:
            return len((await pods_now(self.api))["items"]) <= 3

        await until(gone, self.options.within, "the scaled-down pods going")
        return run


def pooled(rounds: list[Round], name: str) -> Spread:
    return Spread.of([sample for r in rounds for sample in r.probes[name].samples])


def scale_rows(rounds: list[Round]) -> list[Row]:
    ours, base = pooled(rounds, "healthz"), pooled(rounds, "bare healthz")
    query, bare_query = pooled(rounds, "query"), pooled(rounds, "bare query")
    board = Spread.of([r.seconds(r.board_at) for r in rounds])
    api = Spread.of([r.seconds(r.watch.unschedulable_at) for r in rounds])
    return [
        compared("/healthz during the scale-ups, p50", base.p50, ours.p50),
        compared("    p99", base.p99, ours.p99, "< 100 ms", ours.p99 < 0.1),
        compared("    worst", base.worst, ours.worst),
        compared("query 50 workloads during the scale-ups, p50", bare_query.p50, query.p50),
        compared("    p99", bare_query.p99, query.p99),
        compared("scale PATCH -> Unschedulable (watch | GraphQL), median", api.p50, board.p50),
        compared("    worst", api.worst, board.worst, "< 3 s", board.worst < 3.0),
    ]


async def run(options: argparse.Namespace, logs: Path) -> list[Row]:
    async with (
        demo(logs) as (gw, state),
        bare_endpoint(valkey_url(state), logs) as bare,
        clients() as http,
    ):
        rows = await sample_idle(gw, bare, http, options.idle, options.period)
        cluster = Cluster.of(state / KUBECONFIG)
        async with cluster.session() as api:
            scaler = Scaler(gw, bare, api, http, options)
            await scaler.create()
            rounds = [await scaler.round() for _ in range(options.rounds)]
    for index, done in enumerate(rounds, 1):
        failures = sum(p.failures for p in done.probes.values())
        print(
            f"scale-up {index}: {done.window:.1f}s window, {len(done.watch.pods)} pods "
            f"({len(done.watch.placed)} on a node, {len(done.watch.unschedulable)} "
            f"Unschedulable), Unschedulable seen after "
            f"{done.seconds(done.watch.unschedulable_at):.2f}s by the watch and "
            f"{done.seconds(done.board_at):.2f}s in GraphQL; "
            f"{len(done.probes['healthz'].samples)} /healthz probes and "
            f"{len(done.probes['query'].samples)} queries each side, {failures} failed; CPU: "
            + ", ".join(f"{name} {used:.2f}s" for name, used in done.cpu.items())
        )
    return rows + scale_rows(rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle probes")
    parser.add_argument("--period", type=float, default=0.02, help="seconds between probes")
    parser.add_argument(
        "--query-period", type=float, default=0.25, help="seconds between GraphQL queries"
    )
    parser.add_argument("--rounds", type=int, default=3, help="scale-ups to 1,000 replicas")
    parser.add_argument(
        "--tail",
        type=float,
        default=1.0,
        help="seconds the window lasts after the scheduler has decided on every pod",
    )
    parser.add_argument(
        "--within", type=float, default=180.0, help="give up on a step after this many seconds"
    )
    options = parser.parse_args()
    asyncio.run(measured("demo", lambda logs: run(options, logs)))
