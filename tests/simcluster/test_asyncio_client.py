"""kubernetes_asyncio against the simulated cluster: lists, paging, watches, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from simcluster.cluster import SimulatedCluster

from .objects import behaviour, pod, workload


async def test_lists_deserialise_strictly(cluster: SimulatedCluster, api: client.ApiClient) -> None:
    cluster.create(workload("Deployment", "web", replicas=3))
    cluster.create(workload("StatefulSet", "db", replicas=2))
    cluster.create(workload("DaemonSet", "agent"))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod")) == 3 + 2 + 3)
    await cluster.wait_for(
        lambda: all(p["status"].get("phase") == "Running" for p in cluster.list_objects("Pod"))
    )
    core = client.CoreV1Api(api)
    apps = client.AppsV1Api(api)
    pods = await core.list_pod_for_all_namespaces()
    assert len(pods.items) == 8
    assert int(pods.metadata.resource_version) == cluster.store.resource_version
    for item in pods.items:
        status = item.status.container_statuses[0]
        assert status.image_id and status.ready is not None and status.restart_count == 0
        assert item.metadata.owner_references[0].controller is True
    deployments = await apps.list_namespaced_deployment("default")
    assert [d.metadata.name for d in deployments.items] == ["web"]
    replica_sets = await apps.list_replica_set_for_all_namespaces()
    labels = replica_sets.items[0].metadata.labels
    assert labels["pod-template-hash"] in replica_sets.items[0].metadata.name
    assert (await apps.list_stateful_set_for_all_namespaces()).items[0].spec.service_name == "db"
    nodes = await core.list_node()
    assert {c.type for c in nodes.items[0].status.conditions} >= {"Ready", "MemoryPressure"}
    missing = await core.list_namespaced_pod("no-such-namespace")
    assert missing.items == []


async def test_pages_come_from_one_snapshot(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    for index in range(25):
        cluster.create(pod(f"p{index:02d}", behaviour(behavior="unschedulable")))
    core = client.CoreV1Api(api)
    first = await core.list_namespaced_pod("default", limit=10)
    assert len(first.items) == 10
    assert first.metadata.remaining_item_count == 15
    snapshot_rv = first.metadata.resource_version
    cluster.delete("Pod", "p24")
    cluster.create(pod("p00a", behaviour(behavior="unschedulable")))
    names = [p.metadata.name for p in first.items]
    token = first.metadata._continue
    while token:
        page = await core.list_namespaced_pod("default", limit=10, _continue=token)
        assert page.metadata.resource_version == snapshot_rv
        names += [p.metadata.name for p in page.items]
        token = page.metadata._continue
    assert names == [f"p{index:02d}" for index in range(25)]
    fresh = await core.list_namespaced_pod("default")
    assert "p00a" in [p.metadata.name for p in fresh.items]
    assert "p24" not in [p.metadata.name for p in fresh.items]


async def test_selectors(cluster: SimulatedCluster, api: client.ApiClient) -> None:
    cluster.create(workload("Deployment", "web", replicas=2))
    cluster.create(workload("Deployment", "api", replicas=1))
    cluster.create(pod("lonely", behaviour(behavior="unschedulable")))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod")) == 4)
    core = client.CoreV1Api(api)
    web = await core.list_namespaced_pod("default", label_selector="app in (web)")
    assert len(web.items) == 2
    not_web = await core.list_namespaced_pod("default", label_selector="app!=web,app")
    assert sorted(p.metadata.labels["app"] for p in not_web.items) == ["api", "lonely"]
    unbound = await core.list_pod_for_all_namespaces(field_selector="spec.nodeName=")
    assert [p.metadata.name for p in unbound.items] == ["lonely"]
    named = await core.list_namespaced_pod("default", field_selector="metadata.name=lonely")
    assert len(named.items) == 1


async def test_watch_from_a_resource_version(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    listed = await core.list_namespaced_pod("default")
    for index in range(3):
        cluster.create(pod(f"w{index}", behaviour(behavior="unschedulable")))
    seen: list[tuple[str, str, int]] = []
    async with watch.Watch() as stream:
        async for event in stream.stream(
            core.list_namespaced_pod,
            "default",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=5,
        ):
            obj = event["object"]
            seen.append((event["type"], obj.metadata.name, int(obj.metadata.resource_version)))
            if len({name for _, name, _ in seen}) == 3 and len(seen) >= 6:
                break
    assert [t for t, name, _ in seen if name == "w0"][:1] == ["ADDED"]
    versions = [rv for _, _, rv in seen]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert versions[0] > int(listed.metadata.resource_version)


async def test_watch_bookmarks_and_initial_events(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    cluster.create(pod("present", behaviour(behavior="unschedulable")))
    core = client.CoreV1Api(api)
    events = []
    async with watch.Watch() as stream:
        async for event in stream.stream(
            core.list_namespaced_pod,
            "default",
            allow_watch_bookmarks=True,
            send_initial_events=True,
            resource_version_match="NotOlderThan",
            timeout_seconds=2,
        ):
            events.append(event)
            if sum(1 for e in events if e["type"] == "BOOKMARK") >= 2:
                break
    assert events[0]["type"] == "ADDED"
    assert events[0]["object"].metadata.name == "present"
    marker = events[1]
    assert marker["type"] == "BOOKMARK"
    annotations = marker["raw_object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}
    later = [e for e in events[2:] if e["type"] == "BOOKMARK"]
    assert later
    assert int(later[0]["raw_object"]["metadata"]["resourceVersion"]) >= int(
        marker["raw_object"]["metadata"]["resourceVersion"]
    )


async def test_expired_watch_then_relist(cluster: SimulatedCluster, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    old = await core.list_namespaced_pod("default")
    cluster.create(pod("after", behaviour(behavior="unschedulable")))
    cluster.faults.compact()
    with pytest.raises(ApiException) as raised:
        async with watch.Watch() as stream:
            async for _ in stream.stream(
                core.list_namespaced_pod,
                "default",
                resource_version=old.metadata.resource_version,
                timeout_seconds=5,
            ):
                pass
    assert raised.value.status == 410
    assert "too old resource version" in str(raised.value.reason)
    relisted = await core.list_namespaced_pod("default")
    assert [p.metadata.name for p in relisted.items] == ["after"]
    cluster.create(pod("next", behaviour(behavior="unschedulable")))
    async with watch.Watch() as stream:
        async for event in stream.stream(
            core.list_namespaced_pod,
            "default",
            resource_version=relisted.metadata.resource_version,
            timeout_seconds=5,
        ):
            assert event["object"].metadata.name == "next"
            break


async def test_throttled_requests_carry_retry_after(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    cluster.faults.fail_next(2, code=429, retry_after=1)
    attempts = 0
    while True:
        attempts += 1
        try:
            listed = await core.list_namespaced_pod("default")
        except ApiException as error:
            assert error.status == 429
            assert error.headers is not None
            assert error.headers["Retry-After"] == "1"
            continue
        break
    assert attempts == 3
    assert listed.items == []
    cluster.faults.fail_next(1, code=500)
    with pytest.raises(ApiException) as raised:
        await core.list_namespaced_pod("default")
    assert raised.value.status == 500


async def test_watch_times_out_cleanly(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = []
    async with watch.Watch() as stream:
        async for event in stream.stream(
            core.list_namespaced_pod, "default", resource_version="1000", timeout_seconds=1
        ):
            events.append(event)
    assert events == []
    assert loop.time() - started < 30


async def test_watch_survives_dropped_streams(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    listed = await core.list_namespaced_pod("default")
    names: list[str] = []

    async def follow() -> None:
        async with watch.Watch() as stream:
            async for event in stream.stream(
                core.list_namespaced_pod,
                "default",
                resource_version=listed.metadata.resource_version,
            ):
                if event["type"] == "ADDED":
                    names.append(event["object"].metadata.name)
                if len(names) == 2:
                    return

    follower = asyncio.create_task(follow())
    cluster.create(pod("before", behaviour(behavior="unschedulable")))
    await cluster.wait_for(lambda: names == ["before"])
    assert cluster.faults.drop_watches() == 1
    cluster.create(pod("after", behaviour(behavior="unschedulable")))
    await asyncio.wait_for(follower, 10)
    assert names == ["before", "after"]


async def test_unreachable_cluster_refuses_then_comes_back(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    await cluster.faults.go_unreachable()
    with pytest.raises(aiohttp.ClientConnectionError):
        await core.list_namespaced_pod("default")
    await cluster.faults.come_back()
    assert (await core.list_namespaced_pod("default")).items == []


async def test_created_objects_deserialise_before_their_controllers_ran(
    api: client.ApiClient,
) -> None:
    # Any: the bodies are plain manifests, which the client sends as they are.
    apps: Any = client.AppsV1Api(api)
    body = workload("DaemonSet", "agent")
    created = await apps.create_namespaced_daemon_set("default", body)
    assert created.status.desired_number_scheduled == 0
    stateful = await apps.create_namespaced_stateful_set("default", workload("StatefulSet", "db"))
    assert stateful.status.replicas == 0
    replica_set = workload("ReplicaSet", "bare", replicas=1)
    made = await apps.create_namespaced_replica_set("default", replica_set)
    assert made.status.replicas == 0


async def test_a_throttled_watch_raises_the_status(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    cluster.faults.fail_next(1, code=429, retry_after=2)
    with pytest.raises(ApiException) as raised:
        async with watch.Watch() as stream:
            async for _ in stream.stream(core.list_namespaced_pod, "default", timeout_seconds=5):
                pass
    assert raised.value.status == 429
    assert "TooManyRequests" in str(raised.value.reason)
