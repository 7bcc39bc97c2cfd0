"""Kubernetes resource quantities (``500m``, ``2``, ``512Mi``, ``1G``) as numbers."""

from __future__ import annotations

import re

_QUANTITY = re.compile(r"^([0-9.]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIXES = {
    "": 1,
    "m": 0.001,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


def quantity(value: object) -> float:
    """The quantity's value in base units; 0 for anything that is not a quantity."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return 0.0
    found = _QUANTITY.match(value.strip())
    if found is None or found.group(2) not in _SUFFIXES:
        return 0.0
    try:
        return float(found.group(1)) * _SUFFIXES[found.group(2)]
    except ValueError:
        return 0.0


def cpu_millis(value: object) -> int:
    return round(quantity(value) * 1000)


def memory_bytes(value: object) -> int:
    return round(quantity(value))
