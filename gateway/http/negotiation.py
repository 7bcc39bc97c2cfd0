"""Which media type to answer in, from the request's Accept header, as RFC 9110 (12.5.1) says.

Each media range carries a quality (``q``, 1 unless given; 0 means "not acceptable");
a type is as acceptable as the most specific range that matches it (``text/event-stream``
before ``text/*`` before ``*/*``). Of the types the server offers, the most acceptable
wins, and between equals the server's order of preference decides. Clients list many
types at once (urql's default Accept names the GraphQL response types, JSON, the event
stream and multipart), so "listed anywhere" says nothing about what they prefer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
JSON_TYPES = (GRAPHQL_RESPONSE_JSON, JSON)
"""The GraphQL-over-HTTP media types of a single result, the spec's own first: a client
that accepts it learns from the status code whether the request was well formed."""


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int | None:
        """How exactly this range names ``media_type`` (2 exact, 1 ``type/*``, 0
        ``*/*``); None when it does not match."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else None


def parse_accept(header: str) -> list[MediaRange]:
    """The ranges of an Accept header; malformed parts are skipped, as a missing header is
    read as ``*/*``."""
    found: list[MediaRange] = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        found.append(MediaRange(kind, sub, quality))
    return found


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """How acceptable ``media_type`` is: the quality of the most specific range matching it."""
    best: tuple[int, float] | None = None
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity is not None and (best is None or specificity > best[0]):
            best = (specificity, media_range.quality)
    return best[1] if best is not None else 0.0


def choose(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered type to answer in (``offered`` in the server's order of preference);
    None when the client accepts none of them. No header accepts anything."""
    if not header or not header.strip():
        return offered[0] if offered else None
    ranges = parse_accept(header)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, str] | None = None
    for media_type in offered:
        q = quality(ranges, media_type)
        if q > 0 and (best is None or q > best[0]):
            best = (q, media_type)
    return best[1] if best is not None else None
