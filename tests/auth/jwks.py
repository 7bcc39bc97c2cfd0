"""Signing keys made in the test, the tokens they sign, and a JWKS server to publish them."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.auth.servers import serving

ISSUER = "https://login.example.test/realms/platform"
AUDIENCE = "kube-status-gateway"


@dataclass(frozen=True)
class KeyPair:
    kid: str
    alg: str
    private: Any

    @property
    def jwk(self) -> dict[str, Any]:
        """The public key as a JWKS publishes it, with its kid, algorithm and use."""
        public = jwt.get_algorithm_by_name(self.alg).to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": self.alg, "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def sign(self, claims: dict[str, Any], *, kid: str | None = "", alg: str | None = None) -> str:
        """A token signed by this key; ``kid=None`` leaves the key id out of the header."""
        headers = {} if kid is None else {"kid": kid or self.kid}
        return jwt.encode(claims, self.private, algorithm=alg or self.alg, headers=headers)


def make_key(alg: str, kid: str) -> KeyPair:
    private: Any
    if alg.startswith(("RS", "PS")):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif alg == "ES384":
        private = ec.generate_private_key(ec.SECP384R1())
    elif alg == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"no test key for {alg}")
    return KeyPair(kid, alg, private)


def jwks(*keys: KeyPair) -> dict[str, Any]:
    return {"keys": [key.jwk for key in keys]}


def claims(**changes: Any) -> dict[str, Any]:
    """An ID token's claims for the test issuer and audience; a change to None drops it."""
    now = int(time.time())
    found: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "groups": ["team-payments", "developers"],
        "iat": now,
        "exp": now + 300,
    }
    found.update(changes)
    return {name: value for name, value in found.items() if value is not None}


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    """A token built by hand, as an attacker would: HMAC-signed with ``secret``, or unsigned.

    PyJWT rightly refuses to sign HS256 with a PEM key, so the attack is written out.
    """
    signing_input = (
        f"{_segment(json.dumps(header).encode())}.{_segment(json.dumps(payload).encode())}"
    )
    if secret is None:
        return f"{signing_input}."
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_segment(signature)}"


@dataclass
class JwksServer:
    """Publishes ``document`` at ``url``; ``status`` other than 200 makes it fail."""

    url: str = ""
    document: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    fetches: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.fetches += 1
        if self.status != 200:
            return web.Response(status=self.status, text="unavailable")
        return web.json_response(self.document)


@contextlib.asynccontextmanager
async def jwks_server(document: dict[str, Any]) -> AsyncIterator[JwksServer]:
    server = JwksServer(document=document)
    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", server.handle)
    async with serving(app) as base:
        server.url = f"{base}/.well-known/jwks.json"
        yield server
