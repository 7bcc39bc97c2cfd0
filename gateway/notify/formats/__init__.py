"""Payloads for each chat's incoming webhook, built from the same notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.notify.formats import generic, mattermost, slack, teams
from gateway.notify.notices import Notice

Formatter = Callable[[Notice], dict[str, Any]]

FORMATS: dict[str, Formatter] = {
    "slack": slack.render,
    "mattermost": mattermost.render,
    "teams": teams.render,
    "generic": generic.render,
}
