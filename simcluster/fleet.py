"""Several simulated clusters in one process, on one simulated clock.

``async with SimulatedFleet(clusters=2, time_scale=50) as fleet:`` starts ``sim-1``
and ``sim-2`` on their own loopback ports, optionally loads manifests and a
scenario, then writes a kubeconfig with a context for each, carrying each cluster's
admin token (so a kubeconfig that exists means the fleet is ready), and stops
everything on exit. ``require_auth=True`` makes every cluster refuse requests without
a valid token and authorize the others by RBAC.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType

from simcluster.clock import SimClock
from simcluster.cluster import SimulatedCluster
from simcluster.kubeconfig import write_kubeconfig
from simcluster.scenarios import run_scenario
from simcluster.watch import WatchSettings


class SimulatedFleet:
    def __init__(
        self,
        clusters: int = 1,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        time_scale: float = 1.0,
        nodes: int = 3,
        kubeconfig: Path | str | None = None,
        manifests: Iterable[str | Path] = (),
        scenario: str | None = None,
        history_limit: int = 20_000,
        watch_settings: WatchSettings | None = None,
        require_auth: bool = False,
    ) -> None:
        if clusters < 1:
            raise ValueError("a fleet has at least one cluster")
        self.clock = SimClock(time_scale)
        self.clusters = [
            SimulatedCluster(
                f"sim-{index + 1}",
                port=port + index if port else 0,
                host=host,
                clock=self.clock,
                nodes=nodes,
                history_limit=history_limit,
                watch_settings=watch_settings,
                require_auth=require_auth,
            )
            for index in range(clusters)
        ]
        self._kubeconfig = Path(kubeconfig) if kubeconfig is not None else None
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self._manifests = list(manifests)
        self._scenario = scenario
        self.problems: list[str] = []
        """What could not be loaded from the manifests, one line each."""

    @property
    def kubeconfig(self) -> Path:
        if self._kubeconfig is None:
            raise RuntimeError("the fleet is not started")
        return self._kubeconfig

    def __getitem__(self, key: int | str) -> SimulatedCluster:
        if isinstance(key, int):
            return self.clusters[key]
        for cluster in self.clusters:
            if cluster.name == key:
                return cluster
        raise KeyError(key)

    def __iter__(self) -> Iterator[SimulatedCluster]:
        return iter(self.clusters)

    def __len__(self) -> int:
        return len(self.clusters)

    async def start(self) -> None:
        started: list[SimulatedCluster] = []
        try:
            for cluster in self.clusters:
                await cluster.start()
                started.append(cluster)
        except BaseException:
            for cluster in started:
                await cluster.stop()
            raise
        for cluster in self.clusters:
            if self._manifests:
                self.problems.extend(cluster.load_manifests(self._manifests))
            if self._scenario:
                run_scenario(cluster, self._scenario)
        if self._kubeconfig is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="simcluster-")
            self._kubeconfig = Path(self._temporary.name) / "kubeconfig"
        self.write_kubeconfig(self._kubeconfig)

    def write_kubeconfig(self, path: Path | str, tokens: Mapping[str, str] | None = None) -> Path:
        """A kubeconfig for every cluster, with ``tokens`` (cluster name -> bearer token)
        instead of the admin's where given: how to be someone else with kubectl or a client."""
        chosen = tokens or {}
        return write_kubeconfig(
            Path(path),
            [(c.name, c.url, chosen.get(c.name, c.identities.admin_token)) for c in self.clusters],
        )

    async def stop(self) -> None:
        for cluster in self.clusters:
            await cluster.stop()
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None
            self._kubeconfig = None

    def advance(self, seconds: float) -> None:
        """Jump the fleet's clock ahead; due lifecycle steps and schedules happen at once."""
        self.clock.advance(seconds)

    async def __aenter__(self) -> SimulatedFleet:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
