"""Kubernetes Status errors: every failure a client sees is one of these, never a traceback.

Messages, reasons and ``details`` follow the real API server word for word where
clients or people match on them (``deployments.apps "web" not found``).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from simcluster.resources import ResourceType


class ApiError(Exception):
    """A request that ends in a Status object with this HTTP code."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retry_after = retry_after

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            body["reason"] = self.reason
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(resource: ResourceType, name: str, kind: str | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name}
    if resource.group:
        details["group"] = resource.group
    details["kind"] = kind or resource.plural
    return details


def not_found(resource: ResourceType, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{resource.qualified} "{name}" not found', _details(resource, name)
    )


def namespace_not_found(name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'namespaces "{name}" not found', {"name": name, "kind": "namespaces"}
    )


def no_such_path() -> ApiError:
    return ApiError(
        404,
        "NotFound",
        "the server could not find the requested resource",
        {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]},
    )


def already_exists(resource: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{resource.qualified} "{name}" already exists',
        _details(resource, name),
    )


def conflict(resource: ResourceType, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource.qualified} "{name}": {why}',
        _details(resource, name),
    )


def stale(resource: ResourceType, name: str) -> ApiError:
    return conflict(
        resource,
        name,
        "the object has been modified; please apply your changes to the latest version "
        "and try again",
    )


class FieldError:
    """One entry of a 422: the field path, what kind of problem, and a human message."""

    __slots__ = ("detail", "field", "reason", "value")

    def __init__(self, field: str, reason: str, detail: str = "", value: object = None) -> None:
        self.field = field
        self.reason = reason
        self.detail = detail
        self.value = value

    _WORDS: ClassVar[dict[str, str]] = {
        "FieldValueRequired": "Required value",
        "FieldValueInvalid": "Invalid value",
        "FieldValueForbidden": "Forbidden",
        "FieldValueNotSupported": "Unsupported value",
        "FieldValueDuplicate": "Duplicate value",
    }

    def text(self) -> str:
        words = self._WORDS.get(self.reason, self.reason)
        if self.reason in ("FieldValueInvalid", "FieldValueNotSupported"):
            words = f"{words}: {_go_value(self.value)}"
        return f"{words}: {self.detail}" if self.detail else words


def _go_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        # Lists and structs are printed as compact JSON, as the API machinery prints them.
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _invalid(
    qualified_kind: str, name: str, details: dict[str, Any], errors: list[FieldError]
) -> ApiError:
    parts = [f"{e.field}: {e.text()}" for e in errors]
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiError(
        422,
        "Invalid",
        f'{qualified_kind} "{name}" is invalid: {summary}',
        {
            **details,
            "causes": [{"reason": e.reason, "message": e.text(), "field": e.field} for e in errors],
        },
    )


def invalid(resource: ResourceType, name: str, errors: list[FieldError]) -> ApiError:
    return _invalid(resource.qualified_kind, name, _details(resource, name, resource.kind), errors)


def invalid_options(kind: str, name: str, errors: list[FieldError]) -> ApiError:
    """A 422 about a core options kind (``PodLogOptions``) given for the object ``name``."""
    return _invalid(kind, name, {"name": name, "kind": kind}, errors)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unprocessable(message: str) -> ApiError:
    """A 422 about the request's options rather than an object."""
    return ApiError(422, "Invalid", message)


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def too_old(requested: int, oldest: int) -> ApiError:
    return expired(f"too old resource version: {requested} ({oldest})")


def too_large(requested: int, current: int) -> ApiError:
    return ApiError(
        504,
        "Timeout",
        f"Too large resource version: {requested}, current: {current}",
        {
            "causes": [
                {
                    "reason": "ResourceVersionTooLarge",
                    "message": "Too large resource version",
                }
            ],
            "retryAfterSeconds": 1,
        },
    )


def forbidden_terminating(resource: ResourceType, name: str, namespace: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f'{resource.qualified} "{name}" is forbidden: unable to create new content in '
        f"namespace {namespace} because it is being terminated",
        {
            **_details(resource, name),
            "causes": [
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        },
    )


def method_not_allowed() -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format ({content_type or 'none'}) - "
        "accepted media types include: application/json, application/yaml",
    )


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "TooManyRequests",
        "The simulated cluster was told to throttle this request (fault injection); "
        "please try again later.",
        {"retryAfterSeconds": retry_after},
        retry_after=retry_after,
    )


def unknown(code: int, message: str) -> ApiError:
    """An error the API server did not turn into a Status itself (a kubelet out of reach):
    the code and message only, no reason."""
    return ApiError(code, "", message)


def internal(message: str) -> ApiError:
    return ApiError(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        {"causes": [{"message": message}]},
    )


def unauthorized() -> ApiError:
    """401 for a request without valid credentials; the real server says no more."""
    return ApiError(401, "Unauthorized", "Unauthorized")


def aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message bare, several deduplicated in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
