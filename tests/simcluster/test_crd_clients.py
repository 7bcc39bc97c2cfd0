"""Custom resources through the Python clients and bare HTTP: CRUD, the status
subresource and generation, selectors, patches, watches ended by CRD deletion,
and the 404s and 422s of bad requests."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import aiohttp
import kubernetes
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from simcluster.cluster import SimulatedCluster
from simcluster.crds import install_noise_crds, install_workload_crds
from simcluster.crds.manifests import noise_crd

from .crdobjects import cloneset
from .helpers import get_json

GROUP, VERSION, PLURAL = "apps.kruise.io", "v1alpha1", "clonesets"
NOISE = ("noise.example.com", "v1")
MERGE = "application/merge-patch+json"
"""The clients send a JSON patch for any custom object patch unless told otherwise."""
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


async def _merge(method: Any, *args: Any) -> dict[str, Any]:
    """Call a CustomObjectsApi patch method as a merge patch (the typed stubs do not
    declare ``_content_type``, which the generated client accepts)."""
    patched: dict[str, Any] = await method(*args, _content_type=MERGE)
    return patched


def _widget(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "noise.example.com/v1",
        "kind": "Widget0",
        "metadata": {"name": name, "labels": labels},
        "spec": {"size": 1},
    }


async def test_custom_objects_api_create_get_list_and_generation(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    """On a kind no controller writes, so every status change is the test's."""
    install_noise_crds(cluster, 1)
    custom = client.CustomObjectsApi(api)
    body = {**_widget("cs"), "status": {"replicas": 99}}
    created = await custom.create_namespaced_custom_object(*NOISE, "default", "widgets0", body)
    assert created["metadata"]["generation"] == 1
    assert "status" not in created
    labelled = await _merge(
        custom.patch_namespaced_custom_object,
        *NOISE,
        "default",
        "widgets0",
        "cs",
        {"metadata": {"labels": {"tier": "web"}}},
    )
    assert labelled["metadata"]["generation"] == 1
    status = await _merge(
        custom.patch_namespaced_custom_object_status,
        *NOISE,
        "default",
        "widgets0",
        "cs",
        {"status": {"observedGeneration": 7}},
    )
    assert status["status"]["observedGeneration"] == 7
    assert status["metadata"]["generation"] == 1
    assert status["metadata"]["labels"] == {"tier": "web"}
    ignored = await _merge(
        custom.patch_namespaced_custom_object,
        *NOISE,
        "default",
        "widgets0",
        "cs",
        {"spec": {"size": 2}, "status": {"observedGeneration": 1}},
    )
    assert ignored["metadata"]["generation"] == 2
    assert ignored["status"]["observedGeneration"] == 7
    only_status = await _merge(
        custom.patch_namespaced_custom_object_status,
        *NOISE,
        "default",
        "widgets0",
        "cs",
        {"spec": {"size": 5}, "status": {"x": 1}},
    )
    assert only_status["spec"]["size"] == 2
    listed = await custom.list_cluster_custom_object(*NOISE, "widgets0")
    assert listed["kind"] == "Widget0List"
    assert listed["apiVersion"] == "noise.example.com/v1"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["cs"]
    got = await custom.get_namespaced_custom_object(*NOISE, "default", "widgets0", "cs")
    assert got["metadata"]["resourceVersion"] == only_status["metadata"]["resourceVersion"]
    got["status"] = {"phase": "Replaced"}
    got["spec"]["size"] = 9
    replaced: Any = await custom.replace_namespaced_custom_object_status(
        *NOISE, "default", "widgets0", "cs", got
    )
    assert replaced["status"] == {"phase": "Replaced"}
    assert replaced["spec"]["size"] == 2
    got = replaced
    got["status"] = {}
    got["metadata"]["labels"] = {"tier": "db"}
    main: Any = await custom.replace_namespaced_custom_object(
        *NOISE, "default", "widgets0", "cs", got
    )
    assert main["status"] == {"phase": "Replaced"}
    assert main["metadata"]["labels"] == {"tier": "db"}
    assert main["metadata"]["generation"] == 2
    got["metadata"]["resourceVersion"] = "1"
    with pytest.raises(ApiException) as raised:
        await custom.replace_namespaced_custom_object(*NOISE, "default", "widgets0", "cs", got)
    assert raised.value.status == 409


