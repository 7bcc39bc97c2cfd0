"""The notifier's settings: gateway URLs, filters, severities, state file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.notify.config import (
    ConfigError,
    NotifierConfig,
    default_state_file,
    gateway_url,
)
from gateway.notify.filters import ChannelFilter, FilterError, parse_filter
from gateway.notify.model import Severity


def test_the_gateway_can_be_given_the_way_people_write_it() -> None:
    assert gateway_url("gw.example:8080") == "ws://gw.example:8080/graphql"
    assert gateway_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/graphql"
    assert gateway_url("https://gw.example/") == "wss://gw.example/graphql"
    assert gateway_url("wss://gw.example/api/graphql") == "wss://gw.example/api/graphql"
    with pytest.raises(ConfigError):
        gateway_url("ftp://gw.example")


def test_a_filter_becomes_the_gateways_workload_and_pod_filters() -> None:
    chosen = parse_filter(
        '{"clusters": ["prod"], "namespaces": ["shop"], "kinds": ["StatefulSet", "DEPLOYMENT"],'
        ' "labelSelector": "team=a", "nameContains": "Web"}'
    )
    assert chosen.workload_filter() == {
        "abnormal": True,
        "clusters": ["prod"],
        "namespaces": ["shop"],
        "kinds": ["STATEFUL_SET", "DEPLOYMENT"],
        "labelSelector": "team=a",
        "nameContains": "Web",
    }
    assert chosen.pod_filter() == {"abnormal": True, "clusters": ["prod"], "namespaces": ["shop"]}
    assert chosen.admits_owner("StatefulSet", "web-db")
    assert not chosen.admits_owner("DaemonSet", "web-agent")
    assert not chosen.admits_owner("Deployment", "api")
    assert not chosen.admits_cluster("staging")
    assert parse_filter(None) == ChannelFilter()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("namespaces=shop", "not JSON"),
        ("[1]", "must be a JSON object"),
        ('{"statuses": ["EXCEPTION"]}', "use --min-severity"),
        ('{"abnormal": false}', "follows abnormal statuses"),
        ('{"namespace": ["shop"]}', "unknown --filter key 'namespace'"),
        ('{"namespaces": "shop"}', "must be a list of strings"),
        ('{"kinds": ["ReplicaSet"]}', "unknown kind 'ReplicaSet'"),
        ('{"labelSelector": 3}', "must be a string"),
    ],
)
def test_a_bad_filter_is_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(FilterError, match=complaint):
        parse_filter(text)


def test_severities_by_name() -> None:
    assert Severity.parse("not-ready") is Severity.NOT_READY
    assert Severity.parse("EXCEPTION") is Severity.EXCEPTION
    with pytest.raises(ValueError, match="warning, not-ready, exception"):
        Severity.parse("critical")


def test_each_channel_and_filter_gets_its_own_state_file() -> None:
    one = default_state_file("https://chat/a", "slack", ChannelFilter())
    assert one.parent == Path(".state") and one.name.startswith("notify-")
    assert one == default_state_file("https://chat/a", "slack", ChannelFilter())
    assert one != default_state_file("https://chat/b", "slack", ChannelFilter())
    assert one != default_state_file("https://chat/a", "slack", parse_filter('{"clusters": ["x"]}'))


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown format 'irc'"):
        NotifierConfig(
            gateway="ws://x/graphql", webhook="http://y", state_file=Path("s"), format="irc"
        )
    with pytest.raises(ConfigError, match="burst >= 1"):
        NotifierConfig(gateway="ws://x/graphql", webhook="http://y", state_file=Path("s"), burst=0)
