"""One WebSocket conversation: send the frames, keep everything the server answers, and how it
closed. Nothing here asserts: the test decides what the answers may be."""

from __future__ import annotations

from dataclasses import dataclass, field

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.fuzz.wsmessages import Binary, Frame

SETTLE_SECONDS = 0.05
"""How long to listen after each frame before sending the next: answers interleave."""

QUIET_SECONDS = 0.3
"""After the last frame, the conversation is over once the server says nothing for this long."""


@dataclass
class Conversation:
    received: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None
    """The code of the server's close frame; None if the server left the socket open."""
    close_reason: str = ""
    closed_without_frame: bool = False

    @property
    def closed(self) -> bool:
        return self.close_code is not None or self.closed_without_frame


def converse(url: str, protocol: str, frames: list[Frame], token: str) -> Conversation:
    conversation = Conversation()
    with connect(
        url,
        subprotocols=[Subprotocol(protocol)],
        proxy=None,
        max_size=None,
        ping_interval=None,
        open_timeout=10,
        close_timeout=5,
    ) as socket:
        for frame in frames:
            try:
                socket.send(frame.value if isinstance(frame, Binary) else frame.encoded(token))
            except ConnectionClosed:
                break
            _listen(socket, conversation, SETTLE_SECONDS)
            if conversation.closed:
                return conversation
        _listen(socket, conversation, QUIET_SECONDS)
    return conversation


def _listen(socket: ClientConnection, conversation: Conversation, quiet: float) -> None:
    """Collect messages until ``quiet`` seconds pass without one, or the server closes."""
    while True:
        try:
            conversation.received.append(socket.recv(timeout=quiet))
        except TimeoutError:
            return
        except ConnectionClosed as closed:
            if closed.rcvd is None:
                conversation.closed_without_frame = True
            else:
                conversation.close_code = closed.rcvd.code
                conversation.close_reason = closed.rcvd.reason
            return
