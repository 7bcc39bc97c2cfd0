"""The official (synchronous) kubernetes client, run in threads against the in-process server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException

from simcluster.cluster import SimulatedCluster

from .objects import behaviour, pod, workload

ApiClient = kubernetes.client.ApiClient
Watch: Any = kubernetes.watch.Watch
"""The client's models are typed with optional fields everywhere and its watch not at all;
the tests read them as Any and assert what they rely on."""


def _apis(api: ApiClient) -> tuple[Any, Any]:
    return kubernetes.client.CoreV1Api(api), kubernetes.client.AppsV1Api(api)


def _watch(api: ApiClient, **kwargs: Any) -> list[dict[str, Any]]:
    core, _ = _apis(api)
    return list(Watch().stream(core.list_namespaced_pod, "default", **kwargs))


async def test_list_and_paging(cluster: SimulatedCluster, official: ApiClient) -> None:
    cluster.create(workload("Deployment", "web", replicas=3))
    await cluster.wait_for(
        lambda: sum(1 for p in cluster.list_objects("Pod") if p["status"].get("podIP")) == 3
    )
    core, apps = _apis(official)
    deployments = await asyncio.to_thread(apps.list_deployment_for_all_namespaces)
    assert deployments.items[0].spec.template.spec.containers[0].image == "nginx:1.27"
    first = await asyncio.to_thread(core.list_namespaced_pod, "default", limit=2)
    assert len(first.items) == 2
    rest = await asyncio.to_thread(
        core.list_namespaced_pod, "default", limit=2, _continue=first.metadata._continue
    )
    assert len(rest.items) == 1
    assert rest.metadata._continue is None
    assert {p.status.pod_ip for p in first.items + rest.items} != {None}


async def test_watch_from_version_with_bookmarks(
    cluster: SimulatedCluster, official: ApiClient
) -> None:
    core, _ = _apis(official)
    listed = await asyncio.to_thread(core.list_namespaced_pod, "default")
    cluster.create(pod("one", behaviour(behavior="unschedulable")))
    events = await asyncio.to_thread(
        _watch,
        official,
        resource_version=listed.metadata.resource_version,
        allow_watch_bookmarks=True,
        timeout_seconds=1,
    )
    kinds = [e["type"] for e in events]
    assert kinds[0] == "ADDED"
    assert events[0]["object"].metadata.name == "one"
    assert "BOOKMARK" in kinds


async def test_expired_version_raises_when_a_timeout_is_set(
    cluster: SimulatedCluster, official: ApiClient
) -> None:
    core, _ = _apis(official)
    old = await asyncio.to_thread(core.list_namespaced_pod, "default")
    cluster.create(pod("later", behaviour(behavior="unschedulable")))
    cluster.faults.compact()
    with pytest.raises(ApiException) as raised:
        await asyncio.to_thread(
            _watch, official, resource_version=old.metadata.resource_version, timeout_seconds=2
        )
    assert raised.value.status == 410
    relisted = await asyncio.to_thread(core.list_namespaced_pod, "default")
    assert [p.metadata.name for p in relisted.items] == ["later"]


async def test_client_go_retries_follow_retry_after(
    cluster: SimulatedCluster, official: ApiClient
) -> None:
    official.configuration.client_go_retries = True
    official.rest_client.configuration.client_go_retries = True
    core, _ = _apis(official)
    cluster.faults.fail_next(2, code=429, retry_after=0)
    listed = await asyncio.to_thread(core.list_namespaced_pod, "default")
    assert listed.items == []
    assert cluster.faults.describe()["failNext"] == 0


async def test_errors_are_status_objects(cluster: SimulatedCluster, official: ApiClient) -> None:
    _, apps = _apis(official)
    with pytest.raises(ApiException) as raised:
        await asyncio.to_thread(apps.read_namespaced_deployment, "missing", "default")
    assert raised.value.status == 404
    assert json.loads(str(raised.value.body))["reason"] == "NotFound"
    body = workload("Deployment", "dup")
    await asyncio.to_thread(apps.create_namespaced_deployment, "default", body)
    with pytest.raises(ApiException) as duplicate:
        await asyncio.to_thread(apps.create_namespaced_deployment, "default", body)
    assert duplicate.value.status == 409


async def test_watch_ends_at_its_timeout(official: ApiClient) -> None:
    events = await asyncio.to_thread(_watch, official, resource_version="1000", timeout_seconds=1)
    assert events == []
