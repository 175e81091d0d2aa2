"""Websocket consumers of live rooms: one base for the lab and the classroom, and the lab's.

The base does what every live socket does the same way: refuse oversized messages, limit
how fast commands come, and send the sender its reply or a fresh snapshot. A subclass says
only how it opens its room and how a command reaches it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from urllib.parse import parse_qsl

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from lbteach.lab import service
from lbteach.lab.broadcast import CLOSE_TOO_BIG, LiveRoom, Viewer
from lbteach.lab.service import Reply
from lbteach.live.commands import MAX_MESSAGE_BYTES, message_size
from lbteach.live.ratelimit import TokenBucket, address_allows

CLOSE_BUSY = 4029  # like HTTP 429: this process runs as many rooms as it may; come back later
TOO_MANY = "Too many commands at once: wait a moment and try again."
COULD_NOT_OPEN = "The lab could not open this run: reload the page to try again."
log = logging.getLogger(__name__)


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

    async def receive(self, text_data=None, bytes_data=None):
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


def client_address(scope) -> str:
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


class LabConsumer(RoomConsumer):
    """A private lab: one room per page, which a reconnected page returns to.

    A share link's page is accepted at once and told its link is replaying; its room comes
    when the replay queue has rebuilt it (a wait daphne's handshake timeout never sees).
    """

    live: LiveRoom | None = None
    opening: asyncio.Task | None = None

    async def connect(self):
        query = dict(parse_qsl(self.scope.get("query_string", b"").decode("latin-1")))
        compare = self.scope["url_route"]["kwargs"].get("mode") == "compare"
        self.address = client_address(self.scope)
        if not service.make_way():
            await self.refuse(service.BUSY_MESSAGE, CLOSE_BUSY)
            return
        self.bucket = self.rate_bucket()
        await self.accept()
        self.viewer = self.new_viewer()
        if service.will_replay(query):
            self.viewer.start()
            self.viewer.offer_now(Reply(service.REPLAYING).render())
        self.opening = asyncio.get_running_loop().create_task(self._open(query, compare))

    async def _open(self, query: dict[str, str], compare: bool) -> None:
        assert self.viewer is not None
        try:
            live, reply = await service.open_private_room(query, self.address, compare=compare)
        except Exception:
            # A task's error would otherwise go unseen, and the page wait for ever.
            log.exception("could not open a lab for %s", self.address)
            self.viewer.offer_now(Reply(COULD_NOT_OPEN, error=True).render())
            return
        self._watch(live)
        if reply:
            self.viewer.offer_now(reply.render())

    async def within_budget(self) -> bool:
        """This connection's budget, then its address's, shared with every other process."""
        return self.bucket.allow() and await address_allows(self.address)

    def _watch(self, live: LiveRoom) -> None:
        if self.live is not None and self.viewer is not None:
            self.live.leave(self.viewer)
            service.drop_room(self.live)
            self.viewer = self.new_viewer()
        self.live = live
        assert self.viewer is not None
        live.join(self.viewer)

    async def command(self, text: str | None) -> Reply:
        if self.live is None:  # its link is still replaying
            reply, earlier = await service.message_while_replaying(text, self.address)
            if earlier is not None:
                if self.opening:
                    self.opening.cancel()  # a reconnected page needs no replay
                self._watch(earlier)
            return reply
        reply, live = await service.handle_message(self.live, text, self.address)
        if live is not self.live:  # a reconnected page returns to its earlier room
            self._watch(live)
        return reply

    def snapshot(self) -> str | None:
        return self.live.snapshot() if self.live else None

    async def disconnect(self, code):
        if self.opening and not self.opening.done():
            self.opening.cancel()  # a link still waiting gives up its turn
        if self.viewer is not None:
            self.viewer.stop()
            if self.live is not None:
                self.live.leave(self.viewer)
                service.left(self.live)


class EchoConsumer(AsyncWebsocketConsumer):
    """A bare echo through the same server and stack: the lab benchmark's baseline."""

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data, bytes_data=bytes_data)
