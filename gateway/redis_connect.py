"""From ``redis.url`` to a client: one Redis, or the primary a Sentinel deployment names.

One Redis: ``redis://`` or ``rediss://`` (TLS), as redis-py reads them.

Sentinel: ``redis+sentinel://[user:password@]host1[:port1][,host2[:port2]...]/<master>[/<db>]``
(``rediss+sentinel://`` for TLS to the sentinels and the data nodes alike). The user and
password are those of the data nodes; sentinels that ask for a password of their own get
it from the query, ``?sentinel_password=...`` (and ``sentinel_username=...``), so the whole
deployment stays one secret value. A sentinel's port defaults to 26379.

The sentinel client asks the sentinels for the primary whenever it opens a connection,
and drops connections to a primary that became a replica (READONLY): after a failover
the next command goes to the promoted replica, and the commands in between fail as an
outage, which the store link and the readiness check already handle.

Redis Cluster (or Valkey Cluster): ``redis+cluster://[user:password@]host1[:port1][,host2...]``
(``rediss+cluster://`` for TLS), any of the nodes as seeds; the client learns the slot map
from the first that answers, and follows MOVED and ASK by itself. The cluster must
serve every slot (``cluster-require-full-coverage``'s default) and has only database 0,
so the URL names no database. The key layout (gateway/store/keys.py) keeps each
transaction in one slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

import redis.asyncio as redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

Client = redis.Redis | RedisCluster
"""What the store talks to: both answer the same commands (redis-py's command mixins),
the cluster client routing each to the primary that holds its key's slot."""

POOL_SIZE = 64
POOL_WAIT_SECONDS = 10.0
CONNECT_SECONDS = 2.0
SENTINEL_PORT = 26379
SENTINEL_SCHEMES = {"redis+sentinel": False, "rediss+sentinel": True}
"""Scheme -> whether it speaks TLS."""
SENTINEL_QUERY = ("sentinel_username", "sentinel_password")
CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}
"""Scheme -> whether it speaks TLS."""
CLUSTER_PORT = 6379
CLUSTER_POOL_SIZE = 256


class RedisUrlError(ValueError):
    """The URL cannot name a Redis; the message never repeats the URL (it holds a password)."""


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    seeds: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = None
    tls: bool = False


@dataclass(frozen=True, slots=True)
class SentinelTarget:
    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_username: str | None = None
    sentinel_password: str | None = None
    tls: bool = False


def scheme_of(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


def is_sentinel(url: str) -> bool:
    return scheme_of(url) in SENTINEL_SCHEMES


def is_cluster(url: str) -> bool:
    return scheme_of(url) in CLUSTER_SCHEMES


def check(url: str) -> None:
    """Raise RedisUrlError unless ``url`` names one Redis, a Sentinel deployment or a
    Redis Cluster."""
    scheme = scheme_of(url)
    if scheme in SENTINEL_SCHEMES:
        parse_sentinel(url)
    elif scheme in CLUSTER_SCHEMES:
        parse_cluster(url)
    elif scheme not in ("redis", "rediss"):
        raise RedisUrlError(
            "must start with redis://, rediss://, redis+sentinel://, rediss+sentinel://, "
            "redis+cluster:// or rediss+cluster://"
        )


def parse_cluster(url: str) -> ClusterTarget:
    scheme, _, rest = url.partition("://")
    location, _, path = rest.partition("/")
    if "?" in location or path.strip("/") or "?" in path:
        raise RedisUrlError(
            "a Cluster URL names the nodes only (a cluster has database 0 alone, and no "
            "options are known): redis+cluster://host1:6379,host2:6379"
        )
    credentials, at, hosts = location.rpartition("@")
    username, password = _credentials(credentials) if at else (None, None)
    return ClusterTarget(
        seeds=tuple(_address(part, CLUSTER_PORT, "node") for part in _hosts(hosts, "cluster")),
        username=username,
        password=password,
        tls=CLUSTER_SCHEMES[scheme.lower()],
    )


def parse_sentinel(url: str) -> SentinelTarget:
    scheme, _, rest = url.partition("://")
    rest, _, query = rest.partition("?")
    location, slash, path = rest.partition("/")
    credentials, at, hosts = location.rpartition("@")
    username, password = _credentials(credentials) if at else (None, None)
    if not slash or not path.strip("/"):
        raise RedisUrlError(
            "a Sentinel URL names the master after the addresses: "
            "redis+sentinel://host1:26379,host2:26379/<master>[/<db>]"
        )
    master, _, db_text = path.strip("/").partition("/")
    options = _query(query)
    return SentinelTarget(
        sentinels=tuple(_address(part, SENTINEL_PORT, "sentinel") for part in _hosts(hosts)),
        master=unquote(master),
        db=_db(db_text),
        username=username,
        password=password,
        sentinel_username=options.get("sentinel_username"),
        sentinel_password=options.get("sentinel_password"),
        tls=SENTINEL_SCHEMES[scheme.lower()],
    )


def _credentials(text: str) -> tuple[str | None, str | None]:
    user, colon, password = text.partition(":")
    return (unquote(user) or None, unquote(password) if colon else None)


_HOST_LISTS = {
    "sentinel": "sentinels, comma-separated: redis+sentinel://host1:26379,host2:26379/<master>",
    "cluster": "nodes, comma-separated: redis+cluster://host1:6379,host2:6379",
}


def _hosts(text: str, kind: str = "sentinel") -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if not text or not all(parts):
        raise RedisUrlError(f"a {kind.capitalize()} URL lists one or more {_HOST_LISTS[kind]}")
    return parts


def _address(text: str, default_port: int, role: str) -> tuple[str, int]:
    if text.startswith("["):
        host, bracket, port_text = text[1:].partition("]")
        if not bracket or (port_text and not port_text.startswith(":")):
            raise RedisUrlError(f"{role} address {text!r}: an IPv6 address is [addr]:port")
        port_text = port_text[1:]
    else:
        host, _, port_text = text.partition(":")
    if not host:
        raise RedisUrlError(f"{role} address {text!r} has no host")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise RedisUrlError(f"{role} address {text!r}: the port must be 1-65535")
    return host, int(port_text)


def _db(text: str) -> int:
    if not text:
        return 0
    if not text.isdigit():
        raise RedisUrlError(f"the database after the master name must be a number, got {text!r}")
    return int(text)


def _query(query: str) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - set(SENTINEL_QUERY))
    if unknown:
        raise RedisUrlError(
            f"unknown Sentinel URL option(s) {', '.join(unknown)} "
            f"(known: {', '.join(SENTINEL_QUERY)})"
        )
    return options


