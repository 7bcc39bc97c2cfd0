"""OIDC ID tokens: signatures against a JWKS made in the test, claims, algorithms, key fetching."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from gateway.auth.oidc import OidcAuthenticator
from gateway.auth.principal import fingerprint
from gateway.auth.unavailable import VerificationUnavailable
from gateway.config import ConfigError, Oidc
from tests.auth.conftest import LeakGuard, ManualClock
from tests.auth.jwks import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    KeyPair,
    claims,
    forged,
    jwks,
    jwks_server,
    make_key,
)

ALGORITHMS = ("RS256", "PS256", "ES256", "ES384", "EdDSA")


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {alg: make_key(alg, f"{alg.lower()}-1") for alg in ALGORITHMS}


@pytest.fixture
def rsa(keys: dict[str, KeyPair]) -> KeyPair:
    return keys["RS256"]


def publish(path: Path, *keys: KeyPair) -> Path:
    path.write_text(json.dumps(jwks(*keys)))
    return path


@pytest.fixture
def jwks_file(tmp_path: Path, keys: dict[str, KeyPair]) -> Path:
    return publish(tmp_path / "jwks.json", *keys.values())


Make = Callable[..., OidcAuthenticator]


@pytest_asyncio.fixture
async def make(jwks_file: Path, clock: ManualClock) -> AsyncIterator[Make]:
    """Authenticators with the test's JWKS file and clock; settings can be changed."""
    made: list[OidcAuthenticator] = []

    def build(refetch_every: float = 30.0, **changes: Any) -> OidcAuthenticator:
        values: dict[str, Any] = {
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "jwks_file": jwks_file,
            "algorithms": ("RS256", "ES256"),
        }
        values.update(changes)
        authenticator = OidcAuthenticator(Oidc(**values), refetch_every=refetch_every, clock=clock)
        made.append(authenticator)
        return authenticator

    yield build
    for authenticator in made:
        await authenticator.close()


