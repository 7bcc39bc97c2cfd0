"""Writing protobuf bytes by hand, from field numbers read off generated.proto, for the
tests that send what kubectl cannot be made to send (reviews, broken bodies)."""

from __future__ import annotations

PROTOBUF = {"Content-Type": "application/vnd.kubernetes.protobuf"}


def varint(value: int) -> bytes:
    """A base-128 varint; negative numbers as Go writes them, in ten bytes."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, payload: bytes | str) -> bytes:
    """A length-delimited field (wire type 2): a string, bytes or a nested message."""
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def number_field(number: int, value: int) -> bytes:
    """A varint field (wire type 0): an int or a bool."""
    return varint(number << 3) + varint(value)


def int_or_string(value: int | str) -> bytes:
    """An IntOrString as Go writes one: type 1 (0 int, 1 string), intVal 2, strVal 3."""
    if isinstance(value, str):
        return number_field(1, 1) + number_field(2, 0) + field(3, value)
    return number_field(1, 0) + number_field(2, value) + field(3, "")


def envelope(api_version: str, kind: str, message: bytes) -> bytes:
    """What client-go's typed clients send: the magic, then a runtime.Unknown (typeMeta 1
    with apiVersion 1 and kind 2, raw 2)."""
    type_meta = field(1, api_version) + field(2, kind)
    return b"k8s\x00" + field(1, type_meta) + field(2, message)
