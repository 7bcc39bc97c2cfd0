"""Per-cluster leases, so several gateway replicas share one Redis without double work.

A lease is a key set only if absent, with an expiry; its holder renews it well
before it runs out. When a replica dies its leases expire and another replica
takes the clusters over within the lease time. Renewal and release check the
holder atomically (a small Lua script), so a replica never extends a lease it lost.

Replicas also say they are there (``heartbeat``: a sorted set scored by when each
presence expires, in Redis's own clock so that replicas' clocks need not agree), so
each can take its fair share of the clusters instead of the first one up taking all.
"""

from __future__ import annotations

from gateway.redis_connect import Client
from gateway.store.keys import Keys

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_HEARTBEAT = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
return redis.call('ZCARD', KEYS[1])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Leases:
    def __init__(self, client: Client, keys: Keys, holder: str, seconds: float) -> None:
        self.client = client
        self.keys = keys
        self.holder = holder
        self.milliseconds = int(seconds * 1000)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._heartbeat = client.register_script(_HEARTBEAT)

    async def acquire(self, cluster: str) -> bool:
        taken = await self.client.set(
            self.keys.lease(cluster), self.holder, nx=True, px=self.milliseconds
        )
        return bool(taken)

    async def renew(self, cluster: str) -> bool:
        renewed = await self._renew(
            keys=[self.keys.lease(cluster)], args=[self.holder, self.milliseconds]
        )
        return bool(renewed)

    async def heartbeat(self) -> int:
        """Say this replica is here for one more lease time; how many replicas are."""
        live = await self._heartbeat(
            keys=[self.keys.replicas], args=[self.holder, self.milliseconds]
        )
        return max(1, int(live))

    async def leave(self) -> None:
        await self.client.zrem(self.keys.replicas, self.holder)

    async def release(self, cluster: str) -> None:
        await self._release(keys=[self.keys.lease(cluster)], args=[self.holder])

    async def holder_of(self, cluster: str) -> str | None:
        value = await self.client.get(self.keys.lease(cluster))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)
