"""A fresh headless Chromium per test, with one tab that may only reach this machine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.browser.chromium import chromium
from tests.browser.page import Page, new_page


@pytest_asyncio.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[Page]:
    async with chromium(tmp_path / "chromium-profile") as devtools:
        async with new_page(devtools, tmp_path) as page:
            yield page
        if devtools.failures:
            raise AssertionError(f"the browser harness failed: {devtools.failures!r}")
