"""``explain``: the status engine on manifest files, no cluster needed.

People paste ``kubectl get -o yaml`` output or their own manifests and see what the
gateway would say about each workload and pod, in a table or as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

from gateway.manifests import load_paths
from gateway.ownership import Fleet, group
from gateway.report import Row, render_table
from gateway.status import PodState, WorkloadState, evaluate_pod, evaluate_workload, index_nodes
from gateway.status.events import index_events
from gateway.status.fields import parse_time


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Evaluate workloads and pods from YAML or JSON files (or directories)."
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument("--output", "-o", choices=("table", "json"), default="table")
    parser.add_argument(
        "--now", type=_rfc3339, default=None, help="evaluate as of this RFC 3339 time"
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour the table"
    )
    parser.set_defaults(run=run)


def _rfc3339(text: str) -> datetime:
    parsed = parse_time(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}")
    return parsed


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    loaded = load_paths(args.paths)
    for error in loaded.errors:
        print(f"error: {error}", file=err)
    now: datetime = args.now or datetime.now(UTC)
    fleet = group(loaded.objects)
    rows = evaluate_fleet(fleet, now)
    if args.output == "json":
        for row in rows:
            out.write(json.dumps(_json_line(row.subject), ensure_ascii=False) + "\n")
            for pod in row.pods:
                out.write(json.dumps(_json_line(pod), ensure_ascii=False) + "\n")
    else:
        colour = args.color == "always" or (args.color == "auto" and out.isatty())
        out.write(render_table(rows, colour=colour))
    if fleet.ignored:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(fleet.ignored.items()))
        print(f"note: skipped objects that are not workloads or pods: {kinds}", file=err)
    return 1 if loaded.errors else 0


def evaluate_fleet(fleet: Fleet, now: datetime) -> list[Row]:
    """Workloads in namespace/kind/name order, each followed by its pods."""
    nodes = index_nodes(fleet.nodes)
    events = index_events(fleet.events)

    def pod_state(pod: Mapping[str, object]) -> PodState:
        meta = pod.get("metadata")
        key = ("Pod", "", "")
        if isinstance(meta, Mapping):
            key = ("Pod", str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        return evaluate_pod(pod, nodes, now, events.get(key, ()))

    rows: list[Row] = []
    for workload in fleet.workloads:
        pods = sorted((pod_state(p) for p in workload.pods), key=lambda p: p.name)
        state = evaluate_workload(
            workload.obj,
            now,
            pods=pods,
            replica_sets=workload.replica_sets,
            jobs=workload.jobs,
        )
        rows.append(Row(state, tuple(pods)))
    for pod in fleet.loose_pods:
        rows.append(Row(pod_state(pod), ()))
    rows.sort(key=lambda r: (r.namespace, r.kind_order, r.name))
    return rows


def _json_line(subject: WorkloadState | PodState) -> dict[str, object]:
    if isinstance(subject, WorkloadState):
        return {
            "kind": subject.kind,
            "namespace": subject.namespace,
            "name": subject.name,
            "status": subject.status.value,
            "reason": subject.reason,
            "message": subject.message,
            "warnings": list(subject.warnings),
        }
    return {
        "kind": "Pod",
        "namespace": subject.namespace,
        "name": subject.name,
        "status": subject.phase.value,
        "reason": subject.display_reason,
        "message": subject.message,
        "warnings": [],
    }
