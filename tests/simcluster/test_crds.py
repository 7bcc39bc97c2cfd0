"""CustomResourceDefinitions through kubectl: discovery, printer columns, scale, deletion."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from simcluster.cluster import SimulatedCluster
from simcluster.crds import install_noise_crds, install_workload_crds
from simcluster.crds.manifests import noise_crd

from .crdobjects import rollout, virtual_machine
from .helpers import Kubectl


async def test_api_resources_lists_custom_resources_with_short_names_and_categories(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_workload_crds(cluster)
    listed = await kubectl.ok("api-resources")
    rows = {line.split()[0]: line.split() for line in listed.splitlines()[1:]}
    assert rows["rollouts"] == ["rollouts", "ro", "argoproj.io/v1alpha1", "true", "Rollout"]
    assert rows["virtualmachines"][1:3] == ["vm,vms", "kubevirt.io/v1"]
    assert rows["customresourcedefinitions"][1:3] == ["crd,crds", "apiextensions.k8s.io/v1"]
    assert rows["pytorchjobs"][1:] == ["kubeflow.org/v1", "true", "PyTorchJob"]
    in_all = await kubectl.ok("api-resources", "--categories=all", "-o", "name")
    assert "virtualmachineinstances.kubevirt.io" in in_all.split()
    assert "rollouts.argoproj.io" not in in_all.split()


async def test_get_rollouts_prints_the_crd_columns_by_every_name(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_workload_crds(cluster)
    cluster.create(rollout("web", replicas=2, namespace="shop"))
    await cluster.wait_for(
        lambda: (
            (cluster.get("Rollout", "web", "shop") or {}).get("status", {}).get("phase")
            == "Healthy"
        )
    )
    table = await kubectl.ok("get", "rollouts", "-n", "shop")
    header, row = table.splitlines()[:2]
    assert header.split() == ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row.split()[:5] == ["web", "2", "2", "2", "2"]
    assert row.split()[5].endswith("s")
    for name in ("rollouts.argoproj.io", "ro", "rollout", "Rollout"):
        again = await kubectl.ok("get", name, "-n", "shop")
        assert again.splitlines()[1].split()[:5] == row.split()[:5]
    everywhere = await kubectl.ok("get", "ro", "-A")
    assert everywhere.splitlines()[0].split()[:2] == ["NAMESPACE", "NAME"]
    crds = await kubectl.ok("get", "crd")
    assert crds.splitlines()[0].split() == ["NAME", "CREATED", "AT"]
    assert "rollouts.argoproj.io" in crds


async def test_a_crd_without_printer_columns_shows_name_and_age(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_noise_crds(cluster, 1)
    crd = cluster.get("CustomResourceDefinition", "widgets0.noise.example.com")
    assert crd is not None
    crd["spec"]["versions"][0].pop("additionalPrinterColumns")
    cluster.apply(crd)
    cluster.create(
        {
            "apiVersion": "noise.example.com/v1",
            "kind": "Widget0",
            "metadata": {"name": "w", "namespace": "default"},
            "spec": {"size": 3},
        }
    )
    table = await kubectl.ok("get", "widgets0")
    assert table.splitlines()[0].split() == ["NAME", "AGE"]
    assert table.splitlines()[1].split()[0] == "w"


async def test_kubectl_scale_uses_the_scale_subresource(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_workload_crds(cluster)
    cluster.create(rollout("web", replicas=1))
    assert "scaled" in await kubectl.ok("scale", "rollout/web", "--replicas=3")
    found = cluster.get("Rollout", "web")
    assert found is not None
    assert found["spec"]["replicas"] == 3
    assert found["metadata"]["generation"] == 2
    await cluster.wait_for(
        lambda: (
            (cluster.get("Rollout", "web") or {}).get("status", {}).get("availableReplicas") == 3
        )
    )
    scale = await kubectl.ok(
        "get", "--raw", "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/web/scale"
    )
    assert '"replicas":3' in scale
    assert "rollouts-pod-template-hash" not in scale
    assert '"selector":"app=web"' in scale


async def test_deleting_a_crd_deletes_its_objects_and_its_resource(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_workload_crds(cluster)
    cluster.create(rollout("web", replicas=1))
    await cluster.wait_for(lambda: cluster.list_objects("Pod"))
    await kubectl.ok("get", "rollouts")
    await kubectl.ok("delete", "crd", "rollouts.argoproj.io")
    assert cluster.get("CustomResourceDefinition", "rollouts.argoproj.io") is None
    await cluster.wait_for(lambda: not cluster.list_objects("ReplicaSet"))
    failed = await kubectl.run("get", "rollouts.argoproj.io")
    assert failed.code != 0
    assert "rollouts" in failed.err
    listed = await kubectl.ok("api-resources", "--api-group=argoproj.io")
    assert "rollouts" not in listed
    assert "virtualmachines" in await kubectl.ok("api-resources", "--api-group=kubevirt.io")


async def test_kubectl_create_and_edit_custom_objects_from_yaml(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_workload_crds(cluster)
    manifest = """
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: cs
  namespace: default
spec:
  replicas: 2
  selector: {matchLabels: {app: cs}}
  template:
    metadata: {labels: {app: cs}}
    spec: {containers: [{name: main, image: "nginx:1.27"}]}
"""
    assert "created" in await kubectl.ok("create", "-f", "-", stdin=manifest)
    await kubectl.ok("label", "cloneset", "cs", "tier=web")
    await kubectl.ok("patch", "cloneset", "cs", "--type=merge", "-p", '{"spec":{"replicas":1}}')
    found = cluster.get("CloneSet", "cs")
    assert found is not None
    assert found["metadata"]["labels"] == {"tier": "web"}
    assert found["spec"]["replicas"] == 1
    await cluster.wait_for(
        lambda: (cluster.get("CloneSet", "cs") or {}).get("status", {}).get("readyReplicas") == 1
    )
    wide = await kubectl.ok("get", "clone", "-o", "wide")
    assert wide.splitlines()[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide.splitlines()[1].split()[-3:] == ["main", "nginx:1.27", "app=cs"]


async def test_kubectl_apply_a_crd_and_its_objects_from_one_file(
    cluster: SimulatedCluster, kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "widgets.yaml"
    widget = {
        "apiVersion": "noise.example.com/v1",
        "kind": "Widget7",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": {"size": 2},
    }
    manifest.write_text(yaml.safe_dump_all([widget, noise_crd(7)]))
    assert cluster.load_manifests([manifest]) == []
    assert cluster.get("Widget7", "w") is not None
    widget["spec"] = {"size": 5}
    applied = await kubectl.ok("apply", "-f", "-", stdin=yaml.safe_dump(widget))
    assert "widget7.noise.example.com/w configured" in applied
    table = await kubectl.ok("get", "widgets7")
    assert table.splitlines()[0].split() == ["NAME", "SIZE", "AGE"]
    assert table.splitlines()[1].split()[:2] == ["w", "5"]


async def test_kubectl_watches_custom_objects_as_table_rows(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    install_workload_crds(cluster)
    process = await kubectl.start("get", "vm", "-w")
    try:
        cluster.create(virtual_machine("db"))
        assert process.stdout is not None
        header = await asyncio.wait_for(process.stdout.readline(), 20)
        assert header.decode().split() == ["NAME", "AGE", "STATUS", "READY"]
        seen: set[str] = set()
        while "Running" not in seen:
            row = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().split()
            assert row[0] == "db"
            seen.add(row[2] if len(row) > 3 else "")
    finally:
        process.kill()
        await process.wait()
