"""Scenarios a fleet can start with: ``demo`` (lively, every status), ``scale:N``, and
``crds`` / ``crds:N`` (custom workloads under the operators' CRDs, N noise CRDs); joined
with ``+`` (``demo+crds``, what ``gw demo`` runs) each cluster gets all of them."""

from __future__ import annotations

from simcluster.cluster import SimulatedCluster
from simcluster.customdemo import install_custom_demo
from simcluster.demo import install_demo
from simcluster.scale import install_scale

SCENARIOS = ("demo", "scale:N", "crds", "crds:N")


def parse_scenario(text: str) -> tuple[str, int]:
    """``demo`` -> ("demo", 0), ``scale:500`` -> ("scale", 500), ``crds:47`` -> ("crds",
    47); ValueError otherwise."""
    name, _, count = text.partition(":")
    if name in ("demo", "crds") and not count:
        return name, 0
    if name == "crds" and count.isdigit():
        return name, int(count)
    if name == "scale" and count.isdigit() and int(count) > 0:
        return name, int(count)
    raise ValueError(f"unknown scenario {text!r}: expected one of {', '.join(SCENARIOS)}")


def parse_scenarios(text: str) -> list[tuple[str, int]]:
    """``demo+crds`` -> [("demo", 0), ("crds", 0)]; ValueError for an unknown part or one
    named twice."""
    parts = [parse_scenario(part) for part in text.split("+")]
    names = [name for name, _ in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario {text!r} names one scenario twice")
    return parts


def run_scenario(cluster: SimulatedCluster, text: str) -> None:
    for name, count in parse_scenarios(text):
        if name == "demo":
            install_demo(cluster)
        elif name == "crds":
            install_custom_demo(cluster, count)
        else:
            install_scale(cluster, count)
