"""Kubernetes Events about what the simulated controllers and kubelets do.

Written as core/v1 Events the way client-go's recorder writes them: a repeat of the
same reason and message for the same object bumps ``count`` and ``lastTimestamp``
instead of adding an Event. Events expire after an hour of simulated time, and the
oldest are dropped beyond a cap, so a long-running demo keeps a bounded store.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from simcluster.clock import Timers, parse_time
from simcluster.errors import ApiError
from simcluster.registry import Registry
from simcluster.resources import EVENTS, NAMESPACES
from simcluster.store import StoredObject

NORMAL = "Normal"
WARNING = "Warning"
EVENT_TTL = 3600.0


class EventRecorder:
    def __init__(self, registry: Registry, timers: Timers, limit: int = 5000) -> None:
        self._registry = registry
        self._timers = timers
        self._limit = limit
        self._recent: OrderedDict[tuple[str, ...], tuple[str, str]] = OrderedDict()
        self.enabled = True

    def record(
        self,
        obj: StoredObject,
        kind: str,
        reason: str,
        message: str,
        component: str,
        *,
        host: str = "",
        field_path: str = "",
    ) -> None:
        if not self.enabled:
            return
        namespace = obj.namespace or "default"
        if self._registry.store.get(NAMESPACES, "", namespace) is None:
            return
        key = (obj.uid, kind, reason, message, component, host, field_path)
        now = self._registry.now()
        existing = self._recent.get(key)
        if existing is not None:
            stored = self._registry.store.get(EVENTS, existing[0], existing[1])
            if stored is not None:
                event = stored.load()
                event["count"] = int(event.get("count") or 1) + 1
                event["lastTimestamp"] = now
                self._registry.write(EVENTS, event)
                self._recent.move_to_end(key)
                return
        clock = self._registry.clock
        name = f"{obj.name}.{int(clock.time() * 1e9):x}"
        involved: dict[str, Any] = {
            "kind": obj.resource.kind,
            "namespace": obj.namespace,
            "name": obj.name,
            "uid": obj.uid,
            "apiVersion": obj.resource.api_version,
            "resourceVersion": str(obj.rv),
        }
        if not obj.namespace:
            involved.pop("namespace")
        if field_path:
            involved["fieldPath"] = field_path
        source: dict[str, Any] = {"component": component}
        if host:
            source["host"] = host
        event = {
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": kind,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        try:
            created = self._registry.create(EVENTS, namespace, event)
        except ApiError:
            return
        self._recent[key] = (namespace, created.name)
        self._timers.call_later(EVENT_TTL, lambda: self._expire(key, namespace, created.name))
        while len(self._recent) > self._limit:
            _, (old_namespace, old_name) = self._recent.popitem(last=False)
            self._registry.store.remove(EVENTS, old_namespace, old_name)

    def _expire(self, key: tuple[str, ...], namespace: str, name: str) -> None:
        stored = self._registry.store.get(EVENTS, namespace, name)
        if stored is None:
            return
        last = parse_time(stored.load().get("lastTimestamp"))
        if last is not None and last + EVENT_TTL > self._registry.clock.time():
            self._timers.call_at(last + EVENT_TTL, lambda: self._expire(key, namespace, name))
            return
        if self._recent.get(key) == (namespace, name):
            del self._recent[key]
        self._registry.store.remove(EVENTS, namespace, name)
