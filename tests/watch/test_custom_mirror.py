"""Custom workloads in the mirror: judged by their rules, owning pods through custom owners.

The objects are the rule library's own fixtures (what each project documents its status
to be), given uids and ownerReferences the way their controllers set them, and pods from
the status tests' builders.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import yaml

from gateway.rules.fixtures import LIBRARY
from gateway.rules.opted import OptedKinds
from gateway.store.changes import Change, FeedEntry, PodUpsert, WorkloadRemove, WorkloadUpsert
from gateway.watch.mirror import ClusterMirror
from tests.status import objects as o

ROLLOUT = "Rollout.argoproj.io"
CLONESET = "CloneSet.apps.kruise.io"
VM = "VirtualMachine.kubevirt.io"
VMI = "VirtualMachineInstance.kubevirt.io"


def fixture(group: str, kind: str, name: str) -> dict[str, Any]:
    text = (LIBRARY / group / kind / "fixtures" / f"{name}.yaml").read_text()
    found: dict[str, Any] = copy.deepcopy(yaml.safe_load(text)["object"])
    return found


def owned(obj: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with ``owner`` as its controller, as its controller writes it."""
    meta = owner["metadata"]
    obj["metadata"]["ownerReferences"] = [
        {
            "apiVersion": owner["apiVersion"],
            "kind": owner["kind"],
            "name": meta["name"],
            "uid": meta["uid"],
            "controller": True,
        }
    ]
    return obj


def named(obj: dict[str, Any], namespace: str, name: str) -> dict[str, Any]:
    obj["metadata"].update(name=name, namespace=namespace, uid=o.uid(namespace, obj["kind"], name))
    return obj


def rollout() -> dict[str, Any]:
    return named(fixture("argoproj.io", "Rollout", "healthy"), "shop", "web")


def rollout_replica_set() -> dict[str, Any]:
    replica_set = o.replica_set("web-6f8d9c7b5a", deployment_name="web", replicas=2)
    return owned(replica_set, rollout())


def rollout_pod(index: int, **changes: Any) -> dict[str, Any]:
    return o.pod(
        f"web-6f8d9c7b5a-r{index}",
        owned_by=o.owner("ReplicaSet", "web-6f8d9c7b5a"),
        node="worker-1",
        **changes,
    )


def mirror_with(*kinds: str) -> ClusterMirror:
    mirror = ClusterMirror("sim-1", lambda: o.NOW, OptedKinds.library())
    mirror.replace("Node", [o.node("worker-1")])
    for kind in kinds:
        mirror.watch_kind(kind)
    return mirror


def workloads(changes: list[Change]) -> dict[str, dict[str, Any]]:
    return {c.id: orjson.loads(c.record) for c in changes if isinstance(c, WorkloadUpsert)}


def pods(changes: list[Change]) -> dict[str, dict[str, Any]]:
    return {c.id: orjson.loads(c.record) for c in changes if isinstance(c, PodUpsert)}


def feed(changes: list[Change], stream: str = "workloads") -> list[dict[str, Any]]:
    return [c.fields for c in changes if isinstance(c, FeedEntry) and c.stream == stream]


def test_a_rollout_owns_its_pods_through_its_replica_sets() -> None:
    mirror = mirror_with(ROLLOUT)
    mirror.replace("ReplicaSet", [rollout_replica_set()])
    mirror.replace(ROLLOUT, [rollout()])
    mirror.replace("Pod", [rollout_pod(0), rollout_pod(1)])
    changes = list(mirror.snapshot())
    record = workloads(changes)[f"{ROLLOUT}/shop/web"]
    assert (record["status"], record["reason"]) == ("Running", "Healthy")
    assert record["kind"] == ROLLOUT
    assert record["apiVersion"] == "argoproj.io/v1alpha1"
    assert record["family"] == "long-running"
    assert record["pods"] == ["web-6f8d9c7b5a-r0", "web-6f8d9c7b5a-r1"]
    assert {p["owner"] for p in pods(changes).values()} == {f"{ROLLOUT}/shop/web"}
    upsert = next(c for c in changes if isinstance(c, WorkloadUpsert))
    assert upsert.count_after == f"shop|{ROLLOUT}|Running"


def test_a_pod_change_rejudges_the_rollout_and_the_feed_says_so() -> None:
    mirror = mirror_with(ROLLOUT)
    mirror.replace("ReplicaSet", [rollout_replica_set()])
    mirror.replace(ROLLOUT, [rollout()])
    mirror.replace("Pod", [rollout_pod(0)])
    list(mirror.snapshot())
    mirror.apply("Pod", "MODIFIED", rollout_pod(0, statuses=[o.crash_loop("web")]))
    changes = mirror.flush()
    [pod] = pods(changes).values()
    assert pod["owner"] == f"{ROLLOUT}/shop/web"
    assert pod["displayReason"] == "CrashLoopBackOff"
    record = workloads(changes)[f"{ROLLOUT}/shop/web"]
    assert (record["status"], record["reason"]) == ("Not Ready", "CrashLoopBackOff")
    assert "web-6f8d9c7b5a-r0" in record["message"]
    [entry] = feed(changes)
    assert (entry["oldStatus"], entry["newStatus"], entry["id"]) == (
        "Running",
        "Not Ready",
        f"{ROLLOUT}/shop/web",
    )


