"""The Helm chart rendered by Helm's own engine (helm-python-sdk binds Helm's Go SDK), as
Kubernetes objects, and checked against the Kubernetes schemas (kubernetes-validate)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import helm_python as helm
import kubernetes_validate  # type: ignore[import-untyped]
import yaml

from tests.deploy.dockerfile import ROOT

CHART = ROOT / "helm" / "kube-status-gateway"
RELEASE = "gw"
NAMESPACE = "status"
FULLNAME = f"{RELEASE}-kube-status-gateway"
# The oldest release the chart's kubeVersion admits that still gets patches, and the
# newest the installed schemas know.
KUBERNETES_VERSIONS = ("1.33.0", str(kubernetes_validate.latest_version()))

Manifest = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rendered:
    manifests: list[Manifest]
    notes: str

    def of_kind(self, kind: str) -> list[Manifest]:
        return [m for m in self.manifests if m["kind"] == kind]

    def one(self, kind: str, name: str = FULLNAME) -> Manifest:
        found = [m for m in self.of_kind(kind) if m["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: {len(found)} rendered"
        return found[0]

    def kinds(self) -> set[str]:
        return {m["kind"] for m in self.manifests}

    def gateway_pod(self) -> Manifest:
        pod: Manifest = self.one("Deployment")["spec"]["template"]
        return pod

    def gateway_container(self) -> Manifest:
        (container,) = self.gateway_pod()["spec"]["containers"]
        assert isinstance(container, dict)
        return container

    def gateway_mounts(self) -> dict[str, Manifest]:
        """Mount path -> the pod volume the gateway container mounts there."""
        volumes = {v["name"]: v for v in self.gateway_pod()["spec"]["volumes"]}
        return {
            m["mountPath"]: volumes[m["name"]] for m in self.gateway_container()["volumeMounts"]
        }


NO_AUTH: dict[str, Any] = {"config": {"auth": {"insecureNoAuth": True}}}
"""Every install must choose its authentication, or the chart refuses to render; the tests
that are about something else choose none, as a trial behind a port-forward would."""


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``, maps merged key by key (as Helm merges values files)."""
    out = dict(base)
    for key, value in extra.items():
        both = isinstance(out.get(key), dict) and isinstance(value, dict)
        out[key] = merged(out[key], value) if both else value
    return out


def operator_values(
    values: dict[str, Any] | None, base: dict[str, Any] = NO_AUTH
) -> dict[str, Any]:
    """The values an operator installs with: ``base`` unless the values choose authentication."""
    given = values or {}
    if "auth" in given.get("config", {}):
        return given
    return merged(base, given)


def render(values: dict[str, Any] | None = None, *, base: dict[str, Any] = NO_AUTH) -> Rendered:
    with helm.Chart.load(CHART) as chart:
        files = chart.render(
            operator_values(values, base), name=RELEASE, namespace=NAMESPACE, is_install=True
        )
    manifests: list[Manifest] = []
    notes = ""
    for path, text in sorted(files.items()):
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        manifests.extend(d for d in yaml.safe_load_all(text) if d)
    return Rendered(manifests, notes)


def schema_errors(manifest: Manifest) -> Iterator[str]:
    """Every way the object breaks the strict schema (no unknown fields) of each version."""
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = "/".join(str(p) for p in error.path)
            name = f"{manifest['kind']}/{manifest['metadata']['name']}"
            yield f"{name} (Kubernetes {version}) at {where or '/'}: {error.message}"
