"""The admin API of a simulated cluster, under ``/simcluster/`` on its own port.

For people breaking things on purpose with curl, and for tests in other processes:
every fault of faults.py, node states and the clock. Paths and parameters are
documented in docs/simcluster.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.simcluster import errors
from gateway.simcluster.api import json_response
from gateway.simcluster.nodes import NodeState
from gateway.simcluster.resources import RESOURCES

if TYPE_CHECKING:
    from gateway.simcluster.cluster import SimulatedCluster


def _number(query: Mapping[str, str], name: str, default: float | None = None) -> float:
    text = query.get(name)
    if text is None:
        if default is None:
            raise errors.bad_request(f"query parameter {name} is required")
        return default
    try:
        value = float(text)
    except ValueError:
        raise errors.bad_request(f"{name} must be a number, got {text!r}") from None
    if value < 0:
        raise errors.bad_request(f"{name} must not be negative")
    return value


def add_routes(app: web.Application, cluster: SimulatedCluster) -> None:
    faults = cluster.faults

    async def describe(request: web.Request) -> web.StreamResponse:
        counts = {r.plural: cluster.store.count(r) for r in RESOURCES}
        return json_response(
            {
                "name": cluster.name,
                "url": cluster.url,
                "time": cluster.clock.timestamp(),
                "timeScale": cluster.clock.time_scale,
                "objects": counts,
                "faults": faults.describe(),
                "followedLogs": len(cluster.log_streams.open),
            }
        )

    async def drop_watches(request: web.Request) -> web.StreamResponse:
        reset = request.query.get("reset", "false").lower() in ("1", "true")
        return json_response({"dropped": faults.drop_watches(reset=reset)})

    async def compact(request: web.Request) -> web.StreamResponse:
        return json_response({"compactedTo": faults.compact()})

    async def fail(request: web.Request) -> web.StreamResponse:
        count = int(_number(request.query, "count", 1))
        code = int(_number(request.query, "code", 500))
        retry_after = int(_number(request.query, "retryAfter", 1))
        try:
            faults.fail_next(count, code, retry_after)
        except ValueError as error:
            raise errors.bad_request(str(error)) from None
        return json_response(faults.describe())

    async def latency(request: web.Request) -> web.StreamResponse:
        faults.latency = _number(request.query, "seconds")
        return json_response(faults.describe())

    async def unreachable(request: web.Request) -> web.StreamResponse:
        seconds = _number(request.query, "seconds")
        if not 0 < seconds <= 3600:
            raise errors.bad_request("seconds must be between 0 and 3600")
        await faults.go_unreachable(seconds, spare=request.transport)
        response = json_response({"unreachableForSeconds": seconds})
        response.force_close()
        return response

    async def clear(request: web.Request) -> web.StreamResponse:
        await faults.clear()
        return json_response(faults.describe())

    async def node_state(request: web.Request) -> web.StreamResponse:
        try:
            state = NodeState(request.query.get("state", ""))
        except ValueError:
            raise errors.bad_request(
                "state must be one of " + ", ".join(s.value for s in NodeState)
            ) from None
        return json_response(cluster.set_node_state(request.match_info["name"], state))

    async def advance(request: web.Request) -> web.StreamResponse:
        cluster.clock.advance(_number(request.query, "seconds"))
        return json_response({"time": cluster.clock.timestamp()})

    routes: list[tuple[str, str, Any]] = [
        ("GET", "/simcluster/", describe),
        ("POST", "/simcluster/faults/drop-watches", drop_watches),
        ("POST", "/simcluster/faults/compact", compact),
        ("POST", "/simcluster/faults/fail", fail),
        ("POST", "/simcluster/faults/latency", latency),
        ("POST", "/simcluster/faults/unreachable", unreachable),
        ("POST", "/simcluster/faults/clear", clear),
        ("POST", "/simcluster/nodes/{name}/state", node_state),
        ("POST", "/simcluster/clock/advance", advance),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
