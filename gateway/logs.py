"""Logging: one JSON object per line for machines, short text lines for people at a terminal.

Context travels as ``extra={...}`` (cluster, resource, operation, cause); both
formats print every such field, so a failure is never logged without its context.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime", "taskName"}
)
_COPIES = frozenset({"color_message"})
"""Extras that repeat the message: uvicorn adds its text again with terminal colour codes."""


def context_of(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and k not in _COPIES}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **context_of(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        context = " ".join(f"{k}={v}" for k, v in context_of(record).items())
        line = f"{when} {record.levelname.lower():7} {record.getMessage()}"
        if context:
            line = f"{line}  [{context}]"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class ConnectionLines(logging.Filter):
    """uvicorn's lines for each WebSocket that opens and closes, at debug instead of info.

    HTTP requests go to ``uvicorn.access``, which stays quiet; a WebSocket's handshake
    ("WebSocket /graphql" [accepted]) and the websockets library's "connection open" and
    "connection closed" come on ``uvicorn.error`` at info, three lines for every board
    and bot that connects. A refused handshake (403) keeps its level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "uvicorn.error" or record.levelno != logging.INFO:
            return True
        message = record.msg
        if message in ("connection open", "connection closed") or (
            isinstance(message, str) and message.endswith('"WebSocket %s" [accepted]')
        ):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


_CREDENTIAL_PATTERNS = (
    # A WebSocket frame as the websockets library logs it, its head and tail kept around
    # a cut ("{\"type\": \"connection_init\", \"payload\": {\"authTo...b4e68b3a1\"}}"): no key
    # is left to recognise the token by, so the whole content goes.
    re.compile(r"([<>] (?:TEXT|BINARY|CONT))( ).*?(?= \[\d+ bytes\]|$)"),
    # A header line or value: "Authorization: Bearer abc", "> authorization: Basic abc".
    re.compile(
        r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)(\s*[:=]\s*)[^\r\n]*"
    ),
    # A scheme and its credential anywhere: "Bearer abc.def".
    re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"),
    # A JSON field holding one, whole or cut off by a truncated frame:
    # '{"payload":{"authToken":"abc...' or "'authToken': 'abc'".
    re.compile(
        r"""(?i)(["']?(?:authtoken|authorization|token|password)["']?)(\s*:\s*["']?)[^"',}\s]*"""
    ),
)


def redact(text: str) -> str:
    """``text`` with anything that looks like a credential replaced by ``<redacted>``."""
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub(r"\1\2<redacted>", text)
    return text


class Redaction(logging.Filter):
    """Credentials out of every line, whoever logs it, at every level.

    The libraries under the gateway log what they see at debug level: the websockets
    library the handshake's headers (a whole ``Authorization: Bearer ...``) and the
    start of every frame (a ``connection_init`` cut off mid-token). The message is
    formatted, redacted and stored back; string extras are redacted too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        for key, value in context_of(record).items():
            if isinstance(value, str):
                setattr(record, key, redact(value))
        return True


REVEALING_LOGGERS = ("kubernetes_asyncio.client.rest",)
"""Loggers that print whole response bodies at debug level: a TokenReview answer echoes the
token it reviewed, so they stay at info even when the gateway logs at debug."""


def configure(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """``fmt`` is "json", "text" or "auto" (text on a terminal, JSON otherwise)."""
    out = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    handler.addFilter(ConnectionLines())
    handler.addFilter(Redaction())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for revealing in REVEALING_LOGGERS:
        logging.getLogger(revealing).setLevel(max(root.level, logging.INFO))
