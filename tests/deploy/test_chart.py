"""The Helm chart, rendered by Helm's engine for the default and the documented value sets:
valid Kubernetes objects, and each Redis and cluster mode wired as docs/deployment.md says,
as the gateway's own configuration loader sees it in the pod. Combinations that cannot work fail
with a message saying what to do. (The configuration file itself: test_chart_config.py.)"""

from __future__ import annotations

import base64
import tomllib
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.deploy.chart import (
    CHART,
    FULLNAME,
    NAMESPACE,
    Manifest,
    operator_values,
    render,
    schema_errors,
)
from tests.deploy.dockerfile import ROOT
from tests.deploy.podconfig import pod_configuration
from tests.deploy.values import (
    BUNDLED_REDIS,
    EXISTING_SECRETS,
    EXTERNAL_REDIS,
    EXTERNAL_REDIS_SECRET,
    INGRESS,
    KUBECONFIG_CONTENT,
    KUBECONFIG_SECRET,
    REDIS_URL,
    REMOTE_KUBECONFIG,
    RESOURCES_AND_SCHEDULING,
    VALUE_SETS,
)


def env_of(container: Manifest) -> dict[str, Any]:
    return {e["name"]: e for e in container.get("env", [])}


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_rendered_object_is_valid_kubernetes(name: str) -> None:
    rendered = render(VALUE_SETS[name])
    assert rendered.manifests
    errors = [e for m in rendered.manifests for e in schema_errors(m)]
    assert not errors, "\n".join(errors)
    for manifest in rendered.manifests:
        if manifest["kind"] not in {"ClusterRole", "ClusterRoleBinding"}:
            assert manifest["metadata"]["namespace"] == NAMESPACE, manifest["kind"]
    report = helm.lint(CHART, operator_values(VALUE_SETS[name]), strict=True)
    assert not report["errors"]
    assert not [m for m in report["messages"] if m["severity"] >= 2], report["messages"]


def test_strict_schemas_reject_an_unknown_field() -> None:
    """The validation above would catch a misspelt field: strict schemas refuse it."""
    deployment = render().one("Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    assert list(schema_errors(deployment))


def test_default_is_one_replica_in_cluster_with_embedded_redis(tmp_path: Path) -> None:
    rendered = render()
    assert rendered.kinds() == {
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
    }
    deployment = rendered.one("Deployment")
    assert deployment["spec"]["replicas"] == 1
    config = pod_configuration(rendered).load(tmp_path)
    assert config.clusters.in_cluster
    assert config.redis.url is None, "the embedded Valkey"
    assert config.clusters.kubeconfig is None
    assert config.auth.insecure_no_auth, "the tests' base values choose no authentication"
    assert "env" not in rendered.gateway_container()
    assert rendered.gateway_pod()["spec"]["automountServiceAccountToken"] is True
    assert rendered.gateway_container()["image"] == "kube-status-gateway:0.1.0"


def test_chart_app_version_is_the_project_version() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        version = tomllib.load(file)["project"]["version"]
    with helm.Chart.load(CHART) as chart:
        assert chart.metadata["appVersion"] == version


def test_an_install_must_choose_its_authentication() -> None:
    with pytest.raises(helm.HelmRenderError, match=r"refuses to serve without authentication"):
        render({}, base={})
    rendered = render({"gateway": {"extraArgs": ["--insecure-no-auth"]}}, base={})
    assert "--insecure-no-auth" in rendered.gateway_container()["args"]


def test_replicas_with_the_embedded_redis_are_refused() -> None:
    with pytest.raises(helm.HelmRenderError, match=r"replicaCount=3 needs a shared Redis"):
        render({"replicaCount": 3})
    with pytest.raises(helm.HelmRenderError, match=r"redis\.mode=bundled"):
        render({"replicaCount": 2, "redis": {"mode": "embedded"}})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"redis": {"mode": "external"}}, r"needs redis\.external\.url or"),
        (
            {"redis": {"mode": "external", "external": {"url": REDIS_URL, "existingSecret": "x"}}},
            r"not both",
        ),
        ({"clusters": {"contexts": ["prod-eu"]}}, r"clusters\.contexts selects contexts"),
        (
            {"clusters": {"kubeconfig": {"content": REMOTE_KUBECONFIG, "existingSecret": "x"}}},
            r"not both",
        ),
        ({"config": {"clusters": {"inCluster": False}}}, r"config\.clusters is written by"),
        ({"config": {"redis": {"url": REDIS_URL}}}, r"config\.redis\.url would put"),
        ({"config": {"server": {"port": 9090}}}, r"config\.server\.port is written by"),
        ({"config": {"server": {"stateDir": "/data"}}}, r"config\.server\.stateDir is"),
        (
            {"gateway": {"extraVolumes": [{"name": "config", "emptyDir": {}}]}},
            r"\"config\" is the chart's own volume",
        ),
    ],
)
def test_contradictory_values_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmRenderError, match=message):
        render(values)


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"redis": {"mode": "sentinel"}}, "/redis/mode"),
        ({"replicaCount": 0}, "/replicaCount"),
        ({"redis": {"mode": "external", "external": {"url": "http://redis:6379"}}}, "/url"),
        ({"gateway": {"logLevel": "verbose"}}, "/gateway/logLevel"),
        ({"gateway": {"leaseSeconds": 0.5}}, "/gateway/leaseSeconds"),
        ({"gateway": {"limits": {"maxPage": 0}}}, "/gateway/limits/maxPage"),
        ({"gateway": {"limits": {"maxPages": 10}}}, "maxPages"),
        ({"gateway": {"corsOrigins": ["https://console.example.org/app"]}}, "/gateway/corsOrigins"),
        ({"gateway": {"websocketOrigins": "https://console.example.org"}}, "/websocketOrigins"),
        ({"gateway": {"extraVolumeMounts": [{"name": "a"}]}}, "/gateway/extraVolumeMounts"),
        ({"config": {"logging": "debug"}}, "/config/logging"),
        ({"replicas": 2}, "replicas"),
    ],
)
def test_values_schema_names_the_bad_key(values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm.HelmValuesError, match=where):
        render(values)


