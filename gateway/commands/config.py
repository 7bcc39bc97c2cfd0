"""``config check FILE``: validate a configuration before deploying it.

Prints the effective settings (file, then ``KSG_*`` environment, with the Redis
password masked) or every problem with the key that holds it; exit 1 on problems. Then,
as YAML comments (the output stays a configuration file), the status rules in force and
the custom kinds watched, which the settings alone do not show: what the library brings,
which of its rules the user's replace, and how each watched kind is judged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from gateway.config import ConfigError, load
from gateway.custom_resources import BUILT_IN, CustomResources, library
from gateway.redis_connect import masked as redis_masked


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help="validate FILE (and KSG_* variables) and print the result"
    )
    check.add_argument("file", type=Path, metavar="FILE")
    check.set_defaults(run=run)


def masked(url: str | None) -> str | None:
    return redis_masked(url) if url else url


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
    for line in rules_in_force(config.custom_resources):
        print(f"# {line}".rstrip())
    return 0


def rules_in_force(section: CustomResources) -> list[str]:
    built_in = set(library().by_kind)
    users = section.user_rules()
    replaced = built_in & {(u.rule.group, u.rule.kind) for u in users}
    total = len(section.rule_set().by_kind)
    lines = [
        f"Rules in force: {total} ({len(built_in)} built-in, {len(replaced)} of them replaced "
        f"by yours; {len(users)} of yours)" + (":" if users else ".")
    ]
    width = max((len(u.rule.group_kind) for u in users), default=0)
    for user in users:
        key = (user.rule.group, user.rule.kind)
        note = ", replaces the built-in rule" if key in replaced else ""
        lines.append(f"  {user.rule.group_kind:{width}}  {user.rule.family}, {user.origin}{note}")
    watched = sorted(section.watched_kinds())
    which = "every kind a rule names" if section.watch is None else "customResources.watch"
    lines.append(f"Custom kinds watched ({which}): {len(watched)}" + (":" if watched else "."))
    width = max(map(len, watched), default=0)
    for kind in watched:
        judging = section.judging(kind)
        how = "rule" if judging.rule is not None else "conventions"
        origin = "" if judging.origin == BUILT_IN and judging.rule else f", {judging.origin}"
        lines.append(f"  {kind:{width}}  {how}, {judging.family}{origin}")
    return lines
