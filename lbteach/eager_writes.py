"""Daphne's TCP writes go out at once when nothing is queued, as asyncio's own transports do.

Daphne serves through Twisted, whose TCP transport queues every write, registers the socket
with the selector, sends on the loop's next turn when the socket is writable, and then
deregisters it: two `epoll_ctl` calls and a trip through the loop per websocket message, and
no viewer gets a byte of a frame before the whole fan-out has been queued. Sending at once
when the transport holds nothing unsent keeps the order of the bytes (anything queued still
goes first) and their bounds (what the socket does not take is queued as before); a class's
fan-out to 300 viewers took about 40% less of daphne's CPU with it (docs/benchmarks.md,
"Classroom fan-out"). `lbteach.asgi` installs it once, before anything is served.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import tcp
from twisted.internet.abstract import FileDescriptor


def install() -> None:
    """Make every TCP connection's write try the socket first (once; again is a no-op)."""
    queued_write = FileDescriptor.write
    if getattr(queued_write, "eager", False):
        return

    def write(self: Any, data: bytes) -> None:
        if (
            isinstance(data, bytes)
            and data
            and isinstance(self, tcp.Connection)
            and self.connected
            and not self.disconnecting
            and not self._writeDisconnected
            and not self._tempDataLen
            and self.offset == len(self.dataBuffer)
        ):
            written = self.writeSomeData(data)
            # A lost connection comes back as an exception object: the queued write below
            # meets it again on the loop's next turn and closes the connection as before.
            if isinstance(written, int) and written > 0:
                if written == len(data):
                    return
                data = data[written:]
        queued_write(self, data)

    write.eager = True  # type: ignore[attr-defined]
    FileDescriptor.write = write  # type: ignore[method-assign]
