"""Protobuf bodies that are not what they claim get a 400 Status, and change nothing.

The bodies are written by hand (numbers from generated.proto: ObjectMeta.name 1,
Namespace.metadata 1, Scale.spec 2, ScaleSpec.replicas 1, DeleteOptions
.gracePeriodSeconds 1) since no client sends them broken.
"""

from __future__ import annotations

import aiohttp
import pytest

from simcluster.cluster import SimulatedCluster

from .objects import pod, workload
from .protobuf import PROTOBUF, envelope, field, number_field, varint
from .test_bad_input import DEPLOYMENTS, PODS, status_of

NAMESPACES = "/api/v1/namespaces"
MAGIC = b"k8s\x00"


def namespace(meta: bytes) -> bytes:
    return envelope("v1", "Namespace", field(1, meta))


async def _names(http: aiohttp.ClientSession, path: str) -> list[str]:
    async with http.get(path) as response:
        listed = await response.json()
    return sorted(item["metadata"]["name"] for item in listed["items"])


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"k8s\x01" + namespace(field(1, "a"))[4:], "does not start with the Kubernetes magic"),
        (b'{"kind": "Namespace"}', "does not start with the Kubernetes magic"),
        (MAGIC + b"\x0a\x85", "a varint runs past the end"),
        (namespace(b"\x38\xff"), "a varint runs past the end"),
        (namespace(b"\x0a\x40" + b"short"), "field 1 is longer than what is left"),
        (envelope("v1", "Namespace", b"\x0a"), "a varint runs past the end"),
        (namespace(number_field(1, 7)), "field 1 (name) of meta.v1.ObjectMeta has wire type 0"),
        (envelope("v1", "Namespace", number_field(1, 3)), "field 1 (metadata) of core.v1"),
        (namespace(field(1, b"\xff\xfe")), "field 1 (name) of meta.v1.ObjectMeta is not valid"),
        (namespace(b"\x0f"), "wire type 7, which Kubernetes never sends"),
        (namespace(varint(0)), "a field has number 0"),
        (envelope("v1", "Pod", field(1, field(1, "a"))), "holds a v1 Pod, but this request"),
        (envelope("apps/v1", "Namespace", b""), "holds a apps/v1 Namespace, but"),
        (MAGIC + field(2, field(1, field(1, "a"))), "holds a (no apiVersion) (no kind)"),
        (namespace(field(1, "a")) + field(3, "gzip"), "wraps content that is not protobuf"),
    ],
    ids=[
        "wrong-magic",
        "json-said-to-be-protobuf",
        "truncated-varint-in-the-envelope",
        "truncated-varint-in-the-object",
        "length-past-the-end",
        "length-missing",
        "string-sent-as-varint",
        "message-sent-as-varint",
        "invalid-utf-8",
        "wire-type-7",
        "field-number-0",
        "another-kind",
        "another-api-version",
        "no-type-meta",
        "compressed",
    ],
)
async def test_broken_protobuf_creates_are_400(
    http: aiohttp.ClientSession, body: bytes, why: str
) -> None:
    before = await _names(http, NAMESPACES)
    async with http.post(NAMESPACES, data=body, headers=PROTOBUF) as response:
        status = await status_of(response, 400, "BadRequest")
    assert why in status["message"]
    assert await _names(http, NAMESPACES) == before


async def test_a_sound_body_next_to_the_broken_ones_is_created(
    http: aiohttp.ClientSession,
) -> None:
    async with http.post(NAMESPACES, data=namespace(field(1, "shop")), headers=PROTOBUF) as sent:
        assert sent.status == 201
        assert (await sent.json())["metadata"]["name"] == "shop"
    assert "shop" in await _names(http, NAMESPACES)


async def test_a_replicaset_posted_as_a_deployment_is_refused(
    http: aiohttp.ClientSession,
) -> None:
    body = envelope("apps/v1", "ReplicaSet", field(1, field(1, "web")))
    async with http.post(DEPLOYMENTS, data=body, headers=PROTOBUF) as response:
        status = await status_of(response, 400, "BadRequest")
    assert (
        "holds a apps/v1 ReplicaSet, but this request takes a apps/v1 Deployment"
        in (status["message"])
    )
    assert await _names(http, DEPLOYMENTS) == []


async def test_scale_in_protobuf_and_broken(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(workload("Deployment", "web", replicas=1))
    scale = f"{DEPLOYMENTS}/web/scale"

    def replicas(count: int) -> bytes:
        spec = field(2, number_field(1, count))
        return envelope("autoscaling/v1", "Scale", field(1, field(1, "web")) + spec)

    async with http.put(scale, data=replicas(3), headers=PROTOBUF) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["spec"]["replicas"] == 3
    for broken in (replicas(4)[:-1], envelope("apps/v1", "Deployment", b"")):
        async with http.put(scale, data=broken, headers=PROTOBUF) as response:
            await status_of(response, 400, "BadRequest")
    found = cluster.get("Deployment", "web")
    assert found is not None and found["spec"]["replicas"] == 3


async def test_delete_options_in_protobuf_and_broken(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    for name in ("kept", "gone"):
        cluster.create(pod(name))
    await cluster.wait_for(
        lambda: all(p["spec"].get("nodeName") for p in cluster.list_objects("Pod"))
    )
    grace_zero = envelope("v1", "DeleteOptions", number_field(1, 0))
    for broken in (grace_zero[:-1], envelope("v1", "Pod", b""), b"not protobuf"):
        async with http.delete(f"{PODS}/kept", data=broken, headers=PROTOBUF) as response:
            await status_of(response, 400, "BadRequest")
    kept = cluster.get("Pod", "kept")
    assert kept is not None and "deletionTimestamp" not in kept["metadata"]
    in_meta = envelope("meta.k8s.io/v1", "DeleteOptions", number_field(1, 0))
    async with http.delete(f"{PODS}/gone", data=in_meta, headers=PROTOBUF) as response:
        assert response.status == 200, await response.text()
    assert cluster.get("Pod", "gone") is None, "a scheduled pod goes at once only with grace 0"
