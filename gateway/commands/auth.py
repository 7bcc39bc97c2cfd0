"""``auth hash-token``: turn a bot's token into its token file entry.

The token is read from stdin (without echo at a terminal), never from the command
line, where it would stay in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys

import yaml

from gateway.auth.tokenfile import token_sha256

MIN_TOKEN_LENGTH = 32
"""Entries are unsalted hashes: a short token could be guessed from a leaked file."""

_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
"""RFC 6750 ``b64token``: what an ``Authorization: Bearer`` header can carry."""

GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    hash_token = actions.add_parser(
        "hash-token",
        help="read a token on stdin, print its sha256 (or its token file entry)",
        description=(
            "Prints the sha256 a token file stores for the token read on stdin; with "
            f"--subject, a whole entry to append to the file. New token: {GENERATE_HINT}"
        ),
    )
    hash_token.add_argument("--subject", help="print a token file entry for this subject")
    hash_token.add_argument(
        "--group", action="append", default=[], metavar="NAME", help="the entry's groups"
    )
    hash_token.set_defaults(run=run)


def read_token() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("token: ").strip()
    return sys.stdin.readline().strip()


def problem_with(token: str) -> str | None:
    if not token:
        return "no token on stdin"
    if not _BEARER_TOKEN.fullmatch(token):
        return "a bearer token may only hold letters, digits and -._~+/ (and = at the end)"
    if len(token) < MIN_TOKEN_LENGTH:
        return (
            f"the token has {len(token)} characters; use at least {MIN_TOKEN_LENGTH} random "
            f"ones, e.g. {GENERATE_HINT}"
        )
    return None


def run(args: argparse.Namespace) -> int:
    if args.group and not args.subject:
        print("error: --group needs --subject", file=sys.stderr)
        return 2
    token = read_token()
    problem = problem_with(token)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    digest = token_sha256(token)
    if args.subject is None:
        print(digest)
        return 0
    entry = {"sha256": digest, "subject": args.subject, "groups": list(args.group)}
    print(yaml.safe_dump([entry], sort_keys=False, default_flow_style=None), end="")
    return 0
