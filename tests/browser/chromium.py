"""Debian's Chromium, headless, in a profile of its own, driven over the DevTools Protocol.

The machine's network is closed: without these flags Chromium keeps trying to reach
Google's services and fills its log with refused connections. The DevTools port is
chosen by Chromium (port 0) and read from ``DevToolsActivePort`` in the profile, so
parallel browsers never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from tests.browser.devtools import DevTools, DevToolsError, devtools_session

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


class ChromiumMissingError(RuntimeError):
    """/usr/bin/chromium is not installed: scripts/ensure-system-deps installs it."""


def _prepared_profile(profile: Path) -> Path:
    """Create the profile directory; return the log file beside it."""
    if not CHROMIUM.is_file():
        raise ChromiumMissingError(f"{CHROMIUM} is missing: run scripts/ensure-system-deps")
    profile.mkdir(parents=True, exist_ok=True)
    return profile.with_name(profile.name + ".log")


def _written_devtools_url(profile: Path) -> str | None:
    """Chromium writes the port and the browser's path once it listens."""
    port_file = profile / "DevToolsActivePort"
    lines = port_file.read_text().split() if port_file.is_file() else []
    return f"ws://127.0.0.1:{lines[0]}{lines[1]}" if len(lines) == 2 else None


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


async def _devtools_url(process: asyncio.subprocess.Process, profile: Path, log: Path) -> str:
    async with asyncio.timeout(START_TIMEOUT):
        while True:
            url = _written_devtools_url(profile)
            if url is not None:
                return url
            if process.returncode is not None:
                raise DevToolsError(f"Chromium exited with {process.returncode}:\n{_tail(log)}")
            await asyncio.sleep(0.05)


async def _stop(process: asyncio.subprocess.Process, devtools: DevTools | None) -> None:
    if devtools is not None:
        with contextlib.suppress(DevToolsError, OSError, TimeoutError):
            await devtools.send("Browser.close")
    try:
        async with asyncio.timeout(STOP_TIMEOUT):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[DevTools]:
    """A headless Chromium using ``profile`` as its user data directory (fresh per test)."""
    log = _prepared_profile(profile)
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    try:
        url = await _devtools_url(process, profile, log)
        async with devtools_session(url) as devtools:
            try:
                yield devtools
            finally:
                await _stop(process, devtools)
    finally:
        if process.returncode is None:
            await _stop(process, None)
