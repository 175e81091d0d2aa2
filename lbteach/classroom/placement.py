"""Where a class's room runs: here (its home) or elsewhere (reached through a relay).

With the embedded defaults there is one process, and it is always the home. With Redis,
the first process to need a room claims it in the database; the others relay to it, and
when its heartbeat stops, the next one to need the room claims it and restores it.
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from lbteach.classroom import homeclaims, quizrecords
from lbteach.classroom.handle import RoomEnded, RoomHandle
from lbteach.classroom.home import ClassHome, homes
from lbteach.classroom.relay import ClassRelay, relays
from lbteach.classroom.room import ClassRoom

_locks: dict[str, asyncio.Lock] = {}


def restore(code: str, state: dict) -> ClassRoom:
    """The room as saved, with the quiz as the database has it: an answer a student was told
    was saved counts even if the process died before it saved the room."""
    if not state:
        return ClassRoom(code)
    room = ClassRoom.from_dict(state)
    stored = quizrecords.stored_answers(code, room.quiz["id"] if room.quiz else None)
    room.agree_with_database(stored.scores, stored.current)
    return room


async def open_room(code: str) -> RoomHandle:
    """This process's way into a class's room: its home if here, else a relay to the home."""
    lock = _locks.setdefault(code, asyncio.Lock())
    async with lock:
        if code in homes:
            return homes[code]
        if code in relays and not relays[code].closed:
            return relays[code]
        layer = get_channel_layer()
        for _ in range(3):
            info = await database_sync_to_async(homeclaims.home_info)(code)
            if info.ended:
                raise RoomEnded(code)
            # One process (no Redis): any other recorded home is a previous run of this one.
            shared = bool(settings.REDIS_URL)
            if shared and info.fresh:
                relay = ClassRelay(code, info.home_channel)
                await relay.start()
                relays[code] = relay
                return relay
            channel = await layer.new_channel("home.")
            claim = homeclaims.claim_home if shared else homeclaims.take_home
            if await database_sync_to_async(claim)(code, channel):
                room = await database_sync_to_async(restore)(code, info.state)
                if not info.state:  # saved at once: a home that dies early leaves its room
                    await database_sync_to_async(homeclaims.heartbeat)(
                        code, channel, room.to_dict(), True
                    )
                home = ClassHome(code, room, channel)
                await home.start()
                homes[code] = home
                return home
        raise RuntimeError(f"class {code}: could not find or claim its home")
