"""The demo's state directory: one holder at a time, stale locks taken over, nothing left.

A lock file whose process is gone is what SIGKILL leaves behind: the file with its
pid and ports, and no flock on it. tests/test_demo.py does the same with processes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.redis_server import EmbeddedRedis
from simcluster.commands.demostate import (
    KUBECONFIG,
    LOCK,
    DemoState,
    DemoStateError,
    Holder,
)
from tests.watch.conftest import until


def left_by_a_dead_demo(state: Path, valkey: int | None = None) -> None:
    state.mkdir(parents=True, exist_ok=True)
    (state / LOCK).write_text(Holder(999_999, 8080, valkey).text())
    (state / KUBECONFIG).write_text("stale\n")


def test_a_second_claim_names_the_holder_and_takes_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = DemoState.claim(state, 8080)
    try:
        with pytest.raises(DemoStateError) as refused:
            DemoState.claim(state, 9090)
        assert str(refused.value) == (
            f"another demo is running on {state} (pid {os.getpid()}, serving "
            "http://127.0.0.1:8080/board): stop it first, or give this one its own --state-dir"
        )
        assert json.loads((state / LOCK).read_text())["port"] == 8080
    finally:
        first.release()
    second = DemoState.claim(state, 9090)
    assert json.loads((state / LOCK).read_text())["port"] == 9090
    second.release()


def test_release_removes_what_the_demo_wrote_and_the_directories_it_made(
    tmp_path: Path,
) -> None:
    state = tmp_path / "a" / "b"
    claimed = DemoState.claim(state, 8080)
    claimed.kubeconfig.write_text("config\n")
    claimed.valkey_dir.mkdir()
    (claimed.valkey_dir / "valkey.conf").write_text("port 1\n")
    claimed.release()
    assert not (tmp_path / "a").exists()


def test_release_keeps_a_directory_that_existed_and_files_it_did_not_write(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "notes.txt").write_text("mine\n")
    DemoState.claim(state, 8080).release()
    assert sorted(p.name for p in state.iterdir()) == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    DemoState.claim(empty, 8080).release()
    assert empty.is_dir()


def test_a_stale_lock_is_taken_over_and_its_leftovers_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state"
    left_by_a_dead_demo(state)
    claimed = DemoState.claim(state, 8080)
    assert "a previous demo ended without cleaning up" in caplog.text
    assert not (state / KUBECONFIG).exists()
    assert json.loads((state / LOCK).read_text())["pid"] == os.getpid()
    claimed.release()
    assert not state.exists(), "the dead demo's directory is the demo's to remove"


@pytest.mark.parametrize("text", ["", "garbage\n", '{"pid": "x"}\n', "[1, 2]\n"])
def test_an_unreadable_lock_without_a_holder_is_taken(tmp_path: Path, text: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / LOCK).write_text(text)
    claimed = DemoState.claim(state, 8080)
    assert Holder.parse((state / LOCK).read_text()) == Holder(os.getpid(), 8080)
    claimed.release()


@contextlib.asynccontextmanager
async def valkey_in(directory: Path) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(directory)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_the_dead_demos_valkey_is_shut_down(tmp_path: Path) -> None:
    state = tmp_path / "state"
    async with valkey_in(state / "redis") as valkey:
        left_by_a_dead_demo(state, valkey.port)
        claimed = DemoState.claim(state, 8080)

        async def stopped() -> bool:
            return not valkey.running

        await until(stopped, within=10)
        assert not (state / "redis" / "valkey.conf").exists()
        claimed.release()


async def test_a_valkey_serving_another_directory_on_that_port_is_left_alone(
    tmp_path: Path,
) -> None:
    """The port in a stale lock may belong to someone else by now."""
    state = tmp_path / "state"
    async with valkey_in(tmp_path / "theirs") as theirs:
        left_by_a_dead_demo(state, theirs.port)
        DemoState.claim(state, 8080).release()
        assert theirs.running
