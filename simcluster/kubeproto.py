"""Reading the protobuf bodies client-go's typed clients send.

``kubectl create deployment``, ``create job``, ``auth can-i``, ``drain`` and every
other typed client send ``application/vnd.kubernetes.protobuf``: the ``k8s\\x00``
magic, then a ``runtime.Unknown`` naming the apiVersion and kind and holding the
object's bytes. They accept JSON back, so only decoding is needed. Field numbers,
JSON names and zero rules are data (simcluster.protoschemas, generated from
generated.proto and the Go types); this module turns the wire into the dict the
object's JSON form would decode to, so the registry cannot tell the two apart.

The rules are those of Go's JSON encoder on the struct the bytes decode to: a field
not on the wire is left out; a scalar on the wire is kept unless it is zero and its
Go field is omitempty and not a pointer; nested messages are kept even when empty
(``"resources": {}``), as Go writes structs; a few types write their own JSON (Time
as an RFC 3339 string or null, IntOrString as a number or a string, Quantity as its
string). Fields the schema does not know are skipped. Anything malformed is a 400.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from simcluster import errors
from simcluster.protoschemas import CUSTOM_JSON, ENVELOPE, KINDS, LISTS, MESSAGES

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
_VARINT, _BYTES = 0, 2
_WIRE_TYPES = {
    "string": _BYTES,
    "bytes": _BYTES,
    "bool": _VARINT,
    "int32": _VARINT,
    "int64": _VARINT,
}
"""The scalars the schemas use (scripts/generate_kubeproto.py refuses others)."""
_PACKABLE = frozenset({"bool", "int32", "int64"})
"""Repeated scalars a client may send packed into one length-delimited field."""
_ZEROS: tuple[object, ...] = ("", 0)
"""What Go's omitempty leaves out of a scalar (False == 0)."""
_MAP = "map[string]"
_LIST = "[]"


class Garbled(Exception):
    """The body is not the protobuf its schema describes; the message says where."""


def _varint(data: bytes, index: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        if index >= len(data):
            raise Garbled("a varint runs past the end of its message")
        if shift > 63:
            raise Garbled("a varint is longer than ten bytes")
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, index
        shift += 7


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) triples: ints for varints, bytes for the rest."""
    index = 0
    while index < len(data):
        key, index = _varint(data, index)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Garbled("a field has number 0")
        if wire == _VARINT:
            value, index = _varint(data, index)
            yield number, wire, value
            continue
        if wire == _BYTES:
            length, index = _varint(data, index)
        elif wire in (1, 5):
            length = 8 if wire == 1 else 4
        else:
            raise Garbled(f"field {number} has wire type {wire}, which Kubernetes never sends")
        if index + length > len(data):
            raise Garbled(f"field {number} is longer than what is left of its message")
        yield number, wire, data[index : index + length]
        index += length


def _signed(value: int, bits: int) -> int:
    """A varint as Go's intN reads it: truncated to N bits, two's complement."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _value(kind: str, wire: int, value: int | bytes, where: str) -> Any:
    expected = _WIRE_TYPES.get(kind, _BYTES)
    if wire != expected:
        raise Garbled(f"{where} has wire type {wire}, expected {expected}")
    if isinstance(value, int):
        return value != 0 if kind == "bool" else _signed(value, 32 if kind == "int32" else 64)
    if kind == "string":
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise Garbled(f"{where} is not valid UTF-8") from None
    if kind == "bytes":
        return base64.b64encode(value).decode()
    return _message(value, kind)


def _packed(kind: str, data: bytes, where: str) -> list[Any]:
    found: list[Any] = []
    index = 0
    while index < len(data):
        value, index = _varint(data, index)
        found.append(_value(kind, _VARINT, value, where))
    return found


def _map_entry(kind: str, data: bytes, where: str) -> tuple[str, Any]:
    """A map entry: key 1, value 2, either missing meaning its zero value."""
    key = ""
    expected = _WIRE_TYPES.get(kind, _BYTES)
    wire, raw = expected, (b"" if expected == _BYTES else 0)
    for number, sent_wire, sent in fields(data):
        if number == 1:
            key = _value("string", sent_wire, sent, f"the key of {where}")
        elif number == 2:
            wire, raw = sent_wire, sent
    return key, _value(kind, wire, raw, f"the value of {where}[{key!r}]")


