"""Subscriptions woken together recheck their shared credential once, and learn the same."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from gateway.auth.chain import build_authenticators
from gateway.auth.gatekeeper import Gatekeeper
from gateway.auth.principal import AuthenticationError, Principal
from gateway.config import Auth
from tests.auth.conftest import token_file

WAITERS = 1000


async def test_overlapping_rechecks_of_one_credential_share_one_check(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(32)
    auth = Auth(token_file=token_file(tmp_path / "tokens.yaml", token, "ci-bot"))
    gatekeeper = Gatekeeper(build_authenticators(auth, []), None, None)
    checks = 0

    async def principal() -> Principal:
        nonlocal checks
        checks += 1
        await asyncio.sleep(0.01)  # a check takes a while: the others arrive meanwhile
        return await gatekeeper.principal(token)

    seen = await asyncio.gather(
        *(gatekeeper.recheck(f"bearer {token}", principal) for _ in range(WAITERS))
    )
    assert checks == 1
    assert all(view.unrestricted for view in seen)
    await gatekeeper.recheck(f"bearer {token}", principal)
    assert checks == 2, "nothing is kept once a check ends"


async def test_a_refused_credential_is_refused_to_every_waiter(tmp_path: Path) -> None:
    auth = Auth(token_file=token_file(tmp_path / "tokens.yaml", secrets.token_urlsafe(32), "x"))
    gatekeeper = Gatekeeper(build_authenticators(auth, []), None, None)
    stale = secrets.token_urlsafe(32)

    async def principal() -> Principal:
        await asyncio.sleep(0.01)
        return await gatekeeper.principal(stale)

    results = await asyncio.gather(
        *(gatekeeper.recheck(f"bearer {stale}", principal) for _ in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(r, AuthenticationError) for r in results)


async def test_a_waiter_that_goes_away_does_not_cancel_the_others(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(32)
    auth = Auth(token_file=token_file(tmp_path / "tokens.yaml", token, "ci-bot"))
    gatekeeper = Gatekeeper(build_authenticators(auth, []), None, None)

    async def principal() -> Principal:
        await asyncio.sleep(0.05)
        return await gatekeeper.principal(token)

    leaving = asyncio.create_task(gatekeeper.recheck(f"bearer {token}", principal))
    staying = asyncio.create_task(gatekeeper.recheck(f"bearer {token}", principal))
    await asyncio.sleep(0.01)
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert (await staying).unrestricted
