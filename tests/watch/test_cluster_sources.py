"""Where clusters come from: every context of a kubeconfig or a chosen few, or the service
account of the pod the gateway runs in, and a clear word when none of these can be used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kubernetes_asyncio import client
from kubernetes_asyncio.config import incluster_config

from gateway.clusters import ClusterConfigError, api_client, from_kubeconfig, in_cluster
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
    assert "name a kubeconfig (--kubeconfig" in str(refused.value)


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
