"""``python -m gateway simcluster`` as a process: serves, loads manifests, stops cleanly."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import Kubectl, kubectl_binary
from .objects import workload


async def _start(*args: str, stdin: int | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "simcluster",
        *args,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _banner(process: asyncio.subprocess.Process) -> list[str]:
    assert process.stdout is not None
    found: list[str] = []
    while not found or not found[-1].startswith("try:"):
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert line, (await process.stderr.read()).decode() if process.stderr else "no output"
        found.append(line.decode().strip())
    return found


@pytest.mark.parametrize("sign", [signal.SIGTERM, signal.SIGINT])
async def test_serves_clusters_and_stops_on_signals(tmp_path: Path, sign: signal.Signals) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "web.yaml").write_text(yaml.safe_dump(workload("Deployment", "web", replicas=2)))
    kubeconfig = tmp_path / "kubeconfig"
    process = await _start(
        "--clusters", "2", "--kubeconfig", str(kubeconfig), "--manifests", str(manifests)
    )
    try:
        banner = await _banner(process)
        assert banner[0] == f"kubeconfig: {kubeconfig}"
        assert banner[1].startswith("sim-1: http://127.0.0.1:")
        assert banner[2].startswith("sim-2: http://127.0.0.1:")
        contexts = yaml.safe_load(kubeconfig.read_text())["contexts"]
        assert [c["name"] for c in contexts] == ["sim-1", "sim-2"]
        kubectl = Kubectl(kubectl_binary(), kubeconfig, tmp_path / "cache")
        for context in ("sim-1", "sim-2"):
            listed = await kubectl.ok("--context", context, "get", "deployments")
            assert listed.splitlines()[1].split()[0] == "web"
    finally:
        process.send_signal(sign)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip().endswith("stopped")
    assert b"Traceback" not in err
    assert not kubeconfig.exists(), "the kubeconfig outlived the clusters it points at"


async def test_stops_when_its_standard_input_closes(tmp_path: Path) -> None:
    """What a parent's death looks like to the child: the pipe's other end closes."""
    kubeconfig = tmp_path / "kubeconfig"
    process = await _start(
        "--kubeconfig", str(kubeconfig), "--stop-when-stdin-closes", stdin=asyncio.subprocess.PIPE
    )
    assert process.stdin is not None
    try:
        await _banner(process)
        assert kubeconfig.is_file()
        await asyncio.sleep(0.5)
        assert process.returncode is None, "it stopped with its standard input still open"
    finally:
        process.stdin.close()
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip().endswith("stopped")
    assert not kubeconfig.exists()


async def test_stopping_with_standard_input_needs_a_pipe(tmp_path: Path) -> None:
    """A regular file as standard input would end at once: refused, nothing written."""
    kubeconfig = tmp_path / "kubeconfig"
    with (tmp_path / "input").open("wb") as empty:
        process = await _start(
            "--kubeconfig", str(kubeconfig), "--stop-when-stdin-closes", stdin=empty.fileno()
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "--stop-when-stdin-closes watches a pipe" in err.decode()
    assert not kubeconfig.exists()


def two_free_ports_in_a_row() -> int:
    """A port free now whose successor is free too (a lone free port's neighbour may not be)."""
    for _ in range(100):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise AssertionError("no two consecutive free ports on loopback")


async def test_fixed_ports_follow_each_other(tmp_path: Path) -> None:
    first = two_free_ports_in_a_row()
    process = await _start(
        "--port", str(first), "--clusters", "2", "--kubeconfig", str(tmp_path / "k")
    )
    try:
        banner = await _banner(process)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
    assert banner[1] == f"sim-1: http://127.0.0.1:{first}"
    assert banner[2] == f"sim-2: http://127.0.0.1:{first + 1}"


async def test_a_busy_port_is_an_error_and_keeps_the_kubeconfig_there(tmp_path: Path) -> None:
    """The kubeconfig at that path is someone else's (another fleet's, say): kept."""
    kubeconfig = tmp_path / "k"
    kubeconfig.write_text("theirs\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        busy = probe.getsockname()[1]
        probe.listen()
        process = await _start("--port", str(busy), "--kubeconfig", str(kubeconfig))
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "cannot serve the simulated clusters" in err.decode()
    assert b"Traceback" not in err
    assert kubeconfig.read_text() == "theirs\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scenario", "chaos"], "unknown scenario 'chaos'"),
        (["--clusters", "0"], "must be at least 1"),
        (["--time-scale", "0"], "must be a positive number"),
        (["--time-scale", "nan"], "must be a positive number"),
    ],
)
async def test_bad_arguments_are_refused(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    process = await _start(*arguments, "--kubeconfig", str(tmp_path / "k"))
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert message in err.decode()
    assert not (tmp_path / "k").exists()
