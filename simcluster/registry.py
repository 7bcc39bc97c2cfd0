"""The API semantics on top of the store: what create, update, patch and delete mean.

Defaults, validation, optimistic concurrency, generation, status that only the
status subresource changes, graceful deletion with finalizers, the scale
subresource, and paged lists from a consistent snapshot. The HTTP layer and the
Python API both go through here, so an object created in a test without HTTP is
exactly what a client would have created.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simcluster import errors, jsonpath
from simcluster.catalog import Catalog
from simcluster.clock import SimClock, format_time
from simcluster.customresources import (
    CLEANUP_FINALIZER,
    apply_crd_defaults,
    crd_status,
    validate_crd,
)
from simcluster.defaults import apply_defaults, initial_status, pod_status
from simcluster.names import new_uid, random_suffix
from simcluster.patch import apply_patch
from simcluster.query import EXACT, ContinueToken, ListOptions, parse_resource_version
from simcluster.rbacobjects import check_role_ref_unchanged
from simcluster.resources import (
    CUSTOMRESOURCEDEFINITIONS,
    DAEMONSETS,
    DEPLOYMENTS,
    JOBS,
    NAMESPACES,
    PODS,
    STATEFULSETS,
    ResourceType,
)
from simcluster.scaleview import scale_of
from simcluster.store import Snapshot, Store, StoredObject
from simcluster.validation import validate

FOREGROUND = "Foreground"
BACKGROUND = "Background"
ORPHAN = "Orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
ORPHAN_FINALIZER = "orphan"
_IMMUTABLE_SELECTOR = (DEPLOYMENTS, STATEFULSETS, DAEMONSETS, JOBS)
_STATEFULSET_MUTABLE = frozenset(
    {
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
    }
)
_POD_MUTABLE = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    grace_period: int | None = None
    propagation: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[StoredObject]
    rv: int
    token: str
    remaining: int | None


def success_status(resource: ResourceType, stored: StoredObject) -> dict[str, Any]:
    details: dict[str, Any] = {"name": stored.name}
    if resource.group:
        details["group"] = resource.group
    details.update({"kind": resource.plural, "uid": stored.uid})
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise errors.bad_request("Object 'metadata' is missing or is not an object")
    return meta


def _ordered(resource: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """kind, apiVersion, metadata, spec, status first: the order the API server writes."""
    ordered: dict[str, Any] = {"kind": resource.kind, "apiVersion": resource.api_version}
    for key in ("metadata", "spec"):
        if key in obj:
            ordered[key] = obj[key]
    for key, value in obj.items():
        if key not in ordered and key != "status":
            ordered[key] = value
    if "status" in obj:
        ordered["status"] = obj["status"]
    return ordered


class Registry:
    def __init__(self, store: Store, clock: SimClock) -> None:
        self.store = store
        self.clock = clock
        self.catalog = Catalog(store)

    def now(self) -> str:
        return self.clock.timestamp()

    def get(self, resource: ResourceType, namespace: str, name: str) -> StoredObject:
        found = self.store.get(resource, namespace, name)
        if found is None:
            raise errors.not_found(resource, name)
        return found

    def list(
        self, resource: ResourceType, namespace: str | None, options: ListOptions
    ) -> ListResult:
        snapshot, start = self._list_source(resource, namespace, options)
        index = bisect.bisect_left(snapshot.keys, start) if start else 0
        limit = options.limit
        total = len(snapshot.objects)
        if not options.filtered:
            end = min(index + limit, total) if limit else total
            items = snapshot.objects[index:end]
            index = end
        else:
            items = []
            while index < total and (not limit or len(items) < limit):
                obj = snapshot.objects[index]
                index += 1
                if options.matches(obj):
                    items.append(obj)
        token = ""
        remaining: int | None = None
        if limit and index < total:
            token = ContinueToken(snapshot.rv, snapshot.keys[index - 1] + "\x00").encode()
            if not options.filtered:
                remaining = total - index
        return ListResult(items, snapshot.rv, token, remaining)

    def _list_source(
        self, resource: ResourceType, namespace: str | None, options: ListOptions
    ) -> tuple[Snapshot, str]:
        current = self.store.resource_version
        if options.token is not None:
            try:
                return self.store.snapshot(
                    resource, namespace, options.token.rv
                ), options.token.start
            except errors.ApiError as error:
                if error.code != 410:
                    raise
                raise errors.expired(
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter."
                ) from None
        version = options.resource_version
        if version in ("", "0"):
            return self.store.snapshot(resource, namespace, current), ""
        wanted = parse_resource_version(version)
        exact = options.match == EXACT or (not options.match and options.limit > 0)
        if wanted > current:
            raise errors.too_large(wanted, current)
        rv = wanted if exact else current
        return self.store.snapshot(resource, namespace, rv), ""

    def create(self, resource: ResourceType, namespace: str, body: Any) -> StoredObject:
        return self.store.put(resource, self.prepare_create(resource, namespace, body))

    def prepare_create(self, resource: ResourceType, namespace: str, body: Any) -> dict[str, Any]:
        """The object ``create`` would store (a dry run stops here)."""
        obj = self._checked_body(resource, namespace, body)
        meta = obj["metadata"]
        if resource.custom and self.catalog.terminating(resource):
            raise errors.ApiError(
                405,
                "MethodNotAllowed",
                f'create not allowed while custom resource definition "{resource.qualified}" '
                "is terminating",
            )
        if resource.namespaced:
            self._require_namespace(resource, namespace, meta.get("name") or "")
        for unsettable in (
            "uid",
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ):
            meta.pop(unsettable, None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generated_name(resource, namespace, str(meta["generateName"]))
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = self.now()
        if resource.has_generation:
            meta["generation"] = 1
        apply_defaults(resource, obj)
        if resource is PODS:
            obj["status"] = pod_status(obj)
        elif resource is CUSTOMRESOURCEDEFINITIONS:
            apply_crd_defaults(obj)
            validate_crd(obj)
            obj["status"] = crd_status(obj, None, self.now())
            finalizers = meta.setdefault("finalizers", [])
            if CLEANUP_FINALIZER not in finalizers:
                finalizers.append(CLEANUP_FINALIZER)
        elif resource.custom:
            if resource.has_status:
                obj.pop("status", None)
        elif resource.has_status and resource is not NAMESPACES and resource.plural != "nodes":
            obj["status"] = initial_status(resource)
        validate(resource, obj)
        name = meta["name"]
        if self.store.get(resource, namespace, name) is not None:
            raise errors.already_exists(resource, name)
        return _ordered(resource, obj)

    def _generated_name(self, resource: ResourceType, namespace: str, prefix: str) -> str:
        while True:
            name = prefix[:58] + random_suffix()
            if self.store.get(resource, namespace, name) is None:
                return name

    def _require_namespace(self, resource: ResourceType, namespace: str, name: str) -> None:
        found = self.store.get(NAMESPACES, "", namespace)
        if found is None:
            raise errors.namespace_not_found(namespace)
        if found.deleting:
            raise errors.forbidden_terminating(resource, name, namespace)

    def _checked_body(self, resource: ResourceType, namespace: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request(
                f"the body must be a JSON object describing a {resource.kind}, "
                f"got {type(body).__name__}"
            )
        obj = copy.deepcopy(body)
        kind = obj.get("kind")
        if kind is not None and kind != resource.kind:
            raise errors.bad_request(
                f"the kind of the object ({kind}) does not match the resource ({resource.kind})"
            )
        version = obj.get("apiVersion")
        if version is not None and version != resource.api_version:
            raise errors.bad_request(
                f"the API version in the data ({version}) does not match the expected API "
                f"version ({resource.api_version})"
            )
        meta = _meta(obj)
        given = meta.get("namespace")
        if resource.namespaced:
            if given and given != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        return obj

    def update(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> StoredObject | dict[str, Any]:
        obj = self._checked_body(resource, namespace, body)
        given = obj["metadata"].get("name")
        if given and given != name:
            raise errors.bad_request(
                f"the name of the object ({given}) does not match the name on the URL ({name})"
            )
        obj["metadata"]["name"] = name
        stored = self.get(resource, namespace, name)
        version = obj["metadata"].get("resourceVersion")
        if version and str(version) != str(stored.rv):
            raise errors.stale(resource, name)
        return self._replace(resource, stored, obj, subresource=subresource, dry_run=dry_run)

    def patch(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        patch: Any,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> StoredObject | dict[str, Any]:
        stored = self.get(resource, namespace, name)
        patched = apply_patch(content_type, stored.load(), patch)
        meta = _meta(patched)
        if str(meta.get("resourceVersion") or stored.rv) != str(stored.rv):
            raise errors.stale(resource, name)
        if meta.get("name") != name:
            raise errors.bad_request("metadata.name cannot be changed by a patch")
        if resource.namespaced and meta.get("namespace") != namespace:
            raise errors.bad_request("metadata.namespace cannot be changed by a patch")
        return self._replace(resource, stored, patched, subresource=subresource, dry_run=dry_run)

    def _replace(
        self,
        resource: ResourceType,
        stored: StoredObject,
        obj: dict[str, Any],
        *,
        subresource: str,
        dry_run: bool,
    ) -> StoredObject | dict[str, Any]:
        old = stored.load()
        old_meta = old["metadata"]
        if subresource == "status":
            new = copy.deepcopy(old)
            new["status"] = obj.get("status") if isinstance(obj.get("status"), dict) else {}
        elif subresource:
            raise errors.no_such_path()
        else:
            new = obj
            meta = new["metadata"]
            for kept in (
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ):
                if kept in old_meta:
                    meta[kept] = old_meta[kept]
                else:
                    meta.pop(kept, None)
            if resource.has_status and "status" in old:
                new["status"] = old["status"]
            elif resource.has_status:
                new.pop("status", None)
            apply_defaults(resource, new)
            if resource is CUSTOMRESOURCEDEFINITIONS:
                apply_crd_defaults(new)
                validate_crd(new, old)
                new["status"] = crd_status(new, old.get("status"), self.now())
            validate(resource, new)
            self._check_immutable(resource, old, new)
            check_role_ref_unchanged(resource, old, new)
        new = _ordered(resource, new)
        if dry_run:
            return new
        return self.commit(resource, stored, new)

    def _check_immutable(
        self, resource: ResourceType, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        old_spec = old.get("spec") or {}
        new_spec = new.get("spec") or {}
        name = new["metadata"]["name"]
        if resource in _IMMUTABLE_SELECTOR and old_spec.get("selector") != new_spec.get("selector"):
            raise errors.invalid(
                resource,
                name,
                [
                    errors.FieldError(
                        "spec.selector",
                        "FieldValueInvalid",
                        "field is immutable",
                        _go_selector(new_spec.get("selector")),
                    )
                ],
            )
        if resource is STATEFULSETS:
            changed = {
                k
                for k in set(old_spec) | set(new_spec)
                if old_spec.get(k) != new_spec.get(k) and k not in _STATEFULSET_MUTABLE
            }
            if changed:
                raise errors.invalid(
                    resource,
                    name,
                    [
                        errors.FieldError(
                            "spec",
                            "FieldValueForbidden",
                            "updates to statefulset spec for fields other than 'replicas', "
                            "'ordinals', 'template', 'updateStrategy', "
                            "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                            "forbidden",
                        )
                    ],
                )
        if resource is JOBS and old_spec.get("template") != new_spec.get("template"):
            raise errors.invalid(
                resource,
                name,
                [errors.FieldError("spec.template", "FieldValueInvalid", "field is immutable", "")],
            )
        if resource is PODS and _pod_spec_change(old_spec, new_spec):
            raise errors.invalid(
                resource,
                name,
                [
                    errors.FieldError(
                        "spec",
                        "FieldValueForbidden",
                        "pod updates may not change fields other than `spec.containers[*].image`, "
                        "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
                        "`spec.tolerations` (only additions to existing tolerations), "
                        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                        "was previously negative)",
                    )
                ],
            )

    def commit(
        self, resource: ResourceType, stored: StoredObject, obj: dict[str, Any]
    ) -> StoredObject:
        """Write a changed object: bump generation on a spec change, skip no-op writes,
        and remove an object whose deletion has nothing left to wait for."""
        old = stored.load()
        meta = obj["metadata"]
        meta["resourceVersion"] = old["metadata"].get("resourceVersion")
        if resource.custom:
            obj["apiVersion"] = resource.api_version
        if resource.has_generation and _generation_changed(resource, old, obj):
            meta["generation"] = int(old["metadata"].get("generation") or 1) + 1
        if obj == old:
            return stored
        if self._finished_deleting(resource, obj):
            return self.store.remove(resource, stored.namespace, stored.name) or stored
        return self.store.put(resource, obj)

    def write(self, resource: ResourceType, obj: dict[str, Any]) -> StoredObject:
        """A controller's write of an object it loaded: no checks beyond commit's."""
        meta = obj["metadata"]
        stored = self.store.get(resource, meta.get("namespace") or "", meta["name"])
        if stored is None:
            raise errors.not_found(resource, meta["name"])
        return self.commit(resource, stored, obj)

    def _finished_deleting(self, resource: ResourceType, obj: dict[str, Any]) -> bool:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") is None or meta.get("finalizers"):
            return False
        if resource is NAMESPACES:
            return not bool((obj.get("spec") or {}).get("finalizers"))
        if resource is PODS:
            return bool(meta.get("deletionGracePeriodSeconds") == 0)
        return True

    def delete(
        self, resource: ResourceType, namespace: str, name: str, options: DeleteOptions
    ) -> StoredObject | dict[str, Any]:
        """Start or finish a deletion; returns the object if it is still there, else Status."""
        stored = self.get(resource, namespace, name)
        if options.uid is not None and options.uid != stored.uid:
            raise errors.conflict(
                resource,
                name,
                f"Precondition failed: UID in precondition: {options.uid}, UID in object meta: "
                f"{stored.uid}",
            )
        if options.resource_version is not None and options.resource_version != str(stored.rv):
            raise errors.conflict(
                resource,
                name,
                "Precondition failed: ResourceVersion in precondition: "
                f"{options.resource_version}, ResourceVersion in object meta: {stored.rv}",
            )
        obj = stored.load()
        meta = obj["metadata"]
        grace = self._grace_period(resource, obj, options)
        finalizers = list(meta.get("finalizers") or [])
        if options.propagation == FOREGROUND and FOREGROUND_FINALIZER not in finalizers:
            finalizers.append(FOREGROUND_FINALIZER)
        if options.propagation == ORPHAN and ORPHAN_FINALIZER not in finalizers:
            finalizers.append(ORPHAN_FINALIZER)
        if resource is not PODS and meta.get("deletionTimestamp") is not None:
            if finalizers != (meta.get("finalizers") or []):
                meta["finalizers"] = finalizers
                return obj if options.dry_run else self.commit(resource, stored, obj)
            return stored
        if resource is PODS and meta.get("deletionTimestamp") is not None:
            current = meta.get("deletionGracePeriodSeconds")
            if current is not None and grace >= int(current):
                return stored
        if resource is NAMESPACES:
            obj.setdefault("status", {})["phase"] = "Terminating"
        if grace > 0 or finalizers or resource is NAMESPACES:
            meta["deletionTimestamp"] = format_time(self.clock.time() + grace)
            meta["deletionGracePeriodSeconds"] = grace
            if finalizers:
                meta["finalizers"] = finalizers
            if options.dry_run:
                return obj
            return self.commit(resource, stored, obj)
        if options.dry_run:
            return obj if resource is PODS else success_status(resource, stored)
        final = self.store.remove(resource, namespace, name) or stored
        if resource is PODS:
            return final
        return success_status(resource, final)

    def _grace_period(
        self, resource: ResourceType, obj: dict[str, Any], options: DeleteOptions
    ) -> int:
        if resource is not PODS:
            return 0
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        if options.grace_period is not None:
            return max(options.grace_period, 0)
        return int(spec.get("terminationGracePeriodSeconds", 30))

    def get_scale(self, resource: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        if not resource.has_scale:
            raise errors.no_such_path()
        return scale_of(self.get(resource, namespace, name), resource)

    def update_scale(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        scale: Any,
        *,
        content_type: str = "",
        dry_run: bool = False,
    ) -> dict[str, Any]:
        stored = self.get(resource, namespace, name)
        if not resource.has_scale:
            raise errors.no_such_path()
        current = scale_of(stored, resource)
        if content_type:
            scale = apply_patch(content_type, current, scale)
        if not isinstance(scale, dict):
            raise errors.bad_request("the body must be an autoscaling/v1 Scale object")
        version = (scale.get("metadata") or {}).get("resourceVersion")
        if version and str(version) != str(stored.rv):
            raise errors.stale(resource, name)
        replicas = (scale.get("spec") or {}).get("replicas")
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise errors.bad_request(
                "json: cannot unmarshal spec.replicas of autoscaling/v1 Scale: expected an integer"
            )
        if replicas < 0:
            raise errors.invalid(
                resource,
                name,
                [
                    errors.FieldError(
                        "spec.replicas",
                        "FieldValueInvalid",
                        "must be greater than or equal to 0",
                        replicas,
                    )
                ],
            )
        obj = stored.load()
        paths = resource.scale_paths
        jsonpath.assign(obj, paths.spec_replicas if paths else ".spec.replicas", replicas)
        if dry_run:
            current["spec"]["replicas"] = replicas
            return current
        return scale_of(self.commit(resource, stored, obj), resource)


def _generation_changed(resource: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A spec change; for a custom resource without a status subresource, any change
    but metadata, as the real server counts it."""
    if resource.custom and not resource.has_status:
        return {k: v for k, v in old.items() if k != "metadata"} != {
            k: v for k, v in new.items() if k != "metadata"
        }
    return bool(old.get("spec") != new.get("spec"))


def _pod_spec_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    def stripped(spec: Mapping[str, Any]) -> dict[str, Any]:
        copy_ = {k: v for k, v in spec.items() if k not in _POD_MUTABLE}
        for key in ("containers", "initContainers"):
            if isinstance(copy_.get(key), list):
                copy_[key] = [
                    {k: v for k, v in c.items() if k != "image"} if isinstance(c, dict) else c
                    for c in copy_[key]
                ]
        return copy_

    return stripped(old) != stripped(new)


def _go_selector(selector: object) -> str:
    """A LabelSelector as the real server prints it in "field is immutable" errors."""
    spec = selector if isinstance(selector, Mapping) else {}
    labels = spec.get("matchLabels") or {}
    pairs = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return (
        f"v1.LabelSelector{{MatchLabels:map[string]string{{{pairs}}}, "
        f"MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}"
    )
