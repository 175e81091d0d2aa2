"""The lab's websocket consumers: a private lab's screen, and the benchmark's bare echo.

The base they share with the classroom is `lbteach.live.consumers.RoomConsumer`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl

from channels.generic.websocket import AsyncWebsocketConsumer

from lbteach.lab import service
from lbteach.live.broadcast import LiveRoom
from lbteach.live.consumers import CLOSE_BUSY, Reply, RoomConsumer, client_address
from lbteach.live.ratelimit import address_allows
from lbteach.live.rooms import Place

COULD_NOT_OPEN = "The lab could not open this run: reload the page to try again."
log = logging.getLogger(__name__)


class LabConsumer(RoomConsumer):
    """A private lab: one room per page, which a reconnected page returns to.

    A share link's page is accepted at once and told its link is replaying; its room comes
    when the replay queue has rebuilt it (a wait daphne's handshake timeout never sees).
    """

    live: LiveRoom[Any] | None = None
    opening: asyncio.Task | None = None
    place: Place | None = None  # held from the handshake until the room is registered

    async def connect(self) -> None:
        query = dict(parse_qsl(self.scope.get("query_string", b"").decode("latin-1")))
        compare = self.scope["url_route"]["kwargs"].get("mode") == "compare"
        self.address = client_address(self.scope)
        place = service.labs.reserve()
        if place is None:
            await self.refuse(service.BUSY_MESSAGE, CLOSE_BUSY)
            return
        self.place = place
        self.bucket = self.rate_bucket()
        await self.accept()
        self.viewer = self.new_viewer()
        if service.will_replay(query):
            self.viewer.start()
            self.viewer.offer_now(Reply(service.REPLAYING).render())
        self.opening = asyncio.get_running_loop().create_task(self._open(query, compare, place))

    async def _open(self, query: dict[str, str], compare: bool, place: Place) -> None:
        assert self.viewer is not None
        try:
            live, reply = await service.open_private_room(
                query, self.address, place, compare=compare
            )
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

    def _watch(self, live: LiveRoom[Any]) -> None:
        if self.live is not None and self.viewer is not None:
            self.live.leave(self.viewer)
            service.labs.drop(self.live)
            self.viewer = self.new_viewer()
        self.live = live
        assert self.viewer is not None
        live.join(self.viewer)

    async def command(self, text: str | None) -> Reply:
        reply, live = await service.handle_message(self.live, text, self.address)
        if live is not self.live and live is not None:
            # A reconnected page returns to its earlier room; one whose link is still
            # replaying needs that replay no more.
            if self.live is None and self.opening:
                self.opening.cancel()
            self._watch(live)
        return reply

    def snapshot(self) -> str | None:
        return self.live.snapshot() if self.live else None

    async def disconnect(self, code: int) -> None:
        if self.opening and not self.opening.done():
            self.opening.cancel()  # a link still waiting gives up its turn
        if self.place is not None:
            self.place.release()  # a task cancelled before it ran never released it
        if self.viewer is not None:
            self.viewer.stop()
            if self.live is not None:
                self.live.leave(self.viewer)
                service.labs.left(self.live)


class EchoConsumer(AsyncWebsocketConsumer):
    """A bare echo through the same server and stack: the lab benchmark's baseline."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=text_data, bytes_data=bytes_data)
