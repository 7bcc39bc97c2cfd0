"""Keeping credentials out of text that is shown to clients or logged."""

from __future__ import annotations

from gateway.auth.principal import fingerprint


def redacted(text: str, token: str) -> str:
    """``text`` with every occurrence of ``token`` replaced by its fingerprint.

    For text the gateway does not write itself (an API server's error, a library's
    exception), which could echo the credential it was given.
    """
    if not token:
        return text
    return text.replace(token, f"<token {fingerprint(token)}>")
