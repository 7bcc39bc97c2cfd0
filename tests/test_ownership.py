"""Grouping objects under their owners: uids first, then kind and name, then selectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.ownership import Absent, Fleet, Workload, group
from tests.status.objects import (
    Obj,
    cronjob,
    daemonset,
    deployment,
    event,
    job,
    node,
    owner,
    pod,
    replica_set,
    statefulset,
)


def _by_name(fleet: Fleet) -> dict[str, Workload]:
    return {w.obj["metadata"]["name"]: w for w in fleet.workloads}


def _names(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objects)


def _without_owners(obj: Obj) -> Obj:
    del obj["metadata"]["ownerReferences"]
    return obj


def test_pods_reach_their_deployment_through_the_replica_set_uid() -> None:
    objects = [
        deployment("web"),
        replica_set("web-7d9f8b6c5d"),
        replica_set("web-5c4b3a2918"),
        pod("web-7d9f8b6c5d-a"),
        pod("web-5c4b3a2918-b", owned_by=owner("ReplicaSet", "web-5c4b3a2918")),
    ]
    web = _by_name(group(objects))["web"]
    assert _names(web.replica_sets) == ["web-5c4b3a2918", "web-7d9f8b6c5d"]
    assert _names(web.pods) == ["web-5c4b3a2918-b", "web-7d9f8b6c5d-a"]


def test_every_kind_owns_its_pods_and_cronjobs_own_their_jobs() -> None:
    objects = [
        statefulset("db"),
        pod("db-0", owned_by=owner("StatefulSet", "db")),
        daemonset("agent", namespace="shop"),
        pod("agent-x1", owned_by=owner("DaemonSet", "agent")),
        cronjob("nightly", namespace="shop"),
        job("nightly-29404050", namespace="shop", owned_by=owner("CronJob", "nightly")),
        pod("nightly-29404050-q", owned_by=owner("Job", "nightly-29404050")),
    ]
    found = _by_name(group(objects))
    assert _names(found["db"].pods) == ["db-0"]
    assert _names(found["agent"].pods) == ["agent-x1"]
    assert _names(found["nightly"].jobs) == ["nightly-29404050"]
    assert _names(found["nightly-29404050"].pods) == ["nightly-29404050-q"]
    assert found["nightly"].pods == []


def test_uid_wins_over_names() -> None:
    real = deployment("web")
    impostor = deployment("web-copy")
    impostor["metadata"]["uid"] = "0000"
    rs = replica_set()
    rs["metadata"]["ownerReferences"][0]["name"] = "web-copy"
    found = _by_name(group([real, impostor, rs]))
    assert _names(found["web"].replica_sets) == ["web-7d9f8b6c5d"]
    assert found["web-copy"].replica_sets == []


def test_owner_references_without_uid_fall_back_to_kind_and_name() -> None:
    rs = replica_set()
    del rs["metadata"]["ownerReferences"][0]["uid"]
    deploy = deployment("web")
    del deploy["metadata"]["uid"]
    found = _by_name(group([deploy, rs, pod()]))
    assert _names(found["web"].replica_sets) == ["web-7d9f8b6c5d"]
    assert _names(found["web"].pods) == ["web-7d9f8b6c5d-x2x9z"]


def test_names_do_not_cross_namespaces() -> None:
    other = deployment("web", namespace="other")
    del other["metadata"]["uid"]
    rs = replica_set()
    del rs["metadata"]["ownerReferences"][0]["uid"]
    found = group([other, rs])
    assert found.workloads[0].replica_sets == []


def test_objects_without_owner_references_fall_back_to_the_selector() -> None:
    objects = [
        deployment("web"),
        _without_owners(replica_set("web-7d9f8b6c5d")),
        _without_owners(pod("web-manual", labels={"app": "web"})),
        _without_owners(pod("elsewhere", namespace="other", labels={"app": "web"})),
        _without_owners(pod("unrelated", labels={"app": "api"})),
    ]
    fleet = group(objects)
    web = _by_name(fleet)["web"]
    assert _names(web.replica_sets) == ["web-7d9f8b6c5d"]
    assert _names(web.pods) == ["web-manual"]
    assert _names(fleet.loose_pods) == ["elsewhere", "unrelated"]


def test_selector_fallback_finds_statefulsets_too() -> None:
    found = _by_name(group([statefulset("db"), _without_owners(pod("db-0", labels={"app": "db"}))]))
    assert _names(found["db"].pods) == ["db-0"]


def test_pods_whose_owner_is_absent_are_not_adopted_by_selector() -> None:
    orphan = pod("web-old-1", owned_by=owner("ReplicaSet", "web-0000000000"))
    fleet = group([deployment("web"), orphan])
    assert _by_name(fleet)["web"].pods == []
    assert _names(fleet.loose_pods) == ["web-old-1"]


def test_replica_set_of_a_missing_deployment_keeps_its_pods_loose() -> None:
    fleet = group([replica_set(), pod()])
    assert fleet.workloads == []
    assert _names(fleet.loose_pods) == ["web-7d9f8b6c5d-x2x9z"]


def test_jobs_without_owner_references_fall_back_to_the_cronjob_name() -> None:
    objects: list[Any] = [
        cronjob("nightly", namespace="batch"),
        job("nightly-29404050", namespace="batch"),
        job("nightly-report", namespace="batch"),
        job("nightly-29404051", namespace="other"),
    ]
    found = _by_name(group(objects))
    assert _names(found["nightly"].jobs) == ["nightly-29404050"]


def test_jobs_owned_by_something_else_are_not_renamed_into_a_cronjob() -> None:
    stray = job("nightly-29404050", namespace="batch", owned_by=owner("CronJob", "gone", "batch"))
    found = _by_name(group([cronjob("nightly", namespace="batch"), stray]))
    assert found["nightly"].jobs == []


def test_nodes_events_and_other_kinds() -> None:
    fleet = group(
        [
            node("worker-1"),
            event("web-1", "BackOff", "Back-off"),
            {"kind": "Service", "metadata": {"name": "web"}},
            {"kind": "Service", "metadata": {"name": "api"}},
            {"metadata": {"name": "kindless"}},
        ]
    )
    assert _names(fleet.nodes) == ["worker-1"]
    assert len(fleet.events) == 1
    assert fleet.ignored == {"Service": 2, "(no kind)": 1}


def test_malformed_metadata_does_not_break_grouping() -> None:
    broken: list[Any] = [
        {"kind": "Deployment", "metadata": "web", "spec": {"selector": "app=web"}},
        {"kind": "Pod", "metadata": {"ownerReferences": ["x", {"uid": 3}], "labels": "app=web"}},
        {"kind": "Pod", "metadata": None},
    ]
    fleet = group(broken)
    assert len(fleet.workloads) == 1
    assert len(fleet.loose_pods) == 2


def test_pods_of_an_absent_replica_set_are_counted_for_the_deployment_it_names() -> None:
    """``kubectl get deploy,pods``: the ReplicaSet is ``<deployment>-<pod-template-hash>``."""
    fleet = group([deployment("web"), deployment("web-admin"), pod("web-7d9f8b6c5d-a"), pod()])
    found = _by_name(fleet)
    assert _names(found["web"].pods) == ["web-7d9f8b6c5d-a", "web-7d9f8b6c5d-x2x9z"]
    assert found["web"].inferred == {"web-7d9f8b6c5d": 2}
    assert found["web-admin"].pods == []
    assert (fleet.loose_pods, fleet.absent_owners) == ([], [])


def test_no_owner_is_made_up_from_a_name_alone() -> None:
    unhashed = pod("web-7d9f8b6c5d-a", labels={"app": "web"})
    other_hash = pod("web-7d9f8b6c5d-b", labels={"app": "web", "pod-template-hash": "0000"})
    elsewhere = pod("web-7d9f8b6c5d-c", labels={"app": "api", "pod-template-hash": "7d9f8b6c5d"})
    fleet = group([deployment("web"), unhashed, other_hash, elsewhere])
    assert _by_name(fleet)["web"].pods == []
    assert _names(fleet.loose_pods) == ["web-7d9f8b6c5d-a", "web-7d9f8b6c5d-b", "web-7d9f8b6c5d-c"]
    absent = {o.name for _, o in fleet.absent_owners}
    assert absent == {"web-7d9f8b6c5d"}


def test_a_replica_set_missing_among_present_ones_was_deleted_and_is_not_gone_around() -> None:
    old = pod("web-5c4b3a2918-q", owned_by=owner("ReplicaSet", "web-5c4b3a2918"))
    old["metadata"]["labels"]["pod-template-hash"] = "5c4b3a2918"
    fleet = group([deployment("web"), replica_set("web-7d9f8b6c5d"), old])
    web = _by_name(fleet)["web"]
    assert (web.pods, web.inferred) == ([], {})
    assert fleet.absent_owners == [(old, Absent("ReplicaSet", "web-5c4b3a2918"))]


def test_absent_owners_are_kept_for_the_kinds_the_gateway_groups_under() -> None:
    static = pod("kube-proxy-worker-1", owned_by=owner("Node", "worker-1"))
    database = pod("db-0", owned_by=owner("StatefulSet", "db"))
    fleet = group([replica_set(), pod(), static, database, node("worker-1")])
    assert _names(fleet.loose_pods) == ["db-0", "kube-proxy-worker-1", "web-7d9f8b6c5d-x2x9z"]
    assert [(o["metadata"]["name"], owner) for o, owner in fleet.absent_owners] == [
        ("web-7d9f8b6c5d-x2x9z", Absent("Deployment", "web", "ReplicaSet web-7d9f8b6c5d")),
        ("db-0", Absent("StatefulSet", "db")),
    ]
