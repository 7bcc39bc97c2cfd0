"""``simcluster``: serve simulated Kubernetes clusters on loopback ports.

For trying the gateway without a cluster, demos, and breaking things on purpose;
docs/simcluster.md describes the clusters, the scenarios and the admin API. The
kubeconfig exists while the clusters serve: it is written once they are ready and
removed when they stop, so a parent can wait for it (the ``demo`` command does).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import stat
import sys
from pathlib import Path
from typing import TextIO

from simcluster.fleet import SimulatedFleet
from simcluster.scenarios import parse_scenarios

DEFAULT_KUBECONFIG = Path(".state/simcluster/kubeconfig")


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Serve simulated Kubernetes API servers on loopback, one port per cluster, "
        "and write a kubeconfig with a context per cluster (sim-1, sim-2, ...)."
    )
    parser.add_argument("--clusters", type=positive, default=1, metavar="N")
    parser.add_argument(
        "--port", type=int, default=0, metavar="P", help="ports P, P+1, ...; 0 picks free ports"
    )
    parser.add_argument(
        "--manifests", action="append", default=[], metavar="DIR", help="load YAML/JSON files"
    )
    parser.add_argument("--scenario", type=scenario, metavar="demo|scale:N|crds[:N][+...]")
    parser.add_argument("--kubeconfig", type=Path, default=DEFAULT_KUBECONFIG, metavar="PATH")
    parser.add_argument("--nodes", type=int, default=3, help="nodes per cluster (default 3)")
    parser.add_argument(
        "--time-scale",
        type=time_scale,
        default=1.0,
        metavar="X",
        help="run the simulated clock X times faster than real time",
    )
    parser.add_argument(
        "--stop-when-stdin-closes",
        action="store_true",
        help="stop when standard input reaches its end: a parent holding the other end of "
        "a pipe takes the clusters down with it, even when it is killed",
    )
    parser.set_defaults(run=run)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def time_scale(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def scenario(text: str) -> str:
    try:
        parse_scenarios(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.stop_when_stdin_closes and not _watchable(sys.stdin):
        print(
            "error: --stop-when-stdin-closes watches a pipe (or a terminal), "
            "and standard input is neither",
            file=sys.stderr,
        )
        return 2
    try:
        return asyncio.run(serve(args, out))
    except OSError as error:
        print(f"error: cannot serve the simulated clusters: {error}", file=sys.stderr)
        return 1


async def serve(args: argparse.Namespace, out: TextIO) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sign in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sign, stop.set)
    kubeconfig: Path = args.kubeconfig.absolute()
    fleet = SimulatedFleet(
        args.clusters,
        port=args.port,
        time_scale=args.time_scale,
        nodes=args.nodes,
        kubeconfig=kubeconfig,
        manifests=args.manifests,
        scenario=args.scenario,
    )
    async with fleet:
        try:
            for problem in fleet.problems:
                print(f"warning: {problem}", file=sys.stderr)
            print(f"kubeconfig: {fleet.kubeconfig}", file=out)
            for cluster in fleet:
                print(f"{cluster.name}: {cluster.url}", file=out)
            print(f"try: kubectl --kubeconfig {kubeconfig} get pods -A", file=out, flush=True)
            await _until(stop, stdin_closes=args.stop_when_stdin_closes)
        finally:
            await asyncio.to_thread(kubeconfig.unlink, missing_ok=True)
    print("stopped", file=out, flush=True)
    return 0


async def _until(stop: asyncio.Event, *, stdin_closes: bool) -> None:
    """Until a signal sets ``stop``, or standard input ends when asked to watch it."""
    waits: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait())]
    if stdin_closes:
        waits.append(asyncio.create_task(_stdin_closed()))
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    for finished in done:
        finished.result()


def _watchable(stream: TextIO) -> bool:
    """Whether the event loop can wait for the end of ``stream`` (not a regular file)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


async def _stdin_closed() -> None:
    """Reads standard input until its end; a parent killed by SIGKILL closes its end too."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    try:
        while await reader.read(1 << 16):
            pass
    finally:
        transport.close()
