"""Who is asking, and may they: the API server's authentication, impersonation and
authorization filters, in that order, in front of every API request.

Two modes:

- open (the default, what the existing tests and the demo's kubeconfig rely on): a
  bearer token the cluster knows is its user; no token, or one it does not know, is
  served as ``kubernetes-admin`` (``system:masters``). Requests are not authorized,
  but impersonation is, so ``kubectl --as`` behaves as on a real server.
- required (``SimulatedCluster(require_auth=True)``): no valid token is a 401
  ``Unauthorized`` Status, and every request is authorized by RBAC, refused with the
  real server's 403 (``pods is forbidden: User "alice" cannot list resource "pods" in
  API group "" in the namespace "shop"``).

The admin API under ``/simcluster/`` is the simulator's own control and is never
checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from aiohttp import web
from aiohttp.typedefs import Middleware
from multidict import CIMultiDictProxy

from simcluster import errors
from simcluster.identities import (
    ANONYMOUS,
    AUTHENTICATED,
    UNAUTHENTICATED,
    Identities,
    User,
    service_account_groups,
    split_service_account,
)
from simcluster.rbac import Attributes, Authorizer
from simcluster.requestinfo import request_attributes

REQUESTER = web.RequestKey("simcluster.requester", User)
"""The user a request is served as, after impersonation."""
_EXTRA_PREFIX = "impersonate-extra-"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bearer_token(headers: CIMultiDictProxy[str]) -> str:
    """The token of ``Authorization: Bearer TOKEN``, else ""."""
    parts = headers.get("Authorization", "").strip().split(" ")
    if len(parts) < 2 or parts[0].lower() != "bearer":
        return ""
    return parts[1]


def forbidden(attributes: Attributes, reason: str = "") -> errors.ApiError:
    """The 403 of responsewriters.Forbidden, worded as the real server words it."""
    user = attributes.user
    if not attributes.resource_request:
        message = f'User "{user}" cannot {attributes.verb} path "{attributes.path}"'
    else:
        resource = attributes.resource
        if attributes.subresource:
            resource = f"{resource}/{attributes.subresource}"
        where = (
            f'in the namespace "{attributes.namespace}"'
            if attributes.namespace
            else "at the cluster scope"
        )
        message = (
            f'User "{user}" cannot {attributes.verb} resource "{resource}" in API group '
            f'"{attributes.group}" {where}'
        )
    if reason:
        message = f"{message}: {reason}"
    qualified = attributes.resource
    if attributes.group:
        qualified = f"{qualified}.{attributes.group}"
    if not qualified:
        return errors.ApiError(403, "Forbidden", f"forbidden: {message}", {})
    details: dict[str, str] = {}
    if attributes.name:
        details["name"] = attributes.name
    if attributes.group:
        details["group"] = attributes.group
    details["kind"] = attributes.resource
    named = f' "{attributes.name}"' if attributes.name else ""
    return errors.ApiError(403, "Forbidden", f"{qualified}{named} is forbidden: {message}", details)


class Access:
    """Authentication, impersonation and (when required) authorization for one cluster."""

    def __init__(self, identities: Identities, authorizer: Authorizer, *, required: bool) -> None:
        self.identities = identities
        self.authorizer = authorizer
        self.required = required

    def authenticate(self, headers: CIMultiDictProxy[str]) -> User:
        token = bearer_token(headers)
        if token:
            found = self.identities.authenticate(token)
            if found.user is not None:
                return found.user
        if self.required:
            raise errors.unauthorized()
        return self.identities.admin

    def impersonate(self, requester: User, headers: CIMultiDictProxy[str]) -> User:
        """The user named by ``Impersonate-*`` headers, if the requester may act as them."""
        username = headers.get("Impersonate-User", "")
        groups = list(headers.getall("Impersonate-Group", []))
        uid = headers.get("Impersonate-Uid", "")
        extra: dict[str, list[str]] = {}
        for header, value in headers.items():
            if header.lower().startswith(_EXTRA_PREFIX):
                key = unquote(header[len(_EXTRA_PREFIX) :]).lower()
                extra.setdefault(key, []).append(value)
        if not username:
            if groups or uid or extra:
                raise errors.internal(
                    "requested impersonation of groups, a uid or extra without impersonating a user"
                )
            return requester

        def acting_as(
            resource: str, name: str, *, namespace: str = "", group: str = "", sub: str = ""
        ) -> Attributes:
            return Attributes(
                requester.username,
                requester.groups,
                "impersonate",
                namespace=namespace,
                group=group,
                resource=resource,
                subresource=sub,
                name=name,
            )

        checks: list[Attributes] = []
        account = split_service_account(username)
        if account is not None:
            checks.append(acting_as("serviceaccounts", account[1], namespace=account[0]))
            if not groups:
                groups = list(service_account_groups(account[0]))
        else:
            checks.append(acting_as("users", username))
        checks += [acting_as("groups", g) for g in headers.getall("Impersonate-Group", [])]
        if uid:
            checks.append(acting_as("uids", uid, group="authentication.k8s.io"))
        for key, values in extra.items():
            checks += [
                acting_as("userextras", v, group="authentication.k8s.io", sub=key) for v in values
            ]
        for check in checks:
            decision = self.authorizer.authorize(check)
            if not decision.allowed:
                raise forbidden(check, decision.reason)
        if username != ANONYMOUS and not {AUTHENTICATED, UNAUTHENTICATED} & set(groups):
            groups.append(AUTHENTICATED)
        return User(username, uid, tuple(groups), {k: tuple(v) for k, v in extra.items()})

    def authorize(self, user: User, request: web.Request) -> None:
        if not self.required:
            return
        attributes = request_attributes(
            user.username, user.groups, request.method, request.path, request.query
        )
        decision = self.authorizer.authorize(attributes)
        if not decision.allowed:
            raise forbidden(attributes, decision.reason)

    def middleware(self, exempt_prefix: str) -> Middleware:
        @web.middleware
        async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not request.path.startswith(exempt_prefix):
                user = self.impersonate(self.authenticate(request.headers), request.headers)
                self.authorize(user, request)
                request[REQUESTER] = user
            return await handler(request)

        return check
