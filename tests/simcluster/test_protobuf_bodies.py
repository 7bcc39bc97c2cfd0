"""Protobuf bodies kubectl never sends, written by hand from generated.proto's numbers.

The kinds only controllers and kubelets write (ReplicaSet, StatefulSet, DaemonSet,
Node), Scale and DeleteOptions, each created and read back over HTTP; and bodies that
are not what they claim, which get a 400 Status and change nothing.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from simcluster.cluster import SimulatedCluster

from .objects import pod, workload
from .protobuf import PROTOBUF, envelope, field, int_or_string, number_field, varint
from .test_bad_input import DEPLOYMENTS, PODS, status_of

NAMESPACES = "/api/v1/namespaces"
APPS = "/apis/apps/v1/namespaces/default"
MAGIC = b"k8s\x00"


def namespace(meta: bytes) -> bytes:
    return envelope("v1", "Namespace", field(1, meta))


def app_label(name: str) -> bytes:
    """An ObjectMeta's labels (11) entry app=name."""
    return field(11, field(1, "app") + field(2, name))


def labelled(name: str) -> bytes:
    """ObjectMeta: name 1, labels 11."""
    return field(1, name) + app_label(name)


def selector_and_template(name: str) -> tuple[bytes, bytes]:
    """LabelSelector (matchLabels 1) and PodTemplateSpec (metadata 1, spec 2 with one
    container 2: name 1, image 2)."""
    selector = field(1, field(1, "app") + field(2, name))
    container = field(1, "main") + field(2, "nginx:1.27")
    return selector, field(1, app_label(name)) + field(2, field(2, container))


async def _created(http: aiohttp.ClientSession, path: str, body: bytes) -> dict[str, Any]:
    async with http.post(path, data=body, headers=PROTOBUF) as response:
        assert response.status == 201, await response.text()
        name = (await response.json())["metadata"]["name"]
    async with http.get(f"{path}/{name}") as response:
        found: dict[str, Any] = await response.json()
    return found


async def test_statefulset_replicaset_and_daemonset(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    selector, template = selector_and_template("db")
    rolling = field(1, "RollingUpdate") + field(
        2, number_field(1, 0) + field(2, int_or_string("50%"))
    )
    spec = (
        number_field(1, 2)
        + field(2, selector)
        + field(3, template)
        + field(5, "db")
        + field(6, "Parallel")
        + field(7, rolling)
        + number_field(9, 0)
    )
    sts = await _created(
        http,
        f"{APPS}/statefulsets",
        envelope("apps/v1", "StatefulSet", field(1, labelled("db")) + field(2, spec)),
    )
    assert sts["spec"]["serviceName"] == "db"
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"partition": 0, "maxUnavailable": "50%"},
    }
    assert "minReadySeconds" not in sts["spec"]
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"

    selector, template = selector_and_template("cache")
    spec = number_field(1, 2) + number_field(4, 0) + field(2, selector) + field(3, template)
    rs = await _created(
        http,
        f"{APPS}/replicasets",
        envelope("apps/v1", "ReplicaSet", field(1, labelled("cache")) + field(2, spec)),
    )
    assert rs["spec"]["replicas"] == 2 and "minReadySeconds" not in rs["spec"]
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "cache"}}

    selector, template = selector_and_template("agent")
    rolling = field(1, "RollingUpdate") + field(
        2, field(1, int_or_string(1)) + field(2, int_or_string(0))
    )
    spec = field(1, selector) + field(2, template) + field(3, rolling) + number_field(4, 5)
    ds = await _created(
        http,
        f"{APPS}/daemonsets",
        envelope("apps/v1", "DaemonSet", field(1, labelled("agent")) + field(2, spec)),
    )
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["spec"]["minReadySeconds"] == 5
    await cluster.wait_for(
        lambda: (
            {p["metadata"]["labels"]["app"] for p in cluster.list_objects("Pod")}
            == {"db", "cache", "agent"}
        )
    )


async def test_node_with_a_taint(http: aiohttp.ClientSession) -> None:
    taint = field(1, "dedicated") + field(2, "gpu") + field(3, "NoSchedule")
    taint += field(4, number_field(1, 1_700_000_000))
    spec = number_field(4, 1) + field(5, taint) + field(7, "10.9.0.0/24")
    node = await _created(
        http, "/api/v1/nodes", envelope("v1", "Node", field(1, field(1, "extra")) + field(2, spec))
    )
    assert node["spec"] == {
        "unschedulable": True,
        "taints": [
            {
                "key": "dedicated",
                "value": "gpu",
                "effect": "NoSchedule",
                "timeAdded": "2023-11-14T22:13:20Z",
            }
        ],
        "podCIDRs": ["10.9.0.0/24"],
    }


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
        (
            namespace(varint(11 << 3 | 1) + bytes(8)),
            "field 11 (labels) of meta.v1.ObjectMeta has wire type 1",
        ),
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
        "map-sent-as-fixed64",
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
