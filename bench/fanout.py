"""Section (d) of bench/api.py: one change fanned out to thousands of WebSocket subscribers.

The subscribers belong to two tenants, one granted the benchmark's namespace only, one
every namespace, and ask one of three selections, so the gateway serves six groups of
(selection, view) for every change, as a console fleet would. They are served by a
second gateway replica started with the tenants' rules on the same Valkey (the first,
without authentication, serves the other sections and keeps watching the fleet).

The clients run in ``--fanout-clients`` processes of their own (bench/fanout_clients.py),
each holding its share of the WebSocket subscribers and of the raw Redis SUBSCRIBE
connections that are the baseline: one process could not take the sockets, and on two
cores one client loop would be slower than the gateway it times. Every round times the
arrival at each subscriber from the write of the change, and the last arrival of the
round (the fan-out done); the baseline's rounds are interleaved with the gateway's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from bench.measure import Row, Spread, compared, ms
from bench.services import ROOT, Endpoint, cpu_seconds
from bench.transitions import NAMESPACE, StatusFlipper
from gateway.redis_connect import connect

SELECTIONS = (
    """subscription ($filter: WorkloadFilter) {
  workloadStatusChanged(filter: $filter, snapshot: true) {
    type cursor cluster kind namespace name oldStatus newStatus reason message
    workload { statusLabel counts { desired ready available } }
  }
}""",
    """subscription ($filter: WorkloadFilter) {
  workloadStatusChanged(filter: $filter, snapshot: true) { type cursor name newStatus message }
}""",
    """subscription ($filter: WorkloadFilter) {
  workloadStatusChanged(filter: $filter, snapshot: true) {
    type cursor workloadId oldStatus newStatus reason message
    workload { name namespace status since counts { desired ready } }
  }
}""",
)
TENANTS = {
    "team": ("team-bench-token-5d1c9e", {"groups": ["team"], "namespaces": [NAMESPACE]}),
    "ops": ("ops-bench-token-a7e2f4", {"groups": ["ops"], "nodes": True}),
}
"""Bench-only tokens (the replica lives as long as the run, on loopback): a namespace
tenant, and operators who see every namespace and the nodes."""
CHANNEL = "bench:fanout"
TARGET_SECONDS = {1000: 0.050, 10_000: 0.250}
"""The last subscriber's p99 the fan-out must meet, by subscriber count (issue 16)."""
Profile = Callable[[], contextlib.AbstractAsyncContextManager[None]]


def tenants_config(directory: Path) -> Path:
    """The replica's configuration: the two tenants, and limits no benchmark reaches."""
    tokens = directory / "fanout-tokens.yaml"
    entries = [
        {"sha256": hashlib.sha256(token.encode()).hexdigest(), "subject": name, "groups": [name]}
        for name, (token, _) in TENANTS.items()
    ]
    tokens.write_text(yaml.safe_dump(entries))
    unlimited = 100_000
    config = {
        "auth": {
            "tokenFile": {"path": str(tokens)},
            "rules": [grant for _, grant in TENANTS.values()],
            # recheckSeconds stays at its default (10 s): ten thousand subscriptions woken
            # by one change recheck their tenant's credential together, once.
            "rateLimits": {
                "requestsPerMinute": 1_000_000,
                "subscriptionsPerMinute": unlimited,
                "concurrentSubscriptions": unlimited,
                "connectionsPerSubject": unlimited,
                "connectionsPerAddress": 1_000_000,
            },
        },
    }
    path = directory / "fanout-gateway.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class ClientProcess:
    process: asyncio.subprocess.Process

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        await self.send(command)
        return await self.answer()

    async def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(orjson.dumps(command) + b"\n")
        await self.process.stdin.drain()

    async def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.process.pid} ended")
        found: dict[str, Any] = orjson.loads(line)
        if "error" in found:
            raise RuntimeError(f"client process {self.process.pid}: {found['error']}")
        return found


@contextlib.asynccontextmanager
async def client_processes(count: int, logs: Path) -> AsyncIterator[list[ClientProcess]]:
    started: list[ClientProcess] = []
    try:
        for index in range(count):
            log = await asyncio.to_thread((logs / f"fanout-client-{index}.log").open, "wb")
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.fanout_clients",
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                limit=1 << 24,
            )
            log.close()
            started.append(ClientProcess(process))
        yield started
    finally:
        for client in started:
            with contextlib.suppress(OSError, RuntimeError):
                await client.send({"close": True})
        for client in started:
            try:
                await asyncio.wait_for(client.process.wait(), 10)
            except TimeoutError:
                client.process.kill()
                await client.process.wait()


