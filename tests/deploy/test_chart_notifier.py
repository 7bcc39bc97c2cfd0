"""The chart's optional chatops notifier: off by default; when on, one bot that can never run
twice, reaching this release's gateway with flags the bot's own parser accepts, its webhook
URL and gateway token only ever in Secrets, its state on a claim (or an emptyDir), locked
down like the gateway. What the pod would run is checked by building the bot's
configuration from the rendered arguments with ``notify``'s own code."""

from __future__ import annotations

import argparse
import base64
import json
import re
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from gateway.cli import parse_arguments
from gateway.commands import notify
from gateway.commands.notify import TOKEN_ENV, WEBHOOK_ENV, config_from
from gateway.notify.config import NotifierConfig, gateway_url
from gateway.notify.filters import ChannelFilter
from gateway.notify.model import Severity
from schema.types import WorkloadKind
from tests.deploy.chart import (
    CHART,
    FULLNAME,
    NAMESPACE,
    Manifest,
    Rendered,
    merged,
    operator_values,
    render,
    schema_errors,
)
from tests.deploy.podconfig import secret_values
from tests.deploy.values import AUTH_TOKEN_FILE, AUTH_TOKEN_REVIEW
from tests.docs.markdown import DOCS, Page

NOTIFIER = f"{FULLNAME}-notifier"
WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/webhookSecretPart42"
TOKEN = "notifier-bearer-token-7f3a"
CHART_DEFAULTS: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
CHART_SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())

WITH_WEBHOOK: dict[str, Any] = {"notifier": {"enabled": True, "webhook": {"url": WEBHOOK}}}
WEBHOOK_SECRET: dict[str, Any] = {
    "notifier": {
        "enabled": True,
        "webhook": {"existingSecret": "chat-webhook", "key": "slack-url"},
    }
}
NO_PERSISTENCE = merged(WITH_WEBHOOK, {"notifier": {"persistence": {"enabled": False}}})
WITH_TOKEN = merged(
    AUTH_TOKEN_FILE, merged(WITH_WEBHOOK, {"notifier": {"gatewayToken": {"value": TOKEN}}})
)
TOKEN_SECRET = merged(
    AUTH_TOKEN_REVIEW,
    merged(
        WEBHOOK_SECRET,
        {"notifier": {"gatewayToken": {"existingSecret": "bot-token", "key": "jwt"}}},
    ),
)
SETTINGS = merged(
    WITH_WEBHOOK,
    {
        "notifier": {
            "format": "teams",
            "filter": {
                "clusters": ["prod-eu"],
                "namespaces": ["shop", "payments"],
                "kinds": ["StatefulSet", "DEPLOYMENT"],
                "labelSelector": "tier=backend",
                "nameContains": "api",
            },
            "minSeverity": "warning",
            "window": 2.5,
            "digestAfter": 8,
            "ratePerMinute": 12.5,
            "burst": 3,
            "retryCap": 120,
            "logLevel": "debug",
            "logFormat": "text",
        },
        "service": {"port": 8080},
    },
)
DOCUMENTED = merged(
    AUTH_TOKEN_FILE,
    yaml.safe_load(Page.read(DOCS / "deployment.md").block("# notifier.yaml")),
)
"""docs/deployment.md's notifier.yaml, installed with its auth.yaml."""
EXISTING = {
    ("chat-webhook", "slack-url"): WEBHOOK,
    ("bot-token", "jwt"): TOKEN,
    ("chat-webhook", "url"): WEBHOOK,
    ("notifier-token", "token"): TOKEN,
}
"""(Secret, key) -> value of the Secrets the value sets expect to exist in the namespace."""

VALUE_SETS: dict[str, dict[str, Any]] = {
    "webhook-url": WITH_WEBHOOK,
    "webhook-secret": WEBHOOK_SECRET,
    "no-persistence": NO_PERSISTENCE,
    "token-value": WITH_TOKEN,
    "token-secret": TOKEN_SECRET,
    "settings": SETTINGS,
    "documented": DOCUMENTED,
}


