"""Mattermost incoming webhooks: a Slack-style attachment with a coloured bar and fields."""

from __future__ import annotations

import re
from typing import Any

from gateway.notify.formats import style
from gateway.notify.notices import Notice, clip

TEXT_LIMIT = 7000
_MARKDOWN = re.compile(r"([\\`*_~\[\]|])")


def escape(text: str) -> str:
    """Backslash Markdown's markers so a message's ``*`` or ``_`` is shown, not applied."""
    return _MARKDOWN.sub(r"\\\1", text)


def render(notice: Notice) -> dict[str, Any]:
    title = style.title(notice)
    parts = []
    if notice.message:
        parts.append("> " + escape(notice.message).replace("\n", "\n> "))
    if notice.lines:
        parts.append("\n".join(f"- {escape(line)}" for line in notice.lines))
    attachment: dict[str, Any] = {
        "fallback": title,
        "color": style.colour(notice),
        "title": title,
        "text": clip("\n\n".join(parts), TEXT_LIMIT),
        "fields": [
            {"short": True, "title": label, "value": escape(value)} for label, value in notice.facts
        ],
        "footer": style.FOOTER,
    }
    return {"text": "", "attachments": [attachment]}
