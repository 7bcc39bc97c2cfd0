"""Server-Sent Events for subscriptions (graphql-sse's distinct connections mode).

Strawberry's transport takes any Accept that lists ``text/event-stream`` as a request
for a stream and ends events with CRLF CRLF. This one takes only an Accept that names
the event stream with a quality above 0 (whether a query then streams or gets JSON is
decided with the operation, in graphql.py), and ends lines with LF, as every common SSE
server does: urql's and other clients' parsers split events on a blank LF line only.
"""

from __future__ import annotations

from strawberry.http.streaming import SSETransport

from gateway.http.negotiation import parse_accept


def names_event_stream(accept: str) -> bool:
    return any(
        (r.type, r.subtype) == ("text", "event-stream") and r.quality > 0
        for r in parse_accept(accept)
    )


class GatewaySSETransport(SSETransport):
    def accepts(self, accept: str) -> bool:
        return names_event_stream(accept)

    def encode_event(self, event: str, data: str | None = None) -> str:
        if data and ("\r" in data or "\n" in data):
            raise ValueError("SSE event data must not contain newlines")
        return f"event: {event}\ndata: {data or ''}\n\n"

    def encode_comment(self, comment: str) -> str:
        return f": {comment}\n\n"
