"""Persisted queries: a hash instead of the whole query text, without letting callers fill Redis.

Apollo's Automatic Persisted Queries let a client send ``extensions.persistedQuery
.sha256Hash`` alone; an unknown hash is answered ``PersistedQueryNotFound`` and the
client sends the text with it once. A text is stored only if it is a query this
gateway would run: at most ``maxQueryBytes``, parsing within the token limit and
valid for the schema within the depth and alias limits (``check``). Each subject may
store ``perSubjectPerDay`` queries and bytes, and all subjects together
``totalBytesPerDay``, counted in Redis so every replica shares the budget; entries
live ``ttlSeconds`` from when they were stored, never renewed by use, so persisted
queries never hold more than about twice the daily total. A text that is not stored
is still answered: the client simply sends it again next time.

``allowList`` mode serves only the queries of a manifest loaded at start (Apollo's
persisted query manifest, or a JSON object of sha256 -> text): a hash it does not list
and any text whose hash it does not list are refused, and nothing is written to Redis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gateway.config import ConfigError
from gateway.config import PersistedQueries as Settings
from gateway.http.refusal import Refusal
from gateway.redis_connect import Client
from gateway.store.keys import Keys

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400
Check = Callable[[str], str | None]
"""What is wrong with a query text for this schema and its limits; None when nothing."""


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_allow_list(path: Path, check: Check) -> dict[str, str]:
    """The manifest's queries by sha256; every entry is checked, and any fault refuses the
    start with the entry named."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"persistedQueries.allowList: {path}: cannot read: {error}") from None
    if isinstance(manifest, dict) and isinstance(manifest.get("operations"), list):
        pairs = [
            (str(o.get("id")), o.get("body")) if isinstance(o, dict) else ("?", None)
            for o in manifest["operations"]
        ]
    elif isinstance(manifest, dict):
        pairs = [(str(key), value) for key, value in manifest.items()]
    else:
        raise ConfigError(
            f"persistedQueries.allowList: {path}: expected Apollo's persisted query manifest "
            "or a JSON object of sha256 -> query"
        )
    allowed: dict[str, str] = {}
    for number, (digest, body) in enumerate(pairs, 1):
        where = f"persistedQueries.allowList: {path}: entry {number} ({digest[:16]})"
        if not isinstance(body, str):
            raise ConfigError(f"{where}: no query text")
        if sha256_of(body) != digest.lower():
            raise ConfigError(f"{where}: the id is not the sha256 of its query text")
        problem = check(body)
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")
        allowed[digest.lower()] = body
    return allowed


class PersistedQueries:
    def __init__(
        self,
        client: Callable[[], Client],
        keys: Keys,
        settings: Settings,
        check: Check,
        allowed: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self.keys = keys
        self.settings = settings
        self.check = check
        self.allowed = allowed or {}

    async def resolve(self, request: dict[str, Any], subject: str) -> dict[str, Any]:
        """The request with its query filled in (or stored); Refusal when it cannot be."""
        extensions = request.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        query = request.get("query")
        if self.settings.mode == "allowList":
            return self._from_allow_list(request, persisted, query)
        if persisted is None:
            return request
        if self.settings.mode == "off":
            raise Refusal(
                400, "persisted queries are turned off here", "PERSISTED_QUERY_NOT_SUPPORTED"
            )
        digest = _digest_of(persisted)
        key = f"{self.keys.prefix}:apq:{digest}"
        if isinstance(query, str):
            if sha256_of(query) != digest:
                raise Refusal(400, "provided sha does not match query", "BAD_REQUEST")
            await self._store(key, query, subject)
            return request
        stored = await self.client().get(key)
        if stored is None:
            raise Refusal(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        return {**request, "query": stored.decode() if isinstance(stored, bytes) else str(stored)}

    def admits(self, query: str) -> bool:
        """Whether a query text may run (on a WebSocket, which has no persisted queries)."""
        return self.settings.mode != "allowList" or sha256_of(query) in self.allowed

    def refuse_unlisted_transport(self) -> None:
        """A request body that is not JSON carries no hash to check: allowList refuses it."""
        if self.settings.mode == "allowList":
            raise Refusal(
                415,
                "this gateway serves only the queries registered at deploy time: "
                "send them as JSON with extensions.persistedQuery",
                "PERSISTED_QUERY_NOT_ALLOWED",
            )

    def _from_allow_list(
        self, request: dict[str, Any], persisted: object, query: object
    ) -> dict[str, Any]:
        if persisted is not None:
            digest = _digest_of(persisted)
            known = self.allowed.get(digest)
            if known is None:
                raise Refusal(
                    403,
                    "this gateway serves only the queries registered at deploy time, "
                    "and this hash is not one of them",
                    "PERSISTED_QUERY_NOT_ALLOWED",
                )
            if isinstance(query, str) and query != known:
                raise Refusal(400, "provided sha does not match query", "BAD_REQUEST")
            return {**request, "query": known}
        if isinstance(query, str) and sha256_of(query) not in self.allowed:
            raise Refusal(
                403,
                "this gateway serves only the queries registered at deploy time; "
                "send one of them (by its sha256 in extensions.persistedQuery)",
                "PERSISTED_QUERY_NOT_ALLOWED",
            )
        return request

    async def _store(self, key: str, query: str, subject: str) -> None:
        """Store the text if it deserves it and the budgets allow; say why not otherwise."""
        size = len(query.encode())
        why_not = None
        if size > self.settings.max_query_bytes:
            why_not = f"{size} bytes, over maxQueryBytes ({self.settings.max_query_bytes})"
        else:
            why_not = self.check(query)
        if why_not is None:
            why_not = await self._spend(subject, size)
        if why_not is not None:
            log.info("persisted query not stored", extra={"subject": subject, "cause": why_not})
            return
        await self.client().set(key, query, ex=self.settings.ttl_seconds)

    async def _spend(self, subject: str, size: int) -> str | None:
        day = int(time.time() // DAY_SECONDS)
        # One hash tag per day for both counters: they change in one transaction, which
        # in Redis Cluster must stay in one slot (a day's budgets are small).
        own = f"{self.keys.prefix}:apq:budget:{{{day}}}:{sha256_of(subject)[:24]}"
        everyone = f"{self.keys.prefix}:apq:budget:{{{day}}}:all"
        async with self.client().pipeline(transaction=True) as pipe:
            pipe.hincrby(own, "count", 1)
            pipe.hincrby(own, "bytes", size)
            pipe.expire(own, 2 * DAY_SECONDS)
            pipe.incrby(everyone, size)
            pipe.expire(everyone, 2 * DAY_SECONDS)
            count, spent, _, total, _ = await pipe.execute()
        budget = self.settings.per_subject_per_day
        if int(count) > budget.count:
            return f"{subject} stored {budget.count} persisted queries today already"
        if int(spent) > budget.bytes:
            return f"{subject} stored {budget.bytes} bytes of persisted queries today already"
        if int(total) > self.settings.total_bytes_per_day:
            return f"totalBytesPerDay ({self.settings.total_bytes_per_day}) reached"
        return None


def _digest_of(persisted: object) -> str:
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    version = persisted.get("version") if isinstance(persisted, dict) else None
    if version != 1 or not isinstance(digest, str):
        raise Refusal(
            400, "unsupported persistedQuery (version 1 with sha256Hash expected)", "BAD_REQUEST"
        )
    return digest.lower()
