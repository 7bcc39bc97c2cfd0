"""The state file: what survives a restart, bounded, replaced atomically, never fatal."""

from __future__ import annotations

from pathlib import Path

from gateway.notify import journal
from gateway.notify.state import MAX_POSTED, Incident, NotifierState, StateFile
from tests.notify.transitions import NOT_READY, RUNNING, changed, pod, reachability


async def test_everything_the_bot_needs_survives_a_restart(tmp_path: Path) -> None:
    state = NotifierState()
    state.cursors = {"workloads": "w-cursor", "pods": "p-cursor"}
    for feed, transition in (
        ("workloads", changed("web", RUNNING, NOT_READY)),
        ("pods", pod("web", 3)),
        ("clusters", reachability(False)),
    ):
        state.pending[transition.id] = (feed, transition)
    state.remember_posted(["a", "b"])
    state.inflight = ["b"]
    state.set_incident("w:sim-1/Deployment/shop/web", Incident(NOT_READY, "X", "m", "t", NOT_READY))
    file = StateFile(tmp_path / "deep" / "state.json")
    await file.save(state)
    loaded = file.load()
    assert loaded.fresh is False and state.fresh is True
    assert loaded.cursors == state.cursors
    assert loaded.pending == state.pending
    assert list(loaded.posted) == ["a", "b"]
    assert loaded.inflight == ["b"]
    assert loaded.incidents == state.incidents
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["state.json"], "no temporary left"


def test_transitions_round_trip_through_json() -> None:
    for transition in (
        changed("web", NOT_READY, None, deleted=True),
        pod(None, 1),
        reachability(True),
    ):
        assert journal.decode(journal.encode(transition)) == transition


def test_posted_ids_are_bounded_oldest_first() -> None:
    state = NotifierState()
    state.remember_posted([f"id-{i}" for i in range(MAX_POSTED + 10)])
    assert len(state.posted) == MAX_POSTED
    assert "id-9" not in state.posted and f"id-{MAX_POSTED + 9}" in state.posted
    state.remember_posted(["id-10"])
    assert list(state.posted)[-1] == "id-10", "a repeated id counts as recent again"


def test_an_unreadable_state_file_is_moved_aside_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 1, "cursors": ')
    state = StateFile(path).load()
    assert state.fresh is True
    [aside] = list(tmp_path.iterdir())
    assert aside.name.startswith("state.json.unreadable-")
    assert aside.read_text() == '{"version": 1, "cursors": '
    path.write_text('{"version": 7}')
    assert StateFile(path).load().fresh is True
