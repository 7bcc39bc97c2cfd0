"""The README's first command as a user runs it: ``python -m gateway demo`` as a process.

It shows trouble, its banner's kubectl commands work as printed from another directory
(and break and fix a workload the gateway reports), it stops cleanly on Ctrl-C and
SIGTERM leaving nothing behind, one demo runs per state directory, a busy port is
one line of error, and a demo killed with SIGKILL takes its clusters with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.redis_server import free_port
from simcluster.commands.demo import banner
from simcluster.commands.demostate import KUBECONFIG, LOCK
from tests.simcluster.helpers import kubectl_binary
from tests.watch.conftest import until

SUMMARY = (
    "{ clusters { name reachable } statusSummary { total abnormal byStatus { label count } } }"
)
CART = """query ($filter: WorkloadFilter) {
  workloads(filter: $filter) { edges { node { cluster name status reason message } } }
}"""
BANNER_END = "removed when the demo stops"


@dataclass
class Demo:
    """A demo process, its stderr read all along (so it never blocks on a full pipe)."""

    process: asyncio.subprocess.Process
    port: int
    state: Path
    lines: list[str] = field(default_factory=list)
    banner: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode().rstrip("\n"))
            if BANNER_END in self.lines[-1]:
                self.banner.set()

    async def wait_for_banner(self) -> None:
        waiting = asyncio.create_task(self.banner.wait())
        await asyncio.wait(
            [waiting, self.reader or waiting], timeout=120, return_when=asyncio.FIRST_COMPLETED
        )
        waiting.cancel()
        assert self.banner.is_set(), f"no banner; the demo said:\n{self.output[-3000:]}"

    def commands(self) -> list[str]:
        """The banner's kubectl commands, exactly as printed."""
        return [line.strip() for line in self.lines if line.strip().startswith("kubectl ")]

    async def stop(self, sign: signal.Signals = signal.SIGINT) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sign)
        return await self.exited()

    async def exited(self) -> int:
        code = await asyncio.wait_for(self.process.wait(), 60)
        if self.reader is not None:
            await asyncio.wait_for(self.reader, 10)
        return code


async def start_demo(
    state: Path | None, port: int | None = None, cwd: Path | None = None, *extra: str
) -> Demo:
    """``extra`` arguments come last: they win over the port chosen here."""
    chosen = port or free_port()
    arguments = ["--port", str(chosen), "--log-format", "json", *extra]
    if state is not None:
        arguments += ["--state-dir", str(state)]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "demo",
        *arguments,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    where = (state or (cwd or Path.cwd()) / ".state" / "demo").absolute()
    demo = Demo(process, chosen, where)
    demo.reader = asyncio.create_task(demo.read())
    return demo


@contextlib.asynccontextmanager
async def running_demo(
    state: Path | None, port: int | None = None, cwd: Path | None = None
) -> AsyncIterator[Demo]:
    """A demo that has printed its banner; interrupted (and checked to exit 0) at the end."""
    demo = await start_demo(state, port, cwd)
    try:
        await demo.wait_for_banner()
        yield demo
    finally:
        code = await demo.stop()
    assert code == 0, demo.output[-3000:]


async def graphql(port: int, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The answer's data once the gateway is ready, else None."""
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            ready = await http.get(f"http://127.0.0.1:{port}/readyz")
            if ready.status_code != 200:
                return None
            answer = await http.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": query, "variables": variables or {}},
            )
    except httpx.HTTPError:
        return None
    return answer.json().get("data")


