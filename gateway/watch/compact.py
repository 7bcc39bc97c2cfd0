"""What the mirror keeps of an object, and how small: slimmed manifests, JSON bytes.

Memory is the reason for the shapes here: a healthy pod is kept as its verdict and
container summary, not as the manifest; only pods with a problem keep their raw
object, because only they are re-judged when an event arrives or a grace period
ends, and they keep it as JSON bytes: one object instead of the hundred-odd dicts
and lists of a parsed manifest, which the garbage collector would otherwise walk on
every full collection.
"""

from __future__ import annotations

import sys

import orjson

from gateway.status.fields import Obj
from gateway.watch.metadata import meta


def slim_workload(obj: Obj) -> Obj:
    """What the rules and records read; the pod template is the bulk of a manifest."""
    metadata = dict(meta(obj))
    metadata.pop("managedFields", None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        metadata["annotations"] = {
            k: v for k, v in annotations.items() if k == "deployment.kubernetes.io/revision"
        }
    spec = obj.get("spec")
    spec = (
        {k: v for k, v in spec.items() if k not in ("template", "jobTemplate")}
        if isinstance(spec, dict)
        else {}
    )
    return {
        "kind": obj.get("kind"),
        "metadata": metadata,
        "spec": spec,
        "status": obj.get("status") or {},
    }


def slim_custom(obj: Obj) -> Obj:
    """What a rule may read of a custom object: all of it but what no status depends on
    (managed fields, the last applied manifest, a top-level pod template). Rules are
    written against the whole object, so keeping less would make a rule fail here that
    passes in ``rules test``."""
    metadata = dict(meta(obj))
    metadata.pop("managedFields", None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict) and _LAST_APPLIED in annotations:
        metadata["annotations"] = {k: v for k, v in annotations.items() if k != _LAST_APPLIED}
    spec = obj.get("spec")
    spec = {k: v for k, v in spec.items() if k != "template"} if isinstance(spec, dict) else {}
    return {
        "apiVersion": obj.get("apiVersion"),
        "kind": obj.get("kind"),
        "metadata": metadata,
        "spec": spec,
        "status": obj.get("status") or {},
    }


_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def slim_replica_set(namespace: str, name: str, uid: str, obj: Obj) -> Obj:
    """A Deployment's rules read only its ReplicaSets' conditions."""
    status = obj.get("status")
    return {
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": namespace, "uid": uid},
        "status": {"conditions": status.get("conditions") or []}
        if isinstance(status, dict)
        else {},
    }


def shared_names(pod: Obj) -> None:
    """The pod's namespace, node and owner uids replaced by their interned copies, in
    place, before anything keeps them: parsed from JSON, each pod would hold its own copy
    of strings a hundred pods share (the pod key, its verdict, its index entry and its
    owner index all refer to them). Interned strings are freed once nothing uses them."""
    metadata = pod.get("metadata")
    if isinstance(metadata, dict):
        _intern_at(metadata, "namespace")
        for reference in metadata.get("ownerReferences") or ():
            if isinstance(reference, dict):
                _intern_at(reference, "uid")
    spec = pod.get("spec")
    if isinstance(spec, dict):
        _intern_at(spec, "nodeName")


def _intern_at(parent: dict[str, object], key: str) -> None:
    value = parent.get(key)
    if type(value) is str:
        parent[key] = sys.intern(value)


def slim_event(event: Obj) -> Obj:
    keep = (
        "type",
        "reason",
        "message",
        "note",
        "count",
        "series",
        "lastTimestamp",
        "eventTime",
        "firstTimestamp",
    )
    slim = {k: event[k] for k in keep if k in event}
    involved = event.get("involvedObject") or event.get("regarding")
    slim["involvedObject"] = involved if isinstance(involved, dict) else {}
    found = meta(event)
    slim["metadata"] = {"uid": found.get("uid"), "name": found.get("name")}
    return slim


_KEPT_AS_IS = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _refuse(value: object) -> None:
    raise TypeError(type(value).__name__)


def kept(obj: Obj) -> bytes | Obj:
    """A manifest that is not plain JSON (built in Python, not read from an API server) is
    kept as it is, so re-judging it reads exactly what was applied."""
    try:
        return compact(orjson.dumps(obj, default=_refuse, option=_KEPT_AS_IS))
    except TypeError:
        return obj


def compact(data: bytes) -> bytes:
    """A copy of its own size of what orjson wrote: orjson hands out its output in the
    buffer it wrote it in, 4 KiB at least, which is 100,000 times too much for bytes
    kept per pod (or per node or namespace)."""
    return memoryview(data).tobytes()


def revived(raw: bytes | Obj) -> Obj:
    if isinstance(raw, bytes):
        found: Obj = orjson.loads(raw)
        return found
    return raw