def at(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("alg", ALGORITHMS)
async def test_a_valid_token_names_its_subject_and_groups(
    make: Make, keys: dict[str, KeyPair], guard: LeakGuard, alg: str
) -> None:
    oidc = make(algorithms=ALGORITHMS)
    token = guard.secret(keys[alg].sign(claims()))
    principal = await oidc.authenticate(token)
    assert principal is not None
    assert principal.subject == f"{ISSUER}#alice"
    assert principal.groups == {"team-payments", "developers"}
    assert principal.method == "oidc"
    assert principal.fingerprint == fingerprint(token)


async def test_prefixes_keep_oidc_names_apart_from_other_methods(
    make: Make, keys: dict[str, KeyPair], guard: LeakGuard
) -> None:
    """A user who may pick a username must not become the token file's ``ci-deployer``."""
    token = guard.secret(keys["RS256"].sign(claims(sub="ci-deployer")))
    chosen = await make(username_prefix="oidc:", groups_prefix="oidc:").authenticate(token)
    assert chosen is not None
    assert chosen.subject == "oidc:ci-deployer"
    assert chosen.groups == {"oidc:team-payments", "oidc:developers"}
    bare = await make(username_prefix="-").authenticate(token)
    assert bare is not None and bare.subject == "ci-deployer"


async def test_claims_chosen_for_username_and_groups(
    make: Make, rsa: KeyPair, guard: LeakGuard
) -> None:
    oidc = make(username_claim="email", groups_claim="role")
    token = guard.secret(rsa.sign(claims(email="alice@example.test", role="sre")))
    principal = await oidc.authenticate(token)
    assert principal is not None
    assert (principal.subject, principal.groups) == ("alice@example.test", frozenset({"sre"}))

    unverified = guard.secret(rsa.sign(claims(email="eve@example.test", email_verified=False)))
    assert "not verified" in await guard.refused(oidc.authenticate(unverified))
    no_email = guard.secret(rsa.sign(claims()))
    assert await guard.refused(oidc.authenticate(no_email)) == "token has no 'email' claim"
    bad_groups = guard.secret(rsa.sign(claims(email="a@example.test", role={"admin": True})))
    assert "'role' claim must be" in await guard.refused(oidc.authenticate(bad_groups))


async def test_a_token_without_groups_has_none(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    principal = await make().authenticate(guard.secret(rsa.sign(claims(groups=None))))
    assert principal is not None
    assert principal.groups == frozenset()


@pytest.mark.parametrize(
    "token",
    ["a-static-bot-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0", "a.b.c", "x.y", "", "Bearer x"],
)
async def test_what_is_not_a_jwt_is_not_its_kind(make: Make, token: str) -> None:
    assert await make().authenticate(token) is None


async def test_a_token_of_another_issuer_is_not_its_kind(
    make: Make, rsa: KeyPair, guard: LeakGuard
) -> None:
    oidc = make()
    other = guard.secret(rsa.sign(claims(iss="https://kubernetes.default.svc.cluster.local")))
    assert await oidc.authenticate(other) is None
    assert await oidc.authenticate(guard.secret(rsa.sign(claims(iss=None)))) is None


async def test_expired(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    expired = int(time.time()) - 3600
    token = guard.secret(rsa.sign(claims(iat=expired - 300, exp=expired)))
    assert await guard.refused(make().authenticate(token)) == f"token expired at {at(expired)}"


async def test_not_yet_valid(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    later = int(time.time()) + 3600
    token = guard.secret(rsa.sign(claims(nbf=later, exp=later + 300)))
    assert await guard.refused(make().authenticate(token)) == f"token not valid before {at(later)}"
    issued_later = guard.secret(rsa.sign(claims(iat=later, exp=later + 300)))
    message = await guard.refused(make().authenticate(issued_later))
    assert message == f"token issued in the future (at {at(later)})"


async def test_clock_skew_is_allowed_both_ways(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    now = int(time.time())
    just_expired = guard.secret(rsa.sign(claims(iat=now - 600, exp=now - 120)))
    almost_valid = guard.secret(rsa.sign(claims(nbf=now + 120, iat=now + 120, exp=now + 600)))
    lenient, strict = make(clock_skew_seconds=300), make(clock_skew_seconds=0)
    assert await lenient.authenticate(just_expired) is not None
    assert await lenient.authenticate(almost_valid) is not None
    assert "expired" in await guard.refused(strict.authenticate(just_expired))
    assert "not valid before" in await guard.refused(strict.authenticate(almost_valid))


async def test_audience(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    oidc = make()
    wrong = guard.secret(rsa.sign(claims(aud="another-app")))
    assert await guard.refused(oidc.authenticate(wrong)) == "audience mismatch"
    missing = guard.secret(rsa.sign(claims(aud=None)))
    assert await guard.refused(oidc.authenticate(missing)) == "token has no 'aud' claim"
    among_others = guard.secret(rsa.sign(claims(aud=["another-app", AUDIENCE])))
    assert await oidc.authenticate(among_others) is not None


async def test_a_token_must_expire(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    forever = guard.secret(rsa.sign(claims(exp=None)))
    assert await guard.refused(make().authenticate(forever)) == "token has no 'exp' claim"


async def test_an_algorithm_not_allowed_is_refused(
    make: Make, keys: dict[str, KeyPair], guard: LeakGuard
) -> None:
    oidc = make(algorithms=("ES256",))
    token = guard.secret(keys["RS256"].sign(claims()))
    message = await guard.refused(oidc.authenticate(token))
    assert message == "signing algorithm RS256 is not allowed (allowed: ES256)"


async def test_hs256_signed_with_the_public_key_is_refused(
    make: Make, rsa: KeyPair, guard: LeakGuard
) -> None:
    """The classic confusion attack: the public key, which anyone has, used as an HMAC secret."""
    header = {"alg": "HS256", "typ": "JWT", "kid": rsa.kid}
    token = guard.secret(forged(header, claims(sub="admin"), rsa.public_pem))
    message = await guard.refused(make().authenticate(token))
    assert message.startswith("signing algorithm HS256 is not allowed")


async def test_alg_none_is_refused(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    token = guard.secret(forged({"alg": "none", "typ": "JWT"}, claims(sub="admin"), None))
    message = await guard.refused(make().authenticate(token))
    assert message.startswith("signing algorithm none is not allowed")
    odd = guard.secret(forged({"alg": "X\nforged log line", "typ": "JWT"}, claims(), None))
    assert "an unknown one" in await guard.refused(make().authenticate(odd))


@pytest.mark.parametrize("algorithms", [("RS256", "HS256"), ("none",), ()])
async def test_a_configuration_cannot_allow_shared_secrets_or_none(
    jwks_file: Path, algorithms: tuple[str, ...]
) -> None:
    settings = Oidc(issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks_file, algorithms=algorithms)
    with pytest.raises(ConfigError, match=r"^auth\.oidc\.algorithms: .* not allowed"):
        OidcAuthenticator(settings)


async def test_a_key_is_used_only_for_its_algorithm(
    make: Make, keys: dict[str, KeyPair], guard: LeakGuard
) -> None:
    """An RSA key published for RS256 does not verify PS256, nor an EC key RS256."""
    oidc = make(algorithms=("RS256", "PS256", "ES256"))
    rsa = keys["RS256"]
    as_ps256 = guard.secret(rsa.sign(claims(), alg="PS256"))
    assert await guard.refused(oidc.authenticate(as_ps256)) == "unknown signing key"
    ec_kid_rs256 = guard.secret(rsa.sign(claims(), kid=keys["ES256"].kid))
    assert await guard.refused(oidc.authenticate(ec_kid_rs256)) == "unknown signing key"


async def test_tampered_tokens(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    oidc = make()
    token = rsa.sign(claims())
    head, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    bad_signature = guard.secret(f"{head}.{payload}.{signature[:10]}{flipped}{signature[11:]}")
    assert await guard.refused(oidc.authenticate(bad_signature)) == "invalid signature"
    other_payload = rsa.sign(claims(sub="admin")).split(".")[1]
    swapped = guard.secret(f"{head}.{other_payload}.{signature}")
    assert await guard.refused(oidc.authenticate(swapped)) == "invalid signature"
    impostor = make_key("RS256", rsa.kid)
    signed_elsewhere = guard.secret(impostor.sign(claims()))
    assert await guard.refused(oidc.authenticate(signed_elsewhere)) == "invalid signature"


async def test_a_token_without_kid_is_checked_against_the_keys_of_its_algorithm(
    tmp_path: Path, make: Make, keys: dict[str, KeyPair], guard: LeakGuard
) -> None:
    second = make_key("RS256", "rsa-2")
    path = publish(tmp_path / "two.json", keys["RS256"], second, keys["ES256"])
    oidc = make(jwks_file=path)
    principal = await oidc.authenticate(guard.secret(second.sign(claims(), kid=None)))
    assert principal is not None
    stranger = make_key("RS256", "unused")
    message = await guard.refused(
        oidc.authenticate(guard.secret(stranger.sign(claims(), kid=None)))
    )
    assert message == "invalid signature"


async def test_unknown_kid(make: Make, guard: LeakGuard) -> None:
    unpublished = make_key("RS256", "rotated-in-later")
    token = guard.secret(unpublished.sign(claims()))
    assert await guard.refused(make().authenticate(token)) == "unknown signing key"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not a JSON document"),
        ('{"issuer": "x"}', r"not a JWKS \(no 'keys' list\)"),
        ('{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "no public signature keys"),
        ('{"keys": [{"kty": "RSA", "use": "enc", "n": "x", "e": "AQAB"}]}', "no public signature"),
    ],
)
async def test_an_unusable_jwks_file_stops_the_start(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content)
    where = re.escape(str(path))
    with pytest.raises(ConfigError, match=rf"^auth\.oidc\.jwksFile: {where}: {problem}"):
        OidcAuthenticator(Oidc(issuer=ISSUER, audience=AUDIENCE, jwks_file=path))
    with pytest.raises(ConfigError, match="cannot read"):
        OidcAuthenticator(Oidc(issuer=ISSUER, audience=AUDIENCE, jwks_file=tmp_path / "nope"))


async def test_one_source_of_keys_exactly(jwks_file: Path) -> None:
    with pytest.raises(ConfigError, match="exactly one of jwksFile and jwksUrl"):
        OidcAuthenticator(Oidc(issuer=ISSUER, audience=AUDIENCE))
    both = Oidc(
        issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks_file, jwks_url="https://x.test/jwks"
    )
    with pytest.raises(ConfigError, match="exactly one of jwksFile and jwksUrl"):
        OidcAuthenticator(both)


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://idp.example.test/jwks", True),
        ("http://10.0.0.8/jwks", True),
        ("https://idp.example.test/jwks", False),
        ("http://127.0.0.1:8080/jwks", False),
        ("http://[::1]/jwks", False),
        ("http://localhost/jwks", False),
    ],
)
async def test_keys_fetched_in_the_clear_are_warned_about(
    make: Make, guard: LeakGuard, url: str, warned: bool
) -> None:
    make(jwks_file=None, jwks_url=url)
    warnings = guard.messages(logging.WARNING)
    assert bool(warnings) == warned
    assert all(message.startswith("auth.oidc.jwksUrl is plain HTTP") for message in warnings)


async def test_a_jwks_file_is_read_again_for_a_new_key(
    jwks_file: Path, make: Make, keys: dict[str, KeyPair], clock: ManualClock, guard: LeakGuard
) -> None:
    oidc = make()
    rotated = make_key("RS256", "rsa-2")
    publish(jwks_file, keys["RS256"], rotated)
    token = guard.secret(rotated.sign(claims()))
    assert await guard.refused(oidc.authenticate(token)) == "unknown signing key"
    clock.advance(30)
    assert await oidc.authenticate(token) is not None


# Keys fetched from a URL


@pytest_asyncio.fixture
async def server(rsa: KeyPair) -> AsyncIterator[JwksServer]:
    async with jwks_server(jwks(rsa)) as started:
        yield started


def from_url(make: Make, server: JwksServer, **changes: Any) -> OidcAuthenticator:
    return make(jwks_file=None, jwks_url=server.url, **changes)


async def test_keys_are_fetched_once_and_cached(
    make: Make, server: JwksServer, rsa: KeyPair, clock: ManualClock, guard: LeakGuard
) -> None:
    oidc = from_url(make, server, jwks_cache_seconds=300)
    token = guard.secret(rsa.sign(claims()))
    assert server.fetches == 0
    for _ in range(5):
        assert await oidc.authenticate(token) is not None
        clock.advance(50)
    assert server.fetches == 1
    clock.advance(60)
    assert await oidc.authenticate(token) is not None
    assert server.fetches == 2


async def test_concurrent_first_requests_share_one_fetch(
    make: Make, server: JwksServer, rsa: KeyPair, guard: LeakGuard
) -> None:
    oidc = from_url(make, server)
    token = guard.secret(rsa.sign(claims()))
    found = await asyncio.gather(*(oidc.authenticate(token) for _ in range(20)))
    assert all(principal is not None for principal in found)
    assert server.fetches == 1


async def test_key_rotation_is_picked_up_at_once_but_unknown_kids_cannot_force_fetches(
    make: Make, server: JwksServer, rsa: KeyPair, clock: ManualClock, guard: LeakGuard
) -> None:
    oidc = from_url(make, server, jwks_cache_seconds=3600)
    assert await oidc.authenticate(guard.secret(rsa.sign(claims()))) is not None
    clock.advance(31)
    rotated = make_key("ES256", "ec-2026")
    server.document = jwks(rotated)
    token = guard.secret(rotated.sign(claims()))
    assert await oidc.authenticate(token) is not None
    assert server.fetches == 2

    for number in range(50):
        made_up = guard.secret(rotated.sign(claims(), kid=f"made-up-{number}"))
        assert await guard.refused(oidc.authenticate(made_up)) == "unknown signing key"
    assert server.fetches == 2
    clock.advance(31)
    await guard.refused(oidc.authenticate(guard.secret(rotated.sign(claims(), kid="made-up"))))
    assert server.fetches == 3
    old = guard.secret(rsa.sign(claims()))
    assert await guard.refused(oidc.authenticate(old)) == "unknown signing key"


async def test_an_unreachable_issuer(
    make: Make, server: JwksServer, rsa: KeyPair, clock: ManualClock, guard: LeakGuard
) -> None:
    oidc = from_url(make, server, jwks_cache_seconds=60)
    token = guard.secret(rsa.sign(claims()))
    server.status = 503
    message = await guard.refused(oidc.authenticate(token), VerificationUnavailable)
    assert message == "cannot verify the token now: the issuer's signing keys are unavailable"
    assert f"{server.url}: HTTP 503" in guard.causes(), "the failed fetch is logged"
    await guard.refused(oidc.authenticate(token))
    assert server.fetches == 1, "a failed fetch is not retried at once"

    server.status = 200
    clock.advance(31)
    assert await oidc.authenticate(token) is not None
    assert server.fetches == 2

    server.status = 500
    clock.advance(120)
    assert await oidc.authenticate(token) is not None, "known keys outlive a failed refresh"
    assert server.fetches == 3


async def test_nothing_listening_at_the_url(make: Make, rsa: KeyPair, guard: LeakGuard) -> None:
    async with jwks_server({}) as gone:
        url = gone.url
    oidc = make(jwks_file=None, jwks_url=url)
    attempt = oidc.authenticate(guard.secret(rsa.sign(claims())))
    message = await guard.refused(attempt, VerificationUnavailable)
    assert message.startswith("cannot verify the token now")


async def test_a_url_that_is_not_a_jwks(
    make: Make, server: JwksServer, rsa: KeyPair, guard: LeakGuard
) -> None:
    server.document = {"keys": "none here"}
    oidc = from_url(make, server)
    await guard.refused(oidc.authenticate(guard.secret(rsa.sign(claims()))))
    assert f"{server.url}: not a JWKS (no 'keys' list)" in guard.causes()
