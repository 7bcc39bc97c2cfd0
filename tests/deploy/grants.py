"""RBAC as sets of (API group, resource, verb): what a role grants and what the gateway
needs, so the chart's ClusterRole and the README's read-only ServiceAccount are held to
the same measure."""

from __future__ import annotations

from gateway.config import Config
from gateway.watch.resources import RESOURCES
from tests.deploy.chart import Manifest

Grant = tuple[str, str, str]
READ = ("get", "list", "watch")


def granted(role: Manifest) -> set[Grant]:
    """(API group, resource, verb) triples; wildcards and name limits are refused outright."""
    grants: set[Grant] = set()
    for rule in role["rules"]:
        assert set(rule) == {"apiGroups", "resources", "verbs"}, rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    assert "*" not in (group, resource, verb), rule
                    grants.add((group, resource, verb))
    return grants


def needed(config: Config) -> set[Grant]:
    """What the watchers list and watch (gateway/watch/resources.py) and Pod.logs reads, and
    the reviews the configured authentication asks the cluster for."""
    grants = {
        ("" if r.group == "core" else r.group, r.plural, verb) for r in RESOURCES for verb in READ
    }
    grants.add(("", "pods/log", "get"))
    if config.auth.token_review is not None:
        grants.add(("authentication.k8s.io", "tokenreviews", "create"))
    if config.auth.rbac.enabled:
        grants.add(("authorization.k8s.io", "subjectaccessreviews", "create"))
    return grants
