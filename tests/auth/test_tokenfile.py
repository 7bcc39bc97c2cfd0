"""Static bot tokens: the file format, its errors, and reloading it while serving."""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path

import pytest

from gateway.auth.principal import fingerprint
from gateway.auth.tokenfile import (
    TokenFileAuthenticator,
    TokenFileError,
    read_token_file,
    token_sha256,
)
from tests.auth.conftest import LeakGuard, ManualClock


def new_token(guard: LeakGuard) -> str:
    return guard.secret(secrets.token_urlsafe(32))


def entry(token: str, subject: str, *groups: str) -> str:
    return (
        f"- sha256: {token_sha256(token)}\n  subject: {subject}\n  groups: [{', '.join(groups)}]\n"
    )


def write(path: Path, text: str) -> None:
    """Replace the file as editors and config management do: a new file renamed over it."""
    staged = path.with_suffix(".new")
    staged.write_text(text)
    os.replace(staged, path)


async def test_a_listed_token_is_its_bot(tmp_path: Path, guard: LeakGuard) -> None:
    deployer, reporter = new_token(guard), new_token(guard)
    path = tmp_path / "tokens.yaml"
    path.write_text(
        "# bots of the platform team\n"
        + entry(deployer, "ci-deployer", "ci", "team-payments")
        + f"- sha256: {token_sha256(reporter).upper()}\n  subject: status-reporter\n"
    )
    tokens = TokenFileAuthenticator(path)
    principal = await tokens.authenticate(deployer)
    assert principal is not None
    assert principal.subject == "ci-deployer"
    assert principal.groups == {"ci", "team-payments"}
    assert (principal.method, principal.fingerprint) == ("token-file", fingerprint(deployer))
    reporting = await tokens.authenticate(reporter)
    assert reporting is not None
    assert (reporting.subject, reporting.groups) == ("status-reporter", frozenset())
    assert await tokens.authenticate(new_token(guard)) is None
    assert await tokens.authenticate(token_sha256(deployer)) is None, "the hash is not the token"
    await tokens.close()


async def test_an_empty_list_knows_no_one(tmp_path: Path, guard: LeakGuard) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text("[]\n")
    assert await TokenFileAuthenticator(path).authenticate(new_token(guard)) is None


GOOD = token_sha256("an example token, not a real one, only for this test")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- sha256: [unclosed\n", ":2: invalid YAML: expected ',' or ']'"),
        ("", r": the file is empty \(write \[\] for a file with no tokens\)"),
        ("bots: []\n", ": expected a list of entries (.*), found a dict"),
        ("- just-a-string\n", ":1: entry 1: expected a mapping with sha256, subject and groups"),
        (f"- sha256: {GOOD}\n  subject: ok\n- subject: no-hash\n", ":3: entry 2: sha256 must"),
        ("- sha256: abc123\n  subject: short\n", r":1: entry 1: .* \(got 6 characters; value not"),
        (f"- sha256: {'z' * 64}\n  subject: not-hex\n", ":1: entry 1: sha256 must be 64 hex"),
        (f"- sha256: {GOOD}\n", ":1: entry 1: subject must be a non-empty string"),
        (f"- sha256: {GOOD}\n  subject: '  '\n", ":1: entry 1: subject must be a non-empty"),
        (f"- sha256: {GOOD}\n  subject: a\n  groups: ci\n", r":1: entry 1 \(subject a\): groups"),
        (f"- sha256: {GOOD}\n  subject: a\n  groups: [ci, 3]\n", r":1: entry 1 \(subject a\): gr"),
        (
            f"- sha256: {GOOD}\n  subject: a\n  group: [ci]\n",
            r":1: entry 1: unknown key\(s\) group",
        ),
        (
            f"- sha256: {GOOD}\n  subject: a\n- sha256: {GOOD.upper()}\n  subject: b\n",
            ":3: entry 2: same sha256 as entry 1",
        ),
    ],
)
def test_a_bad_file_is_refused_with_the_file_and_entry_named(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(text)
    with pytest.raises(TokenFileError) as raised:
        TokenFileAuthenticator(path)
    assert re.match(re.escape(str(path)) + problem, str(raised.value)), str(raised.value)


def test_a_token_written_into_the_file_is_refused_and_not_repeated(
    tmp_path: Path, guard: LeakGuard
) -> None:
    token = new_token(guard)
    path = tmp_path / "tokens.yaml"
    path.write_text(f"- token: {token}\n  subject: careless\n")
    with pytest.raises(TokenFileError, match="never the token itself") as raised:
        read_token_file(path)
    guard.assert_absent(str(raised.value), "the error")
    path.write_text(f"- sha256: {token}\n  subject: careless\n")
    with pytest.raises(TokenFileError, match="value not shown") as raised:
        read_token_file(path)
    guard.assert_absent(str(raised.value), "the error")


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match=r"tokens\.yaml: cannot read: No such file"):
        TokenFileAuthenticator(tmp_path / "tokens.yaml")


