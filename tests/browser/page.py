"""One browser tab that may only talk to this machine, with the helpers tests need.

Every HTTP(S) request of the tab pauses in the DevTools ``Fetch`` domain before it
leaves: loopback requests go on, any other is failed (``BlockedByClient``) and its URL
kept in ``network.blocked``. The Fetch domain never sees WebSocket handshakes, so those
are recorded from the ``Network`` domain into ``network.attempted`` like every other
request: a test asserts ``network.outside()`` is empty to prove nothing tried to leave.
Failed loads and HTTP errors land in ``network.failed``; console errors and uncaught
exceptions in ``console_errors``. The text frames of the page's WebSockets are kept in
``network.frames_sent`` and ``network.frames_received``, to check what a client said.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.browser.devtools import DevTools, DevToolsError, Listener, Message

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})
WAIT_TIMEOUT = 15.0
CTRL_KEY = 2
"""The DevTools Input domain's modifier bit for Ctrl."""
KEYS = {
    "Enter": {"code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "Escape": {"code": "Escape", "windowsVirtualKeyCode": 27},
}
"""The keys ``Page.press`` knows, as the Input domain wants them described."""
VIEWPORT = {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def is_loopback(url: str) -> bool:
    """Data, blob and about URLs never touch the network; others must name this machine."""
    parts = urlsplit(url)
    if parts.scheme not in NETWORK_SCHEMES:
        return True
    host = parts.hostname or ""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass
class NetworkLog:
    attempted: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """``<url>: <error or HTTP status>`` for each load that did not succeed."""
    frames_sent: list[str] = field(default_factory=list)
    frames_received: list[str] = field(default_factory=list)
    _urls: dict[str, str] = field(default_factory=dict)

    def requested(self, request_id: str, url: str) -> None:
        self.attempted.append(url)
        self._urls[request_id] = url

    def url_of(self, request_id: str) -> str:
        return self._urls.get(request_id, request_id)

    def outside(self) -> list[str]:
        return [url for url in self.attempted + self.blocked if not is_loopback(url)]


class Page:
    def __init__(self, devtools: DevTools, session: str, artifacts: Path) -> None:
        self._devtools = devtools
        self._session = session
        self._artifacts = artifacts
        self.network = NetworkLog()
        self.console_errors: list[str] = []
        self._loaded = asyncio.Event()

    async def send(self, method: str, params: Message | None = None) -> Message:
        return await self._devtools.send(method, params, session=self._session)

    async def _start(self) -> None:
        on = self._listen
        on("Fetch.requestPaused", self._paused)
        on("Network.requestWillBeSent", self._request)
        on("Network.webSocketCreated", lambda event: self.network.attempted.append(event["url"]))
        on("Network.webSocketFrameSent", lambda event: self._frame(event, self.network.frames_sent))
        on(
            "Network.webSocketFrameReceived",
            lambda event: self._frame(event, self.network.frames_received),
        )
        on("Network.responseReceived", self._response)
        on("Network.loadingFailed", self._load_failed)
        on("Runtime.consoleAPICalled", self._console)
        on("Runtime.exceptionThrown", self._exception)
        on("Log.entryAdded", self._log_entry)
        on("Page.loadEventFired", lambda event: self._loaded.set())
        await self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        for domain in ("Network", "Runtime", "Log", "Page"):
            await self.send(f"{domain}.enable")
        await self.send("Emulation.setDeviceMetricsOverride", VIEWPORT)

    def _listen(self, method: str, listener: Listener) -> None:
        self._devtools.listen(method, listener, session=self._session)

    def _paused(self, event: Message) -> None:
        request = event["requestId"]
        url = event["request"]["url"]
        if is_loopback(url):
            self._devtools.spawn(
                self._send_quietly("Fetch.continueRequest", {"requestId": request})
            )
        else:
            self.network.blocked.append(url)
            failure = {"requestId": request, "errorReason": "BlockedByClient"}
            self._devtools.spawn(self._send_quietly("Fetch.failRequest", failure))

    async def _send_quietly(self, method: str, params: Message) -> None:
        """A request the page abandoned meanwhile is gone: that is not a harness failure."""
        with contextlib.suppress(DevToolsError):
            await self.send(method, params)

    def _request(self, event: Message) -> None:
        if urlsplit(event["request"]["url"]).scheme not in NETWORK_SCHEMES:
            return
        self.network.requested(event["requestId"], event["request"]["url"])

    @staticmethod
    def _frame(event: Message, frames: list[str]) -> None:
        """Text frames only (opcode 1): binary ones are base64 and no test reads them."""
        if event["response"]["opcode"] == 1:
            frames.append(event["response"]["payloadData"])

    def _response(self, event: Message) -> None:
        response = event["response"]
        if response["status"] >= 400:
            self.network.failed.append(f"{response['url']}: HTTP {response['status']}")

    def _load_failed(self, event: Message) -> None:
        if event.get("canceled"):
            return
        url = self.network.url_of(event["requestId"])
        blocked = f" (blocked by {event['blockedReason']})" if event.get("blockedReason") else ""
        self.network.failed.append(f"{url}: {event['errorText']}{blocked}")

    def _console(self, event: Message) -> None:
        if event["type"] in ("error", "assert"):
            words = [str(arg.get("value", arg.get("description", ""))) for arg in event["args"]]
            self.console_errors.append(" ".join(words))

    def _exception(self, event: Message) -> None:
        details = event["exceptionDetails"]
        thrown = details.get("exception", {}).get("description")
        self.console_errors.append(thrown or details["text"])

    def _log_entry(self, event: Message) -> None:
        entry = event["entry"]
        if entry["level"] == "error":
            self.console_errors.append(f"{entry['text']} ({entry.get('url', '')})")

    async def open(self, url: str) -> None:
        """Navigate and wait for the load event: every script and stylesheet has run."""
        self._loaded.clear()
        answer = await self.send("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise AssertionError(f"{url} did not open: {answer['errorText']}")
        async with asyncio.timeout(WAIT_TIMEOUT):
            await self._loaded.wait()

    async def evaluate(self, expression: str) -> Any:
        answer = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            thrown = details.get("exception", {}).get("description", details["text"])
            raise AssertionError(f"{expression!r} threw: {thrown}")
        return answer["result"].get("value")

    async def wait_for(self, expression: str, within: float = WAIT_TIMEOUT) -> Any:
        """Poll a JavaScript expression until it is truthy; fail showing what the page showed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if loop.time() > deadline:
                shot = await self.screenshot("timeout")
                raise AssertionError(
                    f"{expression} stayed {value!r} for {within}s; screenshot {shot}; "
                    f"console errors {self.console_errors}; failed loads {self.network.failed}"
                )
            await asyncio.sleep(0.05)

    async def wait_for_selector(self, selector: str, within: float = WAIT_TIMEOUT) -> None:
        await self.wait_for(f"document.querySelector({json.dumps(selector)}) !== null", within)

    async def wait_for_text(self, selector: str, text: str, within: float = WAIT_TIMEOUT) -> str:
        """Wait until the element's visible text contains ``text``; return all of its text."""
        found = await self.wait_for(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" return e && e.innerText.includes({json.dumps(text)}) ? e.innerText : null; }})()",
            within,
        )
        return str(found)

    async def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element, as a person would make."""
        await self.wait_for_selector(selector)
        await self._click_at(f"document.querySelector({json.dumps(selector)})")

    async def click_text(self, selector: str, text: str) -> None:
        """Click the innermost visible element inside ``selector`` whose text is ``text``."""
        find = (
            f"(() => {{ const root = document.querySelector({json.dumps(selector)});"
            " if (!root) return null;"
            " const hits = [...root.querySelectorAll('*')].filter(e =>"
            f" e.getClientRects().length && (e.innerText || '').trim() === {json.dumps(text)});"
            " return hits.find(e => !hits.some(o => o !== e && e.contains(o))) || null; })()"
        )
        await self.wait_for(f"{find} !== null")
        await self._click_at(find)

    async def _click_at(self, element: str) -> None:
        x, y = await self._middle_of(element)
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    async def _middle_of(self, element: str) -> tuple[float, float]:
        """Scroll the element into view and aim at its middle once it stays put: a page
        may still move it after the scroll (an editor rendering the lines it reveals)."""
        await self.evaluate(f"{element}.scrollIntoView({{block: 'center'}})")
        middle = (
            f"(() => {{ const r = {element}.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        deadline = asyncio.get_running_loop().time() + WAIT_TIMEOUT
        aimed = None
        while (box := await self.evaluate(middle)) != aimed:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{element} kept moving for {WAIT_TIMEOUT}s")
            aimed = box
            await asyncio.sleep(0.1)
        return box[0], box[1]

    async def hover(self, selector: str) -> None:
        """Move the mouse over the middle of the element, without pressing anything."""
        await self.wait_for_selector(selector)
        x, y = await self._middle_of(f"document.querySelector({json.dumps(selector)})")
        await self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    async def scroll(self, selector: str, pixels: float) -> None:
        """Turn the mouse wheel over the element's middle, ``pixels`` down (up if negative)."""
        await self.wait_for_selector(selector)
        x, y = await self._middle_of(f"document.querySelector({json.dumps(selector)})")
        wheel = {"type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": pixels}
        await self.send("Input.dispatchMouseEvent", wheel)

    async def move_mouse_away(self) -> None:
        await self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 1, "y": 1})

    async def press(self, key: str, *, ctrl: bool = False) -> None:
        """Press and release one key of ``KEYS`` where the focus is, as a keyboard would;
        with ``ctrl`` held, the key types nothing (a shortcut such as Ctrl-Enter)."""
        described = {"key": key, **KEYS[key]}
        if ctrl:
            described.pop("text", None)
            described["modifiers"] = CTRL_KEY
        await self.send("Input.dispatchKeyEvent", {"type": "keyDown", **described})
        described.pop("text", None)
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **described})

    async def type_into(self, selector: str, text: str) -> None:
        """Click the field, select everything in it and type ``text`` over it."""
        await self.click(selector)
        select_all = {
            "key": "a",
            "code": "KeyA",
            "windowsVirtualKeyCode": 65,
            "modifiers": CTRL_KEY,
        }
        await self.send("Input.dispatchKeyEvent", {"type": "keyDown", **select_all})
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **select_all})
        await self.send("Input.insertText", {"text": text})

    async def screenshot(self, name: str) -> Path:
        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        path = self._artifacts / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextlib.asynccontextmanager
async def new_page(devtools: DevTools, artifacts: Path) -> AsyncIterator[Page]:
    """A fresh tab, guarded before its first request."""
    target = await devtools.send("Target.createTarget", {"url": "about:blank"})
    attached = await devtools.send(
        "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
    )
    page = Page(devtools, attached["sessionId"], artifacts)
    await page._start()
    try:
        yield page
    finally:
        with contextlib.suppress(DevToolsError, TimeoutError):
            await devtools.send("Target.closeTarget", {"targetId": target["targetId"]})
