"""What every chat format shares: the colour and mark of a severity, the re-sent note."""

from __future__ import annotations

from gateway.notify.model import Severity
from gateway.notify.notices import Notice

FOOTER = "kube-status-gateway notifier"
RESENT = "re-sent after a notifier restart; it may have been posted already"

_COLOURS = {
    Severity.EXCEPTION: "#D0021B",
    Severity.NOT_READY: "#F5A623",
    Severity.WARNING: "#F8E71C",
    Severity.INFO: "#9B9B9B",
}
RECOVERED_COLOUR = "#2EB67D"

_MARKS = {
    Severity.EXCEPTION: "\N{LARGE RED CIRCLE}",
    Severity.NOT_READY: "\N{LARGE ORANGE CIRCLE}",
    Severity.WARNING: "\N{LARGE YELLOW CIRCLE}",
    Severity.INFO: "\N{INFORMATION SOURCE}",
}
RECOVERED_MARK = "\N{WHITE HEAVY CHECK MARK}"


def colour(notice: Notice) -> str:
    return RECOVERED_COLOUR if notice.recovered else _COLOURS[notice.severity]


def mark(notice: Notice) -> str:
    return RECOVERED_MARK if notice.recovered else _MARKS[notice.severity]


def title(notice: Notice) -> str:
    """The headline with its mark, and the re-sent note when it applies."""
    text = f"{mark(notice)} {notice.headline}"
    return f"{text} ({RESENT})" if notice.resent else text
