"""Discovery documents: ``/version``, ``/api``, ``/apis`` and each group version.

Only legacy (unaggregated) discovery, always as plain ``application/json``: kubectl
1.32 asks for the aggregated form first and falls back cleanly, kubectl 1.20 and
the Python clients only know this one. What a group version lists comes from the
cluster's catalog, so a CRD's versions appear as soon as it is created.
"""

from __future__ import annotations

from typing import Any

from simcluster.catalog import BUILT_IN_VERSIONS, Catalog
from simcluster.resources import ResourceType

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-simcluster",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T00:00:00Z",
    "goVersion": "go1.23.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}


_BUILT_IN = frozenset(name for name, _ in BUILT_IN_VERSIONS)


def core_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(catalog: Catalog, group: str) -> dict[str, Any]:
    versions = [
        {"groupVersion": f"{group}/{version}", "version": version}
        for name, version in catalog.group_versions()
        if name == group
    ]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def group_list(catalog: Catalog) -> dict[str, Any]:
    """Built-in groups in name order, then custom ones in name order, as the real server."""
    found: list[str] = []
    for name, _ in catalog.group_versions():
        if name and name not in found:
            found.append(name)
    built_in = sorted(g for g in found if g in _BUILT_IN)
    custom = sorted(g for g in found if g not in built_in)
    groups = [_group(catalog, g) for g in (*built_in, *custom)]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(catalog: Catalog, name: str) -> dict[str, Any] | None:
    if not any(g == name for g, _ in catalog.group_versions() if g):
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(catalog, name)}


def _entry(resource: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    return entry


def resource_list(catalog: Catalog, group_name: str, version: str) -> dict[str, Any] | None:
    if (group_name, version) not in catalog.group_versions():
        return None
    resources: list[dict[str, Any]] = []
    for resource in catalog.in_group_version(group_name, version):
        resources.append(_entry(resource))
        if resource.has_log:
            resources.append(
                {
                    "name": f"{resource.plural}/log",
                    "singularName": "",
                    "namespaced": resource.namespaced,
                    "kind": resource.kind,
                    "verbs": ["get"],
                }
            )
        if resource.has_status:
            resources.append(
                {
                    "name": f"{resource.plural}/status",
                    "singularName": "",
                    "namespaced": resource.namespaced,
                    "kind": resource.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
        if resource.has_scale:
            resources.append(
                {
                    "name": f"{resource.plural}/scale",
                    "singularName": "",
                    "namespaced": resource.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                }
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group_name}/{version}" if group_name else version,
        "resources": resources,
    }
