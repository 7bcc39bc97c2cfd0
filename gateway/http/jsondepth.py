"""JSON from clients, read with a bound on how deeply it nests.

Python's parser recurses once per level: a 2 KB body nested 1,000 deep raises
RecursionError (a 500 with a traceback), and what it does parse at 900 levels is then
walked recursively by GraphQL's variable coercion and by the encoder. No request of
this API needs more than a few levels (its deepest input is a filter of lists), so
anything past ``MAX_DEPTH`` is refused as the client's mistake.
"""

from __future__ import annotations

import json

MAX_DEPTH = 32
"""Levels of arrays and objects a client's JSON may nest."""


class TooDeep(ValueError):
    def __init__(self, where: str) -> None:
        super().__init__(f"{where} nests too deep (more than {MAX_DEPTH} levels of JSON)")


def depth_of(value: object) -> int:
    """How deeply arrays and objects nest in a parsed value, walked without recursion."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        pending.extend((child, level) for child in children)
    return deepest


def loads(text: str | bytes, where: str) -> object:
    """``json.loads`` that refuses deep nesting with TooDeep (a ValueError); other faults
    raise as ``json.loads`` raises them."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep(where) from None
    if depth_of(value) > MAX_DEPTH:
        raise TooDeep(where)
    return value
