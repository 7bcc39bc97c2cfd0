"""``demo``: the whole product on one machine with nothing installed by hand.

Simulated clusters running the lively demo scenario (in a child process, see
fleetprocess.py), a private Valkey server and the gateway watching them, on
loopback and without authentication. One demo runs per state directory
(demostate.py); whatever it wrote is removed when it stops, by Ctrl-C or SIGTERM.
The banner's kubectl commands name absolute paths: they work as printed from any
directory, which is where a second terminal opens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import shlex
import signal
import socket
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import simcluster
from gateway import logs
from simcluster.commands.demostate import DemoState, DemoStateError, Holder
from simcluster.commands.fleetprocess import FleetError, FleetProcess
from simcluster.commands.serve import positive, scenario, time_scale

if TYPE_CHECKING:
    from gateway.redis_server import EmbeddedRedis

HOST = "127.0.0.1"
BREAK_MANIFEST = Path(simcluster.__file__).resolve().parents[1] / "examples" / "demo" / "break.yaml"
"""A release of shop/cart asking for more memory than a node has (the source checkout's)."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Try the gateway without a cluster: everything runs locally on loopback."
    parser.add_argument("--port", type=port, default=8080, help="the gateway's port")
    parser.add_argument("--clusters", type=positive, default=2, metavar="N")
    parser.add_argument(
        "--scenario",
        type=scenario,
        default="demo+crds",
        help="demo, scale:N for N workloads, or crds[:N] for custom workloads (and N noise "
        "CRDs), or several joined with + (default: demo+crds)",
    )
    parser.add_argument(
        "--time-scale", type=time_scale, default=1.0, help="simulated seconds per second"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".state/demo"),
        help="where the demo keeps its kubeconfig, lock and Valkey files while it runs "
        "(one demo per directory)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument("--log-format", default="auto", choices=("auto", "json", "text"))
    parser.set_defaults(run=run)


def port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


class DemoError(RuntimeError):
    """The demo cannot start; the message says why in one line."""


def run(args: argparse.Namespace) -> int:
    logs.configure(args.log_level, args.log_format)
    try:
        state = DemoState.claim(args.state_dir, args.port)
    except DemoStateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(demo(args, state))
    except DemoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        state.release()


def listen(host: str, number: int) -> socket.socket:
    """The gateway's socket, bound before anything starts so a busy port fails at once;
    listening already, so early connections wait in the backlog until the gateway serves.
    Made with IPPROTO_TCP, as getaddrinfo would: asyncio sets TCP_NODELAY only on
    connections whose protocol says TCP, and without it a response written in two parts
    waits for the client's delayed ACK (40 ms per request on a kept-alive connection)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, number))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise DemoError(
                f"port {number} on {host} is in use (another demo or server?): "
                "choose another with --port"
            ) from None
        raise DemoError(f"cannot listen on {host}:{number}: {error.strerror or error}") from None
    return sock


async def demo(args: argparse.Namespace, state: DemoState) -> int:
    """Start the clusters, Valkey and the gateway; stop them in the reverse order.

    SIGINT and SIGTERM set ``stopping`` from the start: before the gateway serves, they
    cut the start-up short; then ``serve`` stops uvicorn when it is set (uvicorn also
    takes the signals itself once it runs, and raises them again once it has stopped,
    which only sets ``stopping`` again). Either way this returns normally, so the caller
    removes the state.

    The gateway's modules (uvicorn, Strawberry, the Kubernetes client) take seconds to
    import, so they are imported here, once the clusters' process is on its way: both
    start on their own core, and a refused second demo says so at once."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sign in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sign, stopping.set)
    sock = listen(HOST, args.port)
    fleet = FleetProcess(
        state.kubeconfig, clusters=args.clusters, scenario=args.scenario, time_scale=args.time_scale
    )
    stack = contextlib.AsyncExitStack()
    try:
        stack.callback(sock.close)
        stack.push_async_callback(fleet.stop)
        await fleet.spawn()
        from gateway.clusters import from_kubeconfig
        from gateway.commands.serve import serve, settings_from
        from gateway.config import Config, Logging, Redis, Server
        from gateway.redis_server import EmbeddedRedis, RedisServerError
        from gateway.service import Gateway

        valkey = EmbeddedRedis(state.valkey_dir)
        state.record(Holder(os.getpid(), args.port, valkey.port))
        stack.push_async_callback(valkey.stop)
        try:
            if not await _unless(stopping, _start(fleet, valkey)):
                return 0
        except (FleetError, RedisServerError) as error:
            raise DemoError(str(error)) from None
        sources = from_kubeconfig(state.kubeconfig)
        print(
            banner(
                f"http://{HOST}:{args.port}",
                kubeconfig=state.kubeconfig,
                clusters=[source.name for source in sources],
                break_manifest=_break_manifest(args.scenario),
                state=state.directory,
                pid=os.getpid(),
            ),
            file=sys.stderr,
            flush=True,
        )
        config = Config(
            server=Server(host=HOST, port=args.port, state_dir=state.directory),
            redis=Redis(url=valkey.url),
            logging=Logging(level=args.log_level, format=args.log_format),
        )
        return await serve(Gateway(settings_from(config, sources)), config, [sock], stopping)
    finally:
        await stack.aclose()


def _break_manifest(scenario: str) -> Path | None:
    """The manifest to break shop/cart with: the demo scenario has the shop namespace, and
    the file is in a source checkout (an installed package has no examples/)."""
    demo = "demo" in scenario.split("+")
    return BREAK_MANIFEST if demo and BREAK_MANIFEST.is_file() else None


async def _start(fleet: FleetProcess, valkey: EmbeddedRedis) -> None:
    await valkey.start()
    await fleet.ready()


async def _unless(stopping: asyncio.Event, work: Coroutine[Any, Any, None]) -> bool:
    """Run ``work`` unless ``stopping`` is set first: True when it finished."""
    task = asyncio.create_task(work)
    stop = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return False
    task.result()
    return True


def banner(
    url: str,
    *,
    kubeconfig: Path,
    clusters: Sequence[str],
    break_manifest: Path | None,
    state: Path,
    pid: int,
) -> str:
    """What to open and what to type, each command on its own line to copy whole (paths
    quoted for a shell, should they hold spaces)."""
    kubectl = f"kubectl --kubeconfig {shlex.quote(str(kubeconfig))}"
    lines = [
        "",
        f"  kube-status-gateway demo: {len(clusters)} simulated clusters "
        f"({', '.join(clusters)}), embedded Valkey, no authentication (loopback only)",
        f"  board:     {url}/board",
        f"  GraphiQL:  {url}/graphql",
        "",
        f"  Try, from any directory (kubectl talks to {clusters[0]}):",
        "    every Deployment:",
        f"      {kubectl} get deployments -A",
    ]
    if break_manifest is not None:
        lines += [
            "    break something: shop/cart asks for more memory than any node has",
            f"      {kubectl} apply -f {shlex.quote(str(break_manifest))}",
            "    its pods stay Pending; the board shows cart Not Ready (Unschedulable):",
            f"      {kubectl} get pods -n shop -l app=cart",
            "    fix it: ask for what fits, and the board shows cart Running again:",
            f"      {kubectl} set resources deployment/cart -n shop --requests=memory=64Mi",
        ]
    lines += [
        "",
        f"  State in {state} (this demo is pid {pid}; one demo per state directory),",
        "  removed when the demo stops (Ctrl-C).",
        "",
    ]
    return "\n".join(lines)
