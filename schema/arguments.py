"""The arguments Query and Cluster share, each with the description clients read."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.inputs import PodFilter, PodOrder, WorkloadFilter, WorkloadOrder

PODS_DESCRIPTION = (
    "Pods, filtered, ordered and paged on the server (Relay: first and after forward, last "
    "and before backward)."
)


WorkloadFilterArg = Annotated[
    WorkloadFilter | None,
    strawberry.argument(
        description="Which workloads to include; omitted: every workload the caller may see."
    ),
]
WorkloadFirstArg = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "Page size: how many workloads follow `after`, from 0 to the gateway's page limit "
            "(1000 unless configured); 100 when omitted."
        )
    ),
]
WorkloadAfterArg = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A cursor from this same list (an edge's cursor or pageInfo.endCursor): the page "
            "starts right after it. Omitted: from the start."
        )
    ),
]
WorkloadOrderArg = Annotated[
    WorkloadOrder | None,
    strawberry.argument(description="Sort order; by name, ascending, when omitted."),
]
PodFilterArg = Annotated[
    PodFilter | None,
    strawberry.argument(
        description="Which pods to include; omitted: every pod the caller may see."
    ),
]
PodFirstArg = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "Forward paging: how many pods follow `after`, from 0 to the page limit (1000 "
            "unless configured). Not with `last`; neither given: the first 100."
        )
    ),
]
PodAfterArg = Annotated[
    str | None,
    strawberry.argument(
        description="Forward paging: start right after this cursor of the same list."
    ),
]
PodLastArg = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "Backward paging: how many pods precede `before`, from 0 to the page limit. "
            "Not with `first`."
        )
    ),
]
PodBeforeArg = Annotated[
    str | None,
    strawberry.argument(
        description="Backward paging: end right before this cursor of the same list."
    ),
]
PodOrderArg = Annotated[
    PodOrder | None,
    strawberry.argument(description="Sort order; by name, ascending, when omitted."),
]
SummaryFilterArg = Annotated[
    WorkloadFilter | None,
    strawberry.argument(
        description=(
            "Which workloads (and standalone pods) to count; omitted: all the caller may see."
        )
    ),
]
ClusterArg = Annotated[
    str, strawberry.argument(description="The cluster's name, as configured in the gateway.")
]
NamespaceArg = Annotated[str, strawberry.argument(description="The object's namespace.")]
NameArg = Annotated[str, strawberry.argument(description="The object's metadata.name.")]
