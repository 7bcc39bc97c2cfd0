"""Configuration: file, environment and flags in that order; every mistake named by its key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config import ConfigError, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    return path


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 9000\n  host: 0.0.0.0\nlimits:\n  maxPage: 200\n")
    environ = {"KSG_SERVER_PORT": "9100", "KSG_CLUSTERS_CONTEXTS": "prod, staging"}
    config = load(path, {"server": {"port": 9200}}, environ)
    assert config.server.port == 9200
    assert config.server.host == "0.0.0.0"
    assert config.limits.max_page == 200
    assert config.clusters.contexts == ("prod", "staging")
    assert load(path, {}, environ).server.port == 9100


def test_a_variable_overrides_a_multi_word_key_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  stateDir: /from/file\n  corsOrigins: [https://a.example]\n")
    environ = {"KSG_SERVER_STATE_DIR": "/from/env", "KSG_SERVER_CORS_ORIGINS": "https://b.example"}
    config = load(path, {}, environ)
    assert config.server.state_dir == Path("/from/env")
    assert config.server.cors_origins == ("https://b.example",)
    assert load(path, {"server": {"stateDir": "/from/flag"}}, environ).server.state_dir == Path(
        "/from/flag"
    )


@pytest.mark.parametrize("key", ["websocketOrigins", "corsOrigins"])
def test_origins_are_origins(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, f"server:\n  {key}: [https://console.example.org/app]\n")
    with pytest.raises(ConfigError, match=rf"server\.{key}: .*without a path"):
        load(path, {}, {})
    fine = write(tmp_path, f"server:\n  {key}: ['*', 'https://console.example.org:8443']\n")
    assert len(getattr(load(fine, {}, {}).server, to_snake(key))) == 2


def to_snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def test_defaults_need_no_file() -> None:
    config = load(None, {}, {})
    assert config.redis.url is None
    assert config.server.port == 8080
    assert config.logging.level == "info"


def test_every_problem_is_named_by_its_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "redis:\n  urll: redis://x\nserver:\n  port: 99999\n"
        "limits:\n  maxPage: zero\nlogging:\n  level: loud\n",
    )
    with pytest.raises(ConfigError) as failed:
        load(path, {}, {})
    text = str(failed.value)
    assert "redis.urll: unknown key (did you mean redis.url?)" in text
    assert "server.port" in text and "65535" in text
    assert "limits.maxPage" in text
    assert "logging.level" in text
    assert str(path) in text


def test_secrets_are_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "redis:\n  url: http://user:hunter2@redis:6379\n")
    with pytest.raises(ConfigError) as failed:
        load(path, {}, {})
    assert "redis.url" in str(failed.value)
    assert "hunter2" not in str(failed.value)


def test_broken_yaml_and_wrong_shapes(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gateway\.yaml:\d+: invalid YAML"):
        load(write(tmp_path, "server:\n  port: [1 2: 3\n  host: x\n"), {}, {})
    with pytest.raises(ConfigError, match="expected a mapping"):
        load(write(tmp_path, "- a\n- b\n"), {}, {})
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "missing.yaml", {}, {})


def test_environment_variables_are_checked_too() -> None:
    with pytest.raises(ConfigError, match="KSG_NOPE_X: not a setting"):
        load(None, {}, {"KSG_NOPE_X": "1"})
    with pytest.raises(ConfigError, match=r"KSG_REDIS_URLL: redis.urll is not a setting"):
        load(None, {}, {"KSG_REDIS_URLL": "redis://x"})
    with pytest.raises(ConfigError, match=r"server\.port"):
        load(None, {}, {"KSG_SERVER_PORT": "eighty"})


def test_config_check_command(tmp_path: Path) -> None:
    good = write(tmp_path, "redis:\n  url: rediss://bot:s3cret@redis:6380/1\n")
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "config", "check", str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "valid" in ran.stdout
    assert "rediss://bot:***@redis:6380/1" in ran.stdout
    assert "s3cret" not in ran.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("watch:\n  leaseSecond: 3\n")
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "config", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 1
    assert "watch.leaseSecond: unknown key (did you mean watch.leaseSeconds?)" in ran.stderr


def test_serve_refuses_a_bad_configuration(tmp_path: Path) -> None:
    bad = write(tmp_path, "server:\n  prot: 1\n")
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--config", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 2
    assert "server.prot: unknown key (did you mean server.port?)" in ran.stderr


def test_a_variable_reaches_a_section_of_more_than_one_word(tmp_path: Path) -> None:
    path = write(tmp_path, "persistedQueries:\n  ttlSeconds: 600\n")
    environ = {"KSG_PERSISTED_QUERIES_MODE": "off", "KSG_CUSTOM_RESOURCES_WATCH": ""}
    config = load(path, {}, environ)
    assert (config.persisted_queries.mode, config.persisted_queries.ttl_seconds) == ("off", 600)
    assert config.custom_resources.watched_kinds() == frozenset(), "empty: watch none"
    with pytest.raises(ConfigError, match=r"customResources\.watchh is not a setting"):
        load(None, {}, {"KSG_CUSTOM_RESOURCES_WATCHH": "A.b.c"})
