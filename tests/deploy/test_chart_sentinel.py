"""The chart pointed at a Sentinel deployment: the URL of the sentinels is a Secret like any
Redis URL, replicas may share it, and a URL without the master's name is refused."""

from __future__ import annotations

import base64
from pathlib import Path

import helm_python as helm
import pytest
import yaml

from tests.deploy.chart import FULLNAME, render
from tests.deploy.podconfig import pod_configuration
from tests.deploy.test_chart import env_of

SENTINEL_URL = (
    "redis+sentinel://:s3cret@sentinel-0.cache:26379,sentinel-1.cache:26379,"
    "sentinel-2.cache:26379/ksg?sentinel_password=s3ntinel"
)


def test_a_sentinel_url_is_kept_in_a_secret_and_read_as_redis_url(tmp_path: Path) -> None:
    rendered = render(
        {"replicaCount": 3, "redis": {"mode": "external", "external": {"url": SENTINEL_URL}}}
    )
    secret = rendered.one("Secret", f"{FULLNAME}-redis-url")
    assert base64.b64decode(secret["data"]["url"]).decode() == SENTINEL_URL
    reference = env_of(rendered.gateway_container())["KSG_REDIS_URL"]["valueFrom"]
    assert reference["secretKeyRef"] == {"name": f"{FULLNAME}-redis-url", "key": "url"}
    assert pod_configuration(rendered).load(tmp_path).redis.url == SENTINEL_URL
    for kind in ("Deployment", "ConfigMap"):
        assert "s3ntinel" not in yaml.safe_dump(rendered.of_kind(kind))
    assert len(rendered.of_kind("Deployment")) == 1, "no bundled Redis beside Sentinel"


@pytest.mark.parametrize(
    "url",
    ["redis+sentinel://sentinel-0:26379", "redis+sentinel://sentinel-0:26379/", "sentinel://x/m"],
)
def test_a_sentinel_url_without_a_master_is_refused(url: str) -> None:
    with pytest.raises(helm.HelmValuesError, match="/url"):
        render({"redis": {"mode": "external", "external": {"url": url}}})
