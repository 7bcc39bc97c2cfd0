"""The chart pointed at a Redis/Valkey Cluster: the seed nodes' URL is a Secret like any
Redis URL, and a Cluster URL naming a database (a cluster has only 0) is refused."""

from __future__ import annotations

import base64
from pathlib import Path

import helm_python as helm
import pytest

from tests.deploy.chart import FULLNAME, render
from tests.deploy.podconfig import pod_configuration

CLUSTER_URL = "redis+cluster://:s3cret@valkey-0.cache:6379,valkey-1.cache:6379,valkey-2.cache"


def test_a_cluster_url_is_kept_in_a_secret_and_read_as_redis_url(tmp_path: Path) -> None:
    rendered = render(
        {"replicaCount": 3, "redis": {"mode": "external", "external": {"url": CLUSTER_URL}}}
    )
    secret = rendered.one("Secret", f"{FULLNAME}-redis-url")
    assert base64.b64decode(secret["data"]["url"]).decode() == CLUSTER_URL
    assert pod_configuration(rendered).load(tmp_path).redis.url == CLUSTER_URL
    assert len(rendered.of_kind("Deployment")) == 1, "no bundled Redis beside a Cluster"


@pytest.mark.parametrize("url", ["redis+cluster://valkey-0:6379/1", "redis+cluster:///"])
def test_a_cluster_url_with_a_database_or_no_node_is_refused(url: str) -> None:
    with pytest.raises(helm.HelmValuesError, match="/url"):
        render({"redis": {"mode": "external", "external": {"url": url}}})
