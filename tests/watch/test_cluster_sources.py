"""Where clusters come from: every context of a kubeconfig or a chosen few, or the service
account of the pod the gateway runs in, and a clear word when none of these can be used."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kubernetes_asyncio import client
from kubernetes_asyncio.config import incluster_config

from gateway.clusters import ClusterConfigError, api_client, from_kubeconfig, in_cluster
from gateway.redis_server import free_port
from simcluster.fleet import SimulatedFleet


async def test_every_context_or_the_chosen_ones_each_reach_their_own_cluster(
    tmp_path: Path,
) -> None:
    async with SimulatedFleet(3, kubeconfig=tmp_path / "kubeconfig") as fleet:
        every = from_kubeconfig(fleet.kubeconfig)
        assert [s.name for s in every] == ["sim-1", "sim-2", "sim-3"]
        chosen = from_kubeconfig(fleet.kubeconfig, ["sim-3", "sim-1"])
        assert [s.name for s in chosen] == ["sim-3", "sim-1"]
        for source in chosen:
            api = await api_client(source)
            try:
                assert api.configuration.host == fleet[source.name].url
                listed = await client.CoreV1Api(api).list_node()
                assert len(listed.items) == 3
            finally:
                await api.close()


async def test_an_unknown_context_names_the_ones_there_are(tmp_path: Path) -> None:
    async with SimulatedFleet(2, kubeconfig=tmp_path / "kubeconfig") as fleet:
        with pytest.raises(ClusterConfigError) as refused:
            from_kubeconfig(fleet.kubeconfig, ["sim-1", "prod-eu"])
    assert str(refused.value) == (
        f"context(s) prod-eu not in {fleet.kubeconfig} (it has: sim-1, sim-2)"
    )


async def test_a_kubeconfig_without_a_current_context_still_lists_and_loads_each(
    tmp_path: Path,
) -> None:
    """``kubectl config set-context`` on a new file leaves no current-context; the library's
    own listing refuses such a file, though every context in it is usable."""
    async with SimulatedFleet(2, kubeconfig=tmp_path / "kubeconfig") as fleet:
        document = yaml.safe_load(fleet.kubeconfig.read_text())
        document.pop("current-context", None)
        bare = tmp_path / "no-current-context"
        bare.write_text(yaml.safe_dump(document))
        assert [s.name for s in from_kubeconfig(bare)] == ["sim-1", "sim-2"]
        (source,) = from_kubeconfig(bare, ["sim-2"])
        api = await api_client(source)
        try:
            assert api.configuration.host == fleet["sim-2"].url
            assert (await client.CoreV1Api(api).list_node()).items
        finally:
            await api.close()


def test_kubeconfigs_of_the_wrong_shape_are_refused_saying_what_is_wrong(
    tmp_path: Path,
) -> None:
    cases = {
        "contexts: 5\n": "'contexts' is not a list",
        "contexts:\n- {context: {cluster: a}}\n": "every entry of 'contexts' needs a name",
        "contexts:\n- name: [1]\n": "every entry of 'contexts' needs a name",
        "- just a list\n": "has no contexts",
    }
    for number, (text, said) in enumerate(cases.items()):
        path = tmp_path / f"kubeconfig-{number}"
        path.write_text(text)
        with pytest.raises(ClusterConfigError, match=said):
            from_kubeconfig(path)


def test_missing_broken_and_empty_kubeconfigs_are_refused_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ClusterConfigError, match=f"kubeconfig {missing} does not exist"):
        from_kubeconfig(missing)
    broken = tmp_path / "broken"
    broken.write_text("contexts: [\n")
    with pytest.raises(ClusterConfigError, match=f"kubeconfig {broken} cannot be read"):
        from_kubeconfig(broken)
    empty = tmp_path / "empty"
    empty.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    with pytest.raises(ClusterConfigError, match=f"kubeconfig {empty}"):
        from_kubeconfig(empty)


async def test_in_a_pod_the_service_account_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the Helm chart relies on: the API server from the environment Kubernetes sets,
    the token and CA that it mounts into every pod."""
    token = tmp_path / "token"
    token.write_text("service-account-token")
    ca = tmp_path / "ca.crt"
    ca.write_bytes(certificate_authority())
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca))
    api = await api_client(in_cluster())
    try:
        assert api.configuration.host == "https://10.96.0.1:443"
        assert api.configuration.ssl_ca_cert == str(ca)
        assert api.configuration.api_key["BearerToken"].endswith("service-account-token")
    finally:
        await api.close()