async def test_bots_are_added_and_revoked_without_a_restart(
    tmp_path: Path, clock: ManualClock, guard: LeakGuard
) -> None:
    old, new = new_token(guard), new_token(guard)
    path = tmp_path / "tokens.yaml"
    path.write_text(entry(old, "old-bot", "ci"))
    tokens = TokenFileAuthenticator(path, check_every=5, clock=clock)
    assert await tokens.authenticate(old) is not None

    write(path, entry(new, "new-bot", "ci"))
    clock.advance(4)
    assert await tokens.authenticate(old) is not None, "the file is not looked at every time"
    assert await tokens.authenticate(new) is None
    clock.advance(1)
    assert await tokens.authenticate(old) is None
    principal = await tokens.authenticate(new)
    assert principal is not None
    assert principal.subject == "new-bot"
    assert guard.messages(logging.INFO) == ["token file reloaded"]


async def test_a_rewrite_in_place_with_the_same_size_is_seen(
    tmp_path: Path, clock: ManualClock, guard: LeakGuard
) -> None:
    """Same size, same modification time: the recent change is read again anyway."""
    first, second = new_token(guard), new_token(guard)
    path = tmp_path / "tokens.yaml"
    path.write_text(entry(first, "bot-a"))
    stamp = os.stat(path).st_mtime_ns
    tokens = TokenFileAuthenticator(path, check_every=5, clock=clock)
    path.write_text(entry(second, "bot-b"))
    os.utime(path, ns=(stamp, stamp))
    clock.advance(5)
    assert await tokens.authenticate(first) is None
    assert await tokens.authenticate(second) is not None


async def test_deleting_or_breaking_the_file_revokes_every_token(
    tmp_path: Path, clock: ManualClock, guard: LeakGuard
) -> None:
    bot, other = new_token(guard), new_token(guard)
    path = tmp_path / "tokens.yaml"
    path.write_text(entry(bot, "bot") + entry(other, "other"))
    tokens = TokenFileAuthenticator(path, check_every=5, clock=clock)
    assert await tokens.authenticate(bot) is not None

    path.unlink()
    clock.advance(5)
    assert await tokens.authenticate(bot) is None
    assert guard.messages(logging.ERROR) == [
        "token file unusable; no token from it is accepted until it is fixed"
    ]
    write(path, entry(bot, "bot"))
    clock.advance(5)
    assert await tokens.authenticate(bot) is not None
    assert await tokens.authenticate(other) is None

    write(path, entry(bot, "bot") + "- sha256: nope\n")
    clock.advance(5)
    assert await tokens.authenticate(bot) is None
    assert guard.causes()[-1].startswith(f"{path}:4: entry 2: sha256 must be 64 hexadecimal")


async def test_a_broken_edit_keeps_the_entries_in_force_when_asked(
    tmp_path: Path, clock: ManualClock, guard: LeakGuard
) -> None:
    bot, added = new_token(guard), new_token(guard)
    path = tmp_path / "tokens.yaml"
    path.write_text(entry(bot, "bot"))
    tokens = TokenFileAuthenticator(path, check_every=5, clock=clock, fail_closed=False)

    write(path, entry(bot, "bot") + f"- sha256: {token_sha256(added)}\n  subject: \n")
    clock.advance(5)
    assert await tokens.authenticate(bot) is not None
    assert await tokens.authenticate(added) is None
    assert guard.messages(logging.ERROR) == [
        "token file not reloaded; the previous entries stay in force"
    ]
    assert guard.causes() == [f"{path}:4: entry 2: subject must be a non-empty string"]

    path.unlink()
    clock.advance(5)
    assert await tokens.authenticate(bot) is not None

    write(path, entry(bot, "bot") + entry(added, "added-bot"))
    clock.advance(5)
    assert await tokens.authenticate(added) is not None
