"""Bad requests get Kubernetes Status objects with the right code, never a traceback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from simcluster.cluster import SimulatedCluster
from simcluster.query import ContinueToken

from .objects import behaviour, pod, workload

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"


async def status_of(response: aiohttp.ClientResponse, code: int, reason: str) -> dict[str, Any]:
    assert response.status == code, await response.text()
    assert response.content_type == "application/json"
    body: dict[str, Any] = await response.json()
    assert body["kind"] == "Status"
    assert body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["code"] == code
    assert body["reason"] == reason
    assert "Traceback" not in body["message"]
    return body


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"apiVersion": "apps/v1", "kind": '),
        ("application/json", b"\xff\xfe not utf-8"),
        ("application/yaml", b"metadata: [unclosed"),
        ("application/json", b"[1, 2, 3]"),
        ("application/json", b""),
        ("application/json", b'{"metadata": "not an object"}'),
        ("application/json", b'{"metadata": {"name": "x"}, "spec": {"replicas": "three"}}'),
    ],
)
async def test_malformed_bodies_are_400(
    http: aiohttp.ClientSession, content_type: str, body: bytes
) -> None:
    async with http.post(DEPLOYMENTS, data=body, headers={"Content-Type": content_type}) as sent:
        await status_of(sent, 400, "BadRequest")


async def test_invalid_objects_are_422(http: aiohttp.ClientSession) -> None:
    nameless = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {}}
    async with http.post(DEPLOYMENTS, json=nameless) as sent:
        body = await status_of(sent, 422, "Invalid")
    assert {"field": "metadata.name", "reason": "FieldValueRequired"}.items() <= body["details"][
        "causes"
    ][0].items()
    mismatched = workload("Deployment", "web")
    mismatched["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    async with http.post(DEPLOYMENTS, json=mismatched) as sent:
        body = await status_of(sent, 422, "Invalid")
    assert "`selector` does not match template `labels`" in body["message"]
    assert body["message"].startswith('Deployment.apps "web" is invalid')
    no_image = pod("bare")
    del no_image["spec"]["containers"][0]["image"]
    async with http.post(PODS, json=no_image) as sent:
        body = await status_of(sent, 422, "Invalid")
    assert "spec.containers[0].image: Required value" in body["message"]
    wrong_name = workload("Deployment", "Not_A_Name")
    async with http.post(DEPLOYMENTS, json=wrong_name) as sent:
        await status_of(sent, 422, "Invalid")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/widgets"),
        ("GET", "/apis/example.com/v1/things"),
        ("GET", "/apis/apps/v2/deployments"),
        ("GET", "/api/v1/pods/no-namespace"),
        ("GET", "/apis/apps/v1/namespaces/default/deployments/web/exec"),
        ("GET", "/nothing/here"),
        ("DELETE", "/api/v1/namespaces/default/pods/missing"),
    ],
)
async def test_unknown_paths_and_objects_are_404(
    http: aiohttp.ClientSession, method: str, path: str
) -> None:
    async with http.request(method, path) as sent:
        await status_of(sent, 404, "NotFound")


async def test_not_found_names_the_resource(http: aiohttp.ClientSession) -> None:
    async with http.get(f"{DEPLOYMENTS}/web") as sent:
        body = await status_of(sent, 404, "NotFound")
    assert body["message"] == 'deployments.apps "web" not found'
    assert body["details"] == {"name": "web", "group": "apps", "kind": "deployments"}


@pytest.mark.parametrize(
    "query",
    [
        {"labelSelector": "app in (web"},
        {"labelSelector": "!=web"},
        {"fieldSelector": "spec.image=nginx"},
        {"fieldSelector": "metadata.name"},
        {"continue": "not-a-token!"},
        {"continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},
        {"resourceVersion": "abc"},
        {"limit": "-3"},
        {"timeoutSeconds": "soon", "watch": "true"},
    ],
)
async def test_bad_list_parameters_are_400(
    http: aiohttp.ClientSession, query: dict[str, str]
) -> None:
    async with http.get(PODS, params=query) as sent:
        await status_of(sent, 400, "BadRequest")


@pytest.mark.parametrize(
    "query",
    [
        {"resourceVersionMatch": "NotOlderThan"},
        {"resourceVersionMatch": "Exact", "resourceVersion": "0"},
        {"resourceVersionMatch": "Sometimes", "resourceVersion": "5"},
        {
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "resourceVersion": "1",
        },
        {"watch": "1", "sendInitialEvents": "true"},
        {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"},
    ],
)
async def test_contradictory_options_are_422(
    http: aiohttp.ClientSession, query: dict[str, str]
) -> None:
    async with http.get(PODS, params=query) as sent:
        await status_of(sent, 422, "Invalid")


async def test_expired_continue_token_is_410(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    for index in range(3):
        cluster.create(pod(f"p{index}", behaviour(behavior="unschedulable")))
    async with http.get(PODS, params={"limit": "1"}) as sent:
        token = (await sent.json())["metadata"]["continue"]
    assert ContinueToken(cluster.store.resource_version, "default/p0\x00").encode() == token
    for index in range(3, 6):
        cluster.create(pod(f"p{index}", behaviour(behavior="unschedulable")))
    cluster.faults.compact()
    async with http.get(PODS, params={"limit": "1", "continue": token}) as sent:
        await status_of(sent, 410, "Expired")


async def test_expired_watch_is_an_error_event(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    version = cluster.store.resource_version
    cluster.create(pod("p", behaviour(behavior="unschedulable")))
    cluster.faults.compact()
    async with http.get(PODS, params={"watch": "true", "resourceVersion": str(version)}) as sent:
        assert sent.status == 200
        event = json.loads(await sent.content.readline())
        assert await sent.content.read() == b""
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410
    assert event["object"]["reason"] == "Expired"
    assert event["object"]["message"].startswith(f"too old resource version: {version} (")


async def test_a_version_from_the_future_is_504(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    future = str(cluster.store.resource_version + 1000)
    async with http.get(PODS, params={"resourceVersion": future}) as sent:
        body = await status_of(sent, 504, "Timeout")
    assert body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"


async def test_conflicts_are_409(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    body = workload("Deployment", "web")
    async with http.post(DEPLOYMENTS, json=body) as sent:
        assert sent.status == 201
        created = await sent.json()
    async with http.post(DEPLOYMENTS, json=body) as sent:
        await status_of(sent, 409, "AlreadyExists")
    cluster.apply({**created, "metadata": {**created["metadata"], "labels": {"new": "label"}}})
    async with http.put(f"{DEPLOYMENTS}/web", json=created) as sent:
        conflict = await status_of(sent, 409, "Conflict")
    assert "the object has been modified" in conflict["message"]
    stale_delete = {"preconditions": {"resourceVersion": created["metadata"]["resourceVersion"]}}
    async with http.delete(f"{DEPLOYMENTS}/web", json=stale_delete) as sent:
        await status_of(sent, 409, "Conflict")
    changed_selector = {"spec": {"selector": {"matchLabels": {"app": "else"}}}}
    async with http.patch(
        f"{DEPLOYMENTS}/web",
        json=changed_selector,
        headers={"Content-Type": "application/merge-patch+json"},
    ) as sent:
        await status_of(sent, 422, "Invalid")


async def test_patch_errors(http: aiohttp.ClientSession) -> None:
    async with http.post(DEPLOYMENTS, json=workload("Deployment", "web")) as sent:
        assert sent.status == 201
    async with http.patch(
        f"{DEPLOYMENTS}/web", data=b"{}", headers={"Content-Type": "text/plain"}
    ) as sent:
        await status_of(sent, 415, "UnsupportedMediaType")
    failing_test = [{"op": "test", "path": "/spec/replicas", "value": 99}]
    async with http.patch(
        f"{DEPLOYMENTS}/web",
        json=failing_test,
        headers={"Content-Type": "application/json-patch+json"},
    ) as sent:
        await status_of(sent, 422, "Invalid")
    async with http.patch(
        f"{DEPLOYMENTS}/web",
        data=b"{not json",
        headers={"Content-Type": "application/merge-patch+json"},
    ) as sent:
        await status_of(sent, 400, "BadRequest")


async def test_wrong_targets(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{DEPLOYMENTS}/web", json=workload("Deployment", "web")) as sent:
        await status_of(sent, 405, "MethodNotAllowed")
    async with http.post(
        "/apis/apps/v1/namespaces/nowhere/deployments",
        json=workload("Deployment", "web", namespace="nowhere"),
    ) as sent:
        body = await status_of(sent, 404, "NotFound")
    assert body["message"] == 'namespaces "nowhere" not found'
    async with http.post(
        DEPLOYMENTS, json=workload("Deployment", "web", namespace="other")
    ) as sent:
        await status_of(sent, 400, "BadRequest")
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "doomed"}})
    cluster.create(pod("stuck", namespace="doomed", terminationGracePeriodSeconds=100000))
    await cluster.wait_for(
        lambda: (cluster.get("Pod", "stuck", "doomed") or {}).get("spec", {}).get("nodeName")
    )
    cluster.delete("Namespace", "doomed")
    async with http.post(
        "/api/v1/namespaces/doomed/pods", json=pod("late", namespace="doomed")
    ) as sent:
        await status_of(sent, 403, "Forbidden")


async def test_oversized_bodies_get_a_status(http: aiohttp.ClientSession) -> None:
    huge = b'{"metadata": {"name": "x", "annotations": {"a": "' + b"x" * (4 << 20) + b'"}}}'
    async with http.post(PODS, data=huge, headers={"Content-Type": "application/json"}) as sent:
        await status_of(sent, 413, "RequestEntityTooLarge")


async def test_garbage_on_the_wire_is_answered_and_closed(cluster: SimulatedCluster) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", cluster.port)
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.")
    assert b" 400 " in answer.split(b"\r\n", 1)[0]
