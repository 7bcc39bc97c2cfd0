"""The controller machinery: work queues fed by store changes, timers, one task.

Each controller names the resources it cares about and maps a change to the keys
of the objects it reconciles (a pod change wakes its ReplicaSet). Reconciling is
synchronous and reads the store directly, so a controller always sees the latest
state and never conflicts with itself; writes that change nothing are dropped by
the registry, which keeps reconcile loops from feeding themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from simcluster.clock import SimClock, Timers
from simcluster.errors import ApiError
from simcluster.events import EventRecorder
from simcluster.registry import Registry
from simcluster.resources import ResourceType
from simcluster.store import Change, Store, StoredObject

LOG = logging.getLogger(__name__)
_YIELD_EVERY = 100


@dataclass(slots=True)
class ControllerContext:
    registry: Registry
    store: Store
    clock: SimClock
    timers: Timers
    events: EventRecorder

    def now(self) -> str:
        return self.clock.timestamp()


class Controller:
    """Reconciles objects of one kind, the first of ``watches``; the others are the kinds
    whose changes can matter to it, which ``keys_for`` maps to keys of the first."""

    name = "controller"
    watches: tuple[ResourceType, ...] = ()
    watches_everything = False
    """Also told of every other change, custom resources' too (the garbage collector)."""

    def __init__(self, context: ControllerContext) -> None:
        self.context = context
        self.queue: dict[str, None] = {}
        self._wake: asyncio.Event | None = None

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def registry(self) -> Registry:
        return self.context.registry

    def keys_for(self, change: Change) -> Iterable[str]:
        return ()

    def initial_keys(self) -> Iterable[str]:
        """What to reconcile when the controller starts: every object of its kind."""
        return [obj.key for obj in self.store.items(self.watches[0])]

    def reconcile(self, key: str) -> None:
        raise NotImplementedError

    def enqueue(self, key: str) -> None:
        self.queue[key] = None
        if self._wake is not None:
            self._wake.set()

    def enqueue_at(self, key: str, when: float) -> None:
        self.context.timers.call_at(when, lambda: self.enqueue(key))

    def event(self, obj: StoredObject, kind: str, reason: str, message: str, **where: Any) -> None:
        self.context.events.record(obj, kind, reason, message, self.name, **where)


class ControllerManager:
    def __init__(self, context: ControllerContext, controllers: Iterable[Controller]) -> None:
        self.context = context
        self.controllers = list(controllers)
        self._wake = asyncio.Event()
        self._listening: dict[str, list[Controller]] = {}
        self._everything = [c for c in self.controllers if c.watches_everything]
        self._quiet = False
        for controller in self.controllers:
            controller._wake = self._wake
            if controller.watches_everything:
                continue
            for resource in controller.watches:
                self._listening.setdefault(resource.qualified, []).append(controller)
        context.store.add_listener(self._on_change)

    def _on_change(self, change: Change) -> None:
        if self._quiet:
            return
        listening = self._listening.get(change.obj.resource.qualified, ())
        for controller in (*listening, *self._everything):
            for key in controller.keys_for(change):
                controller.queue[key] = None
                self._wake.set()

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Writes inside do not wake controllers: for objects created in their final state."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def enqueue_all(self) -> None:
        """Reconcile every object once, as controllers do when they start."""
        for controller in self.controllers:
            for key in controller.initial_keys():
                controller.enqueue(key)

    @property
    def idle(self) -> bool:
        return not any(c.queue for c in self.controllers)

    def run_once(self, limit: int = _YIELD_EVERY) -> int:
        done = 0
        for controller in self.controllers:
            while controller.queue and done < limit:
                key = next(iter(controller.queue))
                del controller.queue[key]
                done += 1
                try:
                    controller.reconcile(key)
                except ApiError as error:
                    LOG.debug("%s could not reconcile %s: %s", controller.name, key, error)
                except Exception:
                    LOG.exception("%s failed to reconcile %s", controller.name, key)
        return done

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.run_once():
                await asyncio.sleep(0)
