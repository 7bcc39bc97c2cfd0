"""Workload kinds as the cache names them: the five built-ins bare, custom ones as ``Kind.group``.

Records, ids, count fields and index entries carry one string per kind. A built-in keeps
its bare name (``Deployment``), which is what every record written before custom kinds
held; a custom resource is named by its Kubernetes GroupKind (``Rollout.argoproj.io``),
so two CRDs of the same kind in different groups never meet. Everything a person types
(configuration grants, filters, notifier rules) goes through ``normalize``, which also
accepts a built-in's GroupKind (``Deployment.apps``) and says which form it wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUILTIN_GROUPS = {
    "Deployment": "apps",
    "StatefulSet": "apps",
    "DaemonSet": "apps",
    "Job": "batch",
    "CronJob": "batch",
}
"""Each built-in kind's API group; they are all served at version v1."""
BUILTIN_VERSION = "v1"

EVERY_KIND = "*"
"""Stands, in a set of kinds, for every kind there is or will be: built-in, custom, and
custom kinds a cluster starts serving after the set was made."""

_KIND = re.compile(r"[A-Z][A-Za-z0-9]{0,62}")
_GROUP = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+")
FORM = (
    "a built-in kind (Deployment, StatefulSet, DaemonSet, Job, CronJob, or as Deployment.apps) "
    "or a custom kind as Kind.group (e.g. Rollout.argoproj.io)"
)
"""What ``normalize`` accepts, for error messages."""


class KindError(ValueError):
    """A kind typed by a person that names no kind in any form the gateway knows."""


@dataclass(frozen=True, slots=True)
class GroupKind:
    """A kind split into the parts a manifest spells separately."""

    kind: str
    group: str

    @property
    def text(self) -> str:
        """As Kubernetes writes a GroupKind: ``Deployment.apps``, ``Rollout.argoproj.io``."""
        return f"{self.kind}.{self.group}"


CORE_GROUPS = frozenset({"", "core", "apps", "batch"})
"""Groups of the objects the built-in engine reads (pods, ReplicaSets, the five kinds):
their kinds keep bare names."""


def of_manifest(api_version: str, kind: str) -> str:
    """The cache's name for the kind of an object (or an ownerReference) of this apiVersion."""
    group = api_version.rpartition("/")[0]
    return kind if group in CORE_GROUPS else f"{kind}.{group}"


def is_custom(kind: str) -> bool:
    """Whether a cache kind string is a custom resource's (only those hold a dot)."""
    return "." in kind


def split(kind: str) -> GroupKind:
    """A cache kind string's parts; a built-in's group is the one Kubernetes serves it in."""
    name, _, group = kind.partition(".")
    return GroupKind(name, group or BUILTIN_GROUPS.get(name, ""))


def normalize(text: str) -> str:
    """The cache's spelling of a kind a person typed; ``KindError`` names the accepted form.

    A custom group always holds a dot (the API server refuses a CRD whose group does not),
    so ``Deployment.batch`` is a mistake, not a custom kind."""
    if text in BUILTIN_GROUPS:
        return text
    name, dot, group = text.partition(".")
    if dot and BUILTIN_GROUPS.get(name) == group:
        return name
    if dot and _KIND.fullmatch(name) and _GROUP.fullmatch(group):
        return text
    raise KindError(f"{text[:100]!r} is not a kind: expected {FORM}")
