"""The one websocket consumer base of live rooms, and `Reply`, what a sender alone is told.

The base does what every live socket does the same way: refuse oversized messages, limit
how fast commands come, and send the sender its reply or a fresh snapshot. A client (the
lab's `LabConsumer`, the classroom's `ClassConsumer`) says only how it opens its room and
how a command reaches it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.template.loader import render_to_string

from lbteach.live.broadcast import CLOSE_TOO_BIG, Viewer
from lbteach.live.commands import MAX_MESSAGE_BYTES, message_size
from lbteach.live.ratelimit import TokenBucket

CLOSE_BUSY = 4029  # like HTTP 429: this process runs as many rooms as it may; come back later
TOO_MANY = "Too many commands at once: wait a moment and try again."


@dataclass(frozen=True)
class Reply:
    """What the sender alone is told: a status line, and whether it reports an error."""

    message: str
    error: bool = False

    def render(self) -> str:
        return render_to_string(
            "lab/live.html#status", {"message": self.message, "error": self.error, "hx_oob": True}
        )


class RoomConsumer(AsyncWebsocketConsumer):
    """A screen on a live room: frames out through its Viewer, commands in."""

    # No channel of its own: frames reach viewers through the in-process registry, and
    # other processes reach a room through its relay (DESIGN.md: one channel per room).
    channel_layer_alias = "none"
    viewer: Viewer | None = None
    bucket: TokenBucket

    def new_viewer(self) -> Viewer:
        return Viewer(self._send_frame, close=self._close_with)

    def rate_bucket(self) -> TokenBucket:
        """The command budget this screen draws on (a class shares one per person)."""
        return TokenBucket(settings.LAB_COMMAND_RATE, settings.LAB_COMMAND_BURST)

    async def within_budget(self) -> bool:
        """Whether this screen may send one more command now."""
        return self.bucket.allow()

    async def command(self, text: str | None) -> Reply:
        raise NotImplementedError

    def snapshot(self) -> str | None:
        """The full picture for this screen, or None when it arrives another way."""
        raise NotImplementedError

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.viewer is None:
            return
        size = message_size(text_data, bytes_data)
        if size > MAX_MESSAGE_BYTES:
            limit = f"That message is {size} bytes; the limit is {MAX_MESSAGE_BYTES}."
            await self.send(text_data=Reply(limit, error=True).render())
            await self.close(code=CLOSE_TOO_BIG)
            return
        if await self.within_budget():
            reply = await self.command(text_data)
        else:
            reply = Reply(TOO_MANY, error=True)
        self.answer(reply)

    def answer(self, reply: Reply) -> None:
        assert self.viewer is not None
        if reply.message:
            self.viewer.offer_now(reply.render())
        elif not reply.error:
            snapshot = self.snapshot()
            if snapshot:
                self.viewer.offer_now(snapshot)

    async def refuse(self, message: str, code: int) -> None:
        """Accept only to say why not, then close: the page shows the sentence."""
        await self.accept()
        await self.send(text_data=Reply(message, error=True).render())
        await self.close(code=code)

    async def _send_frame(self, frame: str) -> None:
        await self.send(text_data=frame)

    async def _close_with(self, code: int) -> None:
        await self.close(code=code)


def client_address(scope: Mapping[str, Any]) -> str:
    """Who a socket came from, for per-address budgets (daphne's --proxy-headers puts the
    real address here). An IPv6 client is its /64: one home or phone is given a whole /64,
    so counting single IPv6 addresses would give it billions of budgets."""
    client = scope.get("client")
    if not client:
        return "unknown"
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return str(client[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client of a dual-stack socket
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
