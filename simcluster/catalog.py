"""The resources one cluster serves: the built-in table plus what its CRDs define.

Built-in types are the same for every cluster (simcluster/resources.py); custom
ones come and go with the cluster's CustomResourceDefinitions, so each cluster
keeps its own catalog, kept in step by a store listener: a CRD written is served
by the very next request, and a CRD removed takes its objects' table and open
watches with it. A type is replaced only when its definition changed, so objects
stored under it keep comparing equal to what the catalog returns.
"""

from __future__ import annotations

from collections.abc import Iterable

from simcluster.customresources import served_types, version_priority
from simcluster.resources import (
    CUSTOMRESOURCEDEFINITIONS,
    GROUP_VERSIONS,
    SERVED,
    ResourceType,
    by_kind,
    by_kind_name,
    by_path,
)
from simcluster.store import DELETED, Change, Store

BUILT_IN_VERSIONS = (*GROUP_VERSIONS, (CUSTOMRESOURCEDEFINITIONS.group, "v1"))


class Catalog:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._custom: dict[str, list[ResourceType]] = {}
        """Served versions by CRD name (``rollouts.argoproj.io``), best version first."""
        self._terminating: set[str] = set()
        store.add_listener(self._on_change)

    def by_path(self, group: str, version: str, plural: str) -> ResourceType | None:
        if (group, version, plural) == (
            CUSTOMRESOURCEDEFINITIONS.group,
            "v1",
            CUSTOMRESOURCEDEFINITIONS.plural,
        ):
            return CUSTOMRESOURCEDEFINITIONS
        found = by_path(group, version, plural)
        if found is not None:
            return found
        for resource in self._custom.get(f"{plural}.{group}", ()):
            if resource.version == version:
                return resource
        return None

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        if (api_version, kind) == (
            CUSTOMRESOURCEDEFINITIONS.api_version,
            "CustomResourceDefinition",
        ):
            return CUSTOMRESOURCEDEFINITIONS
        found = by_kind(api_version, kind)
        if found is not None:
            return found
        return next(
            (r for r in self.custom() if r.api_version == api_version and r.kind == kind), None
        )

    def by_kind_name(self, kind: str) -> ResourceType | None:
        """A bare kind: the built-in one, else the preferred version of a custom one."""
        if kind == CUSTOMRESOURCEDEFINITIONS.kind:
            return CUSTOMRESOURCEDEFINITIONS
        found = by_kind_name(kind)
        if found is not None:
            return found
        return next((v[0] for v in self._custom.values() if v[0].kind == kind), None)

    def custom(self) -> list[ResourceType]:
        """Every served version of every CRD."""
        return [r for versions in self._custom.values() for r in versions]

    def preferred(self) -> list[ResourceType]:
        """One type per CRD (its preferred version): what holds the stored objects."""
        return [versions[0] for versions in self._custom.values()]

    def terminating(self, resource: ResourceType) -> bool:
        return resource.qualified in self._terminating

    def group_versions(self) -> list[tuple[str, str]]:
        """Built-in group versions, then custom groups, each group's best version first."""
        found = list(BUILT_IN_VERSIONS)
        custom: dict[str, set[str]] = {}
        for resource in self.custom():
            custom.setdefault(resource.group, set()).add(resource.version)
        for group in sorted(custom):
            found.extend((group, v) for v in sorted(custom[group], key=version_priority))
        return found

    def in_group_version(self, group: str, version: str) -> tuple[ResourceType, ...]:
        if (group, version) == (CUSTOMRESOURCEDEFINITIONS.group, "v1"):
            return (CUSTOMRESOURCEDEFINITIONS,)
        built_in = tuple(r for r in SERVED if r.group == group and r.version == version)
        custom = sorted(
            (r for r in self.custom() if r.group == group and r.version == version),
            key=lambda r: r.plural,
        )
        return (*built_in, *custom)

    def _on_change(self, change: Change) -> None:
        if change.obj.resource is not CUSTOMRESOURCEDEFINITIONS:
            return
        name = change.obj.name
        if change.type == DELETED:
            self._forget(name, self._custom.pop(name, []))
            self._terminating.discard(name)
            return
        if change.obj.deleting:
            self._terminating.add(name)
        wanted = sorted(served_types(change.obj.load()), key=lambda r: version_priority(r.version))
        current = {r.version: r for r in self._custom.get(name, ())}
        served = [current[r.version] if current.get(r.version) == r else r for r in wanted]
        versions = {r.version for r in served}
        dropped = [r for v, r in current.items() if v not in versions]
        if served:
            self._custom[name] = served
        else:
            self._custom.pop(name, None)
        self._forget(name, dropped, keep_objects=bool(served))

    def _forget(
        self, name: str, resources: Iterable[ResourceType], *, keep_objects: bool = False
    ) -> None:
        """End the watches on types no longer served; drop the objects with the last one."""
        for resource in resources:
            self._store.stop_watches(resource, f"{name} is no longer served")
            if not keep_objects:
                self._store.drop(resource)
