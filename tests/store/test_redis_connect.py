"""``redis.url`` forms: one Redis, a Sentinel deployment or a Cluster, each mistake named,
no secret shown."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load
from gateway.redis_connect import (
    ClusterTarget,
    RedisUrlError,
    SentinelTarget,
    check,
    masked,
    parse_cluster,
    parse_sentinel,
)


def test_a_sentinel_url_names_sentinels_master_db_and_passwords() -> None:
    url = "rediss+sentinel://app:p%40ss@s1:26380,[::1],s3/cache/2?sentinel_password=sp"
    assert parse_sentinel(url) == SentinelTarget(
        sentinels=(("s1", 26380), ("::1", 26379), ("s3", 26379)),
        master="cache",
        db=2,
        username="app",
        password="p@ss",
        sentinel_password="sp",
        tls=True,
    )


def test_a_cluster_url_names_seed_nodes_and_credentials() -> None:
    assert parse_cluster("rediss+cluster://app:p%40ss@n1:7000,[::1],n3") == ClusterTarget(
        seeds=(("n1", 7000), ("::1", 6379), ("n3", 6379)),
        username="app",
        password="p@ss",
        tls=True,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://redis:6379", "must start with redis://"),
        ("redis+cluster://node-0:6379/1", "names the nodes only"),
        ("redis+cluster://node-0:6379?x=1", "names the nodes only"),
        ("redis+cluster://n1,,n2", "one or more nodes"),
        ("redis+cluster://n1:0", "node address 'n1:0': the port must be"),
        ("redis+sentinel://s1:26379", "names the master"),
        ("redis+sentinel://s1,,s2/cache", "one or more sentinels"),
        ("redis+sentinel://s1:port/cache", "the port must be"),
        ("redis+sentinel://s1/cache/zero", "must be a number"),
        ("redis+sentinel://s1/cache?sentinel_pasword=x", "unknown Sentinel URL option"),
    ],
)
def test_a_bad_url_says_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(RedisUrlError, match=says):
        check(url)


def test_the_configuration_names_the_key_and_hides_the_value() -> None:
    with pytest.raises(ConfigError) as raised:
        load(overrides={"redis": {"url": "redis+sentinel://:topsecret@s1/cache/x"}}, environ={})
    message = str(raised.value)
    assert "redis.url: " in message and "must be a number" in message
    assert "topsecret" not in message


def test_both_passwords_are_masked() -> None:
    url = "redis+sentinel://app:pw@s1,s2/cache?sentinel_password=sp&sentinel_username=u"
    assert masked(url) == (
        "redis+sentinel://app:***@s1,s2/cache?sentinel_password=***&sentinel_username=u"
    )