def notifier_objects(rendered: Rendered) -> list[Manifest]:
    return [
        m
        for m in rendered.manifests
        if m["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "notifier"
    ]


def notifier_pod(rendered: Rendered) -> Manifest:
    pod: Manifest = rendered.one("Deployment", NOTIFIER)["spec"]["template"]
    return pod


def notifier_container(rendered: Rendered) -> Manifest:
    (container,) = notifier_pod(rendered)["spec"]["containers"]
    assert isinstance(container, dict)
    return container


def volume_at(rendered: Rendered, path: Path) -> tuple[Manifest, Manifest]:
    """The mount of the notifier container holding ``path``, and the pod volume it mounts."""
    volumes = {v["name"]: v for v in notifier_pod(rendered)["spec"]["volumes"]}
    (mount,) = (
        m
        for m in notifier_container(rendered)["volumeMounts"]
        if path.is_relative_to(m["mountPath"])
    )
    return mount, volumes[mount["name"]]


def notifier_args(rendered: Rendered) -> argparse.Namespace:
    """The container's arguments as the gateway's own parser reads them (an unknown flag or a
    value outside a flag's choices fails here, as it would fail the pod)."""
    container = notifier_container(rendered)
    assert "command" not in container, "the image's ENTRYPOINT must stay the gateway"
    assert container["args"][0] == "notify"
    known = {flag for action in notify_parser()._actions for flag in action.option_strings}
    for arg in container["args"][1:]:
        flag = arg.partition("=")[0]
        assert flag in known, f"{flag} is not a flag of notify (argparse would take a prefix)"
    return parse_arguments(container["args"])


def notifier_config(
    rendered: Rendered,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    existing: dict[tuple[str, str], str] = EXISTING,
) -> NotifierConfig:
    """What ``notify`` would run with in the pod: its environment resolved from the Secrets
    the env references, and the token file followed through its mount to its Secret."""
    args = notifier_args(rendered)
    secrets = secret_values(rendered, existing)
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    for variable in notifier_container(rendered).get("env", []):
        assert "value" not in variable, f"{variable['name']} is not from a Secret"
        reference = variable["valueFrom"]["secretKeyRef"]
        where = (reference["name"], reference["key"])
        assert where in secrets, f"{variable['name']} reads Secret {where}, which nothing provides"
        monkeypatch.setenv(variable["name"], secrets[where])
    if args.token_file is not None:
        mount, volume = volume_at(rendered, args.token_file)
        assert "subPath" not in mount, "a subPath mount would never see a rotated Secret"
        items = {i["path"]: i["key"] for i in volume["secret"]["items"]}
        key = items[str(args.token_file.relative_to(mount["mountPath"]))]
        copy = tmp_path / args.token_file.relative_to("/")
        copy.parent.mkdir(parents=True)
        copy.write_text(secrets[volume["secret"]["secretName"], key])
        args.token_file = copy
    return config_from(args)


def notify_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    notify.register(parser)
    return parser


def flag_choices() -> dict[str, list[str]]:
    return {
        action.dest: list(action.choices)
        for action in notify_parser()._actions
        if action.choices is not None
    }


def test_default_renders_no_notifier() -> None:
    rendered = render()
    assert not notifier_objects(rendered)
    assert not [m for m in rendered.manifests if "notifier" in m["metadata"]["name"]]
    assert "Notifier" not in rendered.notes
    assert CHART_DEFAULTS["notifier"]["enabled"] is False


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_rendered_object_is_valid_kubernetes(name: str) -> None:
    rendered = render(VALUE_SETS[name])
    errors = [e for m in rendered.manifests for e in schema_errors(m)]
    assert not errors, "\n".join(errors)
    for manifest in notifier_objects(rendered):
        assert manifest["metadata"]["namespace"] == NAMESPACE, manifest["kind"]
    report = helm.lint(CHART, operator_values(VALUE_SETS[name]), strict=True)
    assert not report["errors"]
    assert not [m for m in report["messages"] if m["severity"] >= 2], report["messages"]


def test_enabled_is_a_deployment_its_webhook_secret_and_its_state_claim() -> None:
    rendered = render(WITH_WEBHOOK)
    assert sorted(m["kind"] for m in notifier_objects(rendered)) == [
        "Deployment",
        "PersistentVolumeClaim",
        "Secret",
    ]
    claim = rendered.one("PersistentVolumeClaim", NOTIFIER)
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "128Mi"
    assert "storageClassName" not in claim["spec"], "the cluster's default StorageClass"
    _, volume = volume_at(rendered, notifier_args(rendered).state_file)
    assert volume["persistentVolumeClaim"] == {"claimName": NOTIFIER}
    secret = rendered.one("Secret", f"{NOTIFIER}-webhook")
    assert base64.b64decode(secret["data"]["url"]).decode() == WEBHOOK
    assert (
        rendered.one("Deployment")["spec"]["selector"]
        != (rendered.one("Deployment", NOTIFIER)["spec"]["selector"])
    ), "the gateway's Service and budget must not select the bot"
    assert NOTIFIER in rendered.notes and "resumes where it stopped" in rendered.notes


@pytest.mark.parametrize("name", ["webhook-url", "token-value", "settings"])
def test_credentials_appear_only_in_their_secrets(name: str) -> None:
    rendered = render(VALUE_SETS[name])
    credentials = {"webhook": WEBHOOK, "gateway-token": TOKEN}
    holders = {"webhook": f"{NOTIFIER}-webhook", "gateway-token": f"{NOTIFIER}-gateway-token"}
    for what, value in credentials.items():
        traces = (value, base64.b64encode(value.encode()).decode(), value.rsplit("/", 1)[-1])
        for manifest in rendered.manifests:
            if manifest["kind"] == "Secret" and manifest["metadata"]["name"] == holders[what]:
                continue
            text = yaml.safe_dump(manifest)
            leaked = [t for t in traces if t in text]
            assert not leaked, f"the {what} is in {manifest['kind']}/{manifest['metadata']['name']}"
        assert not [t for t in traces if t in rendered.notes], f"the {what} is in NOTES.txt"
    (variable,) = notifier_container(rendered)["env"]
    assert variable == {
        "name": WEBHOOK_ENV,
        "valueFrom": {"secretKeyRef": {"name": holders["webhook"], "key": "url"}},
    }


@pytest.mark.parametrize("port", [80, 8443])
def test_command_points_at_the_release_service_and_its_port(port: int) -> None:
    rendered = render(merged(WITH_WEBHOOK, {"service": {"port": port}}))
    service = rendered.one("Service")
    (service_port,) = service["spec"]["ports"]
    assert service_port["port"] == port
    args = notifier_args(rendered)
    assert args.gateway == f"http://{service['metadata']['name']}:{port}"
    assert gateway_url(args.gateway) == f"ws://{FULLNAME}:{port}/graphql"
    gateway_labels = rendered.gateway_pod()["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= gateway_labels.items()


def test_rendered_settings_are_what_the_bot_runs_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = notifier_config(render(SETTINGS), tmp_path, monkeypatch)
    assert config.gateway == f"ws://{FULLNAME}:8080/graphql"
    assert config.webhook == WEBHOOK
    assert config.format == "teams"
    assert config.filter == ChannelFilter(
        clusters=("prod-eu",),
        namespaces=("shop", "payments"),
        kinds=("STATEFUL_SET", "DEPLOYMENT"),
        label_selector="tier=backend",
        name_contains="api",
    )
    assert config.min_severity is Severity.WARNING
    assert (config.window, config.digest_after, config.retry_cap) == (2.5, 8, 120)
    assert (config.per_minute, config.burst) == (12.5, 3)
    assert config.token is None and config.token_file is None, "no authentication"
    assert config.state_file == Path("/state/notify.json")
    args = notifier_args(render(SETTINGS))
    assert (args.log_level, args.log_format) == ("debug", "text")


def test_chart_defaults_are_the_bots_defaults_except_json_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = render(WITH_WEBHOOK)
    config = notifier_config(rendered, tmp_path, monkeypatch)
    bare = config_from(parse_arguments(["notify", "--gateway", "gw"]))
    assert config.filter == bare.filter == ChannelFilter()
    assert "--filter" not in " ".join(notifier_container(rendered)["args"])
    for setting in ("format", "min_severity", "window", "digest_after", "per_minute", "burst"):
        assert getattr(config, setting) == getattr(bare, setting), setting
    assert config.retry_cap == bare.retry_cap
    args = notifier_args(rendered)
    assert args.log_level == "info"
    assert args.log_format == "json", "a pod's logs are read by machines"


def test_values_schema_offers_exactly_the_choices_of_the_bots_flags() -> None:
    notifier = CHART_SCHEMA["properties"]["notifier"]["properties"]
    choices = flag_choices()
    assert notifier["format"]["enum"] == choices["format"]
    assert notifier["minSeverity"]["enum"] == choices["min_severity"]
    assert notifier["logLevel"]["enum"] == choices["log_level"]
    assert notifier["logFormat"]["enum"] == choices["log_format"]
    built_in, custom = notifier["filter"]["properties"]["kinds"]["items"]["anyOf"]
    assert set(built_in["enum"]) == {k.value for k in WorkloadKind} | {k.name for k in WorkloadKind}
    assert re.fullmatch(custom["pattern"], "Rollout.argoproj.io")
    assert not re.fullmatch(custom["pattern"], "Rollout")
    filter_keys = set(notifier["filter"]["properties"])
    assert filter_keys == {"clusters", "namespaces", "kinds", "labelSelector", "nameContains"}
    assert set(CHART_DEFAULTS["notifier"]) == set(notifier), "every value has a schema entry"


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"format": "discord"}, "/notifier/format"),
        ({"minSeverity": "info"}, "/notifier/minSeverity"),
        ({"window": -1}, "/notifier/window"),
        ({"burst": 0}, "/notifier/burst"),
        ({"digestAfter": 1.5}, "/notifier/digestAfter"),
        ({"ratePerMinute": 0}, "/notifier/ratePerMinute"),
        ({"filter": {"statuses": ["EXCEPTION"]}}, "statuses"),
        ({"filter": {"kinds": ["ReplicaSet"]}}, "/notifier/filter/kinds"),
        ({"filter": {"namespaces": "shop"}}, "/notifier/filter/namespaces"),
        ({"webhook": {"url": "hooks.slack.com/services/T/B/X"}}, "/notifier/webhook/url"),
        ({"persistence": {"size": "a lot"}}, "/notifier/persistence/size"),
        ({"replicas": 2}, "replicas"),
    ],
)
def test_values_schema_names_the_bad_key(values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm.HelmValuesError, match=where):
        render(merged(WITH_WEBHOOK, {"notifier": values}))


