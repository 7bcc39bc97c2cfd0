"""``serve``: the gateway in front of real clusters (kubeconfig contexts or in-cluster)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import uvicorn

from gateway import logs
from gateway.http.app import build_app
from gateway.service import Gateway, Settings
from gateway.watch.clusters import ClusterConfigError, ClusterSource, from_kubeconfig, in_cluster


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the gateway against the clusters of a kubeconfig (or in-cluster)",
        description="Watch clusters, keep the cache in Redis, serve the API.",
    )
    add_common(parser)
    parser.add_argument(
        "--kubeconfig", type=Path, default=None, help="default: $KUBECONFIG or ~/.kube/config"
    )
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="NAME",
        help="watch only these contexts (repeatable)",
    )
    parser.add_argument("--in-cluster", action="store_true", help="use the pod's service account")
    parser.set_defaults(run=run)


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url", default=None, help="redis:// or rediss:// URL; default: embedded Valkey"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".state"), help="embedded Valkey's directory"
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument("--log-format", default="auto", choices=("auto", "json", "text"))
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=15.0,
        help="how long a cluster's lease lasts; a dead replica's clusters move after it",
    )
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=30.0,
        help="how long an API server may fail before its workloads turn Exception",
    )


def sources_from(args: argparse.Namespace) -> list[ClusterSource]:
    if args.in_cluster:
        return [in_cluster()]
    path = args.kubeconfig or Path(
        os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0]
    )
    return from_kubeconfig(path.expanduser(), args.context)


def run(args: argparse.Namespace) -> int:
    logs.configure(args.log_level, args.log_format)
    try:
        sources = sources_from(args)
    except ClusterConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = Settings(
        sources=sources,
        redis_url=args.redis_url,
        state_dir=args.state_dir,
        lease_seconds=args.lease_seconds,
        grace_seconds=args.grace_seconds,
    )
    return asyncio.run(serve(Gateway(settings), args.host, args.port))


async def serve(gateway: Gateway, host: str, port: int) -> int:
    config = uvicorn.Config(
        build_app(gateway),
        host=host,
        port=port,
        log_config=None,
        ws="websockets-sansio",
        ws_ping_interval=20,
        ws_ping_timeout=20,
        timeout_graceful_shutdown=5,
    )
    await uvicorn.Server(config).serve()
    return 0
