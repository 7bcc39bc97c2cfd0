"""Plain JSON for anything else (an alert router, a ticketing hook): the notice as data."""

from __future__ import annotations

from typing import Any

from gateway.notify.notices import Notice

SOURCE = "kube-status-gateway"


def render(notice: Notice) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "version": 1,
        "kind": notice.kind.value,
        "severity": notice.severity.label,
        "recovered": notice.recovered,
        "resent": notice.resent,
        "title": notice.headline,
        "facts": dict(notice.facts),
        "message": notice.message,
        "lines": list(notice.lines),
        "transitions": list(notice.items),
    }
