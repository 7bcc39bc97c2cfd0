"""The parts the API benchmark measures, each in its own process as in production.

The simulated API server, the gateway and the bare baseline endpoint run as child
processes started through their ordinary commands, so the benchmark's clients
never share an event loop (or the GIL) with the servers they time, and the gateway
gets a core of its own as it would in a deployment. Their output goes to log files
in the run's directory, named when something fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.measure import Row, table
from gateway.redis_server import free_port

ROOT = Path(__file__).resolve().parents[1]


class ServiceError(RuntimeError):
    """A child process died or did not become ready in time."""


@dataclass(frozen=True, slots=True)
class Child:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def check(self) -> None:
        code = self.process.returncode
        if code is not None:
            raise ServiceError(f"{self.name} exited with code {code}; see {self.log}")


@contextlib.asynccontextmanager
async def child(name: str, arguments: Sequence[str], logs: Path) -> AsyncIterator[Child]:
    """``python arguments...`` from the repository root; stopped with SIGTERM on exit."""
    log = logs / f"{name}.log"
    output = await asyncio.to_thread(log.open, "wb")
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *arguments,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        output.close()
    try:
        yield Child(name, process, log)
    finally:
        await _stop(process)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()


async def wait_for_file(owner: Child, path: Path, within: float) -> float:
    """Seconds until ``path`` exists (the fleet writes its kubeconfig once it is loaded)."""
    started = time.perf_counter()
    while not await asyncio.to_thread(path.exists):
        owner.check()
        if time.perf_counter() - started > within:
            raise ServiceError(f"{owner.name} did not write {path} within {within:.0f}s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def wait_until_ready(owner: Child, url: str, within: float) -> float:
    """Seconds until ``url`` answers 200 (``/readyz``: every cluster synced, Redis answers)."""
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            owner.check()
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).status_code == 200:
                    return time.perf_counter() - started
            if time.perf_counter() - started > within:
                raise ServiceError(f"{owner.name} was not ready at {url} within {within:.0f}s")
            await asyncio.sleep(0.05)


@dataclass(frozen=True, slots=True)
class Endpoint:
    process: Child
    url: str


@contextlib.asynccontextmanager
async def simulated_fleet(workloads: int, logs: Path) -> AsyncIterator[tuple[Child, Path]]:
    """``gateway simcluster --scenario scale:N``: one cluster, about ten pods per workload."""
    kubeconfig = logs / "kubeconfig"
    arguments = ["-m", "gateway", "simcluster", f"--scenario=scale:{workloads}"]
    async with child("simcluster", [*arguments, f"--kubeconfig={kubeconfig}"], logs) as fleet:
        await wait_for_file(fleet, kubeconfig, within=300)
        yield fleet, kubeconfig


@contextlib.asynccontextmanager
async def gateway(
    kubeconfig: Path,
    redis_url: str,
    logs: Path,
    *,
    config: Path | None = None,
    name: str = "gateway",
) -> AsyncIterator[Endpoint]:
    """``gateway serve``: the real app under uvicorn, watching the fleet, on a free port;
    a second one on the same Redis is a replica (the watchers' leases stay with the first)."""
    port = free_port()
    arguments = [
        "-m",
        "gateway",
        "serve",
        f"--kubeconfig={kubeconfig}",
        f"--redis-url={redis_url}",
        f"--port={port}",
        f"--state-dir={logs / f'{name}-state'}",
        "--log-level=warning",
        *([f"--config={config}"] if config is not None else []),
    ]
    async with child(name, arguments, logs) as process:
        yield Endpoint(process, f"http://127.0.0.1:{port}")


@contextlib.asynccontextmanager
async def bare_endpoint(redis_url: str, logs: Path) -> AsyncIterator[Endpoint]:
    """The baseline: ``bench/bare_endpoint.py`` under the same uvicorn, on a free port."""
    port = free_port()
    arguments = ["-m", "bench.bare_endpoint", f"--redis-url={redis_url}", f"--port={port}"]
    async with child("bare-endpoint", arguments, logs) as process:
        url = f"http://127.0.0.1:{port}"
        await wait_until_ready(process, f"{url}/healthz", within=60)
        yield Endpoint(process, url)


def py_spy() -> str | None:
    """py-spy next to this interpreter (a venv's bin) or on PATH; it is no project dependency."""
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


@contextlib.asynccontextmanager
async def profiled(target: Child, output: Path | None) -> AsyncIterator[None]:
    """Record ``target``'s stacks with py-spy (collapsed "raw" format) while the block runs."""
    spy = py_spy() if output is not None else None
    if output is None:
        yield
        return
    if spy is None:
        raise ServiceError("--profile needs py-spy: .venv/bin/pip install py-spy")
    await asyncio.to_thread(output.parent.mkdir, parents=True, exist_ok=True)
    arguments = ["record", "--pid", str(target.pid), "--rate", "250", "--format", "raw"]
    recorder = await asyncio.create_subprocess_exec(
        spy,
        *arguments,
        "--output",
        str(output),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(1.0)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        await recorder.wait()
        print(f"    py-spy: {output}")


def cpu_seconds(process: Child | int) -> float:
    """User + system CPU time the process (a Child or a pid) has used so far (Linux /proc;
    NaN elsewhere)."""
    pid = process if isinstance(process, int) else process.pid
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


async def measured(name: str, run: Callable[[Path], Awaitable[Sequence[Row]]]) -> None:
    """Run a benchmark with a fresh directory for its services' logs and print its table;
    the machine's load before and after; the logs are kept and named if it fails."""
    print(f"machine: {machine()}")
    logs = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    try:
        rows = await run(logs)
    except BaseException:
        print(f"failed; the services' logs are in {logs}", file=sys.stderr)
        raise
    print()
    print(table(rows))
    print(f"\nmachine after the run: {machine()}")
    shutil.rmtree(logs, ignore_errors=True)
