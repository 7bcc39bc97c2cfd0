"""Pod.logs: thin, the work is in gateway.podlogs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.types import Info

from gateway.podlogs import LogError
from schema.errors import GatewayError

if TYPE_CHECKING:
    from schema.types import Pod


async def read_logs(
    info: Info,
    pod: Pod,
    *,
    container: str | None,
    tail_lines: int,
    since_seconds: int | None,
    previous: bool,
) -> str:
    if not info.context.queries.logs_allowed(pod.cluster, pod.namespace):
        raise GatewayError(
            f"you may not read pod logs in namespace {pod.namespace} of cluster {pod.cluster}",
            "FORBIDDEN",
        )
    try:
        return await info.context.logs.read(  # type: ignore[no-any-return]
            pod.cluster,
            pod.namespace,
            pod.name,
            container=container,
            tail_lines=tail_lines,
            since_seconds=since_seconds,
            previous=previous,
        )
    except LogError as error:
        raise GatewayError(str(error), error.code) from error
