"""Generated names and hashes that look like the controllers' own.

``web-7d9f6b5c8d-x2k4q``: the template hash is FNV-32a of the pod template rendered
with the API machinery's safe alphabet (no vowels, so no words), and the suffix is
five characters of the same alphabet, as ``generateName`` produces.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_RANDOM = random.Random()


def new_uid() -> str:
    return str(uuid.UUID(int=_RANDOM.getrandbits(128), version=4))


def random_suffix(length: int = 5) -> str:
    return "".join(_RANDOM.choice(SAFE_ALPHABET) for _ in range(length))


def _fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)


def template_hash(template: Any, collision_count: int = 0) -> str:
    """The ``pod-template-hash`` / revision hash of a pod template."""
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        canonical += str(collision_count).encode()
    return safe_encode(str(_fnv32a(canonical)))


def owner_name(pod_name: str) -> str:
    """The workload a generated pod name comes from (``web`` for ``web-7d9f6b5c8d-x2k4q``)."""
    parts = pod_name.split("-")
    if len(parts) >= 3 and len(parts[-1]) == 5:
        return "-".join(parts[:-2]) or pod_name
    return pod_name
