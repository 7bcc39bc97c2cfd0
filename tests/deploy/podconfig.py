"""The gateway's configuration as a pod of the chart reads it: the file the container's
``--config`` names, followed through its volume to the rendered ConfigMap, and the
container's environment, with Secret references resolved as the kubelet would."""

from __future__ import annotations

import argparse
import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.cli import parse_arguments
from gateway.commands.serve import overrides_from
from gateway.config import Config, load
from tests.deploy.chart import Manifest, Rendered
from tests.deploy.values import EXISTING_SECRETS


@dataclass(frozen=True, slots=True)
class PodConfiguration:
    args: argparse.Namespace
    """The container's arguments as the gateway's own parser reads them."""
    mount: Manifest
    """The volume mount that holds the configuration file."""
    text: str
    environ: dict[str, str]
    mounted: dict[str, dict[str, str]]
    """The other ConfigMaps the container mounts (the rule files): mount path -> its files."""

    def write(self, directory: Path) -> Path:
        """The configuration file, and the mounted files in ``directory`` where the file names
        them in the pod, so that the loader finds them."""
        text = self.text
        for mount_path, files in self.mounted.items():
            local = directory / mount_path.strip("/").replace("/", "-")
            local.mkdir(exist_ok=True)
            for name, content in files.items():
                (local / name).write_text(content, encoding="utf-8")
            text = text.replace(f"{mount_path}/", f"{local}/")
        path: Path = directory / self.args.config.name
        path.write_text(text, encoding="utf-8")
        return path

    def load(self, directory: Path) -> Config:
        """What ``serve`` would run with: the file, then the variables, then the flags."""
        return load(self.write(directory), overrides_from(self.args), self.environ)


def secret_values(
    rendered: Rendered, existing: Mapping[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
    found = dict(existing)
    for secret in rendered.of_kind("Secret"):
        for key, encoded in secret.get("data", {}).items():
            found[secret["metadata"]["name"], key] = base64.b64decode(encoded).decode()
    return found


def environment(
    rendered: Rendered, existing: Mapping[tuple[str, str], str] = EXISTING_SECRETS
) -> dict[str, str]:
    secrets = secret_values(rendered, existing)
    environ: dict[str, str] = {}
    for variable in rendered.gateway_container().get("env", []):
        name = variable["name"]
        if "value" in variable:
            environ[name] = variable["value"]
            continue
        reference = variable["valueFrom"]["secretKeyRef"]
        where = (reference["name"], reference["key"])
        assert where in secrets, f"{name} reads Secret {where}, which nothing provides"
        environ[name] = secrets[where]
    return environ


def pod_configuration(rendered: Rendered) -> PodConfiguration:
    container = rendered.gateway_container()
    assert "command" not in container, "the image's ENTRYPOINT must stay the gateway"
    assert container["args"][0] == "serve"
    args = parse_arguments(container["args"])
    assert args.config is not None, "the container does not pass --config"
    volumes = {v["name"]: v for v in rendered.gateway_pod()["spec"]["volumes"]}
    (mount,) = (m for m in container["volumeMounts"] if m["mountPath"] == str(args.config.parent))
    source = volumes[mount["name"]]["configMap"]
    assert "items" not in source, "every key of the ConfigMap is a file of the directory"
    text = rendered.one("ConfigMap", source["name"])["data"][args.config.name]
    mounted = {
        m["mountPath"]: rendered.one("ConfigMap", volumes[m["name"]]["configMap"]["name"])["data"]
        for m in container["volumeMounts"]
        if "configMap" in volumes[m["name"]] and m is not mount
    }
    return PodConfiguration(args, mount, text, environment(rendered), mounted)
