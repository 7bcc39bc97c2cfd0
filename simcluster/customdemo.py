"""The ``crds`` scenario: the operators' CRDs and one workload per story they tell.

A healthy Rollout, one whose pods crash-loop (Degraded once its progress
deadline passes) and one aborted (``status.abort``, as an analysis failure or
``kubectl argo rollouts abort`` leaves it); a CloneSet; a running
VirtualMachine, one whose launcher pod can never be scheduled
(ErrorUnschedulable) and a stopped one; a PyTorchJob whose master exits with an
error (Failed, with the operator's message) next to one that completes.
``crds:N`` adds N noise CRDs that nothing uses.
"""

from __future__ import annotations

from typing import Any

from simcluster.behaviours import BEHAVIOR, EXIT_CODE, RUN_SECONDS
from simcluster.cluster import SimulatedCluster
from simcluster.crds import install_noise_crds, install_workload_crds

DELIVERY = "delivery"
VIRT = "virt"
TRAINING = "training"


def _template(app: str, image: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"app": app}}
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": {"containers": [{"name": "main", "image": image}]}}


def _replicated(
    kind: str, api_version: str, name: str, replicas: int, template: dict[str, Any], **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": DELIVERY, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template,
            **spec,
        },
    }


def _vm(name: str, run_strategy: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"kubevirt.io/domain": name}}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": VIRT},
        "spec": {
            "runStrategy": run_strategy,
            "template": {
                "metadata": meta,
                "spec": {
                    "domain": {
                        "cpu": {"cores": 1},
                        "devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]},
                        "resources": {"requests": {"memory": "1Gi"}},
                    },
                    "volumes": [
                        {
                            "name": "root",
                            "containerDisk": {"image": "quay.io/containerdisks/fedora:40"},
                        }
                    ],
                },
            },
        },
    }


def _pytorch_job(name: str, master: dict[str, str], workers: int) -> dict[str, Any]:
    def replicas(count: int, policy: str, annotations: dict[str, str]) -> dict[str, Any]:
        return {
            "replicas": count,
            "restartPolicy": policy,
            "template": {
                "metadata": {"annotations": annotations},
                "spec": {
                    "containers": [
                        {
                            "name": "pytorch",
                            "image": "docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727",
                            "command": ["python3", "/opt/pytorch-mnist/mnist.py", "--epochs=1"],
                        }
                    ]
                },
            },
        }

    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": name, "namespace": TRAINING},
        "spec": {
            "pytorchReplicaSpecs": {
                "Master": replicas(1, "Never", master),
                "Worker": replicas(workers, "OnFailure", {RUN_SECONDS: "40"}),
            }
        },
    }


def custom_workloads() -> list[dict[str, Any]]:
    """The scenario's custom objects, for tests that want them on their own cluster."""
    rollouts = "argoproj.io/v1alpha1"
    return [
        _replicated(
            "Rollout",
            rollouts,
            "storefront",
            3,
            _template("storefront", "nginx:1.27"),
            strategy={"canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "30s"}}]}},
        ),
        _replicated(
            "Rollout",
            rollouts,
            "checkout",
            2,
            _template("checkout", "ghcr.io/example/checkout:2.1", {BEHAVIOR: "crash-loop"}),
            strategy={"canary": {}},
            progressDeadlineSeconds=60,
        ),
        {
            **_replicated(
                "Rollout",
                rollouts,
                "payments",
                2,
                _template("payments", "ghcr.io/example/payments:3.0"),
                strategy={"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
            ),
            "status": {"abort": True},
        },
        _replicated(
            "CloneSet",
            "apps.kruise.io/v1alpha1",
            "search",
            3,
            _template("search", "elasticsearch:8.15.0"),
            updateStrategy={"type": "InPlaceIfPossible", "maxUnavailable": 1},
        ),
        _vm("fedora", "Always"),
        _vm("gpu-box", "Always", {BEHAVIOR: "unschedulable"}),
        _vm("archive", "Halted"),
        _pytorch_job("mnist", {RUN_SECONDS: "60"}, 2),
        _pytorch_job("resnet", {BEHAVIOR: "exit", EXIT_CODE: "1", RUN_SECONDS: "20"}, 1),
    ]


def install_custom_demo(cluster: SimulatedCluster, noise_crds: int = 0) -> None:
    install_workload_crds(cluster)
    if noise_crds:
        install_noise_crds(cluster, noise_crds)
    for obj in custom_workloads():
        cluster.create(obj)
