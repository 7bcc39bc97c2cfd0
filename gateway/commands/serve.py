"""``serve``: the gateway in front of real clusters (kubeconfig contexts or in-cluster).

Settings come from ``--config FILE``, ``KSG_*`` environment variables and the flags
below, in that order of precedence (flags win); see gateway/config.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from kubernetes_asyncio import client

from gateway import logs
from gateway.clusters import (
    ClusterConfigError,
    ClusterSource,
    from_kubeconfig,
    in_cluster,
    load_service_account,
)
from gateway.config import Config, ConfigError, load
from gateway.heap import release_free_memory
from gateway.http.app import build_app
from gateway.service import Gateway, Settings

FLAGS: tuple[tuple[str, str, str], ...] = (
    ("redis_url", "redis", "url"),
    ("host", "server", "host"),
    ("port", "server", "port"),
    ("state_dir", "server", "stateDir"),
    ("log_level", "logging", "level"),
    ("log_format", "logging", "format"),
    ("lease_seconds", "watch", "leaseSeconds"),
    ("grace_seconds", "watch", "graceSeconds"),
    ("kubeconfig", "clusters", "kubeconfig"),
    ("context", "clusters", "contexts"),
    ("in_cluster", "clusters", "inCluster"),
    ("wait_for_cluster", "clusters", "waitForCluster"),
    ("insecure_no_auth", "auth", "insecureNoAuth"),
)
"""(flag attribute, config section, config key): flags given on the command line win."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Watch clusters, keep the cache in Redis, serve the API."
    parser.add_argument("--config", type=Path, default=None, help="YAML configuration file")
    add_common(parser)
    parser.add_argument("--kubeconfig", type=Path, help="default: $KUBECONFIG or ~/.kube/config")
    parser.add_argument(
        "--context", action="append", metavar="NAME", help="watch only these contexts (repeatable)"
    )
    parser.add_argument(
        "--in-cluster", action="store_true", default=None, help="use the pod's service account"
    )
    parser.add_argument(
        "--wait-for-cluster",
        action="store_true",
        default=None,
        help="with --in-cluster: start even without a usable service account, and retry "
        "until there is one (default: exit 2 saying what is missing)",
    )
    parser.add_argument(
        "--insecure-no-auth",
        action="store_true",
        default=None,
        help="serve without authentication on a non-loopback address (everyone sees everything)",
    )
    parser.set_defaults(run=run)


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        help="redis://, rediss:// or redis+sentinel://hosts/master URL; default: embedded Valkey",
    )
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080)")
    parser.add_argument(
        "--state-dir", type=Path, help="embedded Valkey's directory (default .state)"
    )
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"))
    parser.add_argument("--log-format", choices=("auto", "json", "text"))
    parser.add_argument(
        "--lease-seconds",
        type=float,
        help="how long a cluster's lease lasts; a dead replica's clusters move after it",
    )
    parser.add_argument(
        "--grace-seconds",
        type=float,
        help="how long an API server may fail before its workloads turn Exception",
    )


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for attribute, section, key in FLAGS:
        value = getattr(args, attribute, None)
        if value is not None:
            found.setdefault(section, {})[key] = value
    return found


def sources_from(config: Config) -> list[ClusterSource]:
    """The clusters to watch; ClusterConfigError when they cannot be, and waiting would not help."""
    if config.clusters.in_cluster:
        if not config.clusters.wait_for_cluster:
            try:
                load_service_account(client.Configuration())
            except ClusterConfigError as error:
                raise ClusterConfigError(
                    f"--in-cluster: {error} To start anyway and retry until it can be used, "
                    "pass --wait-for-cluster (clusters.waitForCluster)."
                ) from error
        return [in_cluster()]
    default = os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0]
    path = (config.clusters.kubeconfig or Path(default)).expanduser()
    try:
        return from_kubeconfig(path, config.clusters.contexts)
    except ClusterConfigError as error:
        if path.is_file():
            raise
        raise ClusterConfigError(
            f"{error}: name one with --kubeconfig (or $KUBECONFIG), pass --in-cluster inside "
            "a Kubernetes pod, or run the demo command to try the gateway on simulated clusters"
        ) from error


def check_exposure(config: Config) -> None:
    """Secure by default: no authentication only on loopback, or when explicitly asked for."""
    if config.auth.configured or config.auth.insecure_no_auth:
        return
    if _loopback(config.server.host):
        return
    raise ConfigError(
        f"refusing to serve on {config.server.host} without authentication: configure "
        "auth.tokenFile, auth.oidc or auth.tokenReview, listen on 127.0.0.1, or pass "
        "--insecure-no-auth to let anyone who reaches the port see every cluster"
    )


