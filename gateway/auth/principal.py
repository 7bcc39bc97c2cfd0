"""The caller, as every authentication method reports it, and the methods' common shape."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a subject and its groups, as the rules name them.

    ``fingerprint`` identifies the credential in audit logs without revealing it.
    """

    subject: str
    groups: frozenset[str] = field(default_factory=frozenset)
    method: str = "none"
    fingerprint: str = ""


ANONYMOUS = Principal("system:anonymous", frozenset({"system:unauthenticated"}), "none")
"""The caller when authentication is off (loopback demo or ``--insecure-no-auth``)."""


def fingerprint(token: str) -> str:
    """A short, one-way id of a credential, safe to log."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


class AuthenticationError(Exception):
    """Credentials recognised by a method but refused (expired, wrong audience, revoked).

    The message is shown to the client and logged: it never contains the credential.
    """


class Authenticator(Protocol):
    """One way to know a caller from a bearer token.

    ``authenticate`` returns None when the token is not of its kind (so the next method
    is tried), a Principal when it is valid, and raises AuthenticationError when it is
    of its kind but refused.
    """

    name: str

    async def authenticate(self, token: str) -> Principal | None: ...

    async def close(self) -> None: ...
