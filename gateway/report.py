"""The terminal table: workloads with their pods, and the prompt box under each.

Abnormal rows carry their message (and warnings) on the lines below, wrapped to the
terminal, because that text is the point: what is broken and why. Notes about the
input (objects it lacks, owners found by name) follow a row's own lines, marked ``?``;
a note that concerns several rows is printed once, under the table.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass

from gateway.status import PodPhase, PodState, Status, WorkloadState

_KIND_ORDER = {"Deployment": 0, "StatefulSet": 1, "DaemonSet": 2, "CronJob": 3, "Job": 4}
_RED, _YELLOW, _GREEN, _GREY, _BOLD, _RESET = (
    "\033[31m",
    "\033[33m",
    "\033[32m",
    "\033[90m",
    "\033[1m",
    "\033[0m",
)
_STATUS_COLOURS = {
    Status.RUNNING.value: _GREEN,
    Status.EXECUTION_COMPLETE.value: _GREEN,
    Status.STARTED.value: _GREEN,
    Status.WAITING.value: _YELLOW,
    Status.EXECUTING.value: _YELLOW,
    Status.DELETING.value: _YELLOW,
    Status.STOPPED.value: _GREY,
    Status.NOT_READY.value: _RED,
    Status.EXCEPTION.value: _RED,
    PodPhase.SUCCEEDED.value: _GREEN,
    PodPhase.PENDING.value: _YELLOW,
    PodPhase.FAILED.value: _RED,
    PodPhase.UNKNOWN.value: _RED,
}
_NO_NAME = "(no name)"
_HEADERS = ("NAMESPACE", "KIND", "NAME", "STATUS", "READY", "REASON")


@dataclass(frozen=True, slots=True)
class Row:
    subject: WorkloadState | PodState
    pods: tuple[PodState, ...]
    notes: tuple[str, ...] = ()
    """About the input the subject was judged from: what it lacks, what was inferred."""
    pod_notes: tuple[tuple[str, ...], ...] = ()
    """The same for each of ``pods``, in their order."""

    def all_notes(self) -> list[str]:
        """The subject's notes and its pods', each once."""
        return list(dict.fromkeys([*self.notes, *(n for notes in self.pod_notes for n in notes)]))

    @property
    def namespace(self) -> str:
        return self.subject.namespace

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def kind_order(self) -> int:
        if isinstance(self.subject, WorkloadState):
            return _KIND_ORDER.get(self.subject.kind, 8)
        return 9


def _ready(subject: WorkloadState | PodState) -> str:
    if isinstance(subject, PodState):
        return f"{subject.ready_containers}/{subject.total_containers}"
    counts = subject.counts
    if subject.kind == "Job":
        target = "-" if counts.completions is None else str(counts.completions)
        return f"{counts.succeeded or 0}/{target}"
    if subject.kind == "CronJob":
        return f"{counts.active or 0} active"
    if counts.desired is None and counts.ready is None:
        return "-"  # a custom kind, judged by its rule: no counters
    return f"{counts.ready or 0}/{counts.desired or 0}"


def _pod_cells(pod: PodState, name: str, namespace: str) -> tuple[list[str], str]:
    """A pod's line and its colour: red when it has a problem, whatever its phase says.

    A crash-looping pod's phase is Running; painting it green would contradict its reason.
    """
    restarts = f" ({pod.restarts} restarts)" if pod.restarts else ""
    paint = _RED if pod.abnormal else _STATUS_COLOURS.get(pod.phase.value, "")
    cells = [namespace, "Pod", name, pod.phase.value, _ready(pod), pod.display_reason + restarts]
    return cells, paint


def _cells(row: Row) -> list[tuple[list[str], str]]:
    subject = row.subject
    if isinstance(subject, WorkloadState):
        status = subject.status.value
        lines = [
            (
                [
                    subject.namespace,
                    subject.kind,
                    subject.name or _NO_NAME,
                    status,
                    _ready(subject),
                    subject.reason,
                ],
                _STATUS_COLOURS.get(status, ""),
            )
        ]
    else:
        lines = [_pod_cells(subject, subject.name or _NO_NAME, subject.namespace)]
    for index, pod in enumerate(row.pods):
        branch = "└ " if index == len(row.pods) - 1 else "├ "
        lines.append(_pod_cells(pod, branch + (pod.name or _NO_NAME), ""))
    return lines


def _notes(row: Row) -> list[tuple[str, str]]:
    """(marker, text) lines shown under a row: the message when abnormal, then warnings."""
    subject = row.subject
    notes: list[tuple[str, str]] = []
    if isinstance(subject, WorkloadState):
        shown = subject.message if subject.status is not Status.RUNNING else ""
        if shown:
            notes.append(("↳", shown))
        notes.extend(("!", warning) for warning in subject.warnings if warning != shown)
        # The workload's message already names every failing pod and its reason; a pod's
        # own sentence is added only for a reason nothing above has explained yet.
        told = [subject.message, *subject.warnings]
        explained = {subject.reason}
        explained.update(
            pod.problem.reason
            for pod in row.pods
            if pod.problem is not None and any(pod.message in text for text in told)
        )
        for pod in row.pods:
            if pod.abnormal and pod.problem is not None and pod.problem.reason not in explained:
                explained.add(pod.problem.reason)
                notes.append(("↳", pod.message))
    elif subject.message:
        notes.append(("↳", subject.message))
    return notes


def _shared_notes(rows: list[Row]) -> dict[str, tuple[int, int]]:
    """Notes that concern more than one row: their number (in order of first appearance)
    and how many rows they concern."""
    counts: dict[str, int] = {}
    for row in rows:
        for note in row.all_notes():
            counts[note] = counts.get(note, 0) + 1
    several = [(note, count) for note, count in counts.items() if count > 1]
    return {note: (number, count) for number, (note, count) in enumerate(several, 1)}


def render_table(rows: list[Row], *, colour: bool) -> str:
    if not rows:
        return "No workloads or pods found.\n"
    shared = _shared_notes(rows)
    grid = [list(_HEADERS)]
    paints = [""]
    owners: list[tuple[Row, int]] = []
    for row in rows:
        owners.append((row, len(grid)))
        for cells, paint in _cells(row):
            grid.append(cells)
            paints.append(paint)
    widths = [max(len(line[i]) for line in grid) for i in range(len(_HEADERS))]
    width = max(shutil.get_terminal_size((120, 24)).columns, 60)
    indent = " " * (widths[0] + 2)
    notes_after = {
        start: _notes(row) + [("?", n) for n in row.all_notes() if n not in shared]
        for row, start in owners
    }
    references = {
        start: " ".join(
            f"?{number}" for number in sorted(shared[n][0] for n in row.all_notes() if n in shared)
        )
        for row, start in owners
    }
    out: list[str] = []
    status_at = sum(widths[:3]) + 6
    for index, line in enumerate(grid):
        text = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip()
        if colour and index == 0:
            text = _BOLD + text + _RESET
        elif colour and paints[index]:
            end = status_at + len(line[3])
            text = text[:status_at] + paints[index] + line[3] + _RESET + text[end:]
        if references.get(index):
            text = f"{text}  {references[index]}"
        out.append(text)
        for marker, note in notes_after.get(index, ()):
            out.extend(_wrapped(indent, marker, note, width, colour))
    if shared:
        out.append("")
        out.append("Notes on the input, each for the rows above marked with its number:")
        for note, (number, count) in shared.items():
            out.extend(_wrapped("  ", f"?{number}", f"({count} rows) {note}", width, colour))
    return "\n".join(out) + "\n"


def _wrapped(indent: str, marker: str, note: str, width: int, colour: bool) -> list[str]:
    """A note under a row: wrapped to the terminal, continuation lines indented past the marker."""
    lines = []
    wrapped = textwrap.wrap(note, width=max(width - len(indent) - 2, 40)) or [""]
    for number, part in enumerate(wrapped):
        prefix = marker if number == 0 else " " * len(marker)
        piece = f"{indent}{prefix} {part}"
        if colour and marker[0] in "!?":
            piece = _YELLOW + piece + _RESET
        lines.append(piece)
    return lines
