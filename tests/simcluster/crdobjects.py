"""Custom workload objects for the CRD tests: Rollouts, CloneSets, VMs, PyTorchJobs."""

from __future__ import annotations

from typing import Any

from .objects import template


def rollout(
    name: str,
    annotations: dict[str, str] | None = None,
    *,
    replicas: int = 1,
    namespace: str = "default",
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name, annotations),
            "strategy": {"canary": {}},
            **spec,
        },
    }


def cloneset(
    name: str,
    annotations: dict[str, str] | None = None,
    *,
    replicas: int = 1,
    namespace: str = "default",
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name, annotations),
            **spec,
        },
    }


def virtual_machine(
    name: str,
    annotations: dict[str, str] | None = None,
    *,
    run_strategy: str = "Always",
    namespace: str = "default",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"kubevirt.io/domain": name}}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "runStrategy": run_strategy,
            "template": {
                "metadata": meta,
                "spec": {
                    "domain": {
                        "devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]},
                        "resources": {"requests": {"memory": "128Mi"}},
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


def pytorch_job(
    name: str,
    *,
    workers: int = 1,
    master: dict[str, str] | None = None,
    master_policy: str = "OnFailure",
    namespace: str = "default",
) -> dict[str, Any]:
    def replica(count: int, policy: str, annotations: dict[str, str] | None) -> dict[str, Any]:
        meta: dict[str, Any] = {"annotations": annotations} if annotations else {}
        return {
            "replicas": count,
            "restartPolicy": policy,
            "template": {
                "metadata": meta,
                "spec": {"containers": [{"name": "pytorch", "image": "pytorch/pytorch:2.4.0"}]},
            },
        }

    specs = {"Master": replica(1, master_policy, master)}
    if workers:
        specs["Worker"] = replica(workers, "OnFailure", None)
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"pytorchReplicaSpecs": specs},
    }