def test_one_bot_at_a_time_with_no_invented_probes() -> None:
    deployment = render(WITH_WEBHOOK).one("Deployment", NOTIFIER)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}, "never two bots at once"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert not {"livenessProbe", "readinessProbe", "startupProbe", "ports"} & set(container)


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_notifier_runs_locked_down_like_the_gateway(name: str) -> None:
    rendered = render(VALUE_SETS[name])
    pod = notifier_pod(rendered)
    container = notifier_container(rendered)
    assert pod["spec"]["securityContext"] == rendered.gateway_pod()["spec"]["securityContext"]
    assert container["securityContext"] == rendered.gateway_container()["securityContext"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"].get("serviceAccountName") != rendered.gateway_pod()["spec"].get(
        "serviceAccountName"
    ), "the bot must not run as the account the gateway's ClusterRole is bound to"
    assert container["image"] == rendered.gateway_container()["image"]
    assert container["resources"] == CHART_DEFAULTS["notifier"]["resources"]
    state_dir = str(notifier_args(rendered).state_file.parent)
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    for mount in container["volumeMounts"]:
        if mount["mountPath"] != state_dir:
            assert mount.get("readOnly") is True, mount
            assert "secret" in volumes[mount["name"]], mount


@pytest.mark.parametrize("name", ["token-value", "token-secret"])
def test_gateway_token_is_a_mounted_file_when_the_gateway_authenticates(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = render(VALUE_SETS[name])
    config = notifier_config(rendered, tmp_path, monkeypatch)
    assert config.token is None, "never as a flag or a variable"
    assert config.current_token() == TOKEN
    args = notifier_args(rendered)
    assert args.token is None
    assert str(args.token_file).startswith("/etc/kube-status-gateway/")
    _, volume = volume_at(rendered, args.token_file)
    expected = "bot-token" if name == "token-secret" else f"{NOTIFIER}-gateway-token"
    assert volume["secret"]["secretName"] == expected
    assert [e["name"] for e in notifier_container(rendered)["env"]] == [WEBHOOK_ENV]


def test_an_authenticating_gateway_needs_a_token_for_the_bot() -> None:
    with pytest.raises(helm.HelmRenderError, match=r"config\.auth: tokenFile\), so the notif"):
        render(merged(AUTH_TOKEN_FILE, WITH_WEBHOOK))
    assert notifier_args(render(WITH_WEBHOOK)).token_file is None, "no auth, no token needed"


def test_an_existing_webhook_secret_is_referenced_not_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = render(WEBHOOK_SECRET)
    assert not rendered.of_kind("Secret")
    (variable,) = notifier_container(rendered)["env"]
    assert variable["valueFrom"]["secretKeyRef"] == {"name": "chat-webhook", "key": "slack-url"}
    assert notifier_config(rendered, tmp_path, monkeypatch).webhook == WEBHOOK
    assert "Secret chat-webhook (key slack-url)" in rendered.notes


def test_without_persistence_the_state_is_a_bounded_empty_dir() -> None:
    rendered = render(NO_PERSISTENCE)
    assert not rendered.of_kind("PersistentVolumeClaim")
    mount, volume = volume_at(rendered, notifier_args(rendered).state_file)
    assert volume["emptyDir"] == {"sizeLimit": "128Mi"}
    assert "readOnly" not in mount
    assert "posts a summary of what is broken instead of resuming" in rendered.notes


@pytest.mark.parametrize(("given", "expected"), [("fast-ssd", "fast-ssd"), ("-", "")])
def test_storage_class_is_chosen_or_turned_off(given: str, expected: str) -> None:
    values = merged(WITH_WEBHOOK, {"notifier": {"persistence": {"storageClass": given}}})
    claim = render(values).one("PersistentVolumeClaim", NOTIFIER)
    assert claim["spec"]["storageClassName"] == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"notifier": {"enabled": True}}, r"needs the chat's incoming webhook"),
        (
            merged(WITH_WEBHOOK, {"notifier": {"webhook": {"existingSecret": "chat-webhook"}}}),
            r"notifier\.webhook\.url or notifier\.webhook\.existingSecret, not both",
        ),
        (
            merged(TOKEN_SECRET, {"notifier": {"gatewayToken": {"value": TOKEN}}}),
            r"notifier\.gatewayToken\.value or notifier\.gatewayToken\.existingSecret, not both",
        ),
    ],
)
def test_a_notifier_without_what_it_needs_is_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmRenderError, match=message):
        render(values)


def test_the_bot_restarts_when_the_charts_webhook_changes() -> None:
    def annotations(url: str) -> dict[str, str]:
        values = merged(WITH_WEBHOOK, {"notifier": {"webhook": {"url": url}}})
        found: dict[str, str] = notifier_pod(render(values))["metadata"]["annotations"]
        return found

    assert annotations(WEBHOOK) != annotations(WEBHOOK + "rotated")


def test_the_documented_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = notifier_config(render(DOCUMENTED), tmp_path, monkeypatch)
    assert config.webhook == WEBHOOK
    assert config.current_token() == TOKEN
    assert config.filter == ChannelFilter(namespaces=("shop", "payments"))
    assert config.format == "slack" and config.min_severity is Severity.NOT_READY
