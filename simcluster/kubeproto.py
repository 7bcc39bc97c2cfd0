"""Reading the protobuf bodies client-go's typed clients send for reviews.

``kubectl auth can-i`` and ``kubectl auth whoami`` POST their reviews as
``application/vnd.kubernetes.protobuf``: the ``k8s\\x00`` magic, then a
``runtime.Unknown`` holding the TypeMeta and the object's bytes. They accept JSON
back, so only decoding is needed, and only of the review kinds: each is described
by its field numbers (from k8s.io/api's generated.proto) and turned into the dict
its JSON form would decode to. Fields not described are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

from simcluster import errors

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

Schema = Mapping[int, tuple[str, Union[str, "Schema"]]]
"""Field number -> (JSON name, "string" | "strings" | "extra" | nested schema)."""

_META: Schema = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string")}
_RESOURCE_ATTRIBUTES: Schema = {
    1: ("namespace", "string"),
    2: ("verb", "string"),
    3: ("group", "string"),
    4: ("version", "string"),
    5: ("resource", "string"),
    6: ("subresource", "string"),
    7: ("name", "string"),
}
_NON_RESOURCE_ATTRIBUTES: Schema = {1: ("path", "string"), 2: ("verb", "string")}
_ACCESS_ATTRIBUTES: dict[int, tuple[str, str | Schema]] = {
    1: ("resourceAttributes", _RESOURCE_ATTRIBUTES),
    2: ("nonResourceAttributes", _NON_RESOURCE_ATTRIBUTES),
}
_SUBJECT_ACCESS_SPEC: Schema = {
    **_ACCESS_ATTRIBUTES,
    3: ("user", "string"),
    4: ("groups", "strings"),
    5: ("extra", "extra"),
    6: ("uid", "string"),
}
KINDS: Mapping[str, Schema] = {
    "TokenReview": {
        1: ("metadata", _META),
        2: ("spec", {1: ("token", "string"), 2: ("audiences", "strings")}),
    },
    "SelfSubjectReview": {1: ("metadata", _META)},
    "SubjectAccessReview": {1: ("metadata", _META), 2: ("spec", _SUBJECT_ACCESS_SPEC)},
    "LocalSubjectAccessReview": {1: ("metadata", _META), 2: ("spec", _SUBJECT_ACCESS_SPEC)},
    "SelfSubjectAccessReview": {1: ("metadata", _META), 2: ("spec", _ACCESS_ATTRIBUTES)},
    "SelfSubjectRulesReview": {1: ("metadata", _META), 2: ("spec", {1: ("namespace", "string")})},
}


def _garbled() -> errors.ApiError:
    return errors.bad_request("unable to decode the protobuf request body")


def _varint(data: bytes, index: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        if index >= len(data) or shift > 63:
            raise _garbled()
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, index
        shift += 7


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs: ints for varints and fixed widths, bytes for the rest."""
    found: list[tuple[int, int | bytes]] = []
    index = 0
    while index < len(data):
        key, index = _varint(data, index)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, index = _varint(data, index)
            found.append((number, value))
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if index + width > len(data):
                raise _garbled()
            found.append((number, int.from_bytes(data[index : index + width], "little")))
            index += width
        elif wire == 2:
            length, index = _varint(data, index)
            if index + length > len(data):
                raise _garbled()
            found.append((number, data[index : index + length]))
            index += length
        else:
            raise _garbled()
    return found


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise _garbled()
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise _garbled() from None


def _extra_entry(value: int | bytes) -> tuple[str, list[str]]:
    """A map<string, ExtraValue> entry: key, and the ExtraValue's items."""
    if not isinstance(value, bytes):
        raise _garbled()
    key = ""
    items: list[str] = []
    for number, inner in fields(value):
        if number == 1:
            key = _text(inner)
        elif number == 2 and isinstance(inner, bytes):
            items += [_text(item) for n, item in fields(inner) if n == 1]
    return key, items


def decode_message(data: bytes, schema: Schema) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for number, value in fields(data):
        described = schema.get(number)
        if described is None:
            continue
        name, kind = described
        if kind == "string":
            found[name] = _text(value)
        elif kind == "strings":
            found.setdefault(name, []).append(_text(value))
        elif kind == "extra":
            key, items = _extra_entry(value)
            found.setdefault(name, {})[key] = items
        elif isinstance(kind, Mapping):
            if not isinstance(value, bytes):
                raise _garbled()
            found[name] = decode_message(value, kind)
    return found


def decode(body: bytes) -> dict[str, Any]:
    """A review sent as protobuf, as the dict its JSON form would be."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("the protobuf request body does not start with the k8s magic")
    api_version = kind = ""
    raw = b""
    for number, value in fields(body[len(MAGIC) :]):
        if number == 1 and isinstance(value, bytes):
            for inner, text in fields(value):
                if inner == 1:
                    api_version = _text(text)
                elif inner == 2:
                    kind = _text(text)
        elif number == 2 and isinstance(value, bytes):
            raw = value
    schema = KINDS.get(kind)
    if schema is None:
        raise errors.unsupported_media_type(CONTENT_TYPE)
    return {"kind": kind, "apiVersion": api_version, **decode_message(raw, schema)}
