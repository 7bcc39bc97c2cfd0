"""What the chart lets the gateway do: RBAC exactly as wide as the resources it reads, a
locked-down container, probes on /healthz and /readyz, and a PodDisruptionBudget."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.chart import FULLNAME, NAMESPACE, Manifest, Rendered, render
from tests.deploy.dockerfile import parse
from tests.deploy.grants import granted, needed
from tests.deploy.podconfig import pod_configuration
from tests.deploy.values import AUTH_TOKEN_REVIEW, BUNDLED_REDIS, EXTERNAL_REDIS, VALUE_SETS


def image_user() -> tuple[int, int]:
    uid, gid = parse()[-1].last("USER").value[0].split(":")
    return int(uid), int(gid)


def pods(rendered: Rendered) -> list[Manifest]:
    """The gateway's pod first, then the bundled Valkey's if any."""
    gateway = rendered.gateway_pod()
    others = [d["spec"]["template"] for d in rendered.of_kind("Deployment")]
    return [gateway, *(p for p in others if p is not gateway)]


@pytest.mark.parametrize("values", [{}, AUTH_TOKEN_REVIEW], ids=["no-auth", "token-review"])
def test_cluster_role_grants_exactly_what_the_gateway_uses(
    values: dict[str, object], tmp_path: Path
) -> None:
    rendered = render(values)
    config = pod_configuration(rendered).load(tmp_path)
    assert granted(rendered.one("ClusterRole")) == needed(config)


def test_cluster_role_is_bound_to_the_pods_service_account_only() -> None:
    rendered = render()
    binding = rendered.one("ClusterRoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": FULLNAME,
    }
    account = rendered.one("ServiceAccount")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": FULLNAME, "namespace": NAMESPACE}
    ]
    assert rendered.gateway_pod()["spec"]["serviceAccountName"] == account["metadata"]["name"]
    assert account["automountServiceAccountToken"] is False
    assert not rendered.of_kind("Role") and not rendered.of_kind("RoleBinding")


def test_rbac_can_be_left_to_the_cluster_admin() -> None:
    rendered = render({"rbac": {"create": False}})
    assert not rendered.of_kind("ClusterRole")
    assert not rendered.of_kind("ClusterRoleBinding")


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_pod_runs_locked_down_as_the_image_user(name: str) -> None:
    uid, gid = image_user()
    for pod in pods(render(VALUE_SETS[name])):
        spec = pod["spec"]
        assert spec["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": gid,
            "fsGroup": gid,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        for container in spec["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "runAsNonRoot": True,
                "runAsUser": uid,
                "runAsGroup": gid,
                "capabilities": {"drop": ["ALL"]},
            }


def writable_paths(pod: Manifest, container: Manifest) -> set[str]:
    """Mount paths the container can write to; every other mount must be read-only."""
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    writable = set()
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            assert volume["emptyDir"].get("sizeLimit"), f"{mount['name']} is unbounded"
            writable.add(mount["mountPath"])
        else:
            assert mount.get("readOnly") is True, mount
    return writable


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_only_bounded_empty_dirs_are_writable(name: str, tmp_path: Path) -> None:
    """With a read-only root, the embedded Valkey's state dir and /tmp (the Kubernetes
    client's certificate files) are emptyDirs; the bundled Valkey writes only /data."""
    rendered = render(VALUE_SETS[name])
    state_dir = str(pod_configuration(rendered).load(tmp_path).server.state_dir)
    assert writable_paths(rendered.gateway_pod(), rendered.gateway_container()) == {
        state_dir,
        "/tmp",
    }
    for pod in pods(rendered)[1:]:
        (container,) = pod["spec"]["containers"]
        assert writable_paths(pod, container) == {"/data"}


def test_service_account_token_only_where_it_is_the_credential() -> None:
    assert render().gateway_pod()["spec"]["automountServiceAccountToken"] is True
    remote = VALUE_SETS["kubeconfig-secret"]
    assert render(remote).gateway_pod()["spec"]["automountServiceAccountToken"] is False
    bundled = render(BUNDLED_REDIS).one("Deployment", f"{FULLNAME}-redis")
    assert bundled["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_probes_ask_healthz_for_life_and_readyz_for_traffic() -> None:
    container = render().gateway_container()
    (port,) = container["ports"]
    assert port["containerPort"] == 8080
    expected = {
        "startupProbe": "/healthz",
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
    }
    for probe, path in expected.items():
        assert container[probe]["httpGet"] == {"path": path, "port": port["name"]}, probe
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30


def test_probe_timing_follows_values() -> None:
    container = render({"readinessProbe": {"periodSeconds": 15}}).gateway_container()
    assert container["readinessProbe"]["periodSeconds"] == 15
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize("values", [{}, EXTERNAL_REDIS], ids=["one-replica", "three-replicas"])
def test_disruption_budget_covers_the_gateway_pods_and_never_blocks_drains(
    values: dict[str, object],
) -> None:
    rendered = render(values)
    budget = rendered.one("PodDisruptionBudget")
    deployment = rendered.one("Deployment")
    selector = budget["spec"]["selector"]["matchLabels"]
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert budget["spec"]["maxUnavailable"] == 1
    assert "minAvailable" not in budget["spec"]
    assert not render({"podDisruptionBudget": {"enabled": False}}).of_kind("PodDisruptionBudget")
