"""One cluster's HTTP listener, which faults can take away and give back.

The cluster keeps its port while unreachable: the listening socket is closed (new
connections are refused, as with a dead API server) and every open connection is
aborted; coming back binds the same port again.
"""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web


class ClusterServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        return self._site is not None

    async def start(self, app: web.Application) -> None:
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await self.listen()

    async def listen(self) -> None:
        if self._runner is None or self._site is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self._site = site

    async def stop_listening(self, spare: asyncio.BaseTransport | None = None) -> None:
        """Refuse new connections and cut the open ones (but ``spare``, which is answering)."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        server = self._runner.server if self._runner is not None else None
        if server is not None:
            for connection in server.connections:
                transport = connection.transport
                if transport is not None and transport is not spare:
                    transport.abort()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
