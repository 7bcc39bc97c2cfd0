"""Stable global ids: the type and the object's identity, base64url-encoded.

The same object always has the same id (across replicas and restarts), so clients
can cache by id and bookmark ``node(id:)`` lookups.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from schema.errors import not_found

_SEPARATOR = "\x1f"
"""Unit separator: cannot occur in Kubernetes names, and cluster names may hold colons."""


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    cluster: str
    path: str
    """The object within its cluster: "kind/namespace/name", "namespace/name" or "name"."""


def encode(type_name: str, cluster: str, path: str = "") -> str:
    raw = _SEPARATOR.join((type_name, cluster, path)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(value: str) -> GlobalId:
    """NOT_FOUND for anything this gateway did not issue: a guessed id reveals nothing."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        type_name, cluster, path = raw.split(_SEPARATOR, 2)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise not_found(f"no object has id {value[:60]!r}") from error
    return GlobalId(type_name, cluster, path)
