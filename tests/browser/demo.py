"""The board tests' world: the gateway watching two demo clusters, behind a relay."""

from __future__ import annotations

from dataclasses import dataclass

from simcluster.fleet import SimulatedFleet
from tests.api.harness import RunningGateway
from tests.browser.relay import Relay


@dataclass(frozen=True, slots=True)
class Demo:
    fleet: SimulatedFleet
    gateway: RunningGateway
    relay: Relay

    @property
    def board(self) -> str:
        return f"{self.relay.url}/board"
