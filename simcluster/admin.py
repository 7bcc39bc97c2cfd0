"""The admin API of a simulated cluster, under ``/simcluster/`` on its own port.

For people breaking things on purpose with curl, and for tests in other processes:
every fault of faults.py, node states, the clock, and the identities (users and
service accounts with tokens). Paths and parameters are documented in
docs/simcluster.md. Tokens travel in JSON bodies, never in URLs (which end up in
logs); listing identities shows how many tokens each has, not the tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simcluster import errors
from simcluster.api import json_response, read_body
from simcluster.identities import User
from simcluster.nodes import NodeState
from simcluster.resources import RESOURCES

if TYPE_CHECKING:
    from simcluster.cluster import SimulatedCluster


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


async def _fields(request: web.Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise errors.bad_request("the body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise errors.bad_request(f"unknown fields {unknown}: expected some of {list(allowed)}")
    for key, value in body.items():
        if not _well_typed(key, value):
            raise errors.bad_request(f"{key} has the wrong type")
    return body


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _well_typed(key: str, value: object) -> bool:
    if key in ("groups", "audiences"):
        return _strings(value)
    if key == "extra":
        return isinstance(value, dict) and all(_strings(v) for v in value.values())
    return isinstance(value, str)


def _identity(user: User, token: str) -> dict[str, Any]:
    return {**user.info(), "token": token}


def add_routes(app: web.Application, cluster: SimulatedCluster) -> None:
    faults = cluster.faults

    async def describe(request: web.Request) -> web.StreamResponse:
        counts = {r.plural: cluster.store.count(r) for r in RESOURCES}
        counts |= {
            r.qualified: cluster.store.count(r) for r in cluster.registry.catalog.preferred()
        }
        return json_response(
            {
                "name": cluster.name,
                "url": cluster.url,
                "time": cluster.clock.timestamp(),
                "timeScale": cluster.clock.time_scale,
                "objects": counts,
                "faults": faults.describe(),
                "followedLogs": len(cluster.log_streams.open),
                "requireAuth": cluster.require_auth,
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

    identities = cluster.identities

    async def list_identities(request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "requireAuth": cluster.require_auth,
                "apiAudiences": list(identities.api_audiences),
                "users": [{**u.info(), "tokens": n} for u, n in identities.users()],
            }
        )

    def _added(token: str) -> web.StreamResponse:
        user = identities.user_of(token)
        assert user is not None, "the token was just added"
        return json_response(_identity(user, token), 201)

    async def add_user(request: web.Request) -> web.StreamResponse:
        body = await _fields(request, ("username", "token", "groups", "uid", "extra", "audiences"))
        try:
            token = identities.add_user(
                str(body.get("username") or ""),
                token=body.get("token"),
                groups=body.get("groups") or (),
                uid=body.get("uid"),
                extra=body.get("extra"),
                audiences=body.get("audiences"),
            )
        except ValueError as error:
            raise errors.bad_request(str(error)) from None
        return _added(token)

    async def add_service_account(request: web.Request) -> web.StreamResponse:
        body = await _fields(request, ("namespace", "name", "token", "uid", "audiences"))
        try:
            token = identities.add_service_account(
                str(body.get("namespace") or ""),
                str(body.get("name") or ""),
                token=body.get("token"),
                uid=body.get("uid"),
                audiences=body.get("audiences"),
            )
        except ValueError as error:
            raise errors.bad_request(str(error)) from None
        return _added(token)

    async def revoke(request: web.Request) -> web.StreamResponse:
        body = await _fields(request, ("token", "username"))
        if "token" in body:
            return json_response({"revoked": int(identities.revoke(str(body["token"])))})
        if "username" in body:
            return json_response({"revoked": identities.revoke_user(str(body["username"]))})
        raise errors.bad_request("give the token or the username to revoke")

    async def require_auth(request: web.Request) -> web.StreamResponse:
        enabled = request.query.get("enabled", "").lower()
        if enabled not in ("true", "false"):
            raise errors.bad_request("enabled must be true or false")
        cluster.require_auth = enabled == "true"
        return json_response({"requireAuth": cluster.require_auth})

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
        ("GET", "/simcluster/identities", list_identities),
        ("POST", "/simcluster/identities/users", add_user),
        ("POST", "/simcluster/identities/serviceaccounts", add_service_account),
        ("POST", "/simcluster/identities/revoke", revoke),
        ("POST", "/simcluster/identities/require-auth", require_auth),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
