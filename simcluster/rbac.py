"""RBAC as the API server evaluates it, over the cluster's Role and binding objects.

The rule resolver visits every ClusterRoleBinding, then (for a namespaced question)
the RoleBindings of that namespace, in name order; the first rule that allows the
request decides, and its binding is quoted in the reason
(``RBAC: allowed by RoleBinding "shop-view/shop" of ClusterRole "view" to Group
"team-shop"``). A binding whose role is missing is reported in the reason of a
refusal, as the real authorizer does. ``system:masters`` is allowed everything
before RBAC is asked (the privileged-group authorizer). RBAC never denies, it only
fails to allow, so ``denied`` is always false. Aggregation rules are not evaluated:
a ClusterRole's own ``rules`` are what it grants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simcluster.errors import aggregate
from simcluster.identities import MASTERS
from simcluster.resources import CLUSTERROLEBINDINGS, CLUSTERROLES, ROLEBINDINGS, ROLES
from simcluster.store import Store, StoredObject

Rule = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Attributes:
    """One question: may this user do this verb to this resource (or non-resource path)?"""

    user: str
    groups: tuple[str, ...] = ()
    verb: str = ""
    namespace: str = ""
    group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""
    resource_request: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""
    evaluation_error: str = ""


@dataclass(frozen=True, slots=True)
class _Visit:
    source: str
    rule: Rule | None
    error: str


def _strings(rule: Rule, key: str) -> Sequence[str]:
    found = rule.get(key)
    return found if isinstance(found, list) else ()


def rule_allows(attributes: Attributes, rule: Rule) -> bool:
    """rbac.RuleAllows: verbs, groups, resources (``*/status``), names, URLs with ``*``."""
    verbs = _strings(rule, "verbs")
    if "*" not in verbs and attributes.verb not in verbs:
        return False
    if not attributes.resource_request:
        return any(
            url in ("*", attributes.path)
            or (url.endswith("*") and attributes.path.startswith(url.rstrip("*")))
            for url in _strings(rule, "nonResourceURLs")
        )
    groups = _strings(rule, "apiGroups")
    if "*" not in groups and attributes.group not in groups:
        return False
    combined = attributes.resource
    if attributes.subresource:
        combined = f"{attributes.resource}/{attributes.subresource}"
    if not any(
        resource in ("*", combined)
        or (attributes.subresource and resource == f"*/{attributes.subresource}")
        for resource in _strings(rule, "resources")
    ):
        return False
    names = _strings(rule, "resourceNames")
    return not names or attributes.name in names


def applies_to(
    subject: Mapping[str, Any], user: str, groups: Sequence[str], namespace: str
) -> bool:
    """Whether a binding's subject is this user; a ServiceAccount without a namespace is
    in the binding's."""
    kind = subject.get("kind")
    name = subject.get("name")
    if kind == "User":
        return user == name
    if kind == "Group":
        return name in groups
    if kind == "ServiceAccount":
        account_namespace = subject.get("namespace") or namespace
        return (
            bool(account_namespace) and user == f"system:serviceaccount:{account_namespace}:{name}"
        )
    return False


def _describe_subject(subject: Mapping[str, Any], namespace: str) -> str:
    name = subject.get("name")
    if subject.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{name}/{subject.get("namespace") or namespace}"'
    return f'{subject.get("kind")} "{name}"'


def _sorted(objects: Iterable[StoredObject]) -> list[dict[str, Any]]:
    return [o.load() for o in sorted(objects, key=lambda o: o.key)]


class Authorizer:
    """The privileged-group and RBAC authorizers of one cluster, reading its store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def authorize(self, attributes: Attributes) -> Decision:
        if MASTERS in attributes.groups:
            return Decision(True)
        errors: list[str] = []
        for visit in self._visit(attributes.user, attributes.groups, attributes.namespace):
            if visit.rule is not None and rule_allows(attributes, visit.rule):
                return Decision(True, f"RBAC: allowed by {visit.source}")
            if visit.error:
                errors.append(visit.error)
        if not errors:
            return Decision(False)
        return Decision(False, f"RBAC: {aggregate(errors)}")

    def rules_for(
        self, user: str, groups: Sequence[str], namespace: str
    ) -> tuple[list[Rule], list[str]]:
        """Every rule granted to the user in the namespace (and cluster-wide), and the
        problems met resolving them: what a SelfSubjectRulesReview lists."""
        rules: list[Rule] = []
        errors: list[str] = []
        for visit in self._visit(user, tuple(groups), namespace):
            if visit.rule is not None:
                rules.append(visit.rule)
            if visit.error:
                errors.append(visit.error)
        return rules, errors

    def _visit(self, user: str, groups: Sequence[str], namespace: str) -> Iterator[_Visit]:
        for binding in _sorted(self.store.items(CLUSTERROLEBINDINGS)):
            yield from self._binding(binding, "ClusterRoleBinding", user, groups, "")
        if namespace:
            for binding in _sorted(self.store.items(ROLEBINDINGS, namespace)):
                yield from self._binding(binding, "RoleBinding", user, groups, namespace)

    def _binding(
        self,
        binding: Mapping[str, Any],
        kind: str,
        user: str,
        groups: Sequence[str],
        namespace: str,
    ) -> Iterator[_Visit]:
        subject = next(
            (
                s
                for s in binding.get("subjects") or ()
                if isinstance(s, Mapping) and applies_to(s, user, groups, namespace)
            ),
            None,
        )
        if subject is None:
            return
        ref = binding.get("roleRef") or {}
        rules, error = self._role_rules(ref, namespace)
        if error:
            yield _Visit("", None, error)
            return
        name = binding["metadata"]["name"]
        shown = f"{name}/{namespace}" if namespace else name
        source = (
            f'{kind} "{shown}" of {ref.get("kind")} "{ref.get("name")}" to '
            f"{_describe_subject(subject, namespace)}"
        )
        for rule in rules:
            yield _Visit(source, rule, "")

    def _role_rules(self, ref: Mapping[str, Any], namespace: str) -> tuple[list[Rule], str]:
        kind = ref.get("kind")
        name = str(ref.get("name") or "")
        if kind == "ClusterRole":
            found = self.store.get(CLUSTERROLES, "", name)
            missing = f'clusterrole.rbac.authorization.k8s.io "{name}" not found'
        elif kind == "Role":
            found = self.store.get(ROLES, namespace, name) if namespace else None
            missing = f'role.rbac.authorization.k8s.io "{name}" not found'
        else:
            return [], f'unsupported role reference kind: "{kind}"'
        if found is None:
            return [], missing
        rules = found.load().get("rules") or []
        return [r for r in rules if isinstance(r, Mapping)], ""
