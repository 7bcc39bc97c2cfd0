"""GraphiQL without the internet: Strawberry's page, loading its assets from this gateway.

The vendored files (scripts/vendor_graphiql.py) are byte-identical to the CDN's, so
the page's integrity hashes still hold.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_URL = "/static/vendor/"
_EXTERNAL = re.compile(r'(?:src|href)="https?://')


class MissingAssetError(RuntimeError):
    """The page references a file that is not vendored: run scripts/vendor_graphiql.py."""


def offline_graphiql_html(html: str) -> str:
    local = html.replace("https://unpkg.com/", VENDOR_URL)
    if _EXTERNAL.search(local):
        raise MissingAssetError("GraphiQL still references an external URL")
    for path in re.findall(r'(?:src|href)="/static/vendor/([^"]+)"', local):
        if not (STATIC_DIR / "vendor" / path).is_file():
            raise MissingAssetError(f"vendored GraphiQL asset missing: {path}")
    return local
