"""A grant of Deployments does not show a Rollout: not its record, pods, counts or changes.

In sim-1's shop an Argo Rollout ``checkout`` runs with one pod, beside the tenants' web
Deployment. The bot may see Deployments in shop only; alice every kind in shop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import redis.asyncio as redis

from gateway.auth import rules
from gateway.auth.principal import Principal
from gateway.auth.rbac import CustomResource, Question, RbacReviews, custom_resources
from gateway.config import Grant
from gateway.visibility import ALL_KINDS, ClusterVisibility
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush
from tests.api.test_subscriptions import settle
from tests.api.wsclient import transport_ws
from tests.custom_workloads import (
    ROLLOUT,
    ROLLOUT_KIND,
    put_pod,
    put_workload,
    rollout,
    rollout_pod,
    watch_kinds,
)
from tests.scoping.tenants import TOKENS, ask, fill
from tests.scoping.test_crossing import web_pod_in
from tests.scoping.test_pod_crossing import POD_CHANGES

POD = "checkout-6f9c-a"
SEEN = """{
  workloads(filter: {clusters: ["sim-1"]}) { nodes { groupKind name } }
  pods(filter: {clusters: ["sim-1"], namespaces: ["shop"]}) { nodes { name owner } }
  statusSummary(filter: {clusters: ["sim-1"]}) { total byKind { groupKind count } }
  cluster(name: "sim-1") { customKinds { groupKind } }
}"""
LOOKUPS = """{
  workload(cluster: "sim-1", namespace: "shop", groupKind: "Rollout.argoproj.io",
           name: "checkout") { name }
}"""
POD_LOOKUP = '{ pod(cluster: "sim-1", namespace: "shop", name: "checkout-6f9c-a") { name } }'
CHANGES = """subscription { workloadStatusChanged { groupKind namespace name newStatus } }"""


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    found = await fill(redis_client)
    checkout = rollout("sim-1", pods=(POD,))
    await put_workload(redis_client, checkout, pods=[rollout_pod("sim-1", checkout, POD)])
    await watch_kinds(redis_client, "sim-1", [ROLLOUT_KIND])
    return found


async def seen(gw: RunningGateway, who: str) -> dict[str, Any]:
    body = (await ask(gw.graphql, SEEN, TOKENS[who])).json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]
    return found


async def test_a_deployments_grant_hides_the_rollout_its_pods_and_counts(
    gw: RunningGateway,
) -> None:
    bot = await seen(gw, "bot")
    assert bot["workloads"]["nodes"] == [{"groupKind": "Deployment.apps", "name": "web"}]
    assert POD not in {p["name"] for p in bot["pods"]["nodes"]}
    assert bot["statusSummary"] == {
        "total": 1,
        "byKind": [{"groupKind": "Deployment.apps", "count": 1}],
    }
    assert bot["cluster"]["customKinds"] == []
    for query in (LOOKUPS, POD_LOOKUP):
        answer = (await ask(gw.graphql, query, TOKENS["bot"])).json()
        assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND", query


async def test_a_grant_of_every_kind_shows_the_rollout(gw: RunningGateway) -> None:
    alice = await seen(gw, "alice")
    assert {"groupKind": ROLLOUT, "name": "checkout"} in alice["workloads"]["nodes"]
    assert {"name": POD, "owner": f"{ROLLOUT}/shop/checkout"} in alice["pods"]["nodes"]
    assert {"groupKind": ROLLOUT, "count": 1} in alice["statusSummary"]["byKind"]
    assert alice["cluster"]["customKinds"] == [{"groupKind": ROLLOUT}]
    answer = (await ask(gw.graphql, LOOKUPS, TOKENS["alice"])).json()
    assert answer["data"]["workload"] == {"name": "checkout"}


async def test_the_rollouts_changes_reach_only_those_who_see_rollouts(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    async with (
        transport_ws(gw.websocket, {"authToken": TOKENS["bot"]}) as bot,
        transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice,
    ):
        bots, alices = await bot.subscribe(CHANGES), await alice.subscribe(CHANGES)
        await settle()
        degraded = rollout("sim-1", status="Not Ready", reason="Degraded", pods=(POD,))
        await put_workload(redis_client, degraded, rollout("sim-1", pods=(POD,)))
        sim1.apply("Pod", "MODIFIED", web_pod_in("shop", crashing=True))
        await flush(redis_client, sim1)
        first_for_bot = (await bot.next_payload(bots))["data"]["workloadStatusChanged"]
        first_for_alice = (await alice.next_payload(alices))["data"]["workloadStatusChanged"]
    assert first_for_bot["groupKind"] == "Deployment.apps"
    assert (first_for_alice["groupKind"], first_for_alice["newStatus"]) == (ROLLOUT, "NOT_READY")


async def test_the_rollouts_pod_changes_reach_only_those_who_see_rollouts(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1, owner = mirrors["sim-1"], rollout("sim-1", pods=(POD,))
    healthy = rollout_pod("sim-1", owner, POD)
    crashing = {
        **healthy,
        "ready": False,
        "displayReason": "CrashLoopBackOff",
        "reason": "CrashLoopBackOff",
        "abnormal": True,
        "issue": "container-error",
    }
    async with (
        transport_ws(gw.websocket, {"authToken": TOKENS["bot"]}) as bot,
        transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice,
    ):
        shop = {"filter": {"namespaces": ["shop"]}}
        bots, alices = (
            await bot.subscribe(POD_CHANGES, shop),
            await alice.subscribe(POD_CHANGES, shop),
        )
        await settle()
        await put_pod(redis_client, crashing, healthy)
        sim1.apply("Pod", "MODIFIED", web_pod_in("shop", crashing=True))
        await flush(redis_client, sim1)
        first_for_bot = (await bot.next_payload(bots))["data"]["podStatusChanged"]
        first_for_alice = (await alice.next_payload(alices))["data"]["podStatusChanged"]
    assert first_for_bot["name"] == "web-7d9f8b6c5d-0"
    assert first_for_alice["name"] == POD
    assert first_for_alice["pod"] == {"owner": f"{ROLLOUT}/shop/checkout"}


def test_every_kind_is_not_the_sum_of_named_kinds() -> None:
    """Naming the five built-ins is not every kind: custom kinds stay out."""
    everything = ClusterVisibility(everywhere=ALL_KINDS)
    builtins = ClusterVisibility(
        everywhere=frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"})
    )
    assert everything.admits("shop", ROLLOUT) and everything.everywhere >= ALL_KINDS
    assert not builtins.admits("shop", ROLLOUT) and not builtins.everywhere >= ALL_KINDS
    assert builtins.admits("shop", "Job")


def test_grants_name_kinds_as_built_ins_or_group_kinds() -> None:
    grant = Grant.model_validate(
        {"groups": ["g"], "kinds": ["Deployment.apps", "Rollout.argoproj.io", "Job"]}
    )
    assert grant.kinds == ("Deployment", "Rollout.argoproj.io", "Job")
    found = rules.visibility(Principal("someone", frozenset({"g"})), [grant], ["sim-1"], {})
    view = found.cluster("sim-1")
    assert view is not None and view.admits("shop", ROLLOUT)
    assert not view.admits("shop", "VirtualMachine.kubevirt.io")


@pytest.mark.parametrize("kind", ["Rollout", "Deployment.batch", "rollout.argoproj.io", "Pod"])
def test_a_grant_with_a_malformed_kind_is_refused_with_the_form(kind: str) -> None:
    with pytest.raises(ValueError, match=r"Kind\.group"):
        Grant.model_validate({"groups": ["g"], "kinds": [kind]})


class AnsweringReviews(RbacReviews):
    """The cluster's answers from a list of allowed questions, without a cluster."""

    def __init__(self, allowed: Sequence[Question]) -> None:
        super().__init__([], cache_seconds=0)
        self.allowed_questions = set(allowed)
        self.asked: list[Question] = []

    async def _ask(self, principal: Principal, question: Question) -> bool | None:
        self.asked.append(question)
        return question in self.allowed_questions


async def test_rbac_shows_a_custom_kind_to_who_may_list_its_resource() -> None:
    custom = custom_resources({"sim-1": {"customKinds": [ROLLOUT_KIND]}})
    assert custom == {"sim-1": [CustomResource(ROLLOUT, "argoproj.io", "rollouts", True)]}
    reviews = AnsweringReviews(
        [
            ("sim-1", "", "list", "apps", "deployments", ""),
            ("sim-1", "shop", "list", "argoproj.io", "rollouts", ""),
        ]
    )
    view = await reviews._cluster(Principal("p", frozenset()), "sim-1", ["shop"], custom["sim-1"])
    assert view.admits("billing", "Deployment") and not view.admits("billing", ROLLOUT)
    assert view.admits("shop", ROLLOUT)
    assert ("sim-1", "", "list", "argoproj.io", "rollouts", "") in reviews.asked
