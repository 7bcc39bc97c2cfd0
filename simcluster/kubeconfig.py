"""A kubeconfig with one context per simulated cluster, as kubectl and clients read it.

Each context's user carries a bearer token: the cluster's admin token by default,
which is secret (random per cluster) so tests can check it never leaks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml


def kubeconfig(
    clusters: Iterable[tuple[str, str, str]], current: str | None = None
) -> dict[str, Any]:
    """``clusters`` are (name, server URL, bearer token); the first is the current context."""
    entries = list(clusters)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": url}} for name, url, _ in entries],
        "users": [{"name": name, "user": {"token": token}} for name, _, token in entries],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}
            for name, _, _ in entries
        ],
        "current-context": current or (entries[0][0] if entries else ""),
    }


def write_kubeconfig(path: Path, clusters: Iterable[tuple[str, str, str]]) -> Path:
    """Write atomically (readers never see half a file), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(yaml.safe_dump(kubeconfig(clusters), sort_keys=False), encoding="utf-8")
    os.chmod(partial, 0o600)
    partial.replace(path)
    return path
