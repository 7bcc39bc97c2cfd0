"""The answer of a method that could not decide, as opposed to one that refused."""

from __future__ import annotations

from gateway.auth.principal import AuthenticationError


class VerificationUnavailable(AuthenticationError):
    """The issuer's keys or the API server cannot be reached now: not a verdict on the token.

    A client should retry later rather than conclude its credential was revoked (HTTP
    503 rather than 401). The message is the same for every cause; the log has it.
    """

    def __init__(self, message: str = "cannot verify the token now") -> None:
        super().__init__(message)
