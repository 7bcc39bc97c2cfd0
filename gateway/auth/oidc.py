"""OpenID Connect ID tokens (JWTs), verified offline against the issuer's signing keys.

The keys (a JWKS) come from a file or a URL; either is read again when its cache
time runs out, and early when a token names a key that is not known yet (the issuer
rotated its keys), but at most every ``refetch_every`` seconds so a stream of tokens
with made-up key ids cannot turn the gateway into a load generator against the
issuer. Signatures and claims are checked by PyJWT; this module only chooses the
key and says why a token is refused.

Tokens of another issuer are not this method's kind (None), so other methods (or,
later, other issuers) can take them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt

from gateway.auth.principal import AuthenticationError, Principal, fingerprint
from gateway.auth.unavailable import VerificationUnavailable
from gateway.config import ConfigError, Oidc

logger = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""The only algorithms a configuration may allow: never ``none``, never a shared secret."""

_KNOWN_ALGORITHMS = frozenset(jwt.algorithms.get_default_algorithms()) | {"none"}
REFETCH_EVERY_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 10.0
MAX_JWKS_BYTES = 1 << 20


class JwksError(ValueError):
    """A JWKS that cannot be read or used; the message says where it came from."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One public key of the JWKS, as published (converted per token algorithm)."""

    kid: str | None
    alg: str | None
    jwk: Mapping[str, Any]


def parse_jwks(data: bytes, source: str) -> tuple[SigningKey, ...]:
    """The signature keys of a JWKS document; encryption-only and secret keys are left out."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise JwksError(f"{source}: not a JSON document") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise JwksError(f"{source}: not a JWKS (no 'keys' list)")
    found = []
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC", "OKP"):
            continue
        if key.get("use", "sig") != "sig":
            continue
        kid, alg = key.get("kid"), key.get("alg")
        found.append(
            SigningKey(
                kid if isinstance(kid, str) else None, alg if isinstance(alg, str) else None, key
            )
        )
    if not found:
        raise JwksError(f"{source}: no public signature keys (RSA, EC or OKP)")
    return tuple(found)


def _when(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(float(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, OverflowError, OSError):
        return "an unreadable time"


def _refusal(error: jwt.PyJWTError, claims: Mapping[str, Any], skew: int) -> str:
    """Why a token of this issuer with a valid signature (or none found) is refused."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return f"token expired at {_when(claims.get('exp'))}"
    if isinstance(error, jwt.ImmatureSignatureError):
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and nbf > time.time() + skew:
            return f"token not valid before {_when(nbf)}"
        return f"token issued in the future (at {_when(claims.get('iat'))})"
    if isinstance(error, jwt.InvalidAudienceError):
        return "audience mismatch"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"token has no '{error.claim}' claim"
    if isinstance(error, jwt.InvalidSignatureError):
        return "invalid signature"
    if isinstance(error, jwt.InvalidIssuedAtError):
        return "token has an unreadable 'iat' claim"
    return "malformed token"


def _in_the_clear(url: str) -> bool:
    """Whether keys fetched from ``url`` cross a network unencrypted."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def username_prefix(settings: Oidc) -> str:
    """As Kubernetes' API server does: only an email is a name the issuer vouches for as is."""
    if settings.username_prefix == "-":
        return ""
    if settings.username_prefix is not None:
        return settings.username_prefix
    return "" if settings.username_claim == "email" else f"{settings.issuer}#"


def _groups(claims: Mapping[str, Any], claim: str) -> frozenset[str]:
    value = claims.get(claim)
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list) and all(isinstance(group, str) for group in value):
        return frozenset(value)
    raise AuthenticationError(f"the '{claim}' claim must be a string or a list of strings")


