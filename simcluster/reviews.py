"""The review APIs: questions POSTed to the API server and answered, never stored.

- TokenReview (authentication.k8s.io/v1): is this token valid, for these audiences,
  and whose is it? Asked by gateways that authenticate people with their own tokens.
- SubjectAccessReview, LocalSubjectAccessReview (authorization.k8s.io/v1): may this
  user and these groups do this? Evaluated against the cluster's RBAC objects.
- SelfSubjectAccessReview, SelfSubjectRulesReview (``kubectl auth can-i``, ``--list``)
  and SelfSubjectReview (``kubectl auth whoami``): the same, about the caller
  (after impersonation).

Bodies are checked as the real server checks them (400 for wrong types, 422 Invalid
with its messages, ``metadata`` that must be empty) and answered with 201 and the
object, spec echoed (a TokenReview's token included, as the real server does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simcluster import errors
from simcluster.errors import FieldError
from simcluster.identities import Identities, User
from simcluster.rbac import Attributes, Authorizer, Decision, Rule
from simcluster.resources import (
    LOCALSUBJECTACCESSREVIEWS,
    SELFSUBJECTACCESSREVIEWS,
    SELFSUBJECTREVIEWS,
    SELFSUBJECTRULESREVIEWS,
    TOKENREVIEWS,
    ResourceType,
)
from simcluster.validation import type_error

_RESOURCE_FIELDS = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
_NON_RESOURCE_FIELDS = ("path", "verb")


def _object(resource: ResourceType, body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The body as an object of the resource's kind, and its metadata."""
    if not isinstance(body, dict):
        raise errors.bad_request(
            f"the body must be a JSON object describing a {resource.kind}, "
            f"got {type(body).__name__}"
        )
    kind = body.get("kind")
    if kind not in (None, "", resource.kind):
        raise errors.bad_request(
            f"the kind of the object ({kind}) does not match the resource ({resource.kind})"
        )
    version = body.get("apiVersion")
    if version not in (None, "", resource.api_version):
        raise errors.bad_request(
            f"the API version in the data ({version}) does not match the expected API "
            f"version ({resource.api_version})"
        )
    meta = body.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise type_error("ObjectMeta.metadata", dict, meta)
    return body, dict(meta or {})


def _section(parent: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, dict):
        raise type_error(path, dict, value)
    return value


def _string(parent: Mapping[str, Any], key: str, path: str) -> str:
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise type_error(path, str, value)
    return value or ""


def _strings(parent: Mapping[str, Any], key: str, path: str) -> list[str]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise type_error(path, list, value)
    for item in value:
        if not isinstance(item, str):
            raise type_error(path, str, item)
    return value


def _extra(parent: Mapping[str, Any], path: str) -> dict[str, list[str]]:
    value = _section(parent, "extra", path) or {}
    return {str(k): _strings(value, k, path) for k in value}


