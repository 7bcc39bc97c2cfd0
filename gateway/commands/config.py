"""``config check FILE``: validate a configuration before deploying it.

Prints the effective settings (file, then ``KSG_*`` environment, with the Redis
password masked) or every problem with the key that holds it; exit 1 on problems.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from gateway.config import ConfigError, load


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help="validate FILE (and KSG_* variables) and print the result"
    )
    check.add_argument("file", type=Path, metavar="FILE")
    check.set_defaults(run=run)


def masked(url: str | None) -> str | None:
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    netloc = f"{user}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def run(args: argparse.Namespace) -> int:
    try:
        config = load(args.file)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    effective = config.model_dump(mode="json", by_alias=True)
    effective["redis"]["url"] = masked(config.redis.url)
    print(f"{args.file}: valid")
    print(yaml.safe_dump(effective, sort_keys=False), end="")
    return 0
