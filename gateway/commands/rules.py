"""``rules test DIR``: run every rule folder's fixtures below DIR, offline.

A rule author writes ``<group>/<Kind>/rule.yaml`` and its ``fixtures/``, then runs this
before shipping the rule (``rules test`` with no DIR tests the built-in library). Prints
one line per fixture and what was wrong; exit 1 when any rule fails to load or any fixture
gets another status than it expects.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gateway.rules.fixtures import LIBRARY, run_folder


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    test = actions.add_parser("test", help="run the fixtures of every rule below DIR")
    test.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=LIBRARY,
        metavar="DIR",
        help="a folder of <group>/<Kind>/rule.yaml (default: the built-in library)",
    )
    test.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not folder.is_dir():
        print(f"{folder}: not a folder")
        return 2
    outcomes = list(run_folder(folder))
    if not outcomes:
        print(f"{folder}: no rule.yaml below it")
        return 1
    failed = 0
    for outcome in outcomes:
        mark = "ok  " if outcome.passed else "FAIL"
        print(f"{mark} {outcome.rule} {outcome.fixture}")
        for problem in outcome.problems:
            print(f"       {problem}")
        failed += not outcome.passed
    rules = len({o.rule for o in outcomes})
    print(f"{len(outcomes) - failed} of {len(outcomes)} fixtures passed, {rules} rules")
    return 1 if failed else 0