def test_external_redis_url_is_kept_in_a_secret(tmp_path: Path) -> None:
    rendered = render(EXTERNAL_REDIS)
    assert rendered.one("Deployment")["spec"]["replicas"] == 3
    secret = rendered.one("Secret", f"{FULLNAME}-redis-url")
    assert base64.b64decode(secret["data"]["url"]).decode() == REDIS_URL
    container = rendered.gateway_container()
    assert env_of(container)["KSG_REDIS_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": f"{FULLNAME}-redis-url",
        "key": "url",
    }
    pod = pod_configuration(rendered)
    assert pod.load(tmp_path).redis.url == REDIS_URL
    assert pod.args.redis_url is None, "the URL is not a flag"
    assert REDIS_URL not in yaml.safe_dump(rendered.one("Deployment"))
    assert "redis.example.org" not in yaml.safe_dump(rendered.one("ConfigMap"))
    assert len(rendered.of_kind("Deployment")) == 1, "no bundled Redis with an external one"


def test_external_redis_from_an_existing_secret(tmp_path: Path) -> None:
    rendered = render(EXTERNAL_REDIS_SECRET)
    assert not rendered.of_kind("Secret")
    reference = env_of(rendered.gateway_container())["KSG_REDIS_URL"]["valueFrom"]
    assert reference["secretKeyRef"] == {"name": "gateway-redis", "key": "redis-url"}
    expected = EXISTING_SECRETS["gateway-redis", "redis-url"]
    assert pod_configuration(rendered).load(tmp_path).redis.url == expected


