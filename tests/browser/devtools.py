"""The Chrome DevTools Protocol over one WebSocket, with flattened sessions per page.

Commands wait for their own answer; events go to the listeners registered for their
session and method. Listeners are plain functions called from the reading task, so a
listener that must send a command schedules it (see ``spawn``) instead of awaiting it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Message = dict[str, Any]
Listener = Callable[[Message], None]

COMMAND_TIMEOUT = 15.0


class DevToolsError(RuntimeError):
    """Chromium answered a command with an error, or the connection went away."""


class DevTools:
    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Message]] = {}
        self._listeners: dict[tuple[str | None, str], list[Listener]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.failures: list[BaseException] = []
        """Errors raised by scheduled work, kept so a test can show them."""

    async def send(
        self, method: str, params: Message | None = None, *, session: str | None = None
    ) -> Message:
        ident = next(self._ids)
        message: Message = {"id": ident, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        answer: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = answer
        try:
            await self._socket.send(orjson.dumps(message).decode())
            async with asyncio.timeout(COMMAND_TIMEOUT):
                return await answer
        finally:
            self._waiting.pop(ident, None)

    def listen(self, method: str, listener: Listener, *, session: str | None = None) -> None:
        self._listeners.setdefault((session, method), []).append(listener)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a command sequence started by a listener; its failure is kept, not lost."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.failures.append(error)

    async def read(self) -> None:
        try:
            async for raw in self._socket:
                self._dispatch(orjson.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            for answer in self._waiting.values():
                if not answer.done():
                    answer.set_exception(DevToolsError("the DevTools connection closed"))

    def _dispatch(self, message: Message) -> None:
        ident = message.get("id")
        if ident is not None:
            answer = self._waiting.get(ident)
            if answer is None or answer.done():
                return
            if "error" in message:
                answer.set_exception(DevToolsError(f"{message['error']}"))
            else:
                answer.set_result(message.get("result", {}))
            return
        key = (message.get("sessionId"), message["method"])
        for listener in self._listeners.get(key, ()):
            listener(message.get("params", {}))

    async def drain(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def devtools_session(url: str) -> AsyncIterator[DevTools]:
    async with connect(url, max_size=None, ping_interval=None) as socket:
        devtools = DevTools(socket)
        reader = asyncio.create_task(devtools.read())
        try:
            yield devtools
        finally:
            await devtools.drain()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
