"""``notify``: the chatops bot, from the gateway's change feeds to a chat's incoming webhook."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from dataclasses import fields
from pathlib import Path

from gateway import logs
from gateway.notify.bot import run_notifier
from gateway.notify.config import (
    ConfigError,
    NotifierConfig,
    default_state_file,
    gateway_url,
    webhook_url,
)
from gateway.notify.feed import FatalFeedError
from gateway.notify.filters import FilterError, parse_filter
from gateway.notify.formats import FORMATS
from gateway.notify.model import Severity

WEBHOOK_ENV = "KSG_NOTIFY_WEBHOOK"
TOKEN_ENV = "KSG_GATEWAY_TOKEN"
DEFAULTS = {f.name: f.default for f in fields(NotifierConfig)}
"""The bot's own defaults, so the flags cannot drift from them."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Follow the gateway's change feeds and post each transition into Exception or "
        "Not Ready, each recovery and each unreachable cluster to an incoming webhook. "
        "Bursts are grouped, the channel is rate-limited, failed posts are retried, and "
        "the bot resumes where it left off (state file) without posting anything twice."
    )
    parser.add_argument(
        "--gateway", required=True, help="the gateway: host:port, http(s):// or ws(s)://"
    )
    parser.add_argument(
        "--webhook", default=None, help=f"incoming webhook URL (default: ${WEBHOOK_ENV})"
    )
    parser.add_argument("--format", default=DEFAULTS["format"], choices=tuple(FORMATS))
    parser.add_argument(
        "--filter",
        default=None,
        metavar="JSON",
        help='WorkloadFilter fields as JSON, e.g. \'{"namespaces": ["shop"]}\'',
    )
    parser.add_argument(
        "--min-severity",
        default="not-ready",
        choices=("warning", "not-ready", "exception"),
        help="warning adds pods in trouble while their workload is still fine",
    )
    parser.add_argument(
        "--token", default=None, help=f"bearer token for the gateway (default: ${TOKEN_ENV})"
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        default=None,
        help="read the token from a file at every connection (a mounted Secret)",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="cursor, posted ids and open incidents (default: .state/notify-<hash>.json)",
    )
    parser.add_argument(
        "--window", type=float, default=DEFAULTS["window"], help="seconds a burst is gathered"
    )
    parser.add_argument(
        "--digest-after",
        type=int,
        default=DEFAULTS["digest_after"],
        help="more notices than this at once: one digest",
    )
    parser.add_argument("--rate-per-minute", type=float, default=DEFAULTS["per_minute"])
    parser.add_argument("--burst", type=int, default=DEFAULTS["burst"])
    parser.add_argument(
        "--retry-cap",
        type=float,
        default=DEFAULTS["retry_cap"],
        help="longest wait between retries",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument("--log-format", default="auto", choices=("auto", "json", "text"))
    parser.set_defaults(run=run)


def config_from(args: argparse.Namespace) -> NotifierConfig:
    webhook = args.webhook or os.environ.get(WEBHOOK_ENV)
    if not webhook:
        raise ConfigError(f"give --webhook or set ${WEBHOOK_ENV}")
    token = args.token or os.environ.get(TOKEN_ENV)
    if args.token_file is not None and not os.access(args.token_file, os.R_OK):
        raise ConfigError(f"--token-file {args.token_file} cannot be read")
    channel_filter = parse_filter(args.filter)
    return NotifierConfig(
        gateway=gateway_url(args.gateway),
        webhook=webhook_url(webhook),
        state_file=args.state_file or default_state_file(webhook, args.format, channel_filter),
        format=args.format,
        filter=channel_filter,
        min_severity=Severity.parse(args.min_severity),
        token=token or None,
        token_file=args.token_file,
        window=args.window,
        digest_after=args.digest_after,
        per_minute=args.rate_per_minute,
        burst=args.burst,
        retry_cap=args.retry_cap,
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from(args)
    except (ConfigError, FilterError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logs.configure(args.log_level, args.log_format)
    return asyncio.run(_until_signalled(config))


async def _until_signalled(config: NotifierConfig) -> int:
    """SIGTERM and SIGINT stop the bot cleanly (state saved); exit code 0."""
    task = asyncio.create_task(run_notifier(config))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        return 0
    except FatalFeedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