def groups_for(count: int, share: int, shares: int) -> list[list[Any]]:
    """Client ``share``'s subscribers: subscriber i is tenant i % 2 with selection
    (i // 2) % 3, so every process holds every group."""
    sized: dict[tuple[str, int], int] = {}
    for index in range(share, count, shares):
        tenant = list(TENANTS)[index % 2]
        key = (tenant, (index // 2) % len(SELECTIONS))
        sized[key] = sized.get(key, 0) + 1
    variables = {"filter": {"namespaces": [NAMESPACE]}}
    return [
        [SELECTIONS[selection], variables, {"authToken": TENANTS[tenant][0]}, size]
        for (tenant, selection), size in sized.items()
    ]


async def round_of(clients: Sequence[ClientProcess], token: str, side: str) -> None:
    for client in clients:
        await client.send({"watch": token, "side": side})
    for client in clients:
        await client.answer()


async def arrivals(clients: Sequence[ClientProcess]) -> list[float]:
    times: list[float] = []
    for client in clients:
        times += (await client.answer())["times"]
    return times


async def fanout_benchmark(
    replica: Endpoint,
    redis_url: str,
    flipper: StatusFlipper,
    *,
    count: int,
    rounds: int,
    processes: int,
    logs: Path,
    profile: Profile,
) -> list[Row]:
    websocket = replica.url.replace("http://", "ws://", 1) + "/graphql"
    host, port = redis_url.removeprefix("redis://").split("/")[0].split(":")
    shares = min(processes, count)
    publisher = connect(redis_url)
    gateway_all: list[float] = []
    redis_all: list[float] = []
    gateway_last: list[float] = []
    redis_last: list[float] = []
    gateway_cpu: list[float] = []
    payload = orjson.dumps(flipper.record)
    try:
        async with client_processes(shares, logs) as clients:
            started = time.perf_counter()
            specs = [
                {
                    "url": websocket,
                    "groups": groups_for(count, share, shares),
                    "redis": [host, int(port), CHANNEL, len(range(share, count, shares))],
                }
                for share in range(shares)
            ]
            opened = await asyncio.gather(
                *(client.ask({"open": spec}) for client, spec in zip(clients, specs, strict=True))
            )
            live = sum(answer["opened"] for answer in opened)
            print(
                f"(d) {live:,} WebSocket subscriptions (2 tenants x {len(SELECTIONS)} selections) "
                f"in {shares} client processes, live after {time.perf_counter() - started:.1f}s"
            )
            async with profile():
                for index in range(rounds):
                    token = f"[fan-out {count} {index}]"
                    writes = flipper.changes(token)
                    await round_of(clients, token, "gateway")
                    cpu = cpu_seconds(replica.process)
                    began = time.perf_counter()
                    await flipper.write(writes)
                    latencies = [at - began for at in await arrivals(clients)]
                    gateway_cpu.append(cpu_seconds(replica.process) - cpu)
                    gateway_all += latencies
                    gateway_last.append(max(latencies))

                    await round_of(clients, token, "redis")
                    began = time.perf_counter()
                    await publisher.publish(CHANNEL, payload + token.encode())
                    echoed = [at - began for at in await arrivals(clients)]
                    redis_all += echoed
                    redis_last.append(max(echoed))
                    print(
                        f"    round {index + 1}: gateway p99 {ms(Spread.of(latencies).p99)}, "
                        f"last {ms(gateway_last[-1])}, gateway CPU {ms(gateway_cpu[-1])}; "
                        f"Redis p99 {ms(Spread.of(echoed).p99)}, last {ms(redis_last[-1])}"
                    )
                    await asyncio.sleep(1.0)
    finally:
        await publisher.aclose()
    return rows(count, gateway_all, redis_all, gateway_last, redis_last)


def rows(
    count: int,
    gateway_all: list[float],
    redis_all: list[float],
    gateway_last: list[float],
    redis_last: list[float],
) -> list[Row]:
    target = TARGET_SECONDS.get(count)
    ours, base = Spread.of(gateway_all), Spread.of(redis_all)
    last, base_last = Spread.of(gateway_last), Spread.of(redis_last)
    return [
        Row(
            f"(d) one change -> {count:,} subscribers, p50",
            ms(base.p50),
            ms(ours.p50),
            f"{ours.p50 / base.p50:.1f}x",
        ),
        Row("    p99", ms(base.p99), ms(ours.p99), f"{ours.p99 / base.p99:.1f}x"),
        Row(
            "    last delivered (fan-out done), p50 of rounds",
            ms(base_last.p50),
            ms(last.p50),
            f"{last.p50 / base_last.p50:.1f}x",
        ),
        Row(
            "    last delivered, p99 of rounds",
            ms(base_last.p99),
            ms(last.p99),
            f"{last.p99 / base_last.p99:.1f}x",
        )
        if target is None
        else compared(
            "    last delivered, p99 of rounds",
            base_last.p99,
            last.p99,
            f"< {target * 1000:.0f} ms",
            last.p99 < target,
        ),
    ]
