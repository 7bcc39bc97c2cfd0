"""Custom workloads on a simulated cluster: the operators' CRDs and noise CRDs.

Their controllers (simcluster/controllers/rollout.py, cloneset.py,
virtualmachine.py, vmi.py, pytorchjob.py) run in every cluster and act once the
CRDs exist, as an operator deployed before its CRDs would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simcluster.crds.manifests import WORKLOAD_CRDS, noise_crd

if TYPE_CHECKING:
    from simcluster.cluster import SimulatedCluster


def install_workload_crds(cluster: SimulatedCluster) -> list[dict[str, Any]]:
    """Create the Rollout, CloneSet, VirtualMachine, VirtualMachineInstance and
    PyTorchJob CRDs (those not there yet); returns them as stored."""
    return [_ensure(cluster, manifest) for manifest in WORKLOAD_CRDS]


def install_noise_crds(cluster: SimulatedCluster, count: int, start: int = 0) -> list[str]:
    """Create ``count`` unrelated CRDs ``widgets<N>.noise.example.com``; returns their names."""
    return [
        str(_ensure(cluster, noise_crd(index))["metadata"]["name"])
        for index in range(start, start + count)
    ]


def _ensure(cluster: SimulatedCluster, manifest: dict[str, Any]) -> dict[str, Any]:
    existing = cluster.get("CustomResourceDefinition", manifest["metadata"]["name"])
    return existing if existing is not None else cluster.create(manifest)
