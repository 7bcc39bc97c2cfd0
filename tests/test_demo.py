"""The README's first command: the demo starts, shows trouble, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import httpx

from gateway.redis_server import free_port
from tests.watch.conftest import until

SUMMARY = (
    "{ clusters { name reachable } statusSummary { total abnormal byStatus { label count } } }"
)


async def ask(port: int) -> dict[str, Any] | None:
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            ready = await http.get(f"http://127.0.0.1:{port}/readyz")
            if ready.status_code != 200:
                return None
            answer = await http.post(f"http://127.0.0.1:{port}/graphql", json={"query": SUMMARY})
    except httpx.HTTPError:
        return None
    body: dict[str, Any] = answer.json()
    return body.get("data")


async def test_demo_runs_everything_in_one_process_and_stops_on_interrupt(tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "demo",
        "--port",
        str(port),
        "--state-dir",
        str(tmp_path),
        "--log-format",
        "json",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        data = await until(lambda: ask(port), within=60, every=0.5)
        assert data is not None
        assert [c["name"] for c in data["clusters"]] == ["sim-1", "sim-2"]
        assert data["statusSummary"]["total"] > 10
        assert data["statusSummary"]["abnormal"] > 0
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, errors.decode()[-2000:]
    assert b"GraphiQL:" in errors
    assert b"/board" in errors
    config = (tmp_path / "redis" / "valkey.conf").read_text()
    valkey_port = int(
        next(line.split()[1] for line in config.splitlines() if line.startswith("port "))
    )
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", valkey_port)
    except OSError:
        return
    writer.close()
    raise AssertionError("the demo's Valkey server outlived the demo")
