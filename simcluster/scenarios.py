"""Scenarios a fleet can start with: ``demo`` (lively, every status), ``scale:N``, and
``crds`` / ``crds:N`` (custom workloads under the operators' CRDs, N noise CRDs)."""

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


def run_scenario(cluster: SimulatedCluster, text: str) -> None:
    name, count = parse_scenario(text)
    if name == "demo":
        install_demo(cluster)
    elif name == "crds":
        install_custom_demo(cluster, count)
    else:
        install_scale(cluster, count)
