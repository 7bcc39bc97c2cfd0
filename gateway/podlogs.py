"""Pod logs, read from the API server on demand: the one place a request reaches a cluster.

People are sent to logs and events when a status is abnormal; events are cached,
logs are too big and too fresh to cache. Reads are bounded in lines, bytes and time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio import client

from gateway.clusters import ClusterConfigError, ClusterSource, api_client

MAX_LINES = 1000
MAX_BYTES = 1 << 20
TIMEOUT_SECONDS = 10


class LogError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class PodLogs:
    def __init__(self, sources: Sequence[ClusterSource]) -> None:
        self.sources = {s.name: s for s in sources}
        self._clients: dict[str, client.ApiClient] = {}
        self._lock = asyncio.Lock()

    async def _client(self, cluster: str) -> client.ApiClient:
        async with self._lock:
            if cluster not in self._clients:
                source = self.sources.get(cluster)
                if source is None:
                    raise LogError(f"unknown cluster {cluster}", "NOT_FOUND")
                try:
                    self._clients[cluster] = await api_client(source)
                except ClusterConfigError as error:
                    raise LogError(str(error), "UNAVAILABLE") from error
            return self._clients[cluster]

    async def read(
        self,
        cluster: str,
        namespace: str,
        pod: str,
        *,
        container: str | None,
        tail_lines: int,
        since_seconds: int | None,
        previous: bool,
    ) -> str:
        if not 1 <= tail_lines <= MAX_LINES:
            raise LogError(f"tailLines must be between 1 and {MAX_LINES}", "BAD_USER_INPUT")
        if since_seconds is not None and since_seconds < 1:
            raise LogError("sinceSeconds must be positive", "BAD_USER_INPUT")
        api = client.CoreV1Api(await self._client(cluster))
        optional: dict[str, Any] = {}
        if container:
            optional["container"] = container
        if since_seconds is not None:
            optional["since_seconds"] = since_seconds
        try:
            response: aiohttp.ClientResponse = await api.read_namespaced_pod_log(  # type: ignore[assignment]
                pod,
                namespace,
                tail_lines=tail_lines,
                limit_bytes=MAX_BYTES,
                previous=previous,
                _request_timeout=TIMEOUT_SECONDS,
                _preload_content=False,
                **optional,
            )
            try:
                body: bytes = await response.read()
            finally:
                response.release()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise LogError(
                f"cluster {cluster} is unreachable for logs: {error}", "UNAVAILABLE"
            ) from error
        if response.status >= 400:
            code = {404: "NOT_FOUND", 400: "BAD_USER_INPUT"}.get(response.status, "UNAVAILABLE")
            raise LogError(
                f"cluster {cluster} refused the logs: {_reason(body, response.status)}", code
            )
        return body.decode("utf-8", errors="replace")

    async def close(self) -> None:
        for api in self._clients.values():
            await api.close()


def _reason(body: bytes, status: int) -> str:
    """The Status object's message: read raw, because the client would turn a one-line JSON
    log into Python's repr and an empty (204) answer into "None"."""
    try:
        message = orjson.loads(body).get("message")
    except (orjson.JSONDecodeError, AttributeError):
        message = None
    return str(message or body[:200].decode("utf-8", errors="replace") or f"HTTP {status}")
