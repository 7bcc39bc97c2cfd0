"""Everything one notifier needs: where to listen, where to post, and how to behave."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from gateway.notify.filters import ChannelFilter
from gateway.notify.formats import FORMATS
from gateway.notify.model import Severity


class ConfigError(ValueError):
    pass


def gateway_url(given: str) -> str:
    """The graphql-transport-ws endpoint from what a person would type: host, http or ws URL."""
    text = given if "://" in given else f"http://{given}"
    parts = urlsplit(text)
    schemes = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"--gateway {given!r} is not an http(s):// or ws(s):// URL")
    path = parts.path if parts.path not in ("", "/") else "/graphql"
    return urlunsplit((schemes[parts.scheme], parts.netloc, path, parts.query, ""))


def webhook_url(given: str) -> str:
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("the webhook must be an http(s):// URL")
    return given


def default_state_file(webhook: str, fmt: str, channel_filter: ChannelFilter) -> Path:
    """One state file per channel and filter, so several bots can share a directory."""
    digest = hashlib.blake2b(f"{webhook}\x1f{fmt}\x1f{channel_filter}".encode(), digest_size=6)
    return Path(".state") / f"notify-{digest.hexdigest()}.json"


@dataclass(frozen=True, slots=True)
class NotifierConfig:
    gateway: str
    """ws:// or wss:// URL of the gateway's /graphql endpoint."""
    webhook: str
    state_file: Path
    format: str = "slack"
    filter: ChannelFilter = field(default_factory=ChannelFilter)
    min_severity: Severity = Severity.NOT_READY
    token: str | None = None
    token_file: Path | None = None
    """Read at every connection, so a rotated Secret is picked up without a restart."""
    window: float = 5.0
    """Seconds a burst is gathered before it is judged and posted."""
    digest_after: int = 5
    """More notices than this from one window become one digest."""
    per_minute: float = 30.0
    burst: int = 5
    snapshot_quiet: float = 1.0
    retry_base: float = 1.0
    retry_cap: float = 60.0
    reconnect_base: float = 0.5
    reconnect_cap: float = 30.0
    post_timeout: float = 10.0

    def current_token(self) -> str | None:
        if self.token_file is not None:
            return self.token_file.read_text().strip() or None
        return self.token

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ConfigError(f"unknown format {self.format!r} (one of {', '.join(FORMATS)})")
        if self.window < 0 or self.digest_after < 1 or self.per_minute <= 0 or self.burst < 1:
            raise ConfigError("window must be >= 0, digest-after >= 1, rate > 0 and burst >= 1")
