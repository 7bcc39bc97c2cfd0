"""Every way a curious user might reach another tenant's data, and the line holding each time."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
import yaml
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.redis_server import EmbeddedRedis
from gateway.store.hub import decode_cursor
from gateway.store.keys import Keys
from gateway.watch.mirror import ClusterMirror
from schema import ids
from tests.api.harness import RunningGateway, flush, running_gateway
from tests.api.test_subscriptions import CHANGES, settle
from tests.api.wsclient import transport_ws
from tests.scoping.tenants import TOKENS, ask, auth_config, fill
from tests.status import objects as o

WORKLOADS = "{ workloads { totalCount nodes { cluster namespace name } } }"


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    return await fill(redis_client)


def web_pod_in(namespace: str, *, crashing: bool) -> o.Obj:
    """The first pod of ``fill``'s web workload in ``namespace``, crash-looping or running."""
    statuses = [o.crash_loop("web")] if crashing else []
    return o.pod("web-7d9f8b6c5d-0", namespace=namespace, node="worker-1", statuses=statuses)


def places(body: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (cluster, namespace) pair anywhere in a response."""
    found: set[tuple[str, str]] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "cluster" in value and "namespace" in value:
                found.add((value["cluster"], value["namespace"]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body.get("data"))
    return found


async def test_no_token_and_bad_tokens_are_refused(gw: RunningGateway) -> None:
    missing = await ask(gw.graphql, WORKLOADS, None)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    wrong = await ask(gw.graphql, WORKLOADS, "not-a-real-token")
    assert wrong.status_code == 401
    assert "unknown token" in wrong.json()["errors"][0]["message"]
    introspection = await ask(gw.graphql, "{ __schema { types { name } } }", None)
    assert introspection.status_code == 401
    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(gw.graphql, headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_lists_counts_and_summaries_hold_only_the_callers_namespaces(
    gw: RunningGateway,
) -> None:
    alice = (await ask(gw.graphql, WORKLOADS, TOKENS["alice"])).json()
    assert alice["data"]["workloads"]["totalCount"] == 1
    assert places(alice) == {("sim-1", "shop")}
    summary = (
        await ask(gw.graphql, "{ statusSummary { total byKind { kind count } } }", TOKENS["alice"])
    ).json()
    assert summary["data"]["statusSummary"]["total"] == 1
    bob = (await ask(gw.graphql, WORKLOADS, TOKENS["bob"])).json()
    assert places(bob) == {("sim-1", "billing")}
    admin = (await ask(gw.graphql, WORKLOADS, TOKENS["admin"])).json()
    assert places(admin) == {("sim-1", "shop"), ("sim-1", "billing"), ("sim-2", "shop")}
    bot = (await ask(gw.graphql, WORKLOADS, TOKENS["bot"])).json()
    assert places(bot) == {("sim-1", "shop"), ("sim-2", "shop")}


async def test_filters_naming_other_namespaces_and_clusters_find_nothing(
    gw: RunningGateway,
) -> None:
    other_namespace = (
        '{ workloads(filter: {namespaces: ["billing"]}) { totalCount } '
        'statusSummary(filter: {namespaces: ["billing"]}) { total } }'
    )
    body = (await ask(gw.graphql, other_namespace, TOKENS["alice"])).json()
    assert body["data"]["workloads"]["totalCount"] == 0
    assert body["data"]["statusSummary"]["total"] == 0
    other_cluster = await ask(
        gw.graphql, '{ workloads(filter: {clusters: ["sim-2"]}) { totalCount } }', TOKENS["alice"]
    )
    error = other_cluster.json()["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "sim-2" not in error["message"].split("known:")[1]
    direct = await ask(
        gw.graphql,
        '{ workload(cluster: "sim-1", namespace: "billing", kind: DEPLOYMENT, name: "web") '
        "{ name } }",
        TOKENS["alice"],
    )
    assert direct.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    clusters = (
        await ask(
            gw.graphql, "{ clusters { name namespaces { name } nodes { name } } }", TOKENS["alice"]
        )
    ).json()
    assert clusters["data"]["clusters"] == [
        {"name": "sim-1", "namespaces": [{"name": "shop"}], "nodes": []}
    ]


async def test_guessed_ids_are_not_found_not_forbidden(gw: RunningGateway) -> None:
    for guess in (
        ids.encode("Workload", "sim-1", "Deployment/billing/web"),
        ids.encode("Pod", "sim-1", "billing/web-7d9f8b6c5d-0"),
        ids.encode("ClusterNode", "sim-1", "worker-1"),
        ids.encode("Cluster", "sim-2"),
    ):
        answer = await ask(
            gw.graphql, "query ($id: ID!) { node(id: $id) { id } }", TOKENS["alice"], {"id": guess}
        )
        assert answer.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    own = ids.encode("Workload", "sim-1", "Deployment/shop/web")
    mine = await ask(
        gw.graphql, "query ($id: ID!) { node(id: $id) { id } }", TOKENS["alice"], {"id": own}
    )
    assert mine.json()["data"]["node"]["id"] == own


async def test_aliases_fragments_and_batches_stay_inside(gw: RunningGateway) -> None:
    query = """
      fragment W on Workload { cluster namespace name pods { name } events { reason } }
      {
        mine: workloads { nodes { ...W } }
        theirs: workloads(filter: {namespaces: ["billing"]}) { nodes { ...W } }
        everything: workloads(filter: {abnormal: false}) {
          nodes { ... on Deployment { cluster namespace name } }
        }
        pod(cluster: "sim-1", namespace: "shop", name: "web-7d9f8b6c5d-0") { name }
      }"""
    body = (await ask(gw.graphql, query, TOKENS["alice"])).json()
    assert "errors" not in body, body
    assert places(body) == {("sim-1", "shop")}
    async with httpx.AsyncClient(timeout=10) as http:
        batch = await http.post(
            gw.graphql,
            json=[
                {"query": WORKLOADS},
                {"query": '{ workloads(filter: {namespaces: ["billing"]}) { totalCount } }'},
            ],
            headers={"authorization": f"Bearer {TOKENS['alice']}"},
        )
    assert batch.status_code == 400
    assert batch.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "billing" not in batch.text


async def test_pod_logs_and_metrics_need_their_own_grants(gw: RunningGateway) -> None:
    logs = await ask(
        gw.graphql,
        '{ pod(cluster: "sim-1", namespace: "shop", name: "web-7d9f8b6c5d-0") '
        "{ logs(tailLines: 5) } }",
        TOKENS["alice"],
    )
    assert logs.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with httpx.AsyncClient(timeout=10) as http:
        anonymous = await http.get(f"{gw.url}/metrics")
        alice = await http.get(
            f"{gw.url}/metrics", headers={"authorization": f"Bearer {TOKENS['alice']}"}
        )
        admin = await http.get(
            f"{gw.url}/metrics", headers={"authorization": f"Bearer {TOKENS['admin']}"}
        )
    assert (anonymous.status_code, alice.status_code, admin.status_code) == (401, 403, 200)
    assert "ksg_cluster" in admin.text or "ksg_redis" in admin.text


async def test_subscriptions_never_carry_another_tenants_changes(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    async with (
        transport_ws(gw.websocket, {"Authorization": f"Bearer {TOKENS['bob']}"}) as bob,
        transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice,
    ):
        alices = await alice.subscribe(CHANGES, {"snapshot": True})
        snapshot = (await alice.next_payload(alices))["data"]["workloadStatusChanged"]
        assert (snapshot["type"], snapshot["namespace"]) == ("SNAPSHOT", "shop")
        end = (await alice.next_payload(alices))["data"]["workloadStatusChanged"]
        assert end["type"] == "SNAPSHOT_END"
        bobs = await bob.subscribe(CHANGES)
        await settle()
        sim1.apply("Pod", "MODIFIED", web_pod_in("billing", crashing=True))
        await flush(redis_client, sim1)
        seen_by_bob = (await bob.next_payload(bobs))["data"]["workloadStatusChanged"]
        assert seen_by_bob["namespace"] == "billing"
        bobs_cursor = seen_by_bob["cursor"]
        sim1.apply("Pod", "MODIFIED", web_pod_in("shop", crashing=True))
        await flush(redis_client, sim1)
        seen_by_alice = (await alice.next_payload(alices))["data"]["workloadStatusChanged"]
        assert seen_by_alice["namespace"] == "shop"
    async with transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice:
        replay = await alice.subscribe(CHANGES, {"after": bobs_cursor})
        changes = [(await alice.next_payload(replay))["data"]["workloadStatusChanged"]]
    assert [c["namespace"] for c in changes] == ["shop"]


async def test_feed_cursors_name_only_the_callers_clusters(gw: RunningGateway) -> None:
    answer = await ask(gw.graphql, "{ feedCursor(feed: WORKLOADS) }", TOKENS["alice"])
    _, positions = decode_cursor(answer.json()["data"]["feedCursor"])
    assert set(positions) == {"sim-1"}
    answer = await ask(gw.graphql, "{ feedCursor(feed: PODS) }", TOKENS["admin"])
    _, positions = decode_cursor(answer.json()["data"]["feedCursor"])
    assert set(positions) == {"sim-1", "sim-2"}


async def test_websockets_without_credentials_are_refused(gw: RunningGateway) -> None:
    async with connect(gw.websocket, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    async with connect(gw.websocket, subprotocols=["graphql-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "start", "id": "1", "payload": {"query": CHANGES}}))
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"authToken": "wrong"}})
        )
        messages = []
        with pytest.raises(ConnectionClosed):
            for _ in range(5):
                messages.append(json.loads(await asyncio.wait_for(socket.recv(), 5)))
    assert all(m.get("type") != "data" for m in messages)


async def test_audit_lines_say_who_what_where_and_never_the_token(
    gw: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.audit"):
        await ask(gw.graphql, "query Mine " + WORKLOADS, TOKENS["alice"])
        await ask(gw.graphql, WORKLOADS, "not-a-real-token")
    lines = [r for r in caplog.records if r.name == "gateway.audit"]
    operation = next(r for r in lines if r.getMessage() == "operation")
    assert operation.__dict__["subject"] == "alice@example.com"
    assert operation.__dict__["operation"] == "Mine"
    assert operation.__dict__["namespaces"] == ["sim-1/shop"]
    assert any(r.getMessage() == "denied" for r in lines)
    text = " ".join(json.dumps(r.__dict__, default=str) for r in lines)
    assert all(token not in text for token in TOKENS.values())


async def test_a_revoked_token_ends_the_subscriptions_it_opened(
    redis_server: EmbeddedRedis,
    mirrors: dict[str, ClusterMirror],
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    """A WebSocket outlives the moment its token was checked; the token is checked again,
    and the socket closed with 4403 while changes are still flowing to it.

    The token file is looked at every few seconds, so changes keep coming for up to 30 s.
    """
    auth = auth_config(tmp_path, recheckSeconds=1)
    sim1 = mirrors["sim-1"]
    async with (
        running_gateway(redis_server.url, auth=auth) as gw,
        transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice,
    ):
        operation = await alice.subscribe(CHANGES)
        await settle()
        tokens = auth.token_file.path if auth.token_file else None
        assert tokens is not None
        kept = [
            e for e in yaml.safe_load(tokens.read_text()) if e["subject"] != "alice@example.com"
        ]
        tokens.write_text(yaml.safe_dump(kept))
        closed: ConnectionClosed | None = None
        for attempt in range(60):
            await asyncio.sleep(0.5)
            sim1.apply("Pod", "MODIFIED", web_pod_in("shop", crashing=attempt % 2 == 0))
            await flush(redis_client, sim1)
            try:
                message = await alice.receive()
            except ConnectionClosed as error:
                closed = error
                break
            assert message["id"] == operation and not message["payload"].get("errors")
    assert closed is not None and closed.rcvd is not None
    assert closed.rcvd.code == 4403 and "no longer accepted" in closed.rcvd.reason


async def test_tenants_are_not_told_the_api_servers_address_or_raw_errors(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    record = json.loads(await redis_client.hget(Keys().clusters, "sim-1") or b"{}")
    record.update(reachable=False, lastError="dial tcp 10.0.0.12:6443: i/o timeout")
    await redis_client.hset(Keys().clusters, "sim-1", json.dumps(record))
    query = '{ cluster(name: "sim-1") { server lastError reachable } }'
    tenant = (await ask(gw.graphql, query, TOKENS["alice"])).json()["data"]["cluster"]
    assert tenant == {
        "server": "",
        "lastError": "the API server is not answering",
        "reachable": False,
    }
    operator = (await ask(gw.graphql, query, TOKENS["admin"])).json()["data"]["cluster"]
    assert operator["lastError"] == "dial tcp 10.0.0.12:6443: i/o timeout"
    assert operator["server"] == record["server"] != ""
