"""Discovery documents: ``/version``, ``/api``, ``/apis`` and each group version.

Only legacy (unaggregated) discovery, always as plain ``application/json``: kubectl
1.32 asks for the aggregated form first and falls back cleanly, kubectl 1.20 and
the Python clients only know this one.
"""

from __future__ import annotations

from typing import Any

from simcluster.resources import GROUP_VERSIONS, ResourceType, in_group_version

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


def core_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(group: str) -> dict[str, Any]:
    versions = [
        {"groupVersion": f"{group}/{version}", "version": version}
        for name, version in GROUP_VERSIONS
        if name == group
    ]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def group_list() -> dict[str, Any]:
    groups = sorted({name for name, _ in GROUP_VERSIONS if name})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g) for g in groups]}


def group(name: str) -> dict[str, Any] | None:
    if not any(g == name for g, _ in GROUP_VERSIONS if g):
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name)}


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


def resource_list(group_name: str, version: str) -> dict[str, Any] | None:
    if (group_name, version) not in GROUP_VERSIONS:
        return None
    resources: list[dict[str, Any]] = []
    for resource in in_group_version(group_name, version):
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
