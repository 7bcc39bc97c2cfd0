"""The configured methods together: built from the configuration, tried cheapest first."""

from __future__ import annotations

import json
import logging
import re
import secrets
from pathlib import Path

import pytest

from gateway.auth.chain import authenticate, build_authenticators
from gateway.auth.principal import Principal, fingerprint
from gateway.auth.unavailable import VerificationUnavailable
from gateway.clusters import ClusterSource
from gateway.config import Auth, ConfigError, Oidc, TokenFile, TokenReview
from tests.auth.conftest import LeakGuard, token_file
from tests.auth.jwks import AUDIENCE, ISSUER, claims, jwks, make_key

SOURCES = [ClusterSource("prod-eu", Path("kubeconfig"), "prod-eu")]


def test_no_method_configured_is_an_empty_chain() -> None:
    assert build_authenticators(Auth(), SOURCES) == []


async def test_methods_are_built_cheapest_first(tmp_path: Path) -> None:
    key = make_key("ES256", "ec-1")
    (tmp_path / "jwks.json").write_text(json.dumps(jwks(key)))
    auth = Auth(
        token_review=TokenReview(cluster="prod-eu"),
        oidc=Oidc(issuer=ISSUER, audience=AUDIENCE, jwks_file=tmp_path / "jwks.json"),
        token_file=token_file(tmp_path / "tokens.yaml", secrets.token_urlsafe(32), "bot"),
    )
    authenticators = build_authenticators(auth, SOURCES)
    assert [a.name for a in authenticators] == ["token-file", "oidc", "token-review"]
    for authenticator in authenticators:
        await authenticator.close()


def test_a_token_review_cluster_must_be_watched() -> None:
    auth = Auth(token_review=TokenReview(cluster="prod-us"))
    with pytest.raises(ConfigError) as raised:
        build_authenticators(auth, SOURCES)
    assert str(raised.value) == (
        "auth.tokenReview.cluster: no watched cluster named prod-us (watched: prod-eu)"
    )


def test_an_unusable_token_file_names_the_setting_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text("- subject: no-hash\n")
    with pytest.raises(ConfigError) as raised:
        build_authenticators(Auth(token_file=TokenFile(path=path)), SOURCES)
    assert str(raised.value).startswith(f"auth.tokenFile.path: {path}:1: entry 1: sha256 must")


async def test_each_token_finds_its_method_and_others_are_unknown(
    tmp_path: Path, guard: LeakGuard
) -> None:
    bot = guard.secret(secrets.token_urlsafe(32))
    key = make_key("RS256", "rsa-1")
    (tmp_path / "jwks.json").write_text(json.dumps(jwks(key)))
    auth = Auth(
        token_file=token_file(tmp_path / "tokens.yaml", bot, "ci-bot"),
        oidc=Oidc(issuer=ISSUER, audience=AUDIENCE, jwks_file=tmp_path / "jwks.json"),
    )
    authenticators = build_authenticators(auth, [])
    assert await authenticate(authenticators, bot) == Principal(
        "ci-bot", frozenset(), "token-file", fingerprint(bot)
    )
    person = guard.secret(key.sign(claims(sub="alice", groups=["sre"])))
    assert await authenticate(authenticators, person) == Principal(
        f"{ISSUER}#alice", frozenset({"sre"}), "oidc", fingerprint(person)
    )
    for stranger in (
        secrets.token_urlsafe(32),
        key.sign(claims(iss="https://another-issuer.example.test")),
    ):
        guard.secret(stranger)
        assert await guard.refused(authenticate(authenticators, stranger)) == "unknown token"
    expired = guard.secret(key.sign(claims(exp=1_700_000_000, iat=1_699_999_000)))
    refused = await guard.refused(authenticate(authenticators, expired))
    assert refused == "token expired at 2023-11-14T22:13:20Z"


class Faulty:
    """A method with a bug that puts the token into its exception."""

    name = "faulty"

    async def authenticate(self, token: str) -> Principal | None:
        raise RuntimeError(f"cannot parse {token!r}")

    async def close(self) -> None:
        return None


async def test_a_failing_method_is_logged_with_the_token_redacted(
    guard: LeakGuard,
) -> None:
    token = guard.secret(secrets.token_urlsafe(32))
    message = await guard.refused(authenticate([Faulty()], token), VerificationUnavailable)
    assert message == "cannot verify the token now"
    [record] = [r for r in guard.records if r.name == "gateway.auth.chain"]
    assert record.levelno == logging.ERROR
    assert getattr(record, "method", None) == "faulty"
    cause = str(getattr(record, "cause", ""))
    assert "RuntimeError: cannot parse '<token " + fingerprint(token) + ">'" in cause
    assert re.search(r"Traceback \(most recent call last\)", cause)


def test_the_guard_sees_a_token_in_a_log_record(guard: LeakGuard) -> None:
    """The leak check other tests rely on does find a token logged in any field."""
    token = guard.secret(secrets.token_urlsafe(32))
    logging.getLogger("gateway.auth").debug("checking", extra={"context": f"Bearer {token}"})
    with pytest.raises(AssertionError, match="test token 1 appears in a log record"):
        guard.check_logs()
    guard.records.clear()