async def test_selectors_versions_and_json_patch_on_a_cluster_scoped_kind(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    crd = noise_crd(0)
    crd["spec"]["scope"] = "Cluster"
    cluster.create(crd)
    path = "/apis/noise.example.com/v1/widgets0"
    versions = []
    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        async with http.post(path, json=_widget(name, tier=tier)) as response:
            assert response.status == 201, await response.text()
            versions.append((await response.json())["metadata"]["resourceVersion"])
    async with http.get(path, params={"labelSelector": "tier=web"}) as response:
        names = [i["metadata"]["name"] for i in (await response.json())["items"]]
    assert names == ["a", "c"]
    async with http.get(path, params={"fieldSelector": "metadata.name!=a"}) as response:
        names = [i["metadata"]["name"] for i in (await response.json())["items"]]
    assert names == ["b", "c"]
    async with http.get(path, params={"fieldSelector": "spec.size=1"}) as response:
        assert response.status == 400
    async with http.get(
        path, params={"resourceVersion": versions[0], "resourceVersionMatch": "Exact"}
    ) as response:
        assert [i["metadata"]["name"] for i in (await response.json())["items"]] == ["a"]
    patch = [{"op": "replace", "path": "/spec/size", "value": 4}]
    headers = {"Content-Type": "application/json-patch+json"}
    async with http.patch(f"{path}/b", json=patch, headers=headers) as response:
        patched = await response.json()
    assert patched["spec"]["size"] == 4
    assert patched["metadata"]["generation"] == 2
    strategic = {"Content-Type": "application/strategic-merge-patch+json"}
    async with http.patch(f"{path}/b", json={"spec": {}}, headers=strategic) as response:
        assert response.status == 415
    protobuf = {"Content-Type": "application/vnd.kubernetes.protobuf"}
    async with http.post(path, data=b"k8s\x00", headers=protobuf) as response:
        assert response.status == 415
    fallback = {"Accept": "application/vnd.kubernetes.protobuf,application/json"}
    async with http.get(f"{path}/b", headers=fallback) as response:
        assert response.content_type == "application/json"
        assert (await response.json())["spec"]["size"] == 4
    async with http.get("/apis/noise.example.com/v1/namespaces/default/widgets0") as response:
        assert response.status == 404


async def test_watch_sees_added_modified_and_deleted_when_the_crd_goes(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    install_noise_crds(cluster, 1)
    custom = client.CustomObjectsApi(api)
    events: list[tuple[str, str]] = []

    async def follow() -> None:
        async with watch.Watch() as stream:
            async for event in stream.stream(
                custom.list_namespaced_custom_object,
                "noise.example.com",
                "v1",
                "default",
                "widgets0",
                timeout_seconds=30,
            ):
                events.append((event["type"], event["object"]["metadata"]["name"]))

    task = asyncio.create_task(follow())
    body = {**_widget("w1"), "metadata": {"name": "w1", "namespace": "default"}}
    await custom.create_namespaced_custom_object(
        "noise.example.com", "v1", "default", "widgets0", body
    )
    await cluster.wait_for(lambda: events)
    await _merge(
        custom.patch_namespaced_custom_object,
        "noise.example.com",
        "v1",
        "default",
        "widgets0",
        "w1",
        {"spec": {"size": 2}},
    )
    await cluster.wait_for(lambda: len(events) == 2)
    await client.ApiextensionsV1Api(api).delete_custom_resource_definition(
        "widgets0.noise.example.com"
    )
    await asyncio.wait_for(task, 10)
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    assert cluster.get("CustomResourceDefinition", "widgets0.noise.example.com") is None
    with pytest.raises(ApiException) as raised:
        await custom.list_namespaced_custom_object("noise.example.com", "v1", "default", "widgets0")
    assert raised.value.status == 404


async def test_crd_status_conditions_and_a_new_version(
    cluster: SimulatedCluster, api: client.ApiClient, http: aiohttp.ClientSession
) -> None:
    extensions = client.ApiextensionsV1Api(api)
    created = await extensions.create_custom_resource_definition(cast(Any, noise_crd(1)))
    conditions = {c.type: c.status for c in created.status.conditions}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    assert created.status.accepted_names.plural == "widgets1"
    assert created.metadata.finalizers == ["customresourcecleanup.apiextensions.k8s.io"]
    body = noise_crd(1)
    body["metadata"]["resourceVersion"] = created.metadata.resource_version
    body["spec"]["versions"][0]["storage"] = False
    v2 = {**body["spec"]["versions"][0], "name": "v2", "storage": True}
    body["spec"]["versions"].append(v2)
    replaced = await extensions.replace_custom_resource_definition(
        "widgets1.noise.example.com", cast(Any, body)
    )
    assert replaced.status.stored_versions == ["v1", "v2"]
    group = await (await http.get("/apis/noise.example.com")).json()
    assert [v["version"] for v in group["versions"]] == ["v2", "v1"]
    assert group["preferredVersion"]["version"] == "v2"
    widget = {"apiVersion": "noise.example.com/v1", "kind": "Widget1", "metadata": {"name": "w"}}
    created_at = "/apis/noise.example.com/v1/namespaces/default/widgets1"
    async with http.post(created_at, json=widget) as response:
        assert response.status == 201, await response.text()
    listed = await get_json(http, "/apis/noise.example.com/v2/widgets1")
    assert listed["apiVersion"] == "noise.example.com/v2"
    assert [i["apiVersion"] for i in listed["items"]] == ["noise.example.com/v2"]
    one = await get_json(http, "/apis/noise.example.com/v1/namespaces/default/widgets1/w")
    assert one["apiVersion"] == "noise.example.com/v1"
    path = "/apis/noise.example.com/v2/namespaces/default/widgets1?watch=1&timeoutSeconds=1"
    async with http.get(path) as response:
        first = json.loads(await response.content.readline())
    assert (first["type"], first["object"]["apiVersion"]) == ("ADDED", "noise.example.com/v2")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metadata": {"name": "wrong"}}, 'metadata.name: Invalid value: "wrong"'),
        ({"spec": {"group": "nodot"}}, "should be a domain with at least one dot"),
        ({"spec": {"scope": "Global"}}, 'spec.scope: Unsupported value: "Global"'),
        ({"spec": {"versions": []}}, "spec.versions: Required value"),
        ({"storage": False}, "must have exactly one version marked as storage version"),
        ({"served": False}, "must have at least one version marked as served"),
    ],
)
async def test_an_invalid_crd_is_refused_with_422(
    http: aiohttp.ClientSession, change: dict[str, Any], message: str
) -> None:
    body = noise_crd(2)
    for section in ("metadata", "spec"):
        body[section].update(change.get(section, {}))
    if "spec" in change and "group" in change["spec"]:
        body["metadata"]["name"] = "widgets2.nodot"
    for key in ("storage", "served"):
        if key in change:
            body["spec"]["versions"][0][key] = change[key]
    async with http.post(CRDS, json=body) as response:
        assert response.status == 422
        status = await response.json()
    assert status["reason"] == "Invalid"
    assert status["message"].startswith('CustomResourceDefinition.apiextensions.k8s.io "')
    assert message in status["message"]