def test_bundled_redis_is_one_valkey_from_the_gateway_image_for_gateway_pods_only(
    tmp_path: Path,
) -> None:
    rendered = render(BUNDLED_REDIS)
    redis_name = f"{FULLNAME}-redis"
    redis = rendered.one("Deployment", redis_name)
    pod = redis["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert redis["spec"]["replicas"] == 1
    assert container["image"] == rendered.gateway_container()["image"]
    assert container["command"] == ["valkey-server"]
    assert "noeviction" in container["args"]
    assert pod["spec"]["automountServiceAccountToken"] is False
    service = rendered.one("Service", redis_name)
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (port,) = service["spec"]["ports"]
    config = pod_configuration(rendered).load(tmp_path)
    assert config.redis.url == f"redis://{redis_name}:{port['port']}/0"
    policy = rendered.one("NetworkPolicy", redis_name)
    assert policy["spec"]["podSelector"]["matchLabels"] == service["spec"]["selector"]
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    gateway_labels = rendered.gateway_pod()["metadata"]["labels"]
    assert source["podSelector"]["matchLabels"].items() <= gateway_labels.items()
    assert not source["podSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


def test_remote_clusters_from_kubeconfig_content_with_contexts(tmp_path: Path) -> None:
    rendered = render(KUBECONFIG_CONTENT)
    secret = rendered.one("Secret", f"{FULLNAME}-kubeconfig")
    assert base64.b64decode(secret["data"]["config"]).decode() == REMOTE_KUBECONFIG
    clusters = pod_configuration(rendered).load(tmp_path).clusters
    assert not clusters.in_cluster
    assert clusters.contexts == ("prod-eu", "prod-us")
    assert clusters.kubeconfig is not None
    volume = rendered.gateway_mounts()[str(clusters.kubeconfig.parent)]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]
    assert volume["secret"]["items"] == [{"key": "config", "path": clusters.kubeconfig.name}]
    assert rendered.gateway_pod()["spec"]["automountServiceAccountToken"] is False
    assert not rendered.of_kind("ClusterRole"), "remote mode needs no RBAC in this cluster"
    assert "prod-eu, prod-us" in rendered.notes


def test_remote_clusters_from_an_existing_kubeconfig_secret(tmp_path: Path) -> None:
    rendered = render(KUBECONFIG_SECRET)
    assert not rendered.of_kind("Secret")
    clusters = pod_configuration(rendered).load(tmp_path).clusters
    assert not clusters.in_cluster
    assert clusters.contexts == (), "every context"
    assert clusters.kubeconfig is not None
    volume = rendered.gateway_mounts()[str(clusters.kubeconfig.parent)]
    assert volume["secret"]["secretName"] == "gateway-kubeconfig"
    assert volume["secret"]["items"] == [{"key": "kubeconfig", "path": clusters.kubeconfig.name}]


def test_ingress_routes_to_the_service() -> None:
    rendered = render(INGRESS)
    ingress = rendered.one("Ingress")
    service = rendered.one("Service")
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "status.example.org"
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    assert ingress["spec"]["tls"] == [{"hosts": ["status.example.org"], "secretName": "status-tls"}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert not render().of_kind("Ingress")


def test_resources_image_digest_and_scheduling(tmp_path: Path) -> None:
    rendered = render(RESOURCES_AND_SCHEDULING)
    container = rendered.gateway_container()
    assert container["resources"] == RESOURCES_AND_SCHEDULING["resources"]
    assert container["image"] == "registry.example.org/ksg@sha256:" + "ab" * 32
    spec = rendered.gateway_pod()["spec"]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert spec["tolerations"] == RESOURCES_AND_SCHEDULING["tolerations"]
    config = pod_configuration(rendered).load(tmp_path)
    assert config.logging.level == "debug"
    assert config.watch.lease_seconds == 20
    assert rendered.one("PodDisruptionBudget")["spec"]["maxUnavailable"] == "50%"
    assert rendered.one("Service")["spec"]["type"] == "LoadBalancer"


def test_pods_roll_when_settings_or_secrets_change() -> None:
    def annotations(values: dict[str, Any]) -> dict[str, str]:
        found: dict[str, str] = render(values).gateway_pod()["metadata"]["annotations"]
        return found

    default = annotations({})
    assert annotations({"gateway": {"logLevel": "debug"}}) != default
    assert annotations({"config": {"redis": {"keyPrefix": "b"}}}) != default
    first = annotations(KUBECONFIG_CONTENT)["checksum/secrets"]
    changed = {"clusters": {"kubeconfig": {"content": REMOTE_KUBECONFIG + "# rotated\n"}}}
    assert annotations(changed)["checksum/secrets"] != first
