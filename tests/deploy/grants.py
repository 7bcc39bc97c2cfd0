"""RBAC as sets of (API group, resource, verb): what a role grants and what the gateway
needs, so the chart's ClusterRole and the README's read-only ServiceAccount are held to
the same measure."""

from __future__ import annotations

from gateway.config import Config
from gateway.rules.catalog import RuleSet
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


def library_resources() -> set[tuple[str, str]]:
    """(group, plural) of the rule library's kinds: each plural is the API server's default
    (the kind in lower case, plus s), which every one of these CRDs uses."""
    return {(group, f"{kind.lower()}s") for group, kind in RuleSet.load().by_kind}


def needed(config: Config) -> set[Grant]:
    """What the watchers list and watch (gateway/watch/resources.py) and Pod.logs reads, and
    the reviews the configured authentication asks the cluster for."""
    grants = {
        ("" if r.group == "core" else r.group, r.plural, verb) for r in RESOURCES for verb in READ
    }
    grants.add(("", "pods/log", "get"))
    grants |= {("apiextensions.k8s.io", "customresourcedefinitions", verb) for verb in READ}
    grants |= {(group, plural, verb) for group, plural in library_resources() for verb in READ}
    if config.auth.token_review is not None:
        grants.add(("authentication.k8s.io", "tokenreviews", "create"))
    if config.auth.rbac.enabled:
        grants.add(("authorization.k8s.io", "subjectaccessreviews", "create"))
    return grants
