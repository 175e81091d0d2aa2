"""A relay: this process's single channel into a class whose home is another process.

It joins the room's group with ONE channel, fans each frame out to its own viewers, and
carries their commands to the home, whose replies come back the same way. If the home falls
silent, the relay tells its viewers to reconnect, and the first to do so takes the room over.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from lbteach.classroom import ending
from lbteach.classroom.handle import (
    RECONNECTING,
    Member,
    group_name,
    receive_forever,
)
from lbteach.classroom.home import ENDED_CLOSE_SECONDS, KEEPER_SECONDS
from lbteach.classroom.room import STUDENT
from lbteach.live.broadcast import CLOSE_MOVED
from lbteach.live.consumers import Reply

log = logging.getLogger(__name__)

RELAY_KEEPALIVE_SECONDS = 5.0
relays: dict[str, ClassRelay] = {}


class ClassRelay:
    """This process's single channel into a room whose home is another process."""

    def __init__(self, code: str, home_channel: str) -> None:
        self.code = code
        self.home_channel = home_channel
        self.layer = get_channel_layer()
        self.channel = ""
        self.members: dict[str, Member] = {}
        self.last_beat = time.monotonic()
        self.tasks: list[asyncio.Task] = []
        self.closed = False

    async def start(self) -> None:
        self.channel = await self.layer.new_channel("relay.")
        await self.layer.group_add(group_name(self.code), self.channel)
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._listen()), loop.create_task(self._watch())]

    async def _stop(self) -> None:
        self.closed = True
        relays.pop(self.code, None)
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        try:
            await self.layer.group_discard(group_name(self.code), self.channel)
        except Exception:  # the layer is gone; the group entry expires by itself
            log.warning("class %s: could not leave the room's group", self.code)

    async def _listen(self) -> None:
        await receive_forever(self.layer, self.channel, self._on_message, self.code)

    async def _on_message(self, message: dict) -> None:
        self.last_beat = time.monotonic()
        handler = getattr(self, message.get("type", "").replace(".", "_"), None)
        if handler is not None:
            handler(message)

    async def _watch(self) -> None:
        """Keep the home ticking for us and our place in the room's group (a restarted Redis
        forgets groups); if the home falls silent, send our viewers to find the room anew."""
        while True:
            await asyncio.sleep(RELAY_KEEPALIVE_SECONDS / 2)
            try:
                await self.layer.group_add(group_name(self.code), self.channel)
                if self.members:
                    await self._to_home({"type": "room.keepalive"})
            except Exception:
                log.warning("class %s: the channel layer is unreachable", self.code)
            silent = time.monotonic() - self.last_beat
            if silent > settings.CLASS_HOME_STALE_SECONDS + KEEPER_SECONDS:
                log.warning("class %s: home silent for %.1f s; taking over", self.code, silent)
                # Viewers reconnect and find the room where it now is (or restore it here).
                for member in list(self.members.values()):
                    if member.viewer.close:
                        await member.viewer.close(CLOSE_MOVED)
                await self._stop()
                return

    async def _to_home(self, message: dict) -> None:
        await self.layer.send(self.home_channel, message)

    def _ask(self, member: Member, **message: Any) -> dict[str, Any]:
        return {
            **message,
            "reply_to": self.channel,
            "viewer": member.id,
            "role": member.role,
            "student": member.student,
        }

    # -- viewers in this process ------------------------------------------------------------
    def join(self, member: Member) -> None:
        self.members[member.id] = member
        member.viewer.start()
        asyncio.get_running_loop().create_task(self._ask_snapshot(member))

    async def _ask_snapshot(self, member: Member) -> None:
        try:
            await self._to_home(self._ask(member, type="room.snapshot_request"))
        except Exception:
            member.viewer.offer_now(Reply(RECONNECTING, error=True).render())

    def leave(self, member: Member) -> None:
        member.viewer.stop()
        self.members.pop(member.id, None)
        if not self.members and not self.closed:
            asyncio.get_running_loop().create_task(self._stop())

    async def seat(self, member: Member, nickname: str) -> None:
        try:
            await self._to_home(self._ask(member, type="room.seat", nickname=nickname))
        except Exception:
            log.warning("class %s: could not seat a student: the layer is unreachable", self.code)

    async def command(self, member: Member, text: str | None) -> Reply:
        try:
            await self._to_home(self._ask(member, type="room.command", text=text))
        except Exception:
            return Reply(RECONNECTING, error=True)
        return Reply("")  # the reply comes back through the relay channel

    def snapshot_for(self, member: Member) -> str | None:
        return None  # asked of the home with the command; it comes back as a frame

    # -- messages from the home (dispatched by _listen) --------------------------------------
    def room_frame(self, message: dict) -> None:
        for member in self.members.values():
            if member.role != STUDENT:
                member.viewer.offer(message["frame"], lambda: None)

    def room_student(self, message: dict) -> None:
        for member in self.members.values():
            if member.student == message["student"]:
                member.viewer.offer_now(message["frame"])

    def room_reply(self, message: dict) -> None:
        member = self.members.get(message["viewer"])
        if member:
            member.viewer.offer_now(message["frame"])

    def room_beat(self, message: dict) -> None:
        pass  # _listen already noted that the home is alive

    def room_ended(self, message: dict) -> None:
        for member in self.members.values():
            member.viewer.offer_now(
                ending.frame_for(message["frames"], member.role, member.student)
            )
        asyncio.get_running_loop().call_later(ENDED_CLOSE_SECONDS, self._close_all)

    def _close_all(self) -> None:
        for member in list(self.members.values()):
            if member.viewer.close:
                asyncio.get_running_loop().create_task(member.viewer.close(1000))
