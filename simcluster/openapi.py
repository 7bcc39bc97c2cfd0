"""Just enough OpenAPI for ``kubectl create -f`` and ``apply -f`` to validate.

kubectl 1.32 validates manifests on the server when the group version's OpenAPI
v3 document says PATCH accepts ``fieldValidation``; these documents say exactly
that and carry no schemas. kubectl 1.20 validates on the client against the
OpenAPI v2 document, which it fetches as protobuf; with no definitions in it,
kubectl skips validation, as it does for kinds the server does not describe.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from simcluster.discovery import SERVER_VERSION
from simcluster.resources import GROUP_VERSIONS, in_group_version

PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


def _key(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (payloads here are far below 128 bytes)."""
    return bytes([(number << 3) | 2, len(payload)]) + payload


def v2_protobuf() -> bytes:
    """An openapi_v2.Document with swagger, info and empty paths: no definitions."""
    info = _field(1, b"Kubernetes") + _field(2, SERVER_VERSION["gitVersion"].encode())
    return _field(1, b"2.0") + _field(2, info) + _field(8, b"")


def v2_json() -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
        "paths": {},
        "definitions": {},
    }


def group_version_document(group: str, version: str) -> dict[str, Any] | None:
    if (group, version) not in GROUP_VERSIONS:
        return None
    paths: dict[str, Any] = {}
    prefix = "/" + _key(group, version)
    for resource in in_group_version(group, version):
        if not resource.stored:
            continue
        scope = "/namespaces/{namespace}" if resource.namespaced else ""
        gvk = {"group": group, "version": version, "kind": resource.kind}
        paths[f"{prefix}{scope}/{resource.plural}/{{name}}"] = {
            "patch": {
                "operationId": f"patch{resource.kind}",
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "OK"}},
            }
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
        "paths": paths,
        "components": {},
    }


def v3_root() -> dict[str, Any]:
    paths = {}
    for group, version in GROUP_VERSIONS:
        document = json.dumps(group_version_document(group, version), sort_keys=True)
        digest = hashlib.sha512(document.encode()).hexdigest()[:128].upper()
        key = _key(group, version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}
