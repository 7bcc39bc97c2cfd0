"""What the pod log tests share: reading a log over HTTP and pods in a chosen state."""

from __future__ import annotations

from typing import Any

import aiohttp

from simcluster import logsource
from simcluster.cluster import SimulatedCluster
from simcluster.nodes import NodeState

from .objects import pod


def log_path(name: str, namespace: str = "default") -> str:
    return f"/api/v1/namespaces/{namespace}/pods/{name}/log"


async def read_log(http: aiohttp.ClientSession, name: str, **query: str) -> str:
    async with http.get(log_path(name), params=query) as response:
        text = await response.text()
        assert response.status == 200, text
        assert response.headers["Content-Type"] == "text/plain"
    return text


async def log_error(
    http: aiohttp.ClientSession, name: str, code: int, **query: str
) -> dict[str, Any]:
    """The Status object a log request is refused with."""
    async with http.get(log_path(name), params=query) as response:
        assert response.status == code, await response.text()
        body: dict[str, Any] = await response.json()
    assert body["kind"] == "Status"
    assert body["status"] == "Failure"
    assert body["code"] == code
    return body


def container_status(
    cluster: SimulatedCluster, name: str, container: str = "main"
) -> dict[str, Any]:
    return dict(logsource.container_status(cluster.get("Pod", name) or {}, container) or {})


def state_of(cluster: SimulatedCluster, name: str, container: str = "main") -> str:
    """``running``, ``terminated`` or the waiting reason of a container, else ``""``."""
    state = container_status(cluster, name, container).get("state") or {}
    if "waiting" in state:
        return str(state["waiting"].get("reason"))
    return next(iter(state), "")


def freeze(cluster: SimulatedCluster, name: str) -> None:
    """Make the pod's node NotReady: its kubelet stops moving the pod but still serves logs."""
    found = cluster.get("Pod", name)
    assert found is not None
    cluster.set_node_state(found["spec"]["nodeName"], NodeState.NOT_READY)


def duo(name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """A pod with an init container ``setup`` and the containers ``main`` and ``sidecar``."""
    body = pod(name, annotations)
    body["spec"]["containers"].append({"name": "sidecar", "image": "envoyproxy/envoy:v1.31"})
    body["spec"]["initContainers"] = [{"name": "setup", "image": "busybox:1.36"}]
    return body
