"""One simulated cluster: its store, API server, controllers, clock and faults together.

Besides serving HTTP, a cluster is a Python API for tests and scenarios: objects
can be created, applied, read and deleted directly (no HTTP, no serialisation
round trip), nodes can be made NotReady or unreachable, faults injected, and users
given tokens (``cluster.identities``) whose access its RBAC objects decide.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from gateway.manifests import load_paths
from simcluster import admin, errors
from simcluster.access import Access
from simcluster.api import ApiContext, build_app
from simcluster.bootstrappolicy import bootstrap_objects
from simcluster.catalog import Catalog
from simcluster.clock import SimClock, Timers
from simcluster.controllers.base import ControllerContext, ControllerManager
from simcluster.controllers.cloneset import CloneSetController
from simcluster.controllers.crdcleanup import CustomResourceCleanup
from simcluster.controllers.cronjob import CronJobController
from simcluster.controllers.daemonset import DaemonSetController
from simcluster.controllers.deployment import DeploymentController
from simcluster.controllers.garbagecollector import GarbageCollector
from simcluster.controllers.job import JobController
from simcluster.controllers.kubelet import Kubelet
from simcluster.controllers.namespaces import NamespaceController
from simcluster.controllers.nodelifecycle import NodeLifecycleController
from simcluster.controllers.pytorchjob import PyTorchJobController
from simcluster.controllers.replicaset import ReplicaSetController
from simcluster.controllers.rollout import RolloutController
from simcluster.controllers.scheduler import Scheduler
from simcluster.controllers.statefulset import StatefulSetController
from simcluster.controllers.virtualmachine import VirtualMachineController
from simcluster.controllers.vmi import VirtualMachineInstanceController
from simcluster.events import EventRecorder
from simcluster.faults import Faults
from simcluster.identities import Identities
from simcluster.nodes import NodeState, make_node, set_node_state
from simcluster.podlog import LogStreams
from simcluster.rbac import Authorizer
from simcluster.registry import DeleteOptions, Registry
from simcluster.resources import NAMESPACES, NODES, ResourceType
from simcluster.reviews import Reviews
from simcluster.server import ClusterServer
from simcluster.store import Store, StoredObject
from simcluster.watch import Watches, WatchSettings

T = TypeVar("T")
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
_KEPT_ON_CREATE = ("uid", "creationTimestamp", "finalizers", "generation")


def resource_for(obj: Mapping[str, Any], catalog: Catalog) -> ResourceType:
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    found = None
    if isinstance(kind, str):
        found = (
            catalog.by_kind(str(api_version), kind) if api_version else catalog.by_kind_name(kind)
        )
    if found is None:
        raise errors.bad_request(
            f"the simulated cluster does not serve kind {kind!r} in {api_version!r}"
        )
    return found


class SimulatedCluster:
    def __init__(
        self,
        name: str,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: SimClock | None = None,
        nodes: int = 3,
        history_limit: int = 20_000,
        watch_settings: WatchSettings | None = None,
        require_auth: bool = False,
    ) -> None:
        self.name = name
        self.clock = clock or SimClock()
        self.store = Store(history_limit)
        self.registry = Registry(self.store, self.clock)
        self.timers = Timers(self.clock)
        self.events = EventRecorder(self.registry, self.timers)
        context = ControllerContext(self.registry, self.store, self.clock, self.timers, self.events)
        self.controllers = ControllerManager(
            context,
            [
                controller(context)
                for controller in (
                    Scheduler,
                    Kubelet,
                    NodeLifecycleController,
                    ReplicaSetController,
                    DeploymentController,
                    StatefulSetController,
                    DaemonSetController,
                    JobController,
                    CronJobController,
                    GarbageCollector,
                    NamespaceController,
                    CustomResourceCleanup,
                    RolloutController,
                    CloneSetController,
                    VirtualMachineController,
                    VirtualMachineInstanceController,
                    PyTorchJobController,
                )
            ],
        )
        self.watches = Watches()
        self.log_streams = LogStreams()
        self.watch_settings = watch_settings or WatchSettings()
        self.server = ClusterServer(host, port)
        self.faults = Faults(self.store, self.watches, self.server)
        self.identities = Identities()
        self.authorizer = Authorizer(self.store)
        self.access = Access(self.identities, self.authorizer, required=require_auth)
        self.reviews = Reviews(self.identities, self.authorizer, self.clock.timestamp)
        self._tasks: list[asyncio.Task[None]] = []
        for namespace in SYSTEM_NAMESPACES:
            self.registry.create(NAMESPACES, "", {"metadata": {"name": namespace}})
        for policy in bootstrap_objects():
            self.create(policy)
        for index in range(nodes):
            self.add_node(f"{name}-node-{index + 1}")

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def require_auth(self) -> bool:
        """Whether requests need a valid token and are authorized by RBAC (see access.py)."""
        return self.access.required

    @require_auth.setter
    def require_auth(self, required: bool) -> None:
        self.access.required = required

    async def start(self) -> None:
        context = ApiContext(
            store=self.store,
            registry=self.registry,
            clock=self.clock,
            watches=self.watches,
            faults=self.faults,
            settings=self.watch_settings,
            address=lambda: self.server.address,
            logs=self.log_streams,
            access=self.access,
            reviews=self.reviews,
        )
        await self.server.start(build_app(context, lambda app: admin.add_routes(app, self)))
        self.controllers.enqueue_all()
        self._tasks = [
            asyncio.create_task(self.timers.run(), name=f"{self.name}-timers"),
            asyncio.create_task(self.controllers.run(), name=f"{self.name}-controllers"),
        ]

    async def stop(self) -> None:
        self.watches.drop()
        self.log_streams.close_all()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.server.close()

    def _ensure_namespace(self, namespace: str) -> None:
        if namespace and self.store.get(NAMESPACES, "", namespace) is None:
            self.registry.create(NAMESPACES, "", {"metadata": {"name": namespace}})

    def create(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new object without HTTP, creating its namespace if needed.

        Unlike a client's create, a given uid, creationTimestamp and status are kept,
        so objects can start in any state (a finished Job, a crash-looping pod).
        """
        resource = resource_for(obj, self.registry.catalog)
        body = copy.deepcopy(dict(obj))
        meta = body.setdefault("metadata", {})
        namespace = str(meta.get("namespace") or "default") if resource.namespaced else ""
        self._ensure_namespace(namespace)
        kept = {k: meta[k] for k in _KEPT_ON_CREATE if k in meta}
        status = body.get("status")
        prepared = self.registry.prepare_create(resource, namespace, body)
        prepared["metadata"].update(kept)
        if isinstance(status, dict) and status:
            prepared["status"] = status
        return self.store.put(resource, prepared).load()

    def apply(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create the object, or replace an existing one's spec, labels and annotations."""
        resource = resource_for(obj, self.registry.catalog)
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default") if resource.namespaced else ""
        current = self.store.get(resource, namespace, str(meta.get("name") or ""))
        if current is None:
            return self.create(obj)
        body = copy.deepcopy(dict(obj))
        body.setdefault("metadata", {}).pop("resourceVersion", None)
        updated = self.registry.update(resource, namespace, current.name, body)
        if isinstance(updated, StoredObject):
            return updated.load()
        return updated

    def get(self, kind: str, name: str, namespace: str = "default") -> dict[str, Any] | None:
        resource = resource_for({"kind": kind}, self.registry.catalog)
        found = self.store.get(resource, namespace if resource.namespaced else "", name)
        return found.load() if found is not None else None

    def list_objects(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        resource = resource_for({"kind": kind}, self.registry.catalog)
        items = self.store.items(resource, namespace if resource.namespaced else None)
        return [o.load() for o in sorted(items, key=lambda o: o.key)]

    def delete(
        self,
        kind: str,
        name: str,
        namespace: str = "default",
        *,
        propagation: str | None = None,
        grace_period: int | None = None,
    ) -> None:
        resource = resource_for({"kind": kind}, self.registry.catalog)
        self.registry.delete(
            resource,
            namespace if resource.namespaced else "",
            name,
            DeleteOptions(grace_period=grace_period, propagation=propagation),
        )

    def add_node(self, name: str, **capacity: Any) -> dict[str, Any]:
        index = self.store.count(NODES)
        return self.store.put(
            NODES, make_node(name, index, self.clock.timestamp(), **capacity)
        ).load()

    def set_node_state(self, name: str, state: NodeState | str) -> dict[str, Any]:
        """Make a node Ready, NotReady (its kubelet reports a problem) or Unreachable."""
        stored = self.store.get(NODES, "", name)
        if stored is None:
            raise errors.not_found(NODES, name)
        node = stored.load()
        set_node_state(node, NodeState(state), self.clock.timestamp())
        return self.registry.write(NODES, node).load()

    def load_manifests(self, paths: Iterable[str | Path]) -> list[str]:
        """Create the objects in YAML/JSON files; returns the problems, one line each.

        CustomResourceDefinitions go first, so a directory holding a CRD and objects of
        its kind loads in any file order."""
        loaded = load_paths(paths)
        problems = [str(error) for error in loaded.errors]
        ordered = sorted(loaded.objects, key=lambda o: o.get("kind") != "CustomResourceDefinition")
        for obj in ordered:
            try:
                self.create(obj)
            except errors.ApiError as error:
                meta = obj.get("metadata") or {}
                problems.append(f"{obj.get('kind')} {meta.get('name')}: {error.message}")
        return problems

    async def wait_for(
        self, condition: Callable[[], T | None], within: float = 10.0, interval: float = 0.02
    ) -> T:
        """Poll ``condition`` until it returns something truthy; TimeoutError after ``within`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = condition()
            if found:
                return found
            if loop.time() >= deadline:
                raise TimeoutError(f"condition not met within {within}s on {self.name}")
            await asyncio.sleep(interval)
