"""The memo's two indexes stay in step when different bytes decode to one object."""

from __future__ import annotations

from gateway.store.memo import RecordMemo


def test_values_orjson_shares_are_evicted_without_error() -> None:
    """orjson hands out one object for ``true``, ``null`` and small numbers, however they
    are spelt: two entries shared one identity, evicting the first dropped the second's,
    and evicting the second raised KeyError in the middle of a read."""
    memo = RecordMemo(capacity=2)
    assert memo.decode(b"1") is memo.decode(b" 1")
    for raw in (b'{"n": 1}', b'{"n": 2}', b'{"n": 3}'):
        assert memo.decode(raw) == {"n": int(raw[6:7])}
    assert len(memo) == 2


def test_a_shared_value_is_built_once_while_an_entry_holds_it() -> None:
    """Evicting the older of two entries that share the object left the newer one
    unreachable by identity: its object was built anew on every read."""
    memo = RecordMemo(capacity=3)
    one = memo.decode(b"1")
    memo.decode(b" 1")
    memo.decode(b'{"n": 1}')
    memo.decode(b'{"n": 2}')  # evicts b"1"; b" 1" still holds the same object
    builds: list[object] = []

    def build(record: object) -> int:
        builds.append(record)
        return len(builds)

    assert memo.built(one, build) == memo.built(one, build) == 1