def test_a_clone_set_owns_pods_directly() -> None:
    mirror = mirror_with(CLONESET)
    cart = named(fixture("apps.kruise.io", "CloneSet", "ready"), "shop", "cart")
    mirror.replace(CLONESET, [cart])
    pod = o.pod("cart-x7k2p", node="worker-1")
    mirror.replace("Pod", [owned(pod, cart)])
    changes = list(mirror.snapshot())
    assert workloads(changes)[f"{CLONESET}/shop/cart"]["pods"] == ["cart-x7k2p"]
    assert pods(changes)["shop/cart-x7k2p"]["owner"] == f"{CLONESET}/shop/cart"


def test_a_launcher_pod_belongs_to_its_instance_and_counts_for_the_machine() -> None:
    mirror = mirror_with(VM, VMI)
    machine = named(fixture("kubevirt.io", "VirtualMachine", "running"), "vms", "db")
    instance = owned(
        named(fixture("kubevirt.io", "VirtualMachineInstance", "running"), "vms", "db"), machine
    )
    launcher = owned(o.pod("virt-launcher-db-q8x2m", namespace="vms"), instance)
    mirror.replace(VM, [machine])
    mirror.replace(VMI, [instance])
    mirror.replace("Pod", [launcher])
    changes = list(mirror.snapshot())
    records = workloads(changes)
    assert records[f"{VM}/vms/db"]["pods"] == ["virt-launcher-db-q8x2m"]
    assert records[f"{VMI}/vms/db"]["pods"] == ["virt-launcher-db-q8x2m"]
    assert pods(changes)["vms/virt-launcher-db-q8x2m"]["owner"] == f"{VMI}/vms/db"
    failing = owned(
        o.pod("virt-launcher-db-q8x2m", namespace="vms", statuses=[o.crash_loop("compute")]),
        instance,
    )
    mirror.apply("Pod", "MODIFIED", failing)
    rejudged = workloads(mirror.flush())
    for kind in (VM, VMI):
        assert rejudged[f"{kind}/vms/db"]["status"] == "Not Ready"
        assert "virt-launcher-db-q8x2m" in rejudged[f"{kind}/vms/db"]["message"]


def test_an_unwatched_custom_owner_keeps_its_pods_kind_for_scoping() -> None:
    mirror = mirror_with()
    cart = named(fixture("apps.kruise.io", "CloneSet", "ready"), "shop", "cart")
    mirror.replace("Pod", [owned(o.pod("cart-x7k2p", node="worker-1"), cart)])
    [pod] = pods(list(mirror.snapshot())).values()
    assert pod["owner"] is None
    assert pod["ownerKind"] == CLONESET


def test_forgetting_a_kind_removes_its_workloads_with_a_feed_entry_each() -> None:
    mirror = mirror_with(ROLLOUT)
    mirror.replace(ROLLOUT, [rollout()])
    list(mirror.snapshot())
    mirror.forget_kind(ROLLOUT)
    changes = mirror.flush()
    assert [c.id for c in changes if isinstance(c, WorkloadRemove)] == [f"{ROLLOUT}/shop/web"]
    [entry] = feed(changes)
    assert (entry["type"], entry["id"]) == ("deleted", f"{ROLLOUT}/shop/web")
    mirror.apply(ROLLOUT, "ADDED", rollout())
    assert workloads(mirror.flush()) == {}


def test_a_kind_without_a_rule_is_never_running_by_default() -> None:
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop", "uid": "w-1"},
        "status": {"colour": "blue"},
    }
    opted = OptedKinds(OptedKinds.library().rules, frozenset({"Widget.example.com"}))
    mirror = ClusterMirror("sim-1", lambda: o.NOW, opted)
    mirror.watch_kind("Widget.example.com")
    mirror.replace("Widget.example.com", [widget])
    record = workloads(list(mirror.snapshot()))["Widget.example.com/shop/w"]
    assert (record["status"], record["reason"]) == ("Exception", "NoStatusRule")
    assert "Widget.example.com" in record["message"]


def test_pods_seen_before_their_kind_is_watched_join_it_when_it_is() -> None:
    mirror = mirror_with()
    mirror.replace("ReplicaSet", [rollout_replica_set()])
    mirror.replace("Pod", [rollout_pod(0)])
    [pod] = pods(list(mirror.snapshot())).values()
    assert (pod["owner"], pod["ownerKind"]) == (None, ROLLOUT)
    mirror.watch_kind(ROLLOUT)
    mirror.replace(ROLLOUT, [rollout()])
    changes = mirror.flush()
    assert pods(changes)["shop/web-6f8d9c7b5a-r0"]["owner"] == f"{ROLLOUT}/shop/web"
    assert workloads(changes)[f"{ROLLOUT}/shop/web"]["pods"] == ["web-6f8d9c7b5a-r0"]
