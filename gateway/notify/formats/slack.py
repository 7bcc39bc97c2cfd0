"""Slack incoming webhooks: Block Kit inside an attachment, whose bar carries the colour."""

from __future__ import annotations

from typing import Any

from gateway.notify.formats import style
from gateway.notify.notices import Notice, clip

SECTION_LIMIT = 3000
MAX_FIELDS = 10


def escape(text: str) -> str:
    """Slack's mrkdwn reserves only these three; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def render(notice: Notice) -> dict[str, Any]:
    title = style.title(notice)
    blocks: list[dict[str, Any]] = [_section(f"*{escape(title)}*")]
    if notice.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": clip(f"*{escape(label)}*\n{escape(value)}", 2000)}
                    for label, value in notice.facts[:MAX_FIELDS]
                ],
            }
        )
    if notice.message:
        blocks.append(_section("> " + escape(notice.message).replace("\n", "\n> ")))
    if notice.lines:
        blocks.append(_section("\n".join(f"• {escape(line)}" for line in notice.lines)))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": style.FOOTER}]})
    return {
        "text": title,
        "attachments": [{"color": style.colour(notice), "fallback": title, "blocks": blocks}],
    }
