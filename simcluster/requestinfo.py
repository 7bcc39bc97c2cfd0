"""What an HTTP request asks for, in authorization's terms: the API server's RequestInfo.

Resource requests (``/api/v1/namespaces/shop/pods/web/log``) become verb, API group,
namespace, resource, name and subresource; everything else (discovery, OpenAPI,
``/version``, ``/healthz``) is a non-resource request for its path. The verb follows
the HTTP method: GET of a collection is ``list`` (``watch`` with ``watch=true`` or
under ``/watch/``, and a ``metadata.name`` field selector names the object), DELETE
of a collection ``deletecollection``. Worked out from the path alone, as the real
server does before it knows whether the resource exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from simcluster.query import flag
from simcluster.rbac import Attributes

_METHOD_VERBS = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")


def request_attributes(
    user: str, groups: tuple[str, ...], method: str, path: str, query: Mapping[str, str]
) -> Attributes:
    parts = [p for p in path.split("/") if p]
    verb = _METHOD_VERBS.get(method.upper(), "")
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return Attributes(
            user, groups, verb.lower() or method.lower(), path=path, resource_request=False
        )
    rest = parts[1:]
    group = ""
    if parts[0] == "apis":
        if len(rest) < 3:
            return Attributes(user, groups, verb, path=path, resource_request=False)
        group, rest = rest[0], rest[1:]
    rest = rest[1:]
    if rest[0] in ("watch", "proxy"):
        if len(rest) < 2:
            return Attributes(user, groups, verb, path=path, resource_request=False)
        verb, rest = rest[0], rest[1:]
        by_method = False
    else:
        by_method = True
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    subresource = rest[2] if len(rest) >= 3 and verb not in ("proxy", "watch") else ""
    if by_method and not name and verb == "get":
        verb = "watch" if flag(query, "watch") else "list"
    if verb in ("list", "watch") and not name:
        name = _named_by_selector(query.get("fieldSelector") or "")
    if by_method and not name and verb == "delete":
        verb = "deletecollection"
    return Attributes(
        user,
        groups,
        verb,
        namespace=namespace,
        group=group,
        resource=resource,
        subresource=subresource,
        name=name,
        path=path,
    )


def _named_by_selector(selector: str) -> str:
    """The name a ``metadata.name=NAME`` field selector requires, if it requires exactly one."""
    for term in selector.split(","):
        key, equals, value = term.partition("==") if "==" in term else term.partition("=")
        if equals and key.strip() == "metadata.name" and not key.endswith("!"):
            name = value.strip()
            if name not in (".", "..") and "/" not in name and "%" not in name:
                return name
    return ""