class _BlockingSentinelPool(SentinelConnectionPool, redis.BlockingConnectionPool):
    """The sentinel pool's discovery with the blocking pool's waiting for a free connection."""


class _SentinelClient(redis.Redis):
    """Closes the sentinels' connections with its own: nothing else holds the Sentinel."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        pool = self.connection_pool
        if isinstance(pool, SentinelConnectionPool):
            await pool.sentinel_manager.aclose()


def _connection_options() -> dict[str, Any]:
    """No ``socket_timeout``: see ``connect``. Connecting is bounded (an address that
    does not answer), and keepalive plus health checks find connections that died."""
    return {
        "socket_timeout": None,
        "socket_connect_timeout": CONNECT_SECONDS,
        "socket_keepalive": True,
        "health_check_interval": 10,
    }


def connect(url: str) -> Client:
    """A client without ``socket_timeout`` (redis-py's default is 5 s): callers set deadlines.

    With a socket timeout, redis-py writes through ``asyncio.wait_for``, which on
    Python 3.11 swallows a task's cancellation when the write finishes at the same
    moment; a cancelled subscription then lives on forever. Callers wrap their Redis
    calls in ``asyncio.timeout`` (which cancels correctly), and TCP keepalive plus
    health checks find dead connections. The sentinels are asked without a socket
    timeout too, for the same reason: a sentinel that accepts and never answers holds
    discovery until the caller's deadline, one that is down is passed over at once.

    The pool blocks when all its connections are busy instead of failing: a thousand
    clients reconnecting at once after a restart wait a moment, they are not refused.
    """
    check(url)
    if is_cluster(url):
        return _connect_cluster(parse_cluster(url))
    if not is_sentinel(url):
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_SIZE, timeout=POOL_WAIT_SECONDS, **_connection_options()
        )
        return redis.Redis(connection_pool=pool)
    target = parse_sentinel(url)
    sentinel = Sentinel(
        list(target.sentinels),
        sentinel_kwargs={
            **_connection_options(),
            "username": target.sentinel_username,
            "password": target.sentinel_password,
            "ssl": target.tls,
        },
    )
    client: redis.Redis = sentinel.master_for(
        target.master,
        redis_class=_SentinelClient,
        connection_pool_class=_BlockingSentinelPool,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT_SECONDS,
        db=target.db,
        username=target.username,
        password=target.password,
        ssl=target.tls,
        **_connection_options(),
    )
    return client


def _connect_cluster(target: ClusterTarget) -> RedisCluster:
    """``max_connections`` bounds each node's pool. The feed hub holds one blocking read
    per Kubernetes cluster on the node that holds its feeds (gateway/store/hub.py), so the
    bound is ``CLUSTER_POOL_SIZE`` rather than ``POOL_SIZE``; a node whose pool is
    exhausted fails the command rather than wait (redis-py's cluster pools do not block),
    which callers see as an outage of that moment."""
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.seeds],
        username=target.username,
        password=target.password,
        ssl=target.tls,
        max_connections=CLUSTER_POOL_SIZE,
        require_full_coverage=True,
        **_connection_options(),
    )


def masked(url: str) -> str:
    """The URL with its passwords (the data nodes' and the sentinels') shown as ***."""
    scheme, sep, rest = url.partition("://")
    rest, question, query = rest.partition("?")
    location, slash, path = rest.partition("/")
    credentials, at, hosts = location.rpartition("@")
    if at and ":" in credentials:
        credentials = credentials.partition(":")[0] + ":***"
    if question:
        query = "&".join(
            f"{name}=***" if name.endswith("password") else f"{name}={value}"
            for name, value in (pair.partition("=")[::2] for pair in query.split("&"))
        )
    return f"{scheme}{sep}{credentials}{at}{hosts}{slash}{path}{question}{query}"
