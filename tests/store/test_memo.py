"""Decoded workload records and their objects are reused only while Redis holds the same bytes."""

from __future__ import annotations

import httpx
import orjson
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.store.memo import RecordMemo
from tests.api.harness import flush, publish, running_gateway
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod

STATUS = "{ workloads { nodes { name status reason } } }"


def test_the_same_bytes_give_the_same_record_and_other_bytes_a_new_one() -> None:
    memo = RecordMemo()
    first = memo.decode(b'{"name": "web", "status": "Running"}')
    assert memo.decode(b'{"name": "web", "status": "Running"}') is first
    changed = memo.decode(b'{"name": "web", "status": "Not Ready"}')
    assert changed == {"name": "web", "status": "Not Ready"}
    assert changed is not first


def test_objects_are_built_once_per_record_held() -> None:
    memo = RecordMemo()
    built: list[object] = []

    def build(record: dict[str, str]) -> tuple[str, int]:
        built.append(record)
        return (record["name"], len(built))

    record = memo.decode(b'{"name": "web"}')
    assert memo.built(record, build) == ("web", 1)
    assert memo.built(record, build) == ("web", 1)
    stranger = orjson.loads(b'{"name": "web"}')
    assert memo.built(stranger, build) == ("web", 2)
    assert memo.built(stranger, build) == ("web", 3)


def test_the_oldest_entries_go_first_and_take_their_objects_along() -> None:
    memo = RecordMemo(capacity=2)
    oldest = memo.decode(b'{"n": 1}')
    memo.built(oldest, lambda r: "one")
    memo.decode(b'{"n": 2}')
    memo.decode(b'{"n": 3}')
    assert len(memo) == 2
    assert memo.decode(b'{"n": 1}') is not oldest
    assert memo.built(oldest, lambda r: "rebuilt") == "rebuilt"


async def test_a_change_in_redis_shows_in_the_very_next_answer(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw, httpx.AsyncClient(timeout=10) as http:

        async def ask() -> list[dict[str, str]]:
            answer = await http.post(gw.graphql, json={"query": STATUS})
            nodes: list[dict[str, str]] = answer.json()["data"]["workloads"]["nodes"]
            return nodes

        assert (
            await ask() == await ask() == [{"name": "web", "status": "RUNNING", "reason": "Ready"}]
        )
        mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=[o.crash_loop("web")]))
        await flush(redis_client, mirror)
        assert await ask() == [{"name": "web", "status": "NOT_READY", "reason": "CrashLoopBackOff"}]
        assert len(gw.gateway.queries.reader.workload_memo) == 2
