"""The chart's config.yaml, read by the gateway's own loader as the pod would read it: every
value set yields a configuration the gateway accepts, with the settings the values ask for;
the values schema bounds what the loader bounds; the config block reaches any section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import BaseModel

from gateway.commands.serve import overrides_from, settings_from
from gateway.config import Config, ConfigError, load
from gateway.http.app import build_app
from gateway.service import Gateway
from tests.deploy.chart import CHART, merged, render
from tests.deploy.podconfig import pod_configuration
from tests.deploy.values import (
    AUTH_DIR,
    AUTH_TOKEN_FILE,
    CONSOLE,
    EXTERNAL_REDIS,
    GATEWAY_SETTINGS,
    REDIS_URL,
    VALUE_SETS,
)

CHART_DEFAULTS: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
CHART_SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
SETTING_VALUES: dict[str, str] = {
    "gateway.logLevel": "logging.level",
    "gateway.logFormat": "logging.format",
    "gateway.leaseSeconds": "watch.leaseSeconds",
    "gateway.graceSeconds": "watch.graceSeconds",
    "gateway.corsOrigins": "server.corsOrigins",
    "gateway.websocketOrigins": "server.websocketOrigins",
    **{f"gateway.limits.{key}": f"limits.{key}" for key in CHART_DEFAULTS["gateway"]["limits"]},
}
"""Chart value -> the configuration key it is rendered to."""
BOUNDS = ("type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def at(tree: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        tree = tree[part]
    return tree


def nested(dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {head: nested(rest, value) if rest else value}


def chart_schema(value: str) -> dict[str, Any]:
    node = CHART_SCHEMA
    for part in value.split("."):
        node = node["properties"][part]
    return node


def loader_schema(key: str) -> dict[str, Any]:
    section, name = key.split(".")
    model = Config.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    found: dict[str, Any] = model.model_json_schema(by_alias=True)["properties"][name]
    return found


def bounds(schema: dict[str, Any]) -> dict[str, Any]:
    picked = {k: schema[k] for k in BOUNDS if k in schema}
    if "items" in schema:
        picked["items"] = bounds(schema["items"])
    return picked


def effective(config: Config, key: str) -> Any:
    return at(config.model_dump(mode="json", by_alias=True), key)


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_the_gateway_loads_the_rendered_configuration(name: str, tmp_path: Path) -> None:
    rendered = render(VALUE_SETS[name])
    pod = pod_configuration(rendered)
    assert pod.mount.get("readOnly") is True
    assert overrides_from(pod.args) == {}, "settings travel in the file, not as flags"
    config = load(pod.write(tmp_path), {}, pod.environ)
    (port,) = rendered.gateway_container()["ports"]
    assert (config.server.host, config.server.port) == ("0.0.0.0", port["containerPort"])
    assert "emptyDir" in rendered.gateway_mounts()[str(config.server.state_dir)]
    build_app(Gateway(settings_from(config, [])), config)


def test_the_container_runs_serve_on_the_mounted_file_only() -> None:
    container = render().gateway_container()
    assert container["args"] == ["serve", "--config=/etc/kube-status-gateway/config/config.yaml"]


def test_the_chart_keeps_the_gateways_defaults(tmp_path: Path) -> None:
    config = pod_configuration(render()).load(tmp_path)
    defaults = Config()
    assert config.limits == defaults.limits
    assert config.watch == defaults.watch
    assert config.redis == defaults.redis
    chart_owned = {"host", "state_dir"}
    assert config.server.model_dump(exclude=chart_owned) == defaults.server.model_dump(
        exclude=chart_owned
    )
    assert config.logging.format == "json", "a pod's log is read by machines"


@pytest.mark.parametrize("value", sorted(SETTING_VALUES))
def test_the_values_schema_bounds_each_setting_as_the_loader_does(value: str) -> None:
    """Helm refuses what the gateway would refuse at start, and nothing it would accept."""
    assert bounds(chart_schema(value)) == bounds(loader_schema(SETTING_VALUES[value]))


def test_every_setting_value_reaches_its_key(tmp_path: Path) -> None:
    values: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    for value in SETTING_VALUES:
        schema, default = chart_schema(value), at(CHART_DEFAULTS, value)
        if "enum" in schema:
            chosen[value] = next(v for v in schema["enum"] if v != default)
        elif schema["type"] == "array":
            chosen[value] = [CONSOLE]
        else:
            chosen[value] = schema["maximum"]
        assert chosen[value] != default, value
        values = merged(values, nested(value, chosen[value]))
    config = pod_configuration(render(values)).load(tmp_path)
    for value, key in SETTING_VALUES.items():
        assert effective(config, key) == chosen[value], f"{value} -> {key}"


def test_values_then_config_block_then_environment(tmp_path: Path) -> None:
    pod = pod_configuration(render(GATEWAY_SETTINGS))
    in_file = yaml.safe_load(pod.text)
    assert in_file["logging"]["level"] == "error", "the config block wins over gateway.logLevel"
    config = pod.load(tmp_path)
    assert config.logging.level == "warning", "extraEnv's KSG_LOGGING_LEVEL wins over the file"
    assert config.logging.format == "text"
    assert config.watch.grace_seconds == 90
    assert config.limits.max_page == 200, "config.limits wins over gateway.limits"
    assert (config.limits.max_depth, config.limits.snapshot_max) == (8, 5000)
    assert config.limits.max_aliases == Config().limits.max_aliases
    assert (config.redis.key_prefix, config.redis.feed_length) == ("prod", 50000)
    assert config.server.max_body_bytes == 262144
    assert config.server.cors_origins == (CONSOLE,)
    assert config.server.websocket_origins == (CONSOLE, "http://localhost:5173")


async def test_the_rendered_cors_origins_answer_browser_preflights(tmp_path: Path) -> None:
    """Preflights are answered before any route, so the app needs no started gateway."""
    config = pod_configuration(render(GATEWAY_SETTINGS)).load(tmp_path)
    app = build_app(Gateway(settings_from(config, [])), config)
    ask = {"Access-Control-Request-Method": "POST"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway"
    ) as client:
        allowed = await client.options("/graphql", headers={"Origin": CONSOLE, **ask})
        refused = await client.options(
            "/graphql", headers={"Origin": "https://evil.example", **ask}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == CONSOLE
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_the_config_block_wins_even_with_an_empty_value(tmp_path: Path) -> None:
    values = {"gateway": {"corsOrigins": [CONSOLE]}, "config": {"server": {"corsOrigins": []}}}
    assert pod_configuration(render(values)).load(tmp_path).server.cors_origins == ()


def test_a_section_without_values_comes_through_the_config_block(tmp_path: Path) -> None:
    rendered = render(AUTH_TOKEN_FILE)
    token_file = pod_configuration(rendered).load(tmp_path).auth.token_file
    assert token_file is not None
    assert token_file.path == Path(AUTH_DIR, "tokens.yaml")
    assert token_file.fail_closed, "a deleted or broken token file revokes its tokens"
    assert rendered.gateway_mounts()[str(token_file.path.parent)]["secret"] == {
        "secretName": "gateway-tokens"
    }
    (mount,) = (m for m in rendered.gateway_container()["volumeMounts"] if m["name"] == "auth")
    assert mount["readOnly"] is True
    assert "Authentication: tokenFile." in rendered.notes
    assert "Authentication: none: anyone who reaches the Service" in render().notes


def test_a_mistake_in_the_config_block_is_named_by_the_gateway(tmp_path: Path) -> None:
    pod = pod_configuration(render({"config": {"redis": {"keyPrefx": "prod"}}}))
    with pytest.raises(ConfigError, match=r"redis\.keyPrefx: unknown key \(did you mean"):
        pod.load(tmp_path)


def test_extra_args_come_last_and_win(tmp_path: Path) -> None:
    pod = pod_configuration(render({"gateway": {"extraArgs": ["--grace-seconds=45"]}}))
    assert yaml.safe_load(pod.text)["watch"]["graceSeconds"] == 30
    assert pod.load(tmp_path).watch.grace_seconds == 45


def test_config_check_accepts_a_rendered_file_with_the_pods_environment(tmp_path: Path) -> None:
    pod = pod_configuration(render(EXTERNAL_REDIS))
    machine = {k: v for k, v in os.environ.items() if not k.startswith("KSG_")}
    checked = subprocess.run(
        [sys.executable, "-m", "gateway", "config", "check", str(pod.write(tmp_path))],
        env={**machine, **pod.environ},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "valid" in checked.stdout
    printed = yaml.safe_load(checked.stdout.split("\n", 1)[1])
    assert printed["redis"]["url"] == REDIS_URL.replace("s3cret", "***")
    assert printed["clusters"]["inCluster"] is True
    assert "s3cret" not in checked.stdout + checked.stderr