async def test_unknown_plurals_and_objects_are_404(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    install_workload_crds(cluster)
    async with http.get("/apis/argoproj.io/v1alpha1/namespaces/default/nothings") as response:
        assert response.status == 404
        assert (await response.json())["reason"] == "NotFound"
    async with http.get("/apis/argoproj.io/v9/rollouts") as response:
        assert response.status == 404
    async with http.get("/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/x") as response:
        assert response.status == 404
        assert (await response.json())["message"] == 'rollouts.argoproj.io "x" not found'
    async with http.get(f"{CRDS}/rollouts.example.com") as response:
        assert response.status == 404


async def test_official_client_reads_custom_objects_and_crds(
    cluster: SimulatedCluster, official: kubernetes.client.ApiClient
) -> None:
    install_workload_crds(cluster)
    cluster.create(cloneset("cs", replicas=1))
    custom = kubernetes.client.CustomObjectsApi(official)
    listed: Any = await asyncio.to_thread(
        custom.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL
    )
    assert [i["metadata"]["name"] for i in listed["items"]] == ["cs"]
    extensions = kubernetes.client.ApiextensionsV1Api(official)
    crds = await asyncio.to_thread(extensions.list_custom_resource_definition)
    names = {c.metadata.name for c in crds.items if c.metadata is not None}
    assert {"clonesets.apps.kruise.io", "virtualmachines.kubevirt.io"} <= names
    scale: Any = await asyncio.to_thread(
        custom.patch_namespaced_custom_object_scale,
        GROUP,
        VERSION,
        "default",
        PLURAL,
        "cs",
        {"spec": {"replicas": 2}},
        _content_type=MERGE,
    )
    assert scale["spec"]["replicas"] == 2
    await cluster.wait_for(
        lambda: (cluster.get("CloneSet", "cs") or {}).get("status", {}).get("replicas") == 2
    )


async def test_a_crd_stays_terminating_while_an_object_holds_a_finalizer(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    install_noise_crds(cluster, 1)
    path = "/apis/noise.example.com/v1/namespaces/default/widgets0"
    held = {**_widget("held"), "metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    async with http.post(path, json=held) as response:
        assert response.status == 201, await response.text()
    async with http.delete(f"{CRDS}/widgets0.noise.example.com") as response:
        assert response.status == 200
    await cluster.wait_for(lambda: _terminating(cluster))
    async with http.post(path, json=_widget("late")) as response:
        assert response.status == 405
        assert "is terminating" in (await response.json())["message"]
    merge = {"Content-Type": "application/merge-patch+json"}
    patch = {"metadata": {"finalizers": None}}
    async with http.patch(f"{path}/held", json=patch, headers=merge) as response:
        assert response.status == 200, await response.text()
    await cluster.wait_for(
        lambda: cluster.get("CustomResourceDefinition", "widgets0.noise.example.com") is None
    )
    async with http.get(path) as response:
        assert response.status == 404


def _terminating(cluster: SimulatedCluster) -> bool:
    crd = cluster.get("CustomResourceDefinition", "widgets0.noise.example.com") or {}
    conditions = crd.get("status", {}).get("conditions") or ()
    return any(c["type"] == "Terminating" and c["status"] == "True" for c in conditions)