class OidcAuthenticator:
    """Knows the callers whose ID tokens the configured issuer signed."""

    name = "oidc"

    def __init__(
        self,
        settings: Oidc,
        *,
        refetch_every: float = REFETCH_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        refused = [a for a in settings.algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if refused or not settings.algorithms:
            raise ConfigError(
                f"auth.oidc.algorithms: {', '.join(refused) or 'none given'} not allowed "
                f"(allowed: {', '.join(sorted(ASYMMETRIC_ALGORITHMS))})"
            )
        if (settings.jwks_file is None) == (settings.jwks_url is None):
            raise ConfigError("auth.oidc: set exactly one of jwksFile and jwksUrl")
        if settings.jwks_url is not None and _in_the_clear(settings.jwks_url):
            logger.warning(
                "auth.oidc.jwksUrl is plain HTTP to another host: "
                "the signing keys could be replaced on the way",
                extra={"url": settings.jwks_url},
            )
        self.settings = settings
        self._refetch_every = refetch_every
        self._clock = clock
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self._keys: tuple[SigningKey, ...] = ()
        self._loaded_at = -float("inf")
        self._tried_at = -float("inf")
        self._loads = 0
        if settings.jwks_file is not None:
            try:
                self._keys = self._parse(self._read_file(settings.jwks_file))
            except JwksError as error:
                raise ConfigError(f"auth.oidc.jwksFile: {error}") from None
            self._loaded_at = self._tried_at = clock()

    @property
    def _source(self) -> str:
        return str(self.settings.jwks_file or self.settings.jwks_url)

    @staticmethod
    def _read_file(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise JwksError(f"{path}: cannot read: {error.strerror}") from None

    async def _fetch_url(self, url: str) -> bytes:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
            )
        try:
            async with self._session.get(url, headers={"Accept": "application/json"}) as response:
                if response.status != 200:
                    raise JwksError(f"{url}: HTTP {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(1 << 16):
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        break
                return bytes(body)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise JwksError(f"{url}: {type(error).__name__}: {error}") from None

    async def _load(self) -> tuple[SigningKey, ...]:
        if self.settings.jwks_file is not None:
            data = await asyncio.to_thread(self._read_file, self.settings.jwks_file)
        else:
            assert self.settings.jwks_url is not None
            data = await self._fetch_url(self.settings.jwks_url)
        return self._parse(data)

    def _parse(self, data: bytes) -> tuple[SigningKey, ...]:
        if len(data) > MAX_JWKS_BYTES:
            raise JwksError(f"{self._source}: larger than {MAX_JWKS_BYTES} bytes")
        return parse_jwks(data, self._source)

    async def _reload(self, seen: int) -> None:
        """Read the JWKS again unless another request did since ``seen`` or did too recently.

        A failure keeps the keys already known (logged): an issuer that is briefly
        unreachable does not log everyone out.
        """
        async with self._lock:
            if self._loads != seen or self._clock() - self._tried_at < self._refetch_every:
                return
            self._tried_at = self._clock()
            try:
                keys = await self._load()
            except JwksError as error:
                logger.warning(
                    "cannot load the OIDC signing keys; keeping the %d known",
                    len(self._keys),
                    extra={"issuer": self.settings.issuer, "cause": str(error)},
                )
                return
            self._keys = keys
            self._loaded_at = self._clock()
            self._loads += 1
            logger.info(
                "OIDC signing keys loaded",
                extra={"issuer": self.settings.issuer, "source": self._source, "keys": len(keys)},
            )

    async def _keys_for(self, kid: str | None, alg: str) -> list[Any]:
        """The public keys that could have signed a token naming ``kid`` with ``alg``."""
        if self._clock() - self._loaded_at >= self.settings.jwks_cache_seconds:
            await self._reload(self._loads)
        candidates = self._matching(kid, alg)
        if not candidates:
            await self._reload(self._loads)
            candidates = self._matching(kid, alg)
        if not self._keys:
            raise VerificationUnavailable(
                "cannot verify the token now: the issuer's signing keys are unavailable"
            )
        return candidates

    def _matching(self, kid: str | None, alg: str) -> list[Any]:
        algorithm = jwt.get_algorithm_by_name(alg)
        found = []
        for key in self._keys:
            if (kid is not None and key.kid != kid) or (key.alg is not None and key.alg != alg):
                continue
            try:
                found.append(algorithm.from_jwk(dict(key.jwk)))
            except jwt.InvalidKeyError:
                continue
        return found

    async def authenticate(self, token: str) -> Principal | None:
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        if claims.get("iss") != self.settings.issuer:
            return None
        alg = header.get("alg")
        if alg not in self.settings.algorithms:
            named = alg if alg in _KNOWN_ALGORITHMS else "an unknown one"
            raise AuthenticationError(
                f"signing algorithm {named} is not allowed "
                f"(allowed: {', '.join(self.settings.algorithms)})"
            )
        keys = await self._keys_for(header.get("kid"), alg)
        if not keys:
            raise AuthenticationError("unknown signing key")
        verified = self._verify(token, keys, alg, claims)
        return self._principal(verified, token)

    def _verify(
        self, token: str, keys: Sequence[Any], alg: str, claims: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The verified claims, or the refusal of the first check that failed."""
        settings = self.settings
        last: jwt.PyJWTError = jwt.InvalidSignatureError()
        for key in keys:
            try:
                verified: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=[alg],
                    audience=settings.audience,
                    issuer=settings.issuer,
                    leeway=settings.clock_skew_seconds,
                    options={"require": ["exp", "iss", "aud"]},
                )
                return verified
            except jwt.InvalidSignatureError as error:
                last = error
            except jwt.PyJWTError as error:
                last = error
                break
        raise AuthenticationError(_refusal(last, claims, settings.clock_skew_seconds)) from None

    def _principal(self, claims: Mapping[str, Any], token: str) -> Principal:
        claim = self.settings.username_claim
        subject = claims.get(claim)
        if not isinstance(subject, str) or not subject:
            raise AuthenticationError(f"token has no '{claim}' claim")
        if claim == "email" and claims.get("email_verified") is False:
            raise AuthenticationError("the token's email is not verified")
        groups = _groups(claims, self.settings.groups_claim)
        prefix = self.settings.groups_prefix
        return Principal(
            username_prefix(self.settings) + subject,
            frozenset(prefix + group for group in groups),
            self.name,
            fingerprint(token),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
