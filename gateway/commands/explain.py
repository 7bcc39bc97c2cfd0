"""``explain``: the status engine on manifest files, no cluster needed.

People paste ``kubectl get -o yaml`` output (``-`` reads it from a pipe) or their own
manifests and see what the gateway would say about each workload and pod, in a table or
as JSON lines. A dump holds only what was asked for; what it lacks that the gateway
would see is said on the rows concerned (gaps.py), in both outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from gateway.gaps import KnownNodes, pod_notes, workload_notes
from gateway.manifests import STDIN, Loaded, load_paths
from gateway.ownership import Fleet, group
from gateway.report import Row, render_table
from gateway.rules.catalog import RuleSet
from gateway.rules.overlay import custom_state
from gateway.rules.rulefile import RuleError
from gateway.status import PodState, WorkloadState, evaluate_pod, evaluate_workload, index_nodes
from gateway.status.events import index_events
from gateway.status.fields import Obj, parse_time


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Evaluate workloads and pods from YAML or JSON files (or directories)."
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=f"files or directories; {STDIN} reads standard input (kubectl get ... -o yaml | ...)",
    )
    parser.add_argument("--output", "-o", choices=("table", "json"), default="table")
    parser.add_argument(
        "--now", type=_rfc3339, default=None, help="evaluate as of this RFC 3339 time"
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour the table"
    )
    parser.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="status rules for custom resources (a rule.yaml, or a folder of them), on top of "
        "the built-in ones; repeatable",
    )
    parser.set_defaults(run=run)


def _rfc3339(text: str) -> datetime:
    parsed = parse_time(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}")
    return parsed


def run(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: BinaryIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        rules = RuleSet.load(args.rules)
    except (RuleError, OSError) as refused:
        print(f"error: {refused}", file=err)
        return 2
    loaded = load_paths(args.paths, stdin or sys.stdin.buffer)
    for error in loaded.errors:
        print(f"error: {error}", file=err)
    custom = [(rule, obj) for obj in loaded.objects if (rule := rules.rule_for(obj)) is not None]
    ruled = {id(obj) for _, obj in custom}
    fleet = group([obj for obj in loaded.objects if id(obj) not in ruled])
    unnamed = _unnamed(loaded, skipped=fleet.ignored.keys())
    for problem in unnamed.values():
        print(f"error: {problem}", file=err)
    now: datetime = args.now or datetime.now(UTC)
    rows = evaluate_fleet(fleet, now, lambda obj: unnamed.get(id(obj)))
    rows.extend(Row(custom_state(rule, obj), ()) for rule, obj in custom)
    rows.sort(key=lambda r: (r.namespace, r.kind_order, r.name))
    if args.output == "json":
        for row in rows:
            out.write(json.dumps(_json_line(row.subject, row.notes), ensure_ascii=False) + "\n")
            for pod, notes in zip(row.pods, row.pod_notes, strict=True):
                out.write(json.dumps(_json_line(pod, notes), ensure_ascii=False) + "\n")
    else:
        colour = args.color == "always" or (args.color == "auto" and out.isatty())
        out.write(render_table(rows, colour=colour))
    if fleet.ignored:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(fleet.ignored.items()))
        print(f"note: skipped objects that are not workloads or pods: {kinds}", file=err)
    return 1 if loaded.errors or unnamed else 0


def _unnamed(loaded: Loaded, skipped: Collection[str]) -> dict[int, str]:
    """By ``id()``: the objects without ``metadata.name``, each with where it was read
    (but those of the ``skipped`` kinds, which explain does not read).

    The API server never serves one and the owners of other objects cannot name it, so it
    is an error in the input; it is still judged and shown, as ``(no name)``.
    """
    found: dict[int, str] = {}
    for obj in loaded.objects:
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        kind = obj.get("kind")
        if (isinstance(name, str) and name) or kind in skipped:
            continue
        found[id(obj)] = f"{loaded.origin(obj)}: {kind} without metadata.name"
    return found


def evaluate_fleet(
    fleet: Fleet, now: datetime, problem: Callable[[Obj], str | None] = lambda obj: None
) -> list[Row]:
    """Workloads in namespace/kind/name order, each followed by its pods; ``problem`` says
    what is wrong with an object itself (it becomes the first note of its row)."""
    nodes = index_nodes(fleet.nodes)
    known = KnownNodes(fleet.nodes)
    events = index_events(fleet.events)
    absent = {id(pod): owner for pod, owner in fleet.absent_owners}

    def pod_state(pod: Mapping[str, object]) -> PodState:
        meta = pod.get("metadata")
        key = ("Pod", "", "")
        if isinstance(meta, Mapping):
            key = ("Pod", str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        return evaluate_pod(pod, nodes, now, events.get(key, ()))

    def own(obj: Obj, notes: list[str]) -> tuple[str, ...]:
        found = problem(obj)
        return (found, *notes) if found else tuple(notes)

    rows: list[Row] = []
    for workload in fleet.workloads:
        judged = sorted(((pod_state(p), p) for p in workload.pods), key=lambda j: j[0].name)
        pods = [state for state, _ in judged]
        state = evaluate_workload(
            workload.obj,
            now,
            pods=pods,
            replica_sets=workload.replica_sets,
            jobs=workload.jobs,
        )
        rows.append(
            Row(
                state,
                tuple(pods),
                own(workload.obj, workload_notes(workload, state, known)),
                tuple(own(pod, pod_notes(pod, None, known)) for _, pod in judged),
            )
        )
    for pod in fleet.loose_pods:
        rows.append(Row(pod_state(pod), (), own(pod, pod_notes(pod, absent.get(id(pod)), known))))
    rows.sort(key=lambda r: (r.namespace, r.kind_order, r.name))
    return rows


def _json_line(subject: WorkloadState | PodState, notes: tuple[str, ...]) -> dict[str, object]:
    if isinstance(subject, WorkloadState):
        return {
            "kind": subject.kind,
            "namespace": subject.namespace,
            "name": subject.name,
            "status": subject.status.value,
            "reason": subject.reason,
            "message": subject.message,
            "warnings": list(subject.warnings),
            "notes": list(notes),
        }
    return {
        "kind": "Pod",
        "namespace": subject.namespace,
        "name": subject.name,
        "status": subject.phase.value,
        "reason": subject.display_reason,
        "message": subject.message,
        "warnings": [],
        "notes": list(notes),
    }
