"""Two teams, a bot and an admin, on two clusters: the fixture every crossing test starts from.

sim-1 holds namespace ``shop`` (team-shop's) and ``billing`` (team-billing's); sim-2
holds another ``shop``. Tokens live in a real token file, as bots' tokens would.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
import yaml

from gateway.config import Auth
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import publish
from tests.secrets import secret
from tests.status import objects as o

TOKENS = {
    "alice": secret("alice-token-7c1f0e5a9d2b4e68b3a1"),
    "bob": secret("bob-token-1a2b3c4d5e6f7a8b9c0d"),
    "admin": secret("admin-token-f00dfeedbeefcafe1234"),
    "bot": secret("bot-token-0badc0ffee0ddf00d5678"),
}
"""Test secrets: they must never show up in any output (see tests/conftest.py)."""


def token_file(directory: Path) -> Path:
    entries = [
        {"sha256": _sha(TOKENS["alice"]), "subject": "alice@example.com", "groups": ["team-shop"]},
        {"sha256": _sha(TOKENS["bob"]), "subject": "bob@example.com", "groups": ["team-billing"]},
        {"sha256": _sha(TOKENS["admin"]), "subject": "root@example.com", "groups": ["admins"]},
        {"sha256": _sha(TOKENS["bot"]), "subject": "bot:chatops", "groups": ["bots"]},
    ]
    path = directory / "tokens.yaml"
    path.write_text(yaml.safe_dump(entries))
    return path


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def auth_config(directory: Path, **extra: Any) -> Auth:
    return Auth.model_validate(
        {
            "tokenFile": {"path": str(token_file(directory))},
            "rules": [
                {"groups": ["team-shop"], "clusters": ["sim-1"], "namespaces": ["shop"]},
                {"groups": ["team-billing"], "namespaces": ["billing"], "podLogs": True},
                {"groups": ["admins"], "nodes": True, "metrics": True, "podLogs": True},
                {"groups": ["bots"], "namespaceSelector": "team=shop", "kinds": ["Deployment"]},
            ],
            **extra,
        }
    )


def namespace(name: str) -> dict[str, Any]:
    team = "shop" if name == "shop" else "billing"
    return {
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"team": team}},
        "status": {"phase": "Active"},
    }


def cluster_mirror(cluster: str, namespaces: list[str]) -> ClusterMirror:
    """A ready web Deployment with two pods in each namespace."""
    mirror = ClusterMirror(cluster, lambda: o.NOW)
    mirror.replace("Node", [o.node("worker-1"), o.node("worker-2")])
    mirror.replace("Namespace", [namespace(name) for name in namespaces])
    mirror.replace("ReplicaSet", [o.replica_set(namespace=name) for name in namespaces])
    mirror.replace("Deployment", [o.deployment(namespace=name, replicas=2) for name in namespaces])
    mirror.replace(
        "Pod",
        [
            o.pod(f"web-7d9f8b6c5d-{i}", namespace=name, node="worker-1")
            for name in namespaces
            for i in range(2)
        ],
    )
    return mirror


async def fill(client: redis.Redis) -> dict[str, ClusterMirror]:
    """sim-1 with shop and billing, sim-2 with another shop, written as watchers would."""
    mirrors = {
        "sim-1": cluster_mirror("sim-1", ["shop", "billing"]),
        "sim-2": cluster_mirror("sim-2", ["shop"]),
    }
    for mirror in mirrors.values():
        await publish(client, mirror)
    return mirrors


async def ask(
    url: str, query: str, token: str | None, variables: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(
            url, json={"query": query, "variables": variables or {}}, headers=headers
        )


async def early_in_a_minute(room: float = 10) -> None:
    """Budgets count in fixed one-minute windows (per subject, per address): a test that
    needs several requests in one window starts at least ``room`` seconds before it ends."""
    if time.time() % 60 > 60 - room:
        await asyncio.sleep(61 - time.time() % 60)
