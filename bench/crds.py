"""What CRDs cost a watcher: a cluster with 50 CRDs of which 3 are opted in watches 3.

Run: ``python bench/crds.py [--workloads 300]``. One simulated cluster with ``scale:N``
built-in workloads; then, in the same run:

1. baseline: no CRD at all, nothing opted in;
2. 50 CRDs (the five operators' workload CRDs and 45 unrelated ones), three kinds opted in
   (Rollout, CloneSet, PyTorchJob), with a few objects of each;
3. the same 50 CRDs with the library's default (every kind a rule names: five are served).

For each: the watches the gateway opened (built-in resources, the CRDs, custom kinds),
time to the first complete write, and the gateway's resident memory growth. The ratio is
the first sync's time against the baseline's.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/crds.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass

import redis.asyncio as redis

from bench.ingest import rss_mib
from gateway import logs
from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from gateway.rules.opted import OptedKinds
from gateway.service import Gateway, Settings
from gateway.watch.resources import RESOURCES
from simcluster.crds import install_noise_crds, install_workload_crds
from simcluster.customdemo import custom_workloads
from simcluster.fleet import SimulatedFleet
from simcluster.scale import install_scale

THREE = frozenset({"Rollout.argoproj.io", "CloneSet.apps.kruise.io", "PyTorchJob.kubeflow.org"})
CRDS = 50


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    crds: int
    builtin_watches: int
    crd_watches: int
    custom_watches: tuple[str, ...]
    seconds: float
    rss_mib: float


async def measure(
    name: str, fleet: SimulatedFleet, server: EmbeddedRedis, opted: OptedKinds
) -> Run:
    client = redis.Redis.from_url(server.url)
    await client.flushall()
    await client.aclose()
    before = rss_mib()
    gateway = Gateway(
        Settings(sources=from_kubeconfig(fleet.kubeconfig), redis_url=server.url, opted=opted)
    )
    started = time.perf_counter()
    await gateway.start()
    try:
        while not (await gateway.readiness())[0]:
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
        watcher = gateway.supervisor.watchers["sim-1"]
        plurals = [r.resource.plural for r in watcher.reflectors]
        crds = len(fleet["sim-1"].list_objects("CustomResourceDefinition"))
        return Run(
            name,
            crds,
            sum(1 for p in plurals if p in {r.plural for r in RESOURCES}),
            plurals.count("customresourcedefinitions"),
            tuple(sorted(watcher.custom)),
            seconds,
            rss_mib() - before,
        )
    finally:
        await gateway.stop()


async def main(workloads: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-crds-"))
    server = EmbeddedRedis(scratch / "valkey")
    await server.start()
    try:
        async with SimulatedFleet(kubeconfig=scratch / "kubeconfig") as fleet:
            cluster = fleet["sim-1"]
            install_scale(cluster, workloads)
            # The first run pays the imports and the caches warming up: measured, not shown.
            await measure("warm-up", fleet, server, OptedKinds.none())
            runs = [await measure("no CRDs", fleet, server, OptedKinds.none())]
            install_workload_crds(cluster)
            install_noise_crds(cluster, CRDS - 5)
            for obj in custom_workloads():
                cluster.create(obj)
            opted = OptedKinds(OptedKinds.library().rules, THREE)
            runs.append(await measure("50 CRDs, 3 opted in", fleet, server, opted))
            runs.append(await measure("50 CRDs, library", fleet, server, OptedKinds.library()))
    finally:
        await server.stop()
    baseline = runs[0].seconds
    print(f"{workloads} built-in workloads (scale:{workloads}); first sync to readiness")
    print(f"{'run':22} {'CRDs':>5} {'watches':>24} {'first sync':>11} {'ratio':>6} {'RSS':>8}")
    for run in runs:
        watches = f"{run.builtin_watches} + {run.crd_watches} + {len(run.custom_watches)} custom"
        print(
            f"{run.name:22} {run.crds:5} {watches:>24} {run.seconds:10.2f}s "
            f"{run.seconds / baseline:5.2f}x {run.rss_mib:+7.1f}M"
        )
    for run in runs[1:]:
        print(f"  {run.name}: watching {', '.join(run.custom_watches)}")
    three = runs[1]
    verdict = "met" if set(three.custom_watches) == THREE else "NOT met"
    print(f"target: 50 CRDs with 3 opted in watch 3 custom kinds: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", type=int, default=300)
    logs.configure("warning", "text")
    asyncio.run(main(parser.parse_args().workloads))
