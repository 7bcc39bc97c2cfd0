"""``--filter``: which workloads a channel hears about, as the gateway's WorkloadFilter.

The bot always adds ``abnormal: true`` itself (the gateway then sends exactly the
transitions into and out of Exception and Not Ready), so statuses are chosen with
``--min-severity`` rather than in the filter. Pods have a narrower filter on the
gateway; what it cannot express (kinds, names, labels of the owner) is checked here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gateway.kinds import BUILTIN_GROUPS, KindError, is_custom, normalize
from gateway.notify.model import STANDALONE_KIND
from schema.types import WorkloadKind

_LISTS = ("clusters", "namespaces", "kinds")
_TEXTS = ("labelSelector", "nameContains")
_CHOSEN_ELSEWHERE = {
    "statuses": "use --min-severity",
    "abnormal": "the notifier follows abnormal statuses already",
}


class FilterError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ChannelFilter:
    clusters: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    """GraphQL enum names: DEPLOYMENT, STATEFUL_SET, ..., CUSTOM (every custom kind)."""
    group_kinds: tuple[str, ...] = ()
    """Custom kinds by name: Rollout.argoproj.io, ..."""
    label_selector: str = ""
    name_contains: str = ""
    _kind_labels: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        labels = {WorkloadKind[k].value for k in self.kinds} | set(self.group_kinds)
        object.__setattr__(self, "_kind_labels", frozenset(labels))

    def workload_filter(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {"abnormal": True}
        for name, value in (
            ("clusters", self.clusters),
            ("namespaces", self.namespaces),
            *self._kind_condition(),
            ("labelSelector", self.label_selector),
            ("nameContains", self.name_contains),
        ):
            if value:
                chosen[name] = list(value) if isinstance(value, tuple) else value
        return chosen

    def _kind_condition(self) -> list[tuple[str, tuple[str, ...]]]:
        """The gateway's ``kinds`` and ``groupKinds`` must both hold, so a channel naming
        built-ins and custom kinds sends them all as groupKinds (Pod is for standalone
        pods, heard of through the pod feed, and CUSTOM already admits every custom kind)."""
        if not self.group_kinds or WorkloadKind.CUSTOM.name in self.kinds:
            return [("kinds", self.kinds)]
        named = tuple(
            WorkloadKind[k].value for k in self.kinds if WorkloadKind[k].value in BUILTIN_GROUPS
        )
        return [("groupKinds", (*named, *self.group_kinds))]

    def pod_filter(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {"abnormal": True}
        if self.clusters:
            chosen["clusters"] = list(self.clusters)
        if self.namespaces:
            chosen["namespaces"] = list(self.namespaces)
        return chosen

    def admits_cluster(self, cluster: str) -> bool:
        return not self.clusters or cluster in self.clusters

    def admits_standalone(self, name: str) -> bool:
        """A pod of no workload: kind POD, its own name; it carries no workload labels, so
        a channel that asks for labels hears only of workloads."""
        if self._kind_labels and STANDALONE_KIND not in self._kind_labels:
            return False
        if self.label_selector:
            return False
        return not self.name_contains or self.name_contains.lower() in name.lower()

    def admits_owner(self, kind: str, name: str) -> bool:
        """For pods the gateway cannot match by their workload: kinds and names only."""
        every_custom = WorkloadKind.CUSTOM.name in self.kinds and is_custom(kind)
        if self._kind_labels and kind not in self._kind_labels and not every_custom:
            return False
        return not self.name_contains or self.name_contains.lower() in name.lower()


def parse_filter(text: str | None) -> ChannelFilter:
    """A JSON object with WorkloadFilter's fields, e.g. ``{"namespaces": ["shop"]}``."""
    if not text:
        return ChannelFilter()
    try:
        given = json.loads(text)
    except json.JSONDecodeError as error:
        raise FilterError(f"--filter is not JSON: {error}") from error
    if not isinstance(given, dict):
        raise FilterError('--filter must be a JSON object, e.g. \'{"namespaces": ["shop"]}\'')
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name in _CHOSEN_ELSEWHERE:
            raise FilterError(f"--filter key {name!r} is not allowed: {_CHOSEN_ELSEWHERE[name]}")
        if name in _LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise FilterError(f"--filter key {name!r} must be a list of strings")
            values[name] = tuple(value)
        elif name in _TEXTS:
            if not isinstance(value, str):
                raise FilterError(f"--filter key {name!r} must be a string")
            values[name] = value
        else:
            known = ", ".join((*_LISTS, *_TEXTS))
            raise FilterError(f"unknown --filter key {name!r} (known: {known})")
    kinds = [_kind_name(k) for k in values.get("kinds", ())]
    return ChannelFilter(
        clusters=values.get("clusters", ()),
        namespaces=values.get("namespaces", ()),
        kinds=tuple(k for k in kinds if not is_custom(k)),
        group_kinds=tuple(k for k in kinds if is_custom(k)),
        label_selector=values.get("labelSelector", ""),
        name_contains=values.get("nameContains", ""),
    )


def _kind_name(given: str) -> str:
    """The enum name of a built-in (given as STATEFUL_SET, StatefulSet or StatefulSet.apps),
    or a custom kind as Kind.group."""
    for kind in WorkloadKind:
        if given in (kind.name, kind.value):
            return kind.name
    try:
        found = normalize(given)
    except KindError:
        choices = ", ".join(k.value for k in WorkloadKind)
        raise FilterError(
            f"unknown kind {given!r} in --filter (one of {choices}, or a custom kind as "
            "Kind.group, e.g. Rollout.argoproj.io)"
        ) from None
    return found if is_custom(found) else WorkloadKind(found).name
