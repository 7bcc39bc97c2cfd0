"""How the schema modules describe one protobuf field: its JSON name, type and zero rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Field(NamedTuple):
    name: str
    """The JSON name; "" for a Go struct embedded inline, whose fields join the parent's."""
    type: str
    """A proto scalar (``string``, ``int32``...), a message (``core.v1.PodSpec``),
    ``[]T`` for a repeated field or ``map[string]T`` for a map."""
    keep_zero: bool = False
    """JSON writes the scalar even when zero (a Go pointer, or no omitempty)."""


Messages = Mapping[str, Mapping[int, Field]]
