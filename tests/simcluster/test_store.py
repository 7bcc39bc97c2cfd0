"""The store's resourceVersion, history and snapshots, and the list and watch options."""

from __future__ import annotations

from typing import Any

import pytest

from simcluster.errors import ApiError
from simcluster.query import (
    ContinueToken,
    decode_continue,
    flag,
    parse_field_selector,
    parse_list_options,
)
from simcluster.resources import EVENTS, NODES, PODS
from simcluster.store import ADDED, DELETED, MODIFIED, Store


def _pod(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default", "labels": labels}, "spec": {}}


def test_one_counter_for_every_resource() -> None:
    store = Store(first_rv=100)
    first = store.put(PODS, _pod("a"))
    node = store.put(NODES, {"metadata": {"name": "n"}})
    second = store.put(PODS, _pod("a", app="web"))
    assert (first.rv, node.rv, second.rv) == (101, 102, 103)
    assert second.load()["metadata"]["resourceVersion"] == "103"
    removed = store.remove(PODS, "default", "a")
    assert removed is not None
    assert removed.rv == 104
    assert [c.type for c in store.history.since(100)] == [ADDED, ADDED, MODIFIED, DELETED]
    assert store.history.since(100)[-1].line().startswith(b'{"type":"DELETED","object":{')


def test_history_is_bounded_and_expires() -> None:
    store = Store(history_limit=10, first_rv=0)
    for index in range(50):
        store.put(PODS, _pod(f"p{index}"))
    with pytest.raises(ApiError) as raised:
        store.history.since(5)
    assert raised.value.code == 410
    assert raised.value.message.startswith("too old resource version: 5 (")
    assert len(store.history.since(store.history.floor)) <= 20


def test_snapshots_rebuild_the_past() -> None:
    store = Store(first_rv=0)
    for name in ("a", "b", "c"):
        store.put(PODS, _pod(name))
    then = store.resource_version
    store.remove(PODS, "default", "b")
    store.put(PODS, _pod("d"))
    store.put(PODS, _pod("a", changed="yes"))
    past = store.snapshot(PODS, "default", then)
    assert past.keys == ["default/a", "default/b", "default/c"]
    assert past.objects[0].labels == {}
    now = store.snapshot(PODS, None, store.resource_version)
    assert now.keys == ["default/a", "default/c", "default/d"]
    store.compact()
    with pytest.raises(ApiError):
        store.snapshot(PODS, "default", then - 1)


def test_continue_tokens_round_trip() -> None:
    token = ContinueToken(42, "default/web-1\x00")
    assert decode_continue(token.encode()) == token
    for bad in ("!!!", "e30", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiIifQ"):
        with pytest.raises(ApiError) as raised:
            decode_continue(bad)
        assert raised.value.code == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("True", True), ("1", True), ("yes", True), ("0", False), ("FALSE", False)],
)
def test_query_booleans(text: str, expected: bool) -> None:
    assert flag({"watch": text}, "watch") is expected


def test_field_selectors_per_resource() -> None:
    store = Store()
    pod = store.put(PODS, {**_pod("a"), "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}})
    selector = parse_field_selector("spec.nodeName=n1,status.phase!=Pending", PODS)
    assert selector.matches(pod)
    assert not parse_field_selector("metadata.name==b", PODS).matches(pod)
    event = store.put(
        EVENTS,
        {"metadata": {"name": "e", "namespace": "default"}, "involvedObject": {"name": "a,b"}},
    )
    assert parse_field_selector("involvedObject.name=a\\,b", EVENTS).matches(event)
    with pytest.raises(ApiError):
        parse_field_selector("status.phase=Running", NODES)


def test_list_options_as_clients_send_them() -> None:
    options = parse_list_options(
        {
            "allowWatchBookmarks": "True",
            "resourceVersionMatch": "NotOlderThan",
            "sendInitialEvents": "True",
            "timeoutSeconds": "30",
            "watch": "True",
            "labelSelector": "app in (a,b),!legacy",
        },
        PODS,
    )
    assert options.watch and options.bookmarks and options.initial_events is True
    assert options.timeout == 30
    assert options.labels.matches({"app": "a"})
    assert not options.labels.matches({"app": "a", "legacy": "1"})
