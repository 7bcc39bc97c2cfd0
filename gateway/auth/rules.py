"""Configured rules to Visibility: who matches a rule, and which namespaces a rule names.

Rules add up. A rule names namespaces exactly (visible even before they exist), by
glob pattern (``team-*``, matched against the namespaces the cluster has now) or by
label selector; with none of these it covers every namespace. A cluster in which a
caller may see nothing does not exist for that caller.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence

from gateway.auth.principal import Principal
from gateway.config import Grant
from gateway.selectors import parse_selector
from gateway.visibility import ALL_KINDS, ClusterVisibility, NamespaceLabels, Visibility

AUTHENTICATED = "system:authenticated"
_GLOB = frozenset("*?[")


def applies(grant: Grant, principal: Principal) -> bool:
    groups = principal.groups | {AUTHENTICATED}
    return principal.subject in grant.subjects or bool(groups & set(grant.groups))


def needs_namespace_labels(rules: Iterable[Grant]) -> bool:
    """Whether resolving these rules needs the clusters' namespaces (patterns or selectors)."""
    return any(
        rule.namespace_selector is not None
        or any(_GLOB & set(name) for name in rule.namespaces or ())
        for rule in rules
    )


def _namespaces(grant: Grant, known: Mapping[str, Mapping[str, str]]) -> set[str] | None:
    if grant.namespaces is None and grant.namespace_selector is None:
        return None
    chosen: set[str] = set()
    for name in grant.namespaces or ():
        if _GLOB & set(name):
            chosen.update(fnmatch.filter(known, name))
        else:
            chosen.add(name)
    if grant.namespace_selector is not None:
        selector = parse_selector(grant.namespace_selector)
        chosen.update(n for n, labels in known.items() if selector.matches(labels))
    return chosen


def visibility(
    principal: Principal,
    rules: Sequence[Grant],
    clusters: Iterable[str],
    namespaces: NamespaceLabels,
) -> Visibility:
    found = Visibility()
    matching = [rule for rule in rules if applies(rule, principal)]
    found.metrics = any(rule.metrics for rule in matching)
    for cluster in clusters:
        view = ClusterVisibility()
        for rule in matching:
            if rule.clusters is not None and cluster not in rule.clusters:
                continue
            kinds = frozenset(rule.kinds) if rule.kinds is not None else ALL_KINDS
            view.add(_namespaces(rule, namespaces.get(cluster, {})), kinds, rule.pod_logs)
            view.nodes = view.nodes or rule.nodes
        if view.everywhere or view.namespaces or view.nodes:
            found.clusters[cluster] = view
    return found
