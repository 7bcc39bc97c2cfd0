"""Credentials the tests hand out, registered so the suite can prove none of them leaks.

Wrap every test secret in ``secret(...)``. At the end of the session tests/conftest.py
searches everything pytest captured (stdout, stderr, log records of every test, and
failure reports) for each registered value and fails the run if one shows up.
"""

from __future__ import annotations

KNOWN: set[str] = set()


def secret(value: str) -> str:
    if len(value) < 12:
        raise ValueError("test secrets must be long enough not to occur by chance")
    KNOWN.add(value)
    return value