async def kubectl(command: str, cwd: Path, home: Path) -> str:
    """A banner line run as a user pastes it: split like a shell, from another directory,
    with a private home for kubectl's cache."""
    words = shlex.split(command)
    process = await asyncio.create_subprocess_exec(
        kubectl_binary(),
        *words[1:],
        cwd=cwd,
        env={**os.environ, "HOME": str(home)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, f"{command} failed: {err.decode()}"
    return out.decode()


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` and their command lines (Linux /proc)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry.name)] = command
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie nobody reaped (a container's init may not reap orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def answers(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


def nothing_left(state: Path) -> list[str]:
    return sorted(str(p.relative_to(state)) for p in state.rglob("*")) if state.exists() else []


@pytest.mark.parametrize("sign", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_demo_runs_everything_and_stops_on_signals_leaving_nothing(
    tmp_path: Path, sign: signal.Signals
) -> None:
    state = tmp_path / "state"
    demo = await start_demo(state)
    try:
        await demo.wait_for_banner()
        data = await until(lambda: graphql(demo.port, SUMMARY), within=60, every=0.5)
        assert [c["name"] for c in data["clusters"]] == ["sim-1", "sim-2"]
        assert data["statusSummary"]["total"] > 10
        assert data["statusSummary"]["abnormal"] > 0
        lock = json.loads((state / LOCK).read_text())
        assert (lock["pid"], lock["port"]) == (demo.process.pid, demo.port)
        spawned = children(demo.process.pid)
        assert any("gateway simcluster" in command for command in spawned.values()), spawned
        assert (state / KUBECONFIG).is_file()
    finally:
        code = await demo.stop(sign)
    assert code == 0, demo.output[-3000:]
    assert "GraphiQL:" in demo.output
    assert "/board" in demo.output
    assert "Traceback" not in demo.output
    assert not await answers(lock["valkey"]), "the demo's Valkey server outlived the demo"
    assert not [pid for pid in spawned if alive(pid)], "a child outlived the demo"
    assert not state.exists(), nothing_left(state)


async def test_the_banner_commands_work_as_printed_and_break_and_fix_a_workload(
    tmp_path: Path,
) -> None:
    here, there, home = tmp_path / "where I work", tmp_path / "there", tmp_path / "home"
    for directory in (here, there, home):
        directory.mkdir()
    async with running_demo(None, cwd=here) as demo:
        commands = demo.commands()
        assert 3 <= len(commands) <= 4, demo.output
        kubeconfig = shlex.quote(f"{here}/.state/demo/{KUBECONFIG}")
        assert all(c.startswith(f"kubectl --kubeconfig {kubeconfig} ") for c in commands)
        listed, broken, pending, fixed = commands
        assert "get deployments -A" in listed
        assert "apply -f /" in broken
        assert "set resources" in fixed
        variables = {"filter": {"clusters": ["sim-1"], "namespaces": ["shop"]}}

        async def cart() -> Any:
            data = await graphql(demo.port, CART, variables)
            if data is None:
                return None
            found = [e["node"] for e in data["workloads"]["edges"] if e["node"]["name"] == "cart"]
            return found[0] if found else None

        await until(lambda: graphql(demo.port, SUMMARY), within=60, every=0.5)
        assert "web" in await kubectl(listed, there, home)
        assert await cart() is None
        await kubectl(broken, there, home)

        async def not_ready() -> Any:
            found = await cart()
            return found if found and found["status"] == "NOT_READY" else None

        shown = await until(not_ready, within=60, every=0.25)
        assert shown["reason"] == "Unschedulable"
        assert "Insufficient memory" in shown["message"]
        pods = (await kubectl(pending, there, home)).splitlines()[1:]
        assert pods, "no cart pods"
        assert all(line.split()[2] == "Pending" for line in pods)
        await kubectl(fixed, there, home)

        async def running() -> Any:
            found = await cart()
            return found if found and found["status"] == "RUNNING" else None

        await until(running, within=60, every=0.25)
    assert not (here / ".state" / "demo").exists()


async def test_a_second_demo_on_the_same_state_is_refused_and_the_first_keeps_working(
    tmp_path: Path,
) -> None:
    state, other, home = tmp_path / "state", tmp_path / "other", tmp_path / "home"
    home.mkdir()
    async with running_demo(state) as first:
        listed = first.commands()[0]
        second = await start_demo(state)
        assert await second.exited() == 1
        (line,) = second.lines
        assert line == (
            f"error: another demo is running on {state} (pid {first.process.pid}, serving "
            f"http://127.0.0.1:{first.port}/board): stop it first, or give this one its own "
            "--state-dir"
        )
        async with running_demo(other) as third:
            assert str(other / KUBECONFIG) in third.commands()[0]
            assert "web" in await kubectl(third.commands()[0], tmp_path, home)
            assert "web" in await kubectl(listed, tmp_path, home)
        assert "web" in await kubectl(listed, tmp_path, home)
        assert json.loads((state / LOCK).read_text())["pid"] == first.process.pid


async def test_a_busy_port_is_one_line_of_error(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = await start_demo(state, port)
        assert await demo.exited() == 1
    assert demo.lines == [
        f"error: port {port} on 127.0.0.1 is in use (another demo or server?): "
        "choose another with --port"
    ]
    assert not state.exists(), nothing_left(state)


async def test_a_killed_demo_takes_its_clusters_with_it_and_the_next_one_takes_over(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    demo = await start_demo(state)
    try:
        await demo.wait_for_banner()
        lock = json.loads((state / LOCK).read_text())
        (fleet,) = [p for p, c in children(demo.process.pid).items() if "simcluster" in c]
    finally:
        demo.process.kill()
        await demo.stop()

    async def fleet_gone() -> bool:
        return not alive(fleet)

    await until(fleet_gone, within=30, every=0.1)
    assert not (state / KUBECONFIG).exists()
    assert (state / LOCK).exists(), "SIGKILL leaves the lock, which the next demo sees as stale"
    assert await answers(lock["valkey"]), "SIGKILL leaves the Valkey server running"
    async with running_demo(state) as successor:
        assert "a previous demo ended without cleaning up" in successor.output
        assert str(lock["pid"]) in successor.output
        assert not await answers(lock["valkey"]), "the dead demo's Valkey was not shut down"
    assert not state.exists(), nothing_left(state)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "0"], "must be between 1 and 65535"),
        (["--port", "65536"], "must be between 1 and 65535"),
        (["--clusters", "0"], "must be at least 1"),
        (["--scenario", "chaos"], "unknown scenario 'chaos'"),
        (["--time-scale", "0"], "must be a positive number"),
    ],
)
async def test_bad_arguments_are_refused_before_anything_starts(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    state = tmp_path / "state"
    demo = await start_demo(state, None, None, *arguments)
    assert await demo.exited() == 2
    assert message in demo.output
    assert not state.exists()


async def test_a_state_dir_that_is_a_file_is_refused_and_kept(tmp_path: Path) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine\n")
    demo = await start_demo(taken)
    assert await demo.exited() == 1
    (line,) = demo.lines
    assert line.startswith(f"error: cannot use {taken} as the demo's state directory:")
    assert taken.read_text() == "mine\n"


def test_the_banner_leaves_out_the_break_where_there_is_nothing_to_break() -> None:
    """Another scenario has no shop namespace; an installed package has no examples/."""
    text = banner(
        "http://127.0.0.1:8080",
        kubeconfig=Path("/state/kubeconfig"),
        clusters=["sim-1"],
        break_manifest=None,
        state=Path("/state"),
        pid=1,
    )
    commands = [line.strip() for line in text.splitlines() if line.strip().startswith("kubectl ")]
    assert commands == ["kubectl --kubeconfig /state/kubeconfig get deployments -A"]
