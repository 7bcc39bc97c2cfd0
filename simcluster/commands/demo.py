"""``demo``: the whole product on one machine with nothing installed by hand.

Two simulated clusters running the lively demo scenario, a private Valkey server and
the gateway watching both, in one process, on loopback and without authentication.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from gateway import logs
from gateway.clusters import from_kubeconfig
from gateway.commands.serve import serve, settings_from
from gateway.config import Config, Logging, Server
from gateway.service import Gateway
from simcluster.fleet import SimulatedFleet


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Try the gateway without a cluster: everything runs locally on loopback."
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--scenario", default="demo", help="demo, or scale:N for N workloads")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="simulated seconds per second"
    )
    parser.add_argument("--state-dir", type=Path, default=Path(".state"))
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument("--log-format", default="auto", choices=("auto", "json", "text"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    logs.configure(args.log_level, args.log_format)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(demo(args))


async def demo(args: argparse.Namespace) -> int:
    state: Path = args.state_dir
    async with SimulatedFleet(
        clusters=args.clusters,
        scenario=args.scenario,
        time_scale=args.time_scale,
        kubeconfig=state / "demo-kubeconfig",
    ) as fleet:
        config = Config(
            server=Server(port=args.port, state_dir=state),
            logging=Logging(level=args.log_level, format=args.log_format),
        )
        settings = settings_from(config, from_kubeconfig(fleet.kubeconfig))
        url = f"http://127.0.0.1:{args.port}"
        print(
            f"\n  kube-status-gateway demo: {len(fleet)} simulated clusters, embedded Valkey, "
            f"no authentication (loopback only)\n"
            f"  GraphiQL:  {url}/graphql\n"
            f"  board:     {url}/board\n"
            f"  kubectl:   kubectl --kubeconfig {fleet.kubeconfig} get deploy -A\n",
            file=sys.stderr,
            flush=True,
        )
        return await serve(Gateway(settings), config)
