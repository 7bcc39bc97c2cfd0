"""``python -m gateway <command>``: one parser; a command's module is imported only when it runs.

Importing every command would load uvicorn, Strawberry, the auth chain and the simulated
cluster before ``explain`` reads its first file, so the table below names each command's
module and one-line help, and only the chosen command registers its arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Command(Protocol):
    def register(self, parser: argparse.ArgumentParser) -> None: ...


@dataclass(frozen=True, slots=True)
class Entry:
    module: str
    help: str


COMMANDS: dict[str, Entry] = {
    "auth": Entry("gateway.commands.auth", "authentication helpers"),
    "config": Entry("gateway.commands.config", "validate a configuration file"),
    "demo": Entry(
        "simcluster.commands.demo",
        "simulated clusters + embedded Valkey + the gateway, in one process",
    ),
    "explain": Entry(
        "gateway.commands.explain",
        "print the status of every workload and pod in manifest files",
    ),
    "notify": Entry(
        "gateway.commands.notify",
        "post abnormal statuses and recoveries to a chat's incoming webhook",
    ),
    "rules": Entry("gateway.commands.rules", "test custom-resource status rules offline"),
    "serve": Entry(
        "gateway.commands.serve",
        "run the gateway against the clusters of a kubeconfig (or in-cluster)",
    ),
    "simcluster": Entry(
        "simcluster.commands.serve",
        "serve simulated Kubernetes clusters (no cluster needed)",
    ),
}
"""The demo and the simulator live in the ``simcluster`` package, outside the serving path:
they are named here as data and imported only when asked for."""


def chosen(argv: Sequence[str]) -> str | None:
    """The command the arguments name: the first one that is not an option."""
    for argument in argv:
        if not argument.startswith("-"):
            return argument if argument in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kube-status-gateway",
        description="Says what runs in your Kubernetes clusters, what is broken, and why.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    name = chosen(argv)
    for command, entry in COMMANDS.items():
        sub = commands.add_parser(command, help=entry.help)
        if command == name:
            module: Command = importlib.import_module(entry.module)
            module.register(sub)
    return parser


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    return build_parser(argv).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else list(argv))
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