def announce_exposure(config: Config) -> None:
    """Who can read every cluster without authentication: this machine (the default, and
    the demo's) is said at info; a network (``--insecure-no-auth``) is a warning."""
    if config.auth.configured:
        return
    host = config.server.host
    exposed = not _loopback(host)
    logging.getLogger(__name__).log(
        logging.WARNING if exposed else logging.INFO,
        "serving without authentication: every caller "
        f"{'that reaches the port' if exposed else 'on this machine'} sees every cluster",
        extra={"host": host, "port": config.server.port},
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_from(config: Config, sources: list[ClusterSource]) -> Settings:
    return Settings(
        sources=sources,
        redis_url=config.redis.url,
        state_dir=config.server.state_dir,
        key_prefix=config.redis.key_prefix,
        feed_length=config.redis.feed_length,
        lease_seconds=config.watch.lease_seconds,
        grace_seconds=config.watch.grace_seconds,
        max_page=config.limits.max_page,
        auth=config.auth,
        opted=config.custom_resources.opted(),
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = load(args.config, overrides_from(args))
        logs.configure(config.logging.level, config.logging.format)
        check_exposure(config)
        sources = sources_from(config)
    except (ConfigError, ClusterConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return asyncio.run(serve(Gateway(settings_from(config, sources)), config))


YOUNG_COLLECTION_THRESHOLD = 50_000
"""Net allocations between two young-generation collections (CPython's default is 700)."""
FREEZE_POLL_SECONDS = 1.0


def tune_collector() -> None:
    """Collect the young generation every 50,000 allocations instead of every 700.

    Answering one page of a thousand workloads, or pushing one change to a thousand
    subscribers, allocates a few hundred thousand short-lived objects: at the default
    threshold that is hundreds of young and tens of middle collections per request,
    and the survivors of those (objects still in use mid-request) count towards a
    full collection, which then walks the whole heap, watch mirrors included. Nearly
    all of these objects are freed by reference counting; collecting less often costs
    at most the cyclic garbage of 50,000 allocations in memory.
    """
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


async def freeze_when_synced(gateway: Gateway, poll_seconds: float = FREEZE_POLL_SECONDS) -> None:
    """Once every cluster has synced, move the heap out of the collector's sight (gc.freeze).

    The first sync builds the watch mirrors of every cluster, and they live as long as
    the process (with 1,000 workloads and 10,000 pods the heap holds about 180,000
    objects). Every full collection walked them all: a pause of 200 to 400 ms that
    fell on whatever request or fan-out was running. Frozen, they are still freed by
    reference counting when the watchers replace them; only reference cycles among
    them would stay, and the mirrors hold plain dicts and lists. Frozen once, after
    a collection, so garbage of the start-up is not kept; then the C heap's free
    memory goes back to the system (gateway/heap.py). A readiness check that fails
    counts as not ready yet.
    """
    while True:
        await asyncio.sleep(poll_seconds)
        if gateway.link_if_started() is None:
            continue
        try:
            ready, _ = await gateway.readiness()
        except Exception:
            continue
        if ready:
            break
    gc.collect()
    gc.freeze()
    released = release_free_memory()
    logging.getLogger(__name__).info(
        "heap frozen after the first sync",
        extra={"frozen": gc.get_freeze_count(), "free_memory_released": released},
    )


async def serve(
    gateway: Gateway,
    config: Config,
    sockets: Sequence[socket.socket] | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve until a signal stops uvicorn, or ``stop`` is set.

    ``sockets``: already listening (the caller has bound the port and reported a busy
    one itself); else uvicorn binds the configured port. ``stop``: for a caller with
    signal handlers of its own, which uvicorn replaces only once it starts; a signal
    that arrives before, set by the caller, still stops it (at once, if set already).
    """
    uvicorn_config = uvicorn.Config(
        build_app(gateway, config),
        host=config.server.host,
        port=config.server.port,
        log_config=None,
        ws="websockets-sansio",
        ws_ping_interval=20,
        ws_ping_timeout=20,
        timeout_graceful_shutdown=5,
    )
    announce_exposure(config)
    tune_collector()
    server = uvicorn.Server(uvicorn_config)
    helpers = [asyncio.create_task(freeze_when_synced(gateway), name="heap-freezer")]
    if stop is not None:
        helpers.append(asyncio.create_task(_exit_when_set(stop, server), name="stop"))
    try:
        await server.serve(list(sockets) if sockets else None)
    finally:
        for helper in helpers:
            helper.cancel()
        for helper in helpers:
            with contextlib.suppress(asyncio.CancelledError):
                await helper
    return 0


async def _exit_when_set(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True