def _set_fields(meta: Mapping[str, Any], allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """The metadata a client actually set (the protobuf form sends every field, empty)."""
    ignored = ("managedFields", "creationTimestamp", *allowed)
    return {k: v for k, v in meta.items() if k not in ignored and v not in (None, "", 0, {}, [])}


def _cleaned(attributes: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {k: attributes[k] for k in names if attributes.get(k)}


def _status(decision: Decision) -> dict[str, Any]:
    status: dict[str, Any] = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    if decision.evaluation_error:
        status["evaluationError"] = decision.evaluation_error
    return status


class Reviews:
    """Answers the reviews of one cluster from its identities and RBAC objects."""

    def __init__(
        self, identities: Identities, authorizer: Authorizer, now: Callable[[], str]
    ) -> None:
        self.identities = identities
        self.authorizer = authorizer
        self.now = now

    def answer(
        self, resource: ResourceType, body: Any, namespace: str, requester: User
    ) -> dict[str, Any]:
        obj, meta = _object(resource, body)
        if resource is TOKENREVIEWS:
            return self.token_review(obj, meta)
        if resource is SELFSUBJECTREVIEWS:
            return self.self_subject_review(requester)
        if resource is SELFSUBJECTRULESREVIEWS:
            return self.self_subject_rules_review(obj, requester)
        if resource is LOCALSUBJECTACCESSREVIEWS:
            given = meta.get("namespace")
            if given and given != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace
        return self.access_review(resource, obj, meta, requester)

    def token_review(self, obj: Mapping[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
        spec = _section(obj, "spec", "TokenReview.spec") or {}
        token = _string(spec, "token", "TokenReviewSpec.spec.token")
        audiences = _strings(spec, "audiences", "TokenReviewSpec.spec.audiences")
        if not token:
            raise errors.bad_request("token is required for TokenReview in authentication")
        found = self.identities.authenticate(token, audiences)
        status: dict[str, Any]
        if found.user is not None:
            status = {
                "authenticated": True,
                "user": found.user.info(),
                "audiences": list(found.audiences),
            }
        else:
            status = {"user": {}, "error": found.error}
        echoed: dict[str, Any] = {"token": token}
        if audiences:
            echoed["audiences"] = audiences
        return {
            "kind": TOKENREVIEWS.kind,
            "apiVersion": TOKENREVIEWS.api_version,
            "metadata": {**_set_fields(meta), "creationTimestamp": None},
            "spec": echoed,
            "status": status,
        }

    def self_subject_review(self, requester: User) -> dict[str, Any]:
        return {
            "kind": SELFSUBJECTREVIEWS.kind,
            "apiVersion": SELFSUBJECTREVIEWS.api_version,
            "metadata": {"creationTimestamp": self.now()},
            "status": {"userInfo": requester.info()},
        }

    def access_review(
        self,
        resource: ResourceType,
        obj: Mapping[str, Any],
        meta: Mapping[str, Any],
        requester: User,
    ) -> dict[str, Any]:
        kind = resource.kind
        spec = _section(obj, "spec", f"{kind}.spec") or {}
        spec_path = f"{kind}Spec.spec"
        found: list[FieldError] = []
        resource_attributes = _section(
            spec, "resourceAttributes", f"{spec_path}.resourceAttributes"
        )
        non_resource = _section(spec, "nonResourceAttributes", f"{spec_path}.nonResourceAttributes")
        if resource_attributes is not None and non_resource is not None:
            found.append(
                FieldError(
                    "spec.nonResourceAttributes",
                    "FieldValueInvalid",
                    "cannot be specified in combination with resourceAttributes",
                    non_resource,
                )
            )
        if resource_attributes is None and non_resource is None:
            found.append(
                FieldError(
                    "spec.resourceAttributes",
                    "FieldValueInvalid",
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                )
            )
        echoed: dict[str, Any] = {}
        if resource_attributes is not None:
            for key in _RESOURCE_FIELDS:
                _string(resource_attributes, key, f"ResourceAttributes.{key}")
            echoed["resourceAttributes"] = _cleaned(resource_attributes, _RESOURCE_FIELDS)
        if non_resource is not None:
            for key in _NON_RESOURCE_FIELDS:
                _string(non_resource, key, f"NonResourceAttributes.{key}")
            echoed["nonResourceAttributes"] = _cleaned(non_resource, _NON_RESOURCE_FIELDS)
        user = requester
        if resource is not SELFSUBJECTACCESSREVIEWS:
            user = User(
                _string(spec, "user", f"{spec_path}.user"),
                _string(spec, "uid", f"{spec_path}.uid"),
                tuple(_strings(spec, "groups", f"{spec_path}.groups")),
                {k: tuple(v) for k, v in _extra(spec, f"{spec_path}.extra").items()},
            )
            if not user.username and not user.groups:
                found.append(
                    FieldError(
                        "spec.user",
                        "FieldValueInvalid",
                        "at least one of user or group must be specified",
                        "",
                    )
                )
            echoed.update(_cleaned(spec, ("user", "uid")))
            if user.groups:
                echoed["groups"] = list(user.groups)
            if user.extra:
                echoed["extra"] = {k: list(v) for k, v in user.extra.items()}
        if resource is LOCALSUBJECTACCESSREVIEWS:
            namespace = meta.get("namespace") or ""
            if (
                resource_attributes is not None
                and (resource_attributes.get("namespace") or "") != namespace
            ):
                found.append(
                    FieldError(
                        "spec.resourceAttributes.namespace",
                        "FieldValueInvalid",
                        "must match metadata.namespace",
                        resource_attributes.get("namespace") or "",
                    )
                )
            if non_resource is not None:
                found.append(
                    FieldError(
                        "spec.nonResourceAttributes",
                        "FieldValueInvalid",
                        "disallowed on this kind of request",
                        non_resource,
                    )
                )
            if _set_fields(meta, ("namespace",)):
                found.append(
                    FieldError(
                        "metadata",
                        "FieldValueInvalid",
                        "must be empty except for namespace",
                        _set_fields(meta),
                    )
                )
        elif _set_fields(meta):
            found.append(
                FieldError("metadata", "FieldValueInvalid", "must be empty", _set_fields(meta))
            )
        if found:
            raise errors.invalid(resource, "", found)
        attributes = self._attributes(user, resource_attributes, non_resource)
        echoed_meta: dict[str, Any] = {"creationTimestamp": None}
        if resource is LOCALSUBJECTACCESSREVIEWS:
            echoed_meta = {"namespace": meta.get("namespace"), **echoed_meta}
        return {
            "kind": kind,
            "apiVersion": resource.api_version,
            "metadata": echoed_meta,
            "spec": echoed,
            "status": _status(self.authorizer.authorize(attributes)),
        }

    @staticmethod
    def _attributes(
        user: User,
        resource_attributes: Mapping[str, Any] | None,
        non_resource: Mapping[str, Any] | None,
    ) -> Attributes:
        if resource_attributes is not None:
            return Attributes(
                user.username,
                user.groups,
                resource_attributes.get("verb") or "",
                namespace=resource_attributes.get("namespace") or "",
                group=resource_attributes.get("group") or "",
                resource=resource_attributes.get("resource") or "",
                subresource=resource_attributes.get("subresource") or "",
                name=resource_attributes.get("name") or "",
            )
        attributes = non_resource or {}
        return Attributes(
            user.username,
            user.groups,
            attributes.get("verb") or "",
            path=attributes.get("path") or "",
            resource_request=False,
        )

    def self_subject_rules_review(self, obj: Mapping[str, Any], requester: User) -> dict[str, Any]:
        spec = _section(obj, "spec", "SelfSubjectRulesReview.spec") or {}
        namespace = _string(spec, "namespace", "SelfSubjectRulesReviewSpec.spec.namespace")
        if not namespace:
            raise errors.bad_request("no namespace on request")
        rules, problems = self.authorizer.rules_for(requester.username, requester.groups, namespace)
        status: dict[str, Any] = {
            "resourceRules": [_resource_rule(r) for r in rules if r.get("resources")],
            "nonResourceRules": [_url_rule(r) for r in rules if r.get("nonResourceURLs")],
            "incomplete": False,
        }
        if problems:
            status["evaluationError"] = errors.aggregate(problems)
        return {
            "kind": SELFSUBJECTRULESREVIEWS.kind,
            "apiVersion": SELFSUBJECTRULESREVIEWS.api_version,
            "metadata": {"creationTimestamp": None},
            "spec": {"namespace": namespace},
            "status": status,
        }


def _resource_rule(rule: Rule) -> dict[str, Any]:
    found: dict[str, Any] = {"verbs": list(rule.get("verbs") or [])}
    for key in ("apiGroups", "resources", "resourceNames"):
        if rule.get(key):
            found[key] = list(rule[key])
    return found


def _url_rule(rule: Rule) -> dict[str, Any]:
    return {
        "verbs": list(rule.get("verbs") or []),
        "nonResourceURLs": list(rule["nonResourceURLs"]),
    }
