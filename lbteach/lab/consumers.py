"""The lab's websocket consumer: one private room per connection, frames out, commands in."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from lbteach.lab.broadcast import CLOSE_TOO_BIG, Viewer, registry
from lbteach.lab.commands import MAX_MESSAGE_BYTES
from lbteach.lab.ratelimit import TokenBucket
from lbteach.lab.service import Reply, forget_if_unwatched, handle_message, open_private_room

REATTACH_SECONDS = 60


class LabConsumer(AsyncWebsocketConsumer):
    # No channel of its own: frames reach viewers through the in-process registry, and
    # other processes reach a room through its relay (DESIGN.md: one channel per room).
    channel_layer_alias = "none"

    async def connect(self):
        query = dict(parse_qsl(self.scope.get("query_string", b"").decode("latin-1")))
        compare = self.scope["url_route"]["kwargs"].get("mode") == "compare"
        self.live, reply = open_private_room(query, compare=compare)
        self.bucket = TokenBucket(settings.LAB_COMMAND_RATE, settings.LAB_COMMAND_BURST)
        await self.accept()
        self.viewer = Viewer(self._send_frame, close=self._close_with)
        self.live.join(self.viewer)
        if reply:
            self.viewer.offer_now(reply.render())

    async def receive(self, text_data=None, bytes_data=None):
        size = len(text_data.encode("utf-8")) if text_data else len(bytes_data or b"")
        if size > MAX_MESSAGE_BYTES:
            await self.send(
                text_data=Reply(
                    f"That message is {size} bytes; the limit is {MAX_MESSAGE_BYTES}.", True
                ).render()
            )
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self.bucket.allow():
            reply = Reply("Too many commands at once: wait a moment and try again.", True)
        else:
            reply, live = handle_message(self.live, text_data)
            if live is not self.live:  # a reconnected page returns to its earlier room
                self.live.leave(self.viewer)
                registry.discard(self.live.room.code)
                self.live = live
                self.viewer = Viewer(self._send_frame, close=self._close_with)
                live.join(self.viewer)
        if reply.message:
            self.viewer.offer_now(reply.render())
        elif not reply.error:
            self.viewer.offer_now(self.live.snapshot())

    async def disconnect(self, code):
        live = getattr(self, "live", None)
        if live is not None:
            live.leave(self.viewer)
            # Kept a little while, so a page that lost its connection can come back to it.
            asyncio.get_running_loop().call_later(
                REATTACH_SECONDS, forget_if_unwatched, live.room.code
            )

    async def _send_frame(self, frame: str) -> None:
        await self.send(text_data=frame)

    async def _close_with(self, code: int) -> None:
        await self.close(code=code)


class EchoConsumer(AsyncWebsocketConsumer):
    """A bare echo through the same server and stack: the lab benchmark's baseline."""

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data, bytes_data=bytes_data)
