"""``python -m gateway auth hash-token``: the command that makes token file entries.

One test runs the command as people do; the others call the same parser in-process
with the token on a substituted stdin, which is quicker than a Python start-up each.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.auth.tokenfile import TokenFileAuthenticator, token_sha256
from gateway.cli import main
from tests.auth.conftest import LeakGuard


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def hash_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Ran]:
    def run(stdin: str, *args: str) -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["auth", "hash-token", *args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


HashToken = Callable[..., Ran]


async def test_python_m_gateway_prints_the_sha256_of_the_token_on_stdin(guard: LeakGuard) -> None:
    token = guard.secret(secrets.token_urlsafe(32))
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "gateway", "auth", "hash-token"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(f"{token}\n".encode())
    assert (process.returncode, out.decode(), err.decode()) == (0, f"{token_sha256(token)}\n", "")


async def test_prints_an_entry_the_token_file_accepts(
    hash_token: HashToken, tmp_path: Path, guard: LeakGuard
) -> None:
    token = guard.secret(secrets.token_urlsafe(32))
    ran = hash_token(token, "--subject", "ci-deployer", "--group", "ci", "--group", "ops")
    assert ran.code == 0, ran.err
    assert token not in ran.out
    path = tmp_path / "tokens.yaml"
    path.write_text(ran.out)
    principal = await TokenFileAuthenticator(path).authenticate(token)
    assert principal is not None
    assert (principal.subject, principal.groups) == ("ci-deployer", frozenset({"ci", "ops"}))


@pytest.mark.parametrize(
    ("stdin", "problem"),
    [
        ("", "no token on stdin"),
        ("short-token-0123456789", "the token has 22 characters; use at least 32 random ones"),
        ("a token with spaces in it, long enough to pass the length", "may only hold letters"),
    ],
)
def test_refuses_what_cannot_be_a_good_bearer_token(
    hash_token: HashToken, guard: LeakGuard, stdin: str, problem: str
) -> None:
    if stdin:
        guard.secret(stdin)
    ran = hash_token(stdin)
    assert ran.code == 1
    assert problem in ran.err
    assert ran.out == ""
    if stdin:
        guard.assert_absent(ran.err, "the error")


def test_groups_need_a_subject(hash_token: HashToken) -> None:
    ran = hash_token(secrets.token_urlsafe(32), "--group", "ci")
    assert (ran.code, ran.err) == (2, "error: --group needs --subject\n")
