"""The Kubernetes REST API of one simulated cluster, on aiohttp.

Paths are resolved by hand (``/api/v1/namespaces/NS/pods/NAME/status`` ...) the way
the API server's installer lays them out, then handed to the registry. Every
failure, including a body that is not JSON or an exception in the simulator
itself, is answered with a Status object: clients never see a traceback or a
connection left hanging.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import yaml
from aiohttp import web

from simcluster import discovery, errors, kubeproto, openapi, patch, tables
from simcluster.access import REQUESTER, Access
from simcluster.catalog import Catalog
from simcluster.clock import SimClock
from simcluster.customresources import check_body_type, served_at
from simcluster.faults import Faults
from simcluster.podlog import LogContext, LogStreams, serve_log
from simcluster.query import flag, parse_list_options, parse_resource_version
from simcluster.registry import (
    BACKGROUND,
    FOREGROUND,
    ORPHAN,
    DeleteOptions,
    Registry,
)
from simcluster.resources import ResourceType
from simcluster.reviews import Reviews
from simcluster.store import Store, StoredObject, dump
from simcluster.watch import (
    Watches,
    WatchSettings,
    serve_watch,
    table_encoder,
    version_encoder,
    wait_for_version,
)

LOG = logging.getLogger(__name__)
MAX_BODY = 3 * 1024 * 1024
ADMIN_PREFIX = "/simcluster/"
_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml"})
_PATCH_TYPES = frozenset({patch.MERGE_PATCH, patch.JSON_PATCH, patch.STRATEGIC_MERGE_PATCH})
SCALE = ("autoscaling/v1", "Scale")


@dataclass(slots=True)
class ApiContext:
    """What the handlers of one cluster work on."""

    store: Store
    registry: Registry
    clock: SimClock
    watches: Watches
    faults: Faults
    settings: WatchSettings
    address: Callable[[], str]
    logs: LogStreams
    access: Access
    reviews: Reviews


CONTEXT = web.AppKey("simcluster", ApiContext)


@dataclass(frozen=True, slots=True)
class Target:
    resource: ResourceType
    namespace: str | None
    """None for a namespaced resource across all namespaces; "" for cluster-scoped ones."""
    name: str
    subresource: str
    watch_path: bool


def json_response(body: Any, status: int = 200) -> web.Response:
    data = body if isinstance(body, bytes) else dump(body)
    return web.Response(body=data, status=status, content_type="application/json")


def list_body(head: dict[str, str], meta: dict[str, Any], items: list[bytes]) -> bytes:
    """A list object around items already serialised, copied once into one buffer."""
    parts = [dump({**head, "metadata": meta})[:-1], b',"items":[']
    for index, item in enumerate(items):
        if index:
            parts.append(b",")
        parts.append(item)
    parts.append(b"]}")
    return b"".join(parts)


def status_response(error: errors.ApiError) -> web.Response:
    response = json_response(error.status(), error.code)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.ApiError as error:
        return status_response(error)
    except web.HTTPException as error:
        reason = "RequestEntityTooLarge" if error.status == 413 else error.reason.replace(" ", "")
        return status_response(errors.ApiError(error.status, reason, error.text or error.reason))
    except Exception as error:
        LOG.exception("simulated API server failed on %s %s", request.method, request.path)
        return status_response(errors.internal(f"{type(error).__name__}: {error}"))


@web.middleware
async def _faults(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if not request.path.startswith(ADMIN_PREFIX):
        await request.app[CONTEXT].faults.before_request()
    return await handler(request)


def build_app(
    context: ApiContext, extra_routes: Callable[[web.Application], None] | None = None
) -> web.Application:
    app = web.Application(
        middlewares=[_errors, _faults, context.access.middleware(ADMIN_PREFIX)],
        client_max_size=MAX_BODY,
    )
    app[CONTEXT] = context
    if extra_routes is not None:
        extra_routes(app)
    app.router.add_route("*", "/{path:.*}", handle)
    return app


async def handle(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    parts = [p for p in request.path.split("/") if p]
    if request.path in ("/healthz", "/livez", "/readyz"):
        return web.Response(text="ok")
    if request.method != "GET" and (len(parts) < 3 or parts == ["apis", "apps"]):
        raise errors.method_not_allowed()
    if parts[:1] == ["openapi"]:
        return _openapi(request, parts)
    found = _discovery(parts, context)
    if found is not None:
        return json_response(found)
    target = resolve(parts, context.registry.catalog)
    if not target.resource.stored:
        return await _review(request, context, target)
    if target.subresource == "log":
        if request.method != "GET":
            raise errors.method_not_allowed()
        logs = LogContext(
            context.store, context.registry, context.clock, context.logs, context.settings
        )
        return await serve_log(request, logs, target.namespace or "", target.name)
    handlers = {
        "GET": _get,
        "POST": _post,
        "PUT": _put,
        "PATCH": _patch,
        "DELETE": _delete,
    }
    method = handlers.get(request.method)
    if method is None:
        raise errors.method_not_allowed()
    return await method(request, context, target)


def _discovery(parts: list[str], context: ApiContext) -> dict[str, Any] | None:
    if parts == ["version"]:
        return discovery.SERVER_VERSION
    if parts == ["api"]:
        return discovery.core_versions(context.address())
    catalog = context.registry.catalog
    if parts == ["apis"]:
        return discovery.group_list(catalog)
    if len(parts) == 2 and parts[0] == "apis":
        return discovery.group(catalog, parts[1]) or _raise(errors.no_such_path())
    if parts == ["api", "v1"]:
        return discovery.resource_list(catalog, "", "v1")
    if len(parts) == 3 and parts[0] == "apis":
        found = discovery.resource_list(catalog, parts[1], parts[2])
        return found or _raise(errors.no_such_path())
    return None


def _openapi(request: web.Request, parts: list[str]) -> web.Response:
    if parts == ["openapi", "v2"]:
        if openapi.PROTOBUF_V2 in request.headers.get("Accept", ""):
            return web.Response(body=openapi.v2_protobuf(), content_type="application/octet-stream")
        return json_response(openapi.v2_json())
    if parts == ["openapi", "v3"]:
        return json_response(openapi.v3_root())
    document = None
    if len(parts) == 4 and parts[2] == "api":
        document = openapi.group_version_document("", parts[3])
    elif len(parts) == 5 and parts[2] == "apis":
        document = openapi.group_version_document(parts[3], parts[4])
    if document is None:
        raise errors.no_such_path()
    return json_response(document)


def _raise(error: errors.ApiError) -> dict[str, Any]:
    raise error


def resolve(parts: list[str], catalog: Catalog) -> Target:
    """The resource, namespace, name and subresource a path addresses; 404 if none."""
    if len(parts) >= 2 and parts[0] == "api" and parts[1] == "v1":
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise errors.no_such_path()
    watch_path = bool(rest) and rest[0] == "watch"
    if watch_path:
        rest = rest[1:]
    if not rest:
        raise errors.no_such_path()
    namespace: str | None = None
    nested = catalog.by_path(group, version, rest[2]) if len(rest) >= 3 else None
    if rest[0] == "namespaces" and nested is not None and nested.namespaced:
        namespace, resource, tail = rest[1], nested, rest[3:]
    else:
        found = catalog.by_path(group, version, rest[0])
        if found is None:
            raise errors.no_such_path()
        resource, tail = found, rest[1:]
    if not resource.namespaced:
        namespace = ""
    elif namespace is None and tail:
        raise errors.no_such_path()
    if len(tail) > 2:
        raise errors.no_such_path()
    name = tail[0] if tail else ""
    subresource = tail[1] if len(tail) > 1 else ""
    allowed = {""}
    if resource.has_status:
        allowed.add("status")
    if resource.has_scale:
        allowed.add("scale")
    if resource.has_log:
        allowed.add("log")
    if subresource not in allowed or (watch_path and subresource):
        raise errors.no_such_path()
    return Target(resource, namespace, name, subresource, watch_path)


def _wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


def _object_response(
    request: web.Request,
    context: ApiContext,
    target: Target,
    result: StoredObject | dict[str, Any],
    status: int = 200,
) -> web.Response:
    if isinstance(result, dict) and result.get("kind") == "Status":
        return json_response(result, status)
    if _wants_table(request):
        obj = result.load() if isinstance(result, StoredObject) else result
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        body = tables.table(
            target.resource,
            [obj],
            context.clock.time(),
            {"resourceVersion": rv},
            include_object=request.query.get("includeObject", "Metadata"),
        )
        return json_response(body, status)
    if isinstance(result, StoredObject):
        return json_response(served_at(result, target.resource), status)
    return json_response(result, status)


async def _review(request: web.Request, context: ApiContext, target: Target) -> web.Response:
    """A TokenReview, SubjectAccessReview...: create-only, answered and forgotten."""
    if request.method != "POST" or target.name or target.subresource:
        raise errors.method_not_allowed()
    if target.resource.namespaced and not target.namespace:
        raise errors.no_such_path()
    body = await read_body(request, kind=(target.resource.api_version, target.resource.kind))
    answer = context.reviews.answer(
        target.resource, body, target.namespace or "", request[REQUESTER]
    )
    return json_response(answer, 201)


async def _get(request: web.Request, context: ApiContext, target: Target) -> web.StreamResponse:
    query = request.query
    watching = target.watch_path or bool(flag(query, "watch"))
    if target.name and not watching:
        if target.subresource == "scale":
            return json_response(
                context.registry.get_scale(target.resource, target.namespace or "", target.name)
            )
        stored = context.registry.get(target.resource, target.namespace or "", target.name)
        return _object_response(request, context, target, stored)
    options = parse_list_options(query, target.resource, watch=watching)
    if target.name:
        by_name = dict(query)
        names = f"metadata.name={target.name}"
        by_name["fieldSelector"] = (
            f"{by_name['fieldSelector']},{names}" if by_name.get("fieldSelector") else names
        )
        options = parse_list_options(by_name, target.resource, watch=True)
    if options.watch:
        encoder = version_encoder(target.resource) if target.resource.custom else None
        if _wants_table(request):
            encoder = table_encoder(
                target.resource, context.clock.time, query.get("includeObject", "Metadata")
            )
        return await serve_watch(
            request,
            store=context.store,
            watches=context.watches,
            settings=context.settings,
            resource=target.resource,
            namespace=target.namespace,
            options=options,
            encoder=encoder,
        )
    version = options.resource_version
    if version not in ("", "0") and options.token is None:
        await wait_for_version(context.store, parse_resource_version(version))
    result = context.registry.list(target.resource, target.namespace, options)
    meta: dict[str, Any] = {"resourceVersion": str(result.rv)}
    if result.token:
        meta["continue"] = result.token
    if result.remaining is not None:
        meta["remainingItemCount"] = result.remaining
    if _wants_table(request):
        body = tables.table(
            target.resource,
            [o.load() for o in result.items],
            context.clock.time(),
            meta,
            include_object=query.get("includeObject", "Metadata"),
        )
        return json_response(body)
    head = {"kind": target.resource.list_kind, "apiVersion": target.resource.api_version}
    items = [served_at(o, target.resource) for o in result.items]
    return json_response(list_body(head, meta, items))


async def read_body(
    request: web.Request, *, patching: bool = False, kind: tuple[str, str] | None = None
) -> Any:
    """The body as JSON would decode it; protobuf too when ``kind`` says what it must hold."""
    raw = await request.read()
    content_type = request.content_type
    if not raw.strip():
        raise errors.bad_request("the request body is empty: expected a JSON or YAML object")
    if content_type == kubeproto.CONTENT_TYPE and kind is not None and not patching:
        return kubeproto.decode(raw, *kind)
    if patching:
        if content_type not in _PATCH_TYPES:
            raise errors.unsupported_media_type(content_type)
    elif content_type in _YAML_TYPES:
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as error:
            raise errors.bad_request(f"yaml: unable to parse the request body: {error}") from None
    elif content_type not in ("application/json", "application/octet-stream", ""):
        raise errors.unsupported_media_type(content_type)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {error}") from None


def _dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise errors.bad_request(f'Invalid dryRun value "{value}": only "All" is supported')
    return bool(values)


async def _post(request: web.Request, context: ApiContext, target: Target) -> web.StreamResponse:
    if target.name or (target.resource.namespaced and target.namespace is None):
        raise errors.method_not_allowed()
    check_body_type(target.resource, target.subresource, request.content_type)
    body = await read_body(request, kind=(target.resource.api_version, target.resource.kind))
    result: StoredObject | dict[str, Any]
    if _dry_run(request):
        result = context.registry.prepare_create(target.resource, target.namespace or "", body)
    else:
        result = context.registry.create(target.resource, target.namespace or "", body)
    return _object_response(request, context, target, result, 201)


async def _put(request: web.Request, context: ApiContext, target: Target) -> web.StreamResponse:
    if not target.name:
        raise errors.method_not_allowed()
    check_body_type(target.resource, target.subresource, request.content_type)
    scale = target.subresource == "scale"
    kind = SCALE if scale else (target.resource.api_version, target.resource.kind)
    body = await read_body(request, kind=kind)
    namespace = target.namespace or ""
    if scale:
        return json_response(
            context.registry.update_scale(
                target.resource, namespace, target.name, body, dry_run=_dry_run(request)
            )
        )
    result = context.registry.update(
        target.resource,
        namespace,
        target.name,
        body,
        subresource=target.subresource,
        dry_run=_dry_run(request),
    )
    return _object_response(request, context, target, result)


async def _patch(request: web.Request, context: ApiContext, target: Target) -> web.StreamResponse:
    if not target.name:
        raise errors.method_not_allowed()
    check_body_type(target.resource, target.subresource, request.content_type)
    body = await read_body(request, patching=True)
    namespace = target.namespace or ""
    if target.subresource == "scale":
        return json_response(
            context.registry.update_scale(
                target.resource,
                namespace,
                target.name,
                body,
                content_type=request.content_type,
                dry_run=_dry_run(request),
            )
        )
    result = context.registry.patch(
        target.resource,
        namespace,
        target.name,
        request.content_type,
        body,
        subresource=target.subresource,
        dry_run=_dry_run(request),
    )
    return _object_response(request, context, target, result)


async def delete_options(request: web.Request, resource: ResourceType) -> DeleteOptions:
    body: dict[str, Any] = {}
    if request.can_read_body:
        raw = await request.read()
        if raw and request.content_type == kubeproto.CONTENT_TYPE:
            body = kubeproto.decode_delete_options(raw, resource.api_version)
        elif raw.strip():
            try:
                parsed = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as error:
                raise errors.bad_request(f"invalid DeleteOptions: {error}") from None
            if not isinstance(parsed, dict):
                raise errors.bad_request("invalid DeleteOptions: expected a JSON object")
            body = parsed
    query = request.query
    grace: Any = body.get("gracePeriodSeconds")
    if "gracePeriodSeconds" in query:
        try:
            grace = int(query["gracePeriodSeconds"])
        except ValueError:
            raise errors.bad_request("gracePeriodSeconds must be an integer") from None
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int)):
        raise errors.bad_request("gracePeriodSeconds must be an integer")
    propagation = query.get("propagationPolicy") or body.get("propagationPolicy")
    orphan = flag(query, "orphanDependents")
    if orphan is None and isinstance(body.get("orphanDependents"), bool):
        orphan = body["orphanDependents"]
    if propagation is None and orphan is not None:
        propagation = ORPHAN if orphan else BACKGROUND
    if propagation is not None and propagation not in (FOREGROUND, BACKGROUND, ORPHAN):
        raise errors.unprocessable(
            f'propagationPolicy: Unsupported value: "{propagation}": supported values: '
            '"Foreground", "Background", "Orphan", "nil"'
        )
    preconditions = body.get("preconditions") or {}
    dry_run = _dry_run(request) or body.get("dryRun") == ["All"]
    return DeleteOptions(
        grace_period=grace,
        propagation=propagation,
        uid=preconditions.get("uid") if isinstance(preconditions, dict) else None,
        resource_version=(
            preconditions.get("resourceVersion") if isinstance(preconditions, dict) else None
        ),
        dry_run=dry_run,
    )


async def _delete(request: web.Request, context: ApiContext, target: Target) -> web.StreamResponse:
    if target.subresource:
        raise errors.method_not_allowed()
    options = await delete_options(request, target.resource)
    if target.name:
        result = context.registry.delete(
            target.resource, target.namespace or "", target.name, options
        )
        return _object_response(request, context, target, result)
    listing = parse_list_options(request.query, target.resource)
    found = context.registry.list(target.resource, target.namespace, listing)
    deleted: list[bytes] = []
    for stored in found.items:
        result = context.registry.delete(target.resource, stored.namespace, stored.name, options)
        deleted.append(result.data if isinstance(result, StoredObject) else stored.data)
    head = {"kind": target.resource.list_kind, "apiVersion": target.resource.api_version}
    meta = {"resourceVersion": str(context.store.resource_version)}
    return json_response(list_body(head, meta, deleted))
