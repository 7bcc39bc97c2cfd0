"""Static bearer tokens for bots, kept as sha256 hashes in a YAML file re-read when it changes.

The file is a list of entries; only the hash of each token is stored, so the file
can be read by those who maintain it without handing out the credentials::

    - sha256: 3b4c...e9           # hex of sha256(token)
      subject: ci-deployer
      groups: [ci, team-payments]

``python -m gateway auth hash-token --subject ci-deployer --group ci`` reads a token
on stdin and prints its entry. Editing the file adds or revokes bots without a
restart: it is checked for changes at most every few seconds. A file that is deleted,
cannot be read or no longer parses revokes every token it held (``failClosed``, the
default: removing the file must revoke, and a file someone tampered with must not keep
old entries alive); with ``failClosed: false`` the previous entries stay in force, so a
typo never locks every bot out. Either way the error is logged at each change.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gateway.auth.principal import Principal, fingerprint

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 5.0
"""How often, at most, the file's modification time is looked at."""

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = ("sha256", "subject", "groups")


class TokenFileError(ValueError):
    """The token file cannot be used; the message names the file and the entry.

    Values are never quoted: a token pasted by mistake must not end up in a log.
    """


@dataclass(frozen=True, slots=True)
class TokenEntry:
    digest: bytes
    subject: str
    groups: frozenset[str]


def token_sha256(token: str) -> str:
    """The hex digest an entry stores for ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()


def _entry_lines(text: str) -> list[int]:
    """The line each top-level entry starts on, to name it in errors."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def _entry(raw: Any, where: str) -> TokenEntry:
    if not isinstance(raw, dict):
        raise TokenFileError(f"{where}: expected a mapping with sha256, subject and groups")
    unknown = sorted(str(key) for key in raw if key not in _KEYS)
    if "token" in unknown:
        raise TokenFileError(
            f"{where}: 'token' is not allowed: store sha256 of the token, never the token "
            "itself (python -m gateway auth hash-token)"
        )
    if unknown:
        raise TokenFileError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(_KEYS)})"
        )
    digest = raw.get("sha256")
    if not isinstance(digest, str) or not _HEX_SHA256.fullmatch(digest.lower()):
        size = f"{len(digest)} characters" if isinstance(digest, str) else "missing"
        raise TokenFileError(
            f"{where}: sha256 must be 64 hexadecimal digits (got {size}; value not shown)"
        )
    subject = raw.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        raise TokenFileError(f"{where}: subject must be a non-empty string")
    groups = raw.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) and g.strip() for g in groups):
        raise TokenFileError(f"{where} (subject {subject}): groups must be a list of names")
    return TokenEntry(bytes.fromhex(digest), subject, frozenset(groups))


def parse_token_file(text: str, path: Path) -> tuple[TokenEntry, ...]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise TokenFileError(f"{where}: invalid YAML: {problem}") from None
    if loaded is None:
        raise TokenFileError(f"{path}: the file is empty (write [] for a file with no tokens)")
    if not isinstance(loaded, list):
        raise TokenFileError(
            f"{path}: expected a list of entries (- sha256: ..., subject: ..., groups: [...]),"
            f" found a {type(loaded).__name__}"
        )
    lines = _entry_lines(text)
    entries: list[TokenEntry] = []
    seen: dict[bytes, str] = {}
    for number, raw in enumerate(loaded, start=1):
        line = f":{lines[number - 1]}" if len(lines) == len(loaded) else ""
        where = f"{path}{line}: entry {number}"
        entry = _entry(raw, where)
        if entry.digest in seen:
            raise TokenFileError(f"{where}: same sha256 as {seen[entry.digest]}")
        seen[entry.digest] = f"entry {number}"
        entries.append(entry)
    return tuple(entries)


def read_token_file(path: Path) -> tuple[TokenEntry, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise TokenFileError(f"{path}: cannot read: {reason}") from None
    return parse_token_file(text, path)


SETTLE_NANOSECONDS = 2_000_000_000
"""A file modified this recently is read again at the next check: two writes within
one tick of the file system's clock can leave the same modification time and size."""

Version = tuple[int, int, int] | None
"""What changes when the file is edited or replaced; None when it cannot be read."""


def _version(path: Path) -> Version:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _settled(version: Version) -> Version:
    """``version``, or one no file has when the file may still change unseen."""
    if version is not None and time.time_ns() - version[0] < SETTLE_NANOSECONDS:
        return (-1, -1, -1)
    return version


class TokenFileAuthenticator:
    """Knows the bots listed in a token file; other tokens are not its kind (None)."""

    name = "token-file"

    def __init__(
        self,
        path: Path,
        *,
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        fail_closed: bool = True,
    ) -> None:
        self.path = path
        self.fail_closed = fail_closed
        self._check_every = check_every
        self._clock = clock
        self._version = _settled(_version(path))
        self._entries = read_token_file(path)
        self._checked_at = clock()

    def _refresh(self) -> None:
        now = self._clock()
        if now - self._checked_at < self._check_every:
            return
        self._checked_at = now
        version = _version(self.path)
        if version == self._version:
            return
        self._version = _settled(version)
        try:
            entries = read_token_file(self.path)
        except TokenFileError as error:
            if self.fail_closed:
                logger.error(
                    "token file unusable; no token from it is accepted until it is fixed",
                    extra={"cause": str(error), "revoked": len(self._entries)},
                )
                self._entries = ()
            else:
                logger.error(
                    "token file not reloaded; the previous entries stay in force",
                    extra={"cause": str(error), "entries": len(self._entries)},
                )
            return
        if entries != self._entries:
            self._entries = entries
            logger.info(
                "token file reloaded", extra={"path": str(self.path), "entries": len(entries)}
            )

    async def authenticate(self, token: str) -> Principal | None:
        self._refresh()
        digest = hashlib.sha256(token.encode()).digest()
        # Every entry is compared, in constant time, so timing says nothing about the file.
        matches = [entry for entry in self._entries if hmac.compare_digest(entry.digest, digest)]
        if not matches:
            return None
        entry = matches[0]
        return Principal(entry.subject, entry.groups, self.name, fingerprint(token))

    async def close(self) -> None:
        return None
