"""What the simulated cluster tests share: kubectl as a subprocess, kubernetes_asyncio
from a kubeconfig, reading objects back over HTTP, and the status engine's verdict on
what was read."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from kubernetes_asyncio import client, config

from gateway.ownership import group, identity
from gateway.status import PodState, WorkloadState, evaluate, evaluate_pod, index_nodes
from gateway.status.events import index_events
from simcluster.cluster import SimulatedCluster

LIST_PATHS = {
    "Deployment": "/apis/apps/v1/deployments",
    "ReplicaSet": "/apis/apps/v1/replicasets",
    "StatefulSet": "/apis/apps/v1/statefulsets",
    "DaemonSet": "/apis/apps/v1/daemonsets",
    "Job": "/apis/batch/v1/jobs",
    "CronJob": "/apis/batch/v1/cronjobs",
    "Pod": "/api/v1/pods",
    "Node": "/api/v1/nodes",
    "Event": "/api/v1/events",
}


def kubectl_binary() -> str:
    """$KUBECTL, else kubectl on PATH (scripts/ensure-system-deps installs one)."""
    found = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is not installed: run scripts/ensure-system-deps")
    return found


@dataclass(frozen=True, slots=True)
class Ran:
    code: int
    out: str
    err: str


@dataclass(frozen=True, slots=True)
class Sent:
    """A request kubectl -v=8 logged: method, path (no query) and whether its body was
    protobuf."""

    method: str
    path: str
    protobuf: bool


_REQUEST_LINE = re.compile(
    r'\] (?:(GET|POST|PUT|PATCH|DELETE) (http\S+)$|"Request" verb="(\w+)" url="([^"]+)")',
    re.MULTILINE,
)
_PROTOBUF_HEADER = "Content-Type: application/vnd.kubernetes.protobuf"
"""Only a request can carry it: the simulator always answers in JSON."""


def requests_sent(log: str) -> list[Sent]:
    """The requests in kubectl's -v=8 log, in the 1.32 layout (a line per header) or the
    1.33 one (``"Request" verb=... headers=<...>``)."""
    starts = list(_REQUEST_LINE.finditer(log))
    found: list[Sent] = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(log)
        method = start[1] or start[3]
        url = start[2] or start[4]
        found.append(Sent(method, urlsplit(url).path, _PROTOBUF_HEADER in log[start.end() : end]))
    return found


class Kubectl:
    """kubectl against the fleet's kubeconfig, with a private discovery cache."""

    def __init__(self, binary: str, kubeconfig: Path, cache: Path) -> None:
        self.binary = binary
        self.base = ["--kubeconfig", str(kubeconfig), "--cache-dir", str(cache)]

    async def run(self, *args: str, stdin: str | None = None, within: float = 30) -> Ran:
        process = await asyncio.create_subprocess_exec(
            self.binary,
            *self.base,
            *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(
            process.communicate(stdin.encode() if stdin is not None else None), within
        )
        return Ran(process.returncode or 0, out.decode(), err.decode())

    async def client_minor(self) -> int:
        version = json.loads(await self.ok("version", "--client", "-o", "json"))
        return int(version["clientVersion"]["minor"].rstrip("+"))

    async def ok(self, *args: str, stdin: str | None = None) -> str:
        ran = await self.run(*args, stdin=stdin)
        assert ran.code == 0, f"kubectl {' '.join(args)} failed: {ran.err}"
        return ran.out

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            self.binary,
            *self.base,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )


@contextlib.asynccontextmanager
async def api_from(kubeconfig: Path) -> AsyncIterator[client.ApiClient]:
    """kubernetes_asyncio from a kubeconfig, in its sim-1 context."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(kubeconfig), context="sim-1", client_configuration=configuration
    )
    async with client.ApiClient(configuration) as api_client:
        yield api_client


async def get_json(session: aiohttp.ClientSession, path: str) -> Any:
    async with session.get(path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def read_back(session: aiohttp.ClientSession) -> list[dict[str, Any]]:
    """Every object of the kinds the status engine reads, listed over HTTP."""
    objects: list[dict[str, Any]] = []
    for kind, path in LIST_PATHS.items():
        listed = await get_json(session, path)
        for item in listed["items"]:
            assert item["kind"] == kind
            objects.append(item)
    return objects


async def workload_state(
    session: aiohttp.ClientSession, kind: str, namespace: str, name: str, now: datetime
) -> WorkloadState | None:
    """The status engine's verdict on one workload, from objects read over HTTP."""
    objects = await read_back(session)
    fleet = group(objects)
    for workload in fleet.workloads:
        if identity(workload.obj) == (kind, namespace, name):
            return evaluate(
                workload.obj,
                now,
                pods=workload.pods,
                replica_sets=workload.replica_sets,
                jobs=workload.jobs,
                nodes=fleet.nodes,
                events=fleet.events,
            )
    return None


async def pod_state(
    session: aiohttp.ClientSession, namespace: str, name: str, now: datetime
) -> PodState | None:
    pods = await get_json(session, f"/api/v1/namespaces/{namespace}/pods")
    nodes = await get_json(session, "/api/v1/nodes")
    events = await get_json(session, f"/api/v1/namespaces/{namespace}/events")
    by_pod = index_events(events["items"])
    for pod in pods["items"]:
        if pod["metadata"]["name"] == name:
            key = ("Pod", namespace, name)
            return evaluate_pod(pod, index_nodes(nodes["items"]), now, by_pod.get(key, ()))
    return None


async def wait_for_status(
    cluster: SimulatedCluster,
    session: aiohttp.ClientSession,
    kind: str,
    name: str,
    status: str,
    *,
    namespace: str = "default",
    within: float = 20.0,
) -> WorkloadState:
    """Poll over HTTP until the engine says ``status``; the last verdict is in the error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: WorkloadState | None = None
    while loop.time() < deadline:
        last = await workload_state(session, kind, namespace, name, cluster.clock.now())
        if last is not None and last.status.value == status:
            return last
        await asyncio.sleep(0.05)
    detail = f"{last.status.value}: {last.reason}: {last.message}" if last else "not found"
    raise AssertionError(f"{kind} {namespace}/{name} never became {status}; last {detail}")


def lines(text: str) -> list[dict[str, Any]]:
    """The JSON documents of a stream of concatenated, pretty-printed objects (kubectl -w)."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    index = 0
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        try:
            obj, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            break
        found.append(obj)
    return found
