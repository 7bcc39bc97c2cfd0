"""Push mode for paged consoles: "the list you show changed", debounced, instead of each change.

A console showing page 3 of a filtered, sorted list cannot apply one workload's change to
it: the change may move a row to another page, or off the filter. It needs to know when
to fetch the page again, and how the totals moved, no more often than it can redraw.
Changes are counted as they arrive; the first one opens a window of the client's chosen
length, and at its end one notice says how many came, with the list's new total and
status counts. A burst of a thousand changes is one notice; a quiet list sends nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import strawberry

from gateway.store.queries import Queries, Summary
from gateway.store.selection import Criteria, Order
from schema.query import summary_type
from schema.types import StatusSummary

MIN_DEBOUNCE_MS = 100
MAX_DEBOUNCE_MS = 60_000
DEFAULT_DEBOUNCE_MS = 1000


@strawberry.type(
    description=(
        "The workloads a filter selects changed: fetch the page you show again. Sent at "
        "most once per debounce window, only when something in the filter changed."
    )
)
class WorkloadListChange:
    cursor: str = strawberry.field(
        description=(
            "Resume here (`after`) to hear of changes after this notice; a notice comes "
            "at once if any happened while away."
        )
    )
    changes: int = strawberry.field(
        description="How many status changes, additions and deletions the notice covers."
    )
    total_count: int = strawberry.field(
        description="How many workloads the filter selects now (workloads(filter).totalCount)."
    )
    summary: StatusSummary = strawberry.field(
        description="The selected workloads counted per status and per kind and status, now."
    )


async def debounced(source: AsyncIterator[object], seconds: float) -> AsyncIterator[int]:
    """How many items ``source`` gave in each window: a window opens with the first item
    after the last one closed and lasts ``seconds``. An error of ``source`` comes after
    the count of what preceded it. The items are counted, not kept."""
    arrived = asyncio.Event()
    count = 0
    ended: list[BaseException | None] = []

    async def pump() -> None:
        nonlocal count
        try:
            async for _ in source:
                count += 1
                arrived.set()
            ended.append(None)
        except Exception as error:
            # Handed to the consumer, which raises it after the count before it.
            ended.append(error)
        arrived.set()

    task = asyncio.create_task(pump(), name="debounced-pump")
    try:
        while True:
            await arrived.wait()
            if count and not ended:
                await asyncio.sleep(seconds)
            arrived.clear()
            taken, count = count, 0
            if taken:
                yield taken
            if ended:
                if ended[0] is not None:
                    raise ended[0]
                return
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def list_change(
    queries: Queries, chosen: Criteria, cursor: str, changes: int
) -> WorkloadListChange:
    """The list's totals now, from the same index read the workloads connection makes."""
    summary = Summary()
    entries = await queries.selected(chosen, Order())
    for entry in entries:
        summary.add(entry.kind, entry.status, 1)
    return WorkloadListChange(
        cursor=cursor, changes=changes, total_count=len(entries), summary=summary_type(summary)
    )
