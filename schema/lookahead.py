"""Which nested fields a query asks for, so the parent resolver prefetches them in one batch."""

from __future__ import annotations

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def requested(info: Info) -> frozenset[str]:
    """Every field name anywhere below the current field (fragments included).

    Over-approximating is cheap (a batch read too many); missing one would leave a
    list empty, so names are collected without regard to the type they belong to.
    """
    names: set[str] = set()
    pending: list[Selection] = list(info.selected_fields)
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        if isinstance(selection, SelectedField | InlineFragment | FragmentSpread):
            pending.extend(selection.selections)
    return frozenset(names)