def _message(data: bytes, name: str) -> Any:
    """One message of the schemas, as its JSON form decodes."""
    schema = MESSAGES[name]
    found: dict[str, Any] = {}
    for number, wire, value in fields(data):
        field = schema.get(number)
        if field is None:
            continue
        where = f"field {number} ({field.name or 'inline'}) of {name}"
        if field.type.startswith(_MAP):
            if wire != _BYTES or not isinstance(value, bytes):
                raise Garbled(f"{where} has wire type {wire}, expected {_BYTES}")
            key, item = _map_entry(field.type.removeprefix(_MAP), value, where)
            found.setdefault(field.name, {})[key] = item
        elif field.type.startswith(_LIST):
            kind = field.type.removeprefix(_LIST)
            items = found.setdefault(field.name, [])
            if isinstance(value, bytes) and wire == _BYTES and kind in _PACKABLE:
                items.extend(_packed(kind, value, where))
            else:
                items.append(_value(kind, wire, value, where))
        else:
            decoded = _value(field.type, wire, value, where)
            if not field.name:
                found.update(decoded)
            elif field.keep_zero or field.type not in _WIRE_TYPES or decoded not in _ZEROS:
                found[field.name] = decoded
            else:
                found.pop(field.name, None)
    if name in LISTS:
        return found.get("items", [])
    if name in CUSTOM_JSON:
        return CONVERTERS[name](found, data)
    return found


def _timestamp(seconds: int, micros: int | None) -> str:
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise Garbled(f"a time of {seconds} seconds is out of range") from None
    if micros is None:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.replace(microsecond=micros).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(found: Mapping[str, Any], data: bytes) -> str | None:
    """metav1.Time: whole seconds (Go drops the nanoseconds); no bytes is the zero time, null."""
    return _timestamp(found.get("seconds", 0), None) if data else None


def _micro_time(found: Mapping[str, Any], data: bytes) -> str | None:
    nanos = found.get("nanos", 0)
    if not 0 <= nanos < 10**9:
        raise Garbled(f"a MicroTime has {nanos} nanoseconds")
    return _timestamp(found.get("seconds", 0), nanos // 1000) if data else None


def _int_or_string(found: Mapping[str, Any], data: bytes) -> int | str:
    kind = found.get("type", 0)
    if kind == 0:
        return int(found.get("intVal", 0))
    if kind == 1:
        return str(found.get("strVal", ""))
    raise Garbled(f"an IntOrString has type {kind}: 0 (int) or 1 (string) expected")


def _quantity(found: Mapping[str, Any], data: bytes) -> str:
    """As sent (client-go sends the canonical form); a zero Quantity is "0"."""
    return str(found.get("string") or "0")


def _fields_v1(found: Mapping[str, Any], data: bytes) -> Any:
    """The managed-fields JSON document, which FieldsV1 carries as raw bytes."""
    if "Raw" not in found:
        return None
    try:
        return json.loads(base64.b64decode(found["Raw"]))
    except ValueError:
        raise Garbled("the managed fields (FieldsV1) are not JSON") from None


CONVERTERS: Mapping[str, Callable[[Mapping[str, Any], bytes], Any]] = {
    "meta.v1.Time": _time,
    "meta.v1.MicroTime": _micro_time,
    "intstr.IntOrString": _int_or_string,
    "resource.Quantity": _quantity,
    "meta.v1.FieldsV1": _fields_v1,
}
"""The JSON of each CUSTOM_JSON message, as its Go type's MarshalJSON writes it."""


def decode(body: bytes, api_version: str, kind: str) -> dict[str, Any]:
    """A body that must hold ``kind``, as the dict its JSON form would be."""
    message = KINDS.get((api_version, kind))
    if message is None:
        raise errors.unsupported_media_type(CONTENT_TYPE)
    return _decode(body, (api_version,), kind, message)


def decode_delete_options(body: bytes, api_version: str) -> dict[str, Any]:
    """DeleteOptions, which clients send in the resource's group version (client-go's
    scheme registers it in every group; kubectl drain sends ``v1``) or in meta.k8s.io/v1."""
    versions = (api_version, "meta.k8s.io/v1", "v1")
    return _decode(body, versions, "DeleteOptions", KINDS[("meta.k8s.io/v1", "DeleteOptions")])


def _decode(body: bytes, versions: tuple[str, ...], kind: str, message: str) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise errors.bad_request(
            "the protobuf request body does not start with the Kubernetes magic k8s\\x00"
        )
    try:
        envelope = _message(body[len(MAGIC) :], ENVELOPE)
        sent = envelope.get("typeMeta", {})
        sent_version, sent_kind = sent.get("apiVersion", ""), sent.get("kind", "")
        if sent_kind != kind or sent_version not in versions:
            raise errors.bad_request(
                f"the protobuf request body holds a {sent_version or '(no apiVersion)'} "
                f"{sent_kind or '(no kind)'}, but this request takes a {versions[0]} {kind}"
            )
        wrapped = (envelope.get("contentEncoding", ""), envelope.get("contentType", ""))
        if wrapped not in (("", ""), ("", CONTENT_TYPE)):
            raise errors.bad_request(
                f"the protobuf request body wraps content that is not protobuf: {wrapped}"
            )
        decoded: dict[str, Any] = _message(base64.b64decode(envelope.get("raw", "")), message)
    except Garbled as error:
        raise errors.bad_request(f"unable to decode the protobuf request body: {error}") from None
    return {"apiVersion": sent_version, "kind": sent_kind, **decoded}
