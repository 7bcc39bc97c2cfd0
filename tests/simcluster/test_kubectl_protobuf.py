"""kubectl's typed clients send protobuf; what the simulator stores must be what JSON gives.

The reference is kubectl itself: ``--dry-run=client -o json`` prints the object a command
would send, written by Go's JSON encoder; created through ``kubectl create -f`` (JSON), it
must come back from the server exactly as the same command sent as protobuf does. Where
kubectl has no dry run (``debug``) or reads an object back and sends it again (``create
job --from``, ``debug --copy-to``), the object it read is the reference.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import pytest_asyncio

from simcluster.cluster import SimulatedCluster

from .helpers import Kubectl, Ran, Sent, requests_sent
from .objects import behaviour, workload
from .rich_objects import OMITTED_ZEROS, rich_cronjob, rich_pod


@pytest_asyncio.fixture(autouse=True)
async def _sends_protobuf(kubectl: Kubectl) -> None:
    if await kubectl.client_minor() < 32:
        pytest.skip("kubectl before 1.32 sends JSON bodies, not protobuf")


def _with(args: tuple[str, ...], *flags: str) -> tuple[str, ...]:
    """The command with flags added before its ``--`` (what follows is the container's)."""
    end = args.index("--") if "--" in args else len(args)
    return (*args[:end], *flags, *args[end:])


async def verbose(kubectl: Kubectl, *args: str, stdin: str | None = None) -> Ran:
    ran = await kubectl.run(*_with(args, "-v=8"), stdin=stdin)
    assert ran.code == 0, f"kubectl {' '.join(args)} failed: {ran.err[-3000:]}"
    return ran


async def via_protobuf(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    """The object the server makes of the command's protobuf body (a server dry run)."""
    ran = await verbose(kubectl, *_with(args, "--dry-run=server", "-o", "json"))
    sent = requests_sent(ran.err)
    assert any(s.method == "POST" and s.protobuf for s in sent), f"no protobuf POST in {sent}"
    found: dict[str, Any] = json.loads(ran.out)
    return found


async def via_json(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    """The object the server makes of the same command's body sent as JSON instead."""
    body = await kubectl.ok(*_with(args, "--dry-run=client", "-o", "json"))
    ran = await verbose(kubectl, "create", "-f", "-", "--dry-run=server", "-o", "json", stdin=body)
    assert not any(s.protobuf for s in requests_sent(ran.err))
    found: dict[str, Any] = json.loads(ran.out)
    return found


def comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """Without what differs between two creations: the uid (also in a Job's labels and
    selector) and the creation time."""
    found: dict[str, Any] = json.loads(json.dumps(obj).replace(obj["metadata"]["uid"], "UID"))
    del found["metadata"]["creationTimestamp"]
    return found


async def same_both_ways(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    sent = await via_protobuf(kubectl, *args)
    assert comparable(sent) == comparable(await via_json(kubectl, *args))
    return sent


@pytest.mark.parametrize(
    "command",
    [
        ("create", "namespace", "extra"),
        ("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=8080"),
        ("create", "job", "once", "--image=busybox:1.36", "--", "sh", "-c", "exit 0"),
        (
            "create",
            "cronjob",
            "nightly",
            "--image=busybox:1.36",
            "--schedule=0 3 * * *",
            "--restart=OnFailure",
            "--",
            "date",
        ),
        (
            "create",
            "role",
            "reader",
            "--verb=get,list,watch",
            "--resource=pods,deployments.apps",
            "--resource-name=web",
        ),
        ("create", "clusterrole", "aggregated", "--aggregation-rule=team=a,tier=b"),
        ("create", "clusterrole", "urls", "--verb=get", "--non-resource-url=/healthz,/logs/*"),
        (
            "create",
            "rolebinding",
            "readers",
            "--role=reader",
            "--user=alice",
            "--group=ops",
            "--serviceaccount=default:bot",
        ),
        ("create", "clusterrolebinding", "roots", "--clusterrole=cluster-admin", "--user=root"),
    ],
    ids=lambda command: "-".join(command[1:3]),
)
async def test_created_as_protobuf_is_created_as_json(
    kubectl: Kubectl, command: tuple[str, ...]
) -> None:
    await same_both_ways(kubectl, *command)


async def test_zero_replicas_behind_a_pointer_survive(kubectl: Kubectl) -> None:
    sent = await same_both_ways(
        kubectl, "create", "deployment", "none", "--image=nginx:1.27", "--replicas=0"
    )
    assert sent["spec"]["replicas"] == 0


async def test_job_from_a_cronjob_carries_its_template_field_for_field(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    await kubectl.ok("create", "-f", "-", stdin=json.dumps(rich_cronjob("report")))
    job = await same_both_ways(kubectl, "create", "job", "manual", "--from=cronjob/report")
    cronjob = cluster.get("CronJob", "report")
    assert cronjob is not None
    read = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    expected = {k: v for k, v in copy.deepcopy(read).items() if k not in OMITTED_ZEROS}
    del expected["containers"][0]["stdin"]
    del expected["containers"][0]["ports"][1]["hostPort"]
    assert job["spec"]["template"]["spec"] == expected
    spec = job["spec"]
    for name in ("backoffLimit", "ttlSecondsAfterFinished", "podFailurePolicy", "completionMode"):
        assert spec[name] == cronjob["spec"]["jobTemplate"]["spec"][name]
    assert job["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": "report",
            "uid": cronjob["metadata"]["uid"],
            "controller": True,
        }
    ]
    assert job["metadata"]["annotations"]["owner"] == "ops"


async def test_pod_copied_by_kubectl_debug_is_the_pod_it_read(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    await kubectl.ok("create", "-f", "-", stdin=json.dumps(rich_pod("report")))
    ran = await verbose(
        kubectl, "debug", "report", "--copy-to=report-copy", "--set-image=*=busybox:1.36"
    )
    assert Sent("POST", "/api/v1/namespaces/default/pods", True) in requests_sent(ran.err)
    original, copied = cluster.get("Pod", "report"), cluster.get("Pod", "report-copy")
    assert original is not None and copied is not None
    expected = copy.deepcopy(original["spec"])
    for container in expected["containers"]:
        container["image"] = "busybox:1.36"
    assert copied["spec"] == expected
    assert copied["metadata"]["labels"] == original["metadata"]["labels"]


async def test_node_debugging_pod_is_created_from_protobuf(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    ran = await verbose(kubectl, "debug", "node/sim-1-node-2", "--image=busybox:1.36")
    assert Sent("POST", "/api/v1/namespaces/default/pods", True) in requests_sent(ran.err)
    [pod] = [
        p for p in cluster.list_objects("Pod") if p["metadata"]["name"].startswith("node-debugger")
    ]
    spec = pod["spec"]
    assert spec["nodeName"] == "sim-1-node-2"
    assert (spec["hostIPC"], spec["hostNetwork"], spec["hostPID"]) == (True, True, True)
    assert spec["volumes"] == [{"name": "host-root", "hostPath": {"path": "/"}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "host-root", "mountPath": "/host"}]
    await cluster.wait_for(
        lambda: (
            (cluster.get("Pod", pod["metadata"]["name"]) or {}).get("status", {}).get("phase")
            == "Running"
        )
    )


RBAC = "/apis/rbac.authorization.k8s.io/v1"
RBAC_MANIFEST: list[dict[str, Any]] = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "watcher", "labels": {"team": "a"}},
        "rules": [
            {"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get"]},
            {"nonResourceURLs": ["/healthz"], "verbs": ["get"]},
        ],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "watchers", "namespace": "default"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "watcher",
        },
        "subjects": [
            {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
            {"kind": "ServiceAccount", "name": "bot", "namespace": "default"},
        ],
    },
]


def _manifest(objects: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})


async def test_auth_reconcile_creates_and_updates_in_protobuf(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    ran = await verbose(kubectl, "auth", "reconcile", "-f", "-", stdin=_manifest(RBAC_MANIFEST))
    assert Sent("POST", f"{RBAC}/clusterroles", True) in requests_sent(ran.err)
    assert Sent("POST", f"{RBAC}/namespaces/default/rolebindings", True) in requests_sent(ran.err)
    role, binding = cluster.get("ClusterRole", "watcher"), cluster.get("RoleBinding", "watchers")
    assert role is not None and binding is not None
    assert role["rules"] == RBAC_MANIFEST[0]["rules"]
    assert role["metadata"]["labels"] == {"team": "a"}
    assert binding["roleRef"] == RBAC_MANIFEST[1]["roleRef"]
    assert binding["subjects"] == RBAC_MANIFEST[1]["subjects"]

    wider = copy.deepcopy(RBAC_MANIFEST)
    wider[0]["rules"].append({"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list"]})
    ran = await verbose(kubectl, "auth", "reconcile", "-f", "-", stdin=_manifest(wider))
    assert Sent("PUT", f"{RBAC}/clusterroles/watcher", True) in requests_sent(ran.err)
    updated = cluster.get("ClusterRole", "watcher")
    assert updated is not None
    assert updated["rules"][-1] == {
        "apiGroups": ["batch"],
        "resources": ["jobs"],
        "verbs": ["list"],
    }
    assert int(updated["metadata"]["resourceVersion"]) > int(role["metadata"]["resourceVersion"])


async def test_drain_deletes_with_protobuf_delete_options(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    """The pod ignores SIGTERM for ever and asks 100000 s of grace: only drain's
    --grace-period, read from the protobuf DeleteOptions, lets it go."""
    stubborn = behaviour(terminate_seconds="100000")
    cluster.create(
        workload(
            "Deployment", "web", stubborn, replicas=1, pod={"terminationGracePeriodSeconds": 100000}
        )
    )
    await cluster.wait_for(
        lambda: any(p.get("spec", {}).get("nodeName") for p in cluster.list_objects("Pod"))
    )
    [pod] = cluster.list_objects("Pod")
    node = pod["spec"]["nodeName"]
    ran = await verbose(
        kubectl,
        "drain",
        node,
        "--disable-eviction",
        "--grace-period=2",
        "--ignore-daemonsets",
        "--timeout=60s",
    )
    deleted = Sent("DELETE", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}", True)
    assert deleted in requests_sent(ran.err)
    assert cluster.get("Pod", pod["metadata"]["name"]) is None
