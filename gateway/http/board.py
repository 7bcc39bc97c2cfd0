"""``GET /board``: the live status board, one page that needs nothing but this gateway.

The page and its scripts are plain files in ``static/board/`` (served under
``/static``); this route serves the page itself with a Content-Security-Policy that
admits only this origin: no inline script or style, no other host, so the board works
on an air-gapped network and markup slipped into a workload's message could not run.

The page reads its own query parameters: ``cluster`` and ``namespace`` (repeated or
comma-separated) narrow what it subscribes to, ``abnormal=1`` and ``q=text`` preset
its "abnormal only" toggle and filter box. See docs/board.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.http.graphiql import STATIC_DIR

BOARD_DIR = STATIC_DIR / "board"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidated on every load, so a wall display picks up a new page after an upgrade.
    "Cache-Control": "no-cache",
}


def board_page(
    directory: Path = BOARD_DIR, page: str = "index.html"
) -> Callable[[Request], Awaitable[Response]]:
    """The page's endpoint; the file is read once, and a missing one stops the start."""
    html = (directory / page).read_text(encoding="utf-8")

    async def board(request: Request) -> Response:
        return HTMLResponse(html, headers=HEADERS)

    return board


def board_route() -> Route:
    return Route("/board", board_page(), methods=["GET"])


def list_route() -> Route:
    """``GET /list``: workloads page by page, refetched when workloadListChanged says so."""
    return Route("/list", board_page(page="list.html"), methods=["GET"])
