"""The cluster mirror: watch events in, store changes out, owners re-judged by dependents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from gateway.store.changes import (
    Change,
    EventPush,
    FeedEntry,
    NodeUpsert,
    PodRemove,
    PodUpsert,
    WorkloadRemove,
    WorkloadUpsert,
)
from gateway.watch.mirror import ClusterMirror
from tests.status import objects as o

WEB = "Deployment/shop/web"


def fleet_mirror() -> ClusterMirror:
    """A Deployment with three ready pods through its ReplicaSet, on three ready nodes."""
    mirror = ClusterMirror("sim-1", lambda: o.NOW)
    mirror.replace("Node", [o.node("worker-1"), o.node("worker-2"), o.node("worker-3")])
    mirror.replace("ReplicaSet", [o.replica_set()])
    mirror.replace("Deployment", [o.deployment()])
    mirror.replace("Pod", [web_pod(i) for i in range(3)])
    return mirror


def web_pod(index: int, **changes: Any) -> dict[str, Any]:
    return o.pod(f"web-7d9f8b6c5d-p{index}", node=f"worker-{index + 1}", **changes)


def workloads(changes: list[Change]) -> dict[str, dict[str, Any]]:
    return {c.id: orjson.loads(c.record) for c in changes if isinstance(c, WorkloadUpsert)}


def feed(changes: list[Change], stream: str = "workloads") -> list[dict[str, Any]]:
    return [c.fields for c in changes if isinstance(c, FeedEntry) and c.stream == stream]


def test_snapshot_holds_every_record_and_no_feed_entries() -> None:
    changes = list(fleet_mirror().snapshot())
    records = workloads(changes)
    assert records[WEB]["status"] == "Running"
    assert records[WEB]["pods"] == [f"web-7d9f8b6c5d-p{i}" for i in range(3)]
    assert records[WEB]["images"] == [o.IMAGE]
    pods = [c for c in changes if isinstance(c, PodUpsert)]
    assert sorted(c.id for c in pods) == [f"shop/web-7d9f8b6c5d-p{i}" for i in range(3)]
    assert all(orjson.loads(c.record)["owner"] == WEB for c in pods)
    assert len([c for c in changes if isinstance(c, NodeUpsert)]) == 3
    assert feed(changes) == []


def test_pod_change_rejudges_its_deployment_through_the_replica_set() -> None:
    mirror = fleet_mirror()
    list(mirror.snapshot())
    mirror.apply("Pod", "MODIFIED", web_pod(1, statuses=[o.crash_loop("web")], phase="Running"))
    changes = mirror.flush()
    record = workloads(changes)[WEB]
    assert record["status"] == "Not Ready"
    assert record["reason"] == "CrashLoopBackOff"
    assert "web-7d9f8b6c5d-p1" in record["message"]
    [entry] = feed(changes)
    assert (entry["type"], entry["oldStatus"], entry["newStatus"]) == (
        "changed",
        "Running",
        "Not Ready",
    )
    assert entry["reason"] == "CrashLoopBackOff"
    [pod_entry] = feed(changes, "pods")
    assert pod_entry["reason"] == "CrashLoopBackOff"
    upsert = next(c for c in changes if isinstance(c, WorkloadUpsert))
    assert upsert.count_before == "shop|Deployment|Running"
    assert upsert.count_after == "shop|Deployment|Not Ready"


def test_unchanged_objects_write_nothing() -> None:
    mirror = fleet_mirror()
    list(mirror.snapshot())
    mirror.replace("Pod", [web_pod(i) for i in range(3)])
    mirror.replace("Deployment", [o.deployment()])
    assert mirror.flush() == []


def test_node_going_not_ready_turns_owners_exception_without_pod_events() -> None:
    mirror = fleet_mirror()
    list(mirror.snapshot())
    mirror.apply("Node", "MODIFIED", o.node("worker-2", ready="Unknown"))
    changes = mirror.flush()
    record = workloads(changes)[WEB]
    assert record["status"] == "Exception"
    assert record["reason"] == "NodeLost"
    assert "worker-2" in record["message"]
    assert "Kubelet stopped posting node status" in record["message"]
    pod = next(orjson.loads(c.record) for c in changes if isinstance(c, PodUpsert))
    assert pod["name"] == "web-7d9f8b6c5d-p1"
    assert pod["abnormal"] is True


def test_relist_removes_what_vanished_and_says_so() -> None:
    mirror = fleet_mirror()
    list(mirror.snapshot())
    mirror.replace("Pod", [web_pod(0), web_pod(1)])
    mirror.replace("Deployment", [])
    changes = mirror.flush()
    assert [c.id for c in changes if isinstance(c, PodRemove)] == ["shop/web-7d9f8b6c5d-p2"]
    removed = [c for c in changes if isinstance(c, WorkloadRemove)]
    assert [(c.id, c.count_before) for c in removed] == [(WEB, "shop|Deployment|Running")]
    [deleted] = feed(changes)
    assert (deleted["type"], deleted["oldStatus"], deleted["newStatus"]) == (
        "deleted",
        "Running",
        "",
    )
    pods = feed(changes, "pods")
    assert [e["type"] for e in pods] == ["deleted", "changed", "changed"]
    # The pods left behind belong to no workload now: subscribers to standalone pods hear it.
    left: list[tuple[Any, Any]] = [(e["oldOwner"], e["record"]["owner"]) for e in pods[1:]]
    assert left == [(WEB, None)] * 2


def test_events_are_listed_under_the_pod_and_its_workload() -> None:
    mirror = fleet_mirror()
    list(mirror.snapshot())
    mirror.apply(
        "Event",
        "ADDED",
        o.event("web-7d9f8b6c5d-p0", "BackOff", "Back-off restarting failed container"),
    )
    [push] = [c for c in mirror.flush() if isinstance(c, EventPush)]
    assert push.object_ids == ("Pod/shop/web-7d9f8b6c5d-p0", WEB)
    assert orjson.loads(push.record)["reason"] == "BackOff"


def test_unreachable_cluster_turns_every_workload_exception_and_back() -> None:
    mirror = fleet_mirror()
    list(mirror.snapshot())
    mirror.set_unreachable(o.NOW - timedelta(minutes=2), "connection refused")
    record = workloads(mirror.flush())[WEB]
    assert (record["status"], record["reason"]) == ("Exception", "ClusterUnreachable")
    assert "sim-1" in record["message"] and "connection refused" in record["message"]
    assert "Running" in record["message"]
    mirror.set_reachable()
    changes = mirror.flush()
    assert workloads(changes)[WEB]["status"] == "Running"
    [entry] = feed(changes)
    assert (entry["oldStatus"], entry["newStatus"]) == ("Exception", "Running")


def test_a_starting_pod_is_rejudged_when_its_grace_period_ends() -> None:
    clock = [o.NOW]
    mirror = ClusterMirror("sim-1", lambda: clock[0])
    mirror.replace("Node", [o.node("worker-1")])
    mirror.replace("ReplicaSet", [o.replica_set(replicas=1)])
    mirror.replace("Deployment", [o.deployment(replicas=1, ready=0, available=0)])
    starting = o.pod(
        "web-7d9f8b6c5d-new",
        statuses=[o.running("web", ready=False, started_minutes_ago=1)],
        conditions=o.pod_conditions(ready=False, minutes_ago=1),
    )
    mirror.replace("Pod", [starting])
    record = workloads(list(mirror.snapshot()))[WEB]
    assert record["status"] == "Waiting"
    due = mirror.next_timer()
    assert due is not None
    clock[0] = due + timedelta(seconds=1)
    record = workloads(mirror.flush())[WEB]
    assert record["status"] == "Not Ready"


def test_pods_listed_before_their_owners_name_them_once_the_owners_arrive() -> None:
    mirror = ClusterMirror("sim-1", lambda: o.NOW)
    mirror.replace("Node", [o.node("worker-1"), o.node("worker-2"), o.node("worker-3")])
    mirror.replace("Pod", [web_pod(0)])
    list(mirror.snapshot())
    mirror.apply("ReplicaSet", "ADDED", o.replica_set())
    mirror.flush()
    mirror.apply("Deployment", "ADDED", o.deployment())
    pods = [orjson.loads(c.record) for c in mirror.flush() if isinstance(c, PodUpsert)]
    assert [p["owner"] for p in pods] == [WEB]


def untimed(change: Change) -> object:
    """A change as compared across two flushes: feed entries carry the time they were made."""
    if isinstance(change, FeedEntry):
        return change.stream, {k: v for k, v in change.fields.items() if k != "time"}
    return change


def test_a_flush_in_slices_says_what_one_flush_says() -> None:
    whole, sliced = fleet_mirror(), fleet_mirror()
    for mirror in (whole, sliced):
        list(mirror.snapshot())
        for index in range(3, 20):
            mirror.apply("Pod", "ADDED", o.pod(f"web-7d9f8b6c5d-n{index}", node="worker-1"))
    slices = list(sliced.flush_in_slices(4))
    assert len(slices) > 3 and all(0 < len(part) <= 4 for part in slices)
    assert [untimed(c) for part in slices for c in part] == [untimed(c) for c in whole.flush()]
    assert not sliced.pending and list(sliced.flush_in_slices(4)) == []
