"""Scenarios a fleet can start with: ``demo`` (lively, every status) and ``scale:N``."""

from __future__ import annotations

from simcluster.cluster import SimulatedCluster
from simcluster.demo import install_demo
from simcluster.scale import install_scale

SCENARIOS = ("demo", "scale:N")


def parse_scenario(text: str) -> tuple[str, int]:
    """``demo`` -> ("demo", 0), ``scale:500`` -> ("scale", 500); ValueError otherwise."""
    name, _, count = text.partition(":")
    if name == "demo" and not count:
        return name, 0
    if name == "scale" and count.isdigit() and int(count) > 0:
        return name, int(count)
    raise ValueError(f"unknown scenario {text!r}: expected one of {', '.join(SCENARIOS)}")


def run_scenario(cluster: SimulatedCluster, text: str) -> None:
    name, count = parse_scenario(text)
    if name == "demo":
        install_demo(cluster)
    else:
        install_scale(cluster, count)
