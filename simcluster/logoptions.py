"""PodLogOptions from a query string, decoded and validated as the API server does.

A value that does not parse is a 400 (the parameter codec fails); one that parses
but is out of range is a 422 ``PodLogOptions "NAME" is invalid``, with the field
errors of the server's ValidatePodLogOptions, word for word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from simcluster import errors
from simcluster.errors import FieldError
from simcluster.logscripts import NS
from simcluster.query import flag

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class LogOptions:
    container: str = ""
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    since_seconds: int | None = None
    since_time: int | None = None
    """Nanoseconds since the epoch, whole seconds (the API server passes it on so)."""
    tail_lines: int | None = None
    limit_bytes: int | None = None

    def since(self, now: int) -> int | None:
        """The earliest time a line may have, in nanoseconds, if any."""
        if self.since_seconds is not None:
            return now - self.since_seconds * NS
        return self.since_time


def _integer(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise errors.bad_request(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def _time(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name)
    if text is None or text in ("", "null"):
        return None
    found = _RFC3339.match(text)
    parsed = None
    if found is not None:
        zone = "+00:00" if found.group(2).upper() == "Z" else found.group(2)
        try:
            parsed = datetime.fromisoformat(found.group(1) + zone)
        except ValueError:
            parsed = None
    if parsed is None:
        raise errors.bad_request(
            f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse "{text}" as '
            "RFC 3339"
        )
    return int(parsed.timestamp()) * NS


def parse_log_options(query: Mapping[str, str], pod: str) -> LogOptions:
    options = LogOptions(
        container=query.get("container", ""),
        follow=bool(flag(query, "follow")),
        previous=bool(flag(query, "previous")),
        timestamps=bool(flag(query, "timestamps")),
        since_seconds=_integer(query, "sinceSeconds"),
        since_time=_time(query, "sinceTime"),
        tail_lines=_integer(query, "tailLines"),
        limit_bytes=_integer(query, "limitBytes"),
    )
    problems: list[FieldError] = []
    if options.tail_lines is not None and options.tail_lines < 0:
        problems.append(
            FieldError(
                "tailLines",
                "FieldValueInvalid",
                "must be greater than or equal to 0",
                options.tail_lines,
            )
        )
    if options.limit_bytes is not None and options.limit_bytes < 1:
        problems.append(
            FieldError(
                "limitBytes", "FieldValueInvalid", "must be greater than 0", options.limit_bytes
            )
        )
    if options.since_seconds is not None and options.since_time is not None:
        problems.append(
            FieldError(
                "",
                "FieldValueForbidden",
                "at most one of `sinceTime` or `sinceSeconds` may be specified",
            )
        )
    elif options.since_seconds is not None and options.since_seconds < 1:
        problems.append(
            FieldError(
                "sinceSeconds", "FieldValueInvalid", "must be greater than 0", options.since_seconds
            )
        )
    if problems:
        raise errors.invalid_options("PodLogOptions", pod, problems)
    return options