async def test_outside_a_pod_in_cluster_configuration_says_why_it_cannot_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    with pytest.raises(ClusterConfigError) as refused:
        await api_client(in_cluster())
    assert "the pod's service account cannot be used" in str(refused.value)
    assert "watch the clusters of a kubeconfig instead (--kubeconfig" in str(refused.value)


def certificate_authority() -> bytes:
    """A CA certificate in PEM, as Kubernetes mounts the cluster's into every pod."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _outside_a_pod() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")
    }


def test_serve_in_cluster_outside_a_pod_stops_at_once_saying_what_to_do(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--in-cluster", "--state-dir", str(tmp_path)],
        env=_outside_a_pod(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert ran.stderr == (
        "error: --in-cluster: the pod's service account cannot be used (Service host/port is "
        "not set.). Run the gateway in a Kubernetes pod whose ServiceAccount token is mounted "
        "(the Helm chart's default), or watch the clusters of a kubeconfig instead "
        "(--kubeconfig, or clusters.kubeconfig). To start anyway and retry until it can be "
        "used, pass --wait-for-cluster (clusters.waitForCluster).\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_wait_for_cluster_without_in_cluster_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("clusters:\n  waitForCluster: true\n")
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "config", "check", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 1
    assert "waitForCluster waits for the pod's service account: it needs inCluster" in ran.stderr


async def test_serve_told_to_wait_serves_and_retries_saying_why_once(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway",
            "serve",
            "--in-cluster",
            "--wait-for-cluster",
            "--lease-seconds",
            "1.5",
            "--port",
            str(port),
            "--state-dir",
            str(tmp_path / "state"),
            "--log-level",
            "debug",
            "--log-format",
            "json",
            env=_outside_a_pod(),
            stdout=output,
            stderr=output,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            retries: list[dict[str, Any]] = []
            for _ in range(600):
                entries = [json.loads(line) for line in log.read_text().splitlines()]
                retries = [
                    e for e in entries if e["message"] == "cluster watcher stopped; retrying"
                ]
                if len(retries) >= 3:
                    break
                await asyncio.sleep(0.1)
            assert [e["level"] for e in retries[:3]] == ["error", "debug", "debug"]
            assert {e["cause"] for e in retries} == {
                "ClusterConfigError: the pod's service account cannot be used (Service host/port "
                "is not set.). Run the gateway in a Kubernetes pod whose ServiceAccount token is "
                "mounted (the Helm chart's default), or watch the clusters of a kubeconfig "
                "instead (--kubeconfig, or clusters.kubeconfig)."
            }
            assert (await http.get("/healthz")).status_code == 200
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["clusters"]["in-cluster"]["synced"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then raises the signal it caught again
        assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)
    loud = [e for e in entries if e["level"] in ("warning", "error")]
    assert [e["message"] for e in loud] == ["cluster watcher stopped; retrying"]


def test_serve_without_a_kubeconfig_says_where_clusters_can_come_from(tmp_path: Path) -> None:
    """A laptop with no ~/.kube/config: the first thing a newcomer may try."""
    environment = {**_outside_a_pod(), "HOME": str(tmp_path)}
    environment.pop("KUBECONFIG", None)
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--state-dir", str(tmp_path / "state")],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 2
    assert ran.stderr == (
        f"error: kubeconfig {tmp_path / '.kube' / 'config'} does not exist: name one with "
        "--kubeconfig (or $KUBECONFIG), pass --in-cluster inside a Kubernetes pod, or run the "
        "demo command to try the gateway on simulated clusters\n"
    )
