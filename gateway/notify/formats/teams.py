"""Microsoft Teams: an Adaptive Card in the message envelope that Teams webhooks accept.

Workflows ("Post to a channel when a webhook request is received") and the incoming
webhook connector both take ``{"type": "message", "attachments": [card]}``; the
legacy MessageCard is not used because connectors that only take it are retired.
"""

from __future__ import annotations

from typing import Any

from gateway.notify.formats import style
from gateway.notify.model import Severity
from gateway.notify.notices import Notice

CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

_STYLES = {
    Severity.EXCEPTION: ("attention", "Attention"),
    Severity.NOT_READY: ("warning", "Warning"),
    Severity.WARNING: ("warning", "Warning"),
    Severity.INFO: ("emphasis", "Default"),
}


def _styles(notice: Notice) -> tuple[str, str]:
    return ("good", "Good") if notice.recovered else _STYLES[notice.severity]


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def render(notice: Notice) -> dict[str, Any]:
    container_style, colour = _styles(notice)
    body: list[dict[str, Any]] = [
        {
            "type": "Container",
            "style": container_style,
            "bleed": True,
            "items": [_text(style.title(notice), weight="Bolder", size="Medium", color=colour)],
        }
    ]
    if notice.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in notice.facts],
            }
        )
    if notice.message:
        body.append(_text(notice.message, isSubtle=False, fontType="Monospace", size="Small"))
    if notice.lines:
        body.append(_text("\n".join(f"- {line}" for line in notice.lines)))
    body.append(_text(style.FOOTER, isSubtle=True, size="Small"))
    card = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    }
    return {
        "type": "message",
        "summary": notice.headline,
        "attachments": [{"contentType": CARD, "contentUrl": None, "content": card}],
    }
