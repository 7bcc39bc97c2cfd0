"""List and watch query parameters, validated the way the real API server does.

Clients differ in how they spell things (kubernetes_asyncio sends ``watch=True``,
the official client ``true``); the rules here are the server's, so a request the
real server refuses with a 400 or 422 is refused here with the same status.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.selectors import EVERYTHING, Selector, SelectorError, parse_selector
from simcluster import errors
from simcluster.resources import ResourceType
from simcluster.store import StoredObject

NOT_OLDER_THAN = "NotOlderThan"
EXACT = "Exact"


def flag(query: Mapping[str, str], name: str) -> bool | None:
    """None when absent; false only for ``0`` or ``false`` in any case, else true."""
    value = query.get(name)
    if value is None:
        return None
    return value.strip().lower() not in ("0", "false")


def _integer(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise errors.bad_request(
            f'invalid value for {name}: strconv.ParseInt: parsing "{value}": invalid syntax'
        ) from None
    if number < 0:
        raise errors.bad_request(f"{name} must not be negative, got {number}")
    return number


def parse_resource_version(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise errors.bad_request(
            f'invalid resource version: strconv.ParseUint: parsing "{text}": invalid syntax'
        ) from None
    if value < 0:
        raise errors.bad_request(f'invalid resource version: "{text}" is negative')
    return value


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    field: str
    value: str
    negated: bool

    def matches(self, obj: StoredObject) -> bool:
        if self.field == "metadata.name":
            actual = obj.name
        elif self.field == "metadata.namespace":
            actual = obj.namespace
        else:
            actual = obj.fields.get(self.field, "")
        return (actual != self.value) if self.negated else (actual == self.value)


@dataclass(frozen=True, slots=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: StoredObject) -> bool:
        return all(r.matches(obj) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


def _split_escaped(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        raise ValueError("dangling escape")
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following not in ("\\", ",", "="):
                raise ValueError(f"invalid escape sequence \\{following}")
            out.append(following)
        else:
            out.append(char)
    return "".join(out)


def _operator(part: str) -> tuple[int, str] | None:
    """Where the first unescaped ``!=``, ``==`` or ``=`` is, and which one."""
    index = 0
    while index < len(part):
        char = part[index]
        if char == "\\":
            index += 2
            continue
        if char == "!" and part[index + 1 : index + 2] == "=":
            return index, "!="
        if char == "=":
            return index, "==" if part[index + 1 : index + 2] == "=" else "="
        index += 1
    return None


def parse_field_selector(text: str, resource: ResourceType) -> FieldSelector:
    if not text.strip():
        return FieldSelector()
    requirements: list[FieldRequirement] = []
    try:
        parts = _split_escaped(text, ",")
    except ValueError as error:
        raise errors.bad_request(f"invalid field selector {text!r}: {error}") from None
    for part in parts:
        found = _operator(part)
        if found is None:
            raise errors.bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        index, operator = found
        name = part[:index].strip()
        try:
            value = _unescape(part[index + len(operator) :].strip())
        except ValueError as error:
            raise errors.bad_request(f"invalid field selector {text!r}: {error}") from None
        if name not in resource.fields:
            raise errors.bad_request(
                f"field label not supported: {name} (a {resource.kind} supports "
                f"{', '.join(sorted(resource.fields))})"
            )
        requirements.append(FieldRequirement(name, value, operator == "!="))
    return FieldSelector(tuple(requirements))


@dataclass(frozen=True, slots=True)
class ContinueToken:
    rv: int
    start: str

    def encode(self) -> str:
        body = json.dumps(
            {"v": "meta.k8s.io/v1", "rv": self.rv, "start": self.start}, separators=(",", ":")
        )
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_continue(token: str) -> ContinueToken:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise errors.bad_request(
            "continue key is not valid: illegal base64 data or not JSON"
        ) from None
    if (
        not isinstance(body, dict)
        or body.get("v") != "meta.k8s.io/v1"
        or not isinstance(body.get("rv"), int)
        or not isinstance(body.get("start"), str)
    ):
        raise errors.bad_request(
            "continue key is not valid: server does not recognize this encoding"
        )
    if body["rv"] <= 0:
        raise errors.bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)"
        )
    return ContinueToken(body["rv"], body["start"])


@dataclass(frozen=True, slots=True)
class ListOptions:
    labels: Selector = EVERYTHING
    fields: FieldSelector = field(default_factory=FieldSelector)
    limit: int = 0
    token: ContinueToken | None = None
    resource_version: str = ""
    match: str = ""
    watch: bool = False
    bookmarks: bool = False
    initial_events: bool | None = None
    timeout: int | None = None

    @property
    def filtered(self) -> bool:
        return not (self.labels.empty and self.fields.empty)

    def matches(self, obj: StoredObject) -> bool:
        return self.labels.matches(obj.labels) and self.fields.matches(obj)


def parse_list_options(
    query: Mapping[str, str], resource: ResourceType, *, watch: bool = False
) -> ListOptions:
    try:
        labels = parse_selector(query.get("labelSelector", ""))
    except SelectorError as error:
        raise errors.bad_request(f"unable to parse requirement: {error}") from None
    fields = parse_field_selector(query.get("fieldSelector", ""), resource)
    watching = watch or bool(flag(query, "watch"))
    limit = _integer(query, "limit") or 0
    token_text = query.get("continue", "")
    token = decode_continue(token_text) if token_text else None
    version = query.get("resourceVersion", "")
    if version:
        parse_resource_version(version)
    match = query.get("resourceVersionMatch", "")
    initial = flag(query, "sendInitialEvents")
    bookmarks = bool(flag(query, "allowWatchBookmarks"))
    if match:
        if match not in (NOT_OLDER_THAN, EXACT):
            raise errors.unprocessable(
                f'resourceVersionMatch: Unsupported value: "{match}": supported values: '
                '"Exact", "NotOlderThan"'
            )
        if token is not None:
            raise errors.unprocessable(
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when "
                "continue is provided"
            )
        if watching and initial is None:
            raise errors.unprocessable(
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch "
                "unless sendInitialEvents is provided"
            )
        if not version and not watching:
            raise errors.unprocessable(
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
                "resourceVersion is provided"
            )
        if match == EXACT and version == "0":
            raise errors.unprocessable(
                'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden '
                'for resourceVersion "0"'
            )
    if initial is not None:
        if not watching:
            raise errors.unprocessable(
                "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"
            )
        if match != NOT_OLDER_THAN:
            raise errors.unprocessable(
                "resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
                "resourceVersionMatch to NotOlderThan"
            )
        if initial and not bookmarks:
            raise errors.unprocessable(
                "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting "
                "allowWatchBookmarks to true"
            )
    return ListOptions(
        labels=labels,
        fields=fields,
        limit=limit,
        token=token,
        resource_version=version,
        match=match,
        watch=watching,
        bookmarks=bookmarks,
        initial_events=initial,
        timeout=_integer(query, "timeoutSeconds"),
    )
