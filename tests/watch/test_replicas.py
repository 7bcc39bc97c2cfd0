"""Two gateway processes, one Redis: one watches, the other takes over when it dies.

A subscriber connected to the replica that does not watch still hears every change,
because they meet in Redis.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis, free_port
from gateway.store.keys import Keys
from simcluster.fleet import SimulatedFleet
from tests.api.test_subscriptions import CHANGES
from tests.api.wsclient import transport_ws
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import status_of, until

LEASE_SECONDS = 2.0


@asynccontextmanager
async def gateway_process(fleet: SimulatedFleet, redis_url: str) -> AsyncIterator[tuple[int, int]]:
    """A ``python -m gateway serve`` process; yields (pid, port)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "serve",
        "--kubeconfig",
        str(fleet.kubeconfig),
        "--redis-url",
        redis_url,
        "--port",
        str(port),
        "--lease-seconds",
        str(LEASE_SECONDS),
        "--log-format",
        "json",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await until(lambda: _answers(port), within=30)
        yield process.pid, port
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _answers(port: int) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def holder(client: redis.Redis) -> int | None:
    value = await client.get(Keys().lease("sim-1"))
    if not isinstance(value, bytes):
        return None
    return int(value.decode().rsplit("-", 2)[1])


async def held_by(client: redis.Redis, pid: int) -> bool:
    return await holder(client) == pid


async def test_a_dead_replicas_cluster_moves_and_subscribers_on_any_replica_hear_it(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=1))
    async with (
        gateway_process(fleet, redis_server.url) as (first_pid, first_port),
        gateway_process(fleet, redis_server.url) as (second_pid, second_port),
    ):
        watching = await until(lambda: holder(redis_client), within=30)
        assert watching in (first_pid, second_pid)
        await until(status_of(redis_client, "sim-1", "Deployment", "default", "web"), within=30)
        idle_port = second_port if watching == first_pid else first_port

        async with transport_ws(f"ws://127.0.0.1:{idle_port}/graphql") as ws:
            operation = await ws.subscribe(CHANGES)
            await asyncio.sleep(0.5)
            os.kill(watching, signal.SIGKILL)
            survivor = second_pid if watching == first_pid else first_pid
            loop = asyncio.get_running_loop()
            died_at = loop.time()
            await until(lambda: held_by(redis_client, survivor), within=LEASE_SECONDS * 4)
            assert loop.time() - died_at < LEASE_SECONDS * 3

            cluster.create(
                workload("Deployment", "crashy", behaviour(behavior="crash-loop"), replicas=1)
            )
            while True:
                change = (await ws.next_payload(operation, seconds=30))["data"][
                    "workloadStatusChanged"
                ]
                if change["name"] == "crashy" and change["newStatus"] == "NOT_READY":
                    break
        assert change["reason"] == "CrashLoopBackOff"
