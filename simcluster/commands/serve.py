"""``simcluster``: serve simulated Kubernetes clusters on loopback ports.

For trying the gateway without a cluster, demos, and breaking things on purpose;
docs/simcluster.md describes the clusters, the scenarios and the admin API.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import TextIO

from simcluster.fleet import SimulatedFleet
from simcluster.scenarios import parse_scenario

DEFAULT_KUBECONFIG = Path(".state/simcluster/kubeconfig")


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Serve simulated Kubernetes API servers on loopback, one port per cluster, "
        "and write a kubeconfig with a context per cluster (sim-1, sim-2, ...)."
    )
    parser.add_argument("--clusters", type=_positive, default=1, metavar="N")
    parser.add_argument(
        "--port", type=int, default=0, metavar="P", help="ports P, P+1, ...; 0 picks free ports"
    )
    parser.add_argument(
        "--manifests", action="append", default=[], metavar="DIR", help="load YAML/JSON files"
    )
    parser.add_argument("--scenario", type=_scenario, metavar="demo|scale:N")
    parser.add_argument("--kubeconfig", type=Path, default=DEFAULT_KUBECONFIG, metavar="PATH")
    parser.add_argument("--nodes", type=int, default=3, help="nodes per cluster (default 3)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="run the simulated clock X times faster than real time",
    )
    parser.set_defaults(run=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _scenario(text: str) -> str:
    try:
        parse_scenario(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
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
    fleet = SimulatedFleet(
        args.clusters,
        port=args.port,
        time_scale=args.time_scale,
        nodes=args.nodes,
        kubeconfig=args.kubeconfig.absolute(),
        manifests=args.manifests,
        scenario=args.scenario,
    )
    async with fleet:
        for problem in fleet.problems:
            print(f"warning: {problem}", file=sys.stderr)
        print(f"kubeconfig: {fleet.kubeconfig}", file=out)
        for cluster in fleet:
            print(f"{cluster.name}: {cluster.url}", file=out)
        print(f"try: kubectl --kubeconfig {fleet.kubeconfig} get pods -A", file=out, flush=True)
        await stop.wait()
    print("stopped", file=out, flush=True)
    return 0
