"""A TCP forwarder on a fixed port, standing in for the Service in front of the gateway.

A gateway restarted by the harness comes back on a new port; the bot keeps one URL,
as it would behind a Kubernetes Service, and the forwarder is pointed at the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from gateway.redis_server import free_port


class Forwarder:
    def __init__(self) -> None:
        self.port = free_port()
        self.target: int | None = None
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def websocket(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def point_at(self, url: str) -> None:
        self.target = int(url.rsplit(":", 1)[1].split("/", 1)[0])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.target is None:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target
            )
        except OSError:
            writer.close()
            return
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            pipe = asyncio.create_task(_pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            sink.close()


@contextlib.asynccontextmanager
async def forwarder() -> AsyncIterator[Forwarder]:
    started = Forwarder()
    await started.start()
    try:
        yield started
    finally:
        await started.stop()
