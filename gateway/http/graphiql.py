"""GraphiQL without the internet: Strawberry's page, loading its assets from this gateway.

The vendored files (scripts/vendor_graphiql.py) are byte-identical to the CDN's, so
the page's integrity hashes still hold. The page opens on this gateway's own questions
instead of Strawberry's generic welcome text, so a person's first click answers
"what is broken".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_URL = "/static/vendor/"
_EXTERNAL = re.compile(r'(?:src|href)="https?://')
_EXAMPLE_QUERY = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)

WHAT_IS_BROKEN = "WhatIsBroken"
STATUS_CHANGES = "StatusChanges"
DEFAULT_DOCUMENT = f"""\
# kube-status-gateway: what runs in your clusters,
# what is broken, and why.
#
# Put the cursor in an operation and press Ctrl-Enter
# (or press Run and pick one):
#   {WHAT_IS_BROKEN}   Exception and Not Ready workloads,
#                  newest first, with reason and message
#   {STATUS_CHANGES}  each status change as it happens
#
# Queries go over HTTP. Subscriptions run over the
# WebSocket of this same URL (graphql-transport-ws):
# each change appears in the result pane until you
# press Stop. Resume after a change you saw with
# since: "<its cursor>"; snapshot: true sends the
# current state first.
# A token, when the gateway asks for one, goes in the
# Headers tab: {{"Authorization": "Bearer <token>"}}

query {WHAT_IS_BROKEN} {{
  workloads(filter: {{abnormal: true}}, first: 50,
            orderBy: {{field: SINCE, direction: DESC}}) {{
    totalCount
    edges {{ node {{
      cluster namespace kind name statusLabel since
      reason message warnings
      pods {{ name displayReason restarts node }}
    }} }}
  }}
  statusSummary {{ total abnormal }}
}}

subscription {STATUS_CHANGES} {{
  workloadStatusChanged {{
    type cluster namespace kind name
    oldStatus newStatus reason message cursor
  }}
}}
"""
"""What the GraphiQL editor shows first (a ``?q=`` in the address still wins)."""


class MissingAssetError(RuntimeError):
    """The page references a file that is not vendored: run scripts/vendor_graphiql.py."""


class UnknownPageError(RuntimeError):
    """Strawberry's page no longer has the default query this module replaces."""


def offline_graphiql_html(html: str) -> str:
    local = html.replace("https://unpkg.com/", VENDOR_URL)
    if _EXTERNAL.search(local):
        raise MissingAssetError("GraphiQL still references an external URL")
    for path in re.findall(r'(?:src|href)="/static/vendor/([^"]+)"', local):
        if not (STATIC_DIR / "vendor" / path).is_file():
            raise MissingAssetError(f"vendored GraphiQL asset missing: {path}")
    return with_default_document(local, DEFAULT_DOCUMENT)


def with_default_document(html: str, document: str) -> str:
    """The page with ``document`` as the editor's first text, written as a JSON string
    (which is a JavaScript string literal) that cannot close the page's script."""
    literal = json.dumps(document).replace("</", "<\\/")
    page, replaced = _EXAMPLE_QUERY.subn(lambda _: f"const EXAMPLE_QUERY = {literal};", html)
    if replaced != 1:
        raise UnknownPageError(
            f"Strawberry's GraphiQL page has {replaced} EXAMPLE_QUERY definitions, not 1:"
            " see gateway/http/graphiql.py"
        )
    return page
