"""A cluster's CustomResourceDefinitions, read for the custom kinds the gateway opted in.

The CRD reflector feeds this catalog like any other resource; the catalog keeps, per
CRD, the resource to watch if its kind is opted in and the CRD is established, and
tells the cluster watcher when that set changes, so watchers of custom kinds start and
stop as CRDs come and go, with no restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from kubernetes_asyncio import client

from gateway.rules.opted import OptedKinds
from gateway.rules.rulefile import Family
from gateway.status.fields import EMPTY, Obj, as_str
from gateway.watch.metadata import meta
from gateway.watch.reflector import ListCall
from gateway.watch.resources import Resource

CRD_KIND = "CustomResourceDefinition"


@dataclass(frozen=True, slots=True)
class CustomResource:
    """One opted-in custom kind as this cluster serves it."""

    kind: str
    """``Kind.group``: the name the mirror, the store and the API use."""
    group: str
    name: str
    version: str
    plural: str
    namespaced: bool
    family: Family
    rule: str | None

    @property
    def resource(self) -> Resource:
        """As the reflector names it: ``rollouts.argoproj.io`` in logs and metrics."""
        return Resource(f"{self.plural}.{self.group}", self.kind, self.group, "")

    def list_call(self, api: client.CustomObjectsApi) -> ListCall:
        return partial(api.list_cluster_custom_object, self.group, self.version, self.plural)

    def record(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "group": self.group,
            "version": self.version,
            "plural": self.plural,
            "namespaced": self.namespaced,
            "family": self.family.value,
            "rule": self.rule,
        }


def custom_resource(crd: Obj, opted: OptedKinds) -> CustomResource | None:
    """What to watch for this CRD: None when its kind is not opted in, it is not
    established yet (its resource does not answer before), or it serves no version."""
    spec = crd.get("spec")
    spec = spec if isinstance(spec, dict) else EMPTY
    names = spec.get("names")
    names = names if isinstance(names, dict) else EMPTY
    group, kind = as_str(spec.get("group")), as_str(names.get("kind"))
    plural = as_str(names.get("plural"))
    if not (group and kind and plural):
        return None
    token = f"{kind}.{group}"
    if not opted.watches(token) or not _established(crd):
        return None
    version = _version_to_watch(spec.get("versions"), opted.preferred_versions(token))
    if version is None:
        return None
    rule = opted.rule(token)
    return CustomResource(
        kind=token,
        group=group,
        name=kind,
        version=version,
        plural=plural,
        namespaced=as_str(spec.get("scope")) != "Cluster",
        family=opted.family(token),
        rule=rule.name if rule is not None else None,
    )


def _established(crd: Obj) -> bool:
    status = crd.get("status")
    conditions = status.get("conditions") if isinstance(status, dict) else None
    return any(
        isinstance(c, dict) and c.get("type") == "Established" and c.get("status") == "True"
        for c in conditions or ()
    )


def _version_to_watch(versions: object, preferred: tuple[str, ...]) -> str | None:
    """A served version the rule is written for, the storage one first; without such a
    rule, the storage version (the one every object converts from losslessly)."""
    listed = versions if isinstance(versions, list) else []
    served = [
        (as_str(v.get("name")), v.get("storage") is True)
        for v in listed
        if isinstance(v, dict) and v.get("served") is not False and v.get("name")
    ]
    if preferred:
        served = [v for v in served if v[0] in preferred]
    for name, storage in served:
        if storage:
            return name
    return served[0][0] if served else None


class CrdCatalog:
    """The reflector's sink for CRDs; ``changed`` is called when the wanted set moves."""

    def __init__(self, opted: OptedKinds, changed: Callable[[], None]) -> None:
        self.opted = opted
        self.changed = changed
        self.synced = False
        self._wanted: dict[str, CustomResource] = {}
        """CRD name -> what to watch of it."""
        self._listing: dict[str, CustomResource] | None = None

    def wanted(self) -> dict[str, CustomResource]:
        """By kind (``Kind.group``)."""
        return {r.kind: r for r in self._wanted.values()}

    def begin_listing(self, kind: str) -> None:
        self._listing = {}

    def list_page(self, kind: str, items: Iterable[Obj]) -> None:
        listing = self._listing if self._listing is not None else self._wanted
        for item in items:
            found = custom_resource(item, self.opted)
            if found is not None:
                listing[as_str(meta(item).get("name"))] = found

    def end_listing(self, kind: str) -> None:
        if self._listing is not None:
            self._wanted, self._listing = self._listing, None
        self.synced = True
        self.changed()

    def apply(self, kind: str, event_type: str, obj: Obj) -> None:
        name = as_str(meta(obj).get("name"))
        found = None if event_type == "DELETED" else custom_resource(obj, self.opted)
        if found is None:
            if self._wanted.pop(name, None) is None:
                return
        elif self._wanted.get(name) == found:
            return
        else:
            self._wanted[name] = found
        self.changed()
