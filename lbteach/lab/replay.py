"""Rebuild a shared run: a fresh room of the link's setup, then its log, step by step.

Replaying is real work (up to `MAX_REPLAY_REQUESTS` requests per restaurant), so callers
run it in a worker thread, never on the event loop, and at most `MAX_PARALLEL_REPLAYS` at
once per process: a burst of heavy links queues up instead of starving every page.
"""

from __future__ import annotations

import asyncio
import weakref

from lbteach.lab.commands import SPEEDS, BadCommand
from lbteach.lab.room import Room
from lbteach.lab.scene import remember
from lbteach.lab.sharelink import LabSetup, LogEntry, decode_log

MAX_PARALLEL_REPLAYS = 2
# One semaphore per event loop (a semaphore belongs to the loop that first waits on it).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def replay(code: str, setup: LabSetup, entries: list[LogEntry]) -> Room:
    """The room a checked log leads to. A step the room refuses refuses the link whole.

    The scene remembers what the original page drew before each step (whose carts a
    crashed table held, whose carts were stranded), so the shared run draws them too.
    """
    room = Room(code, setup)
    for entry in entries:
        behind = entry.at - room.requests
        if behind > 0:
            room.advance(behind)
        _remember(room)
        try:
            room.apply(entry.command)
        except BadCommand as error:
            raise BadCommand(f"The shared link's step at request {entry.at}: {error}") from None
    _remember(room)
    # The floor shows one tick's arrivals, not every request between the last two steps.
    for restaurant in room.restaurants:
        restaurant.recent = restaurant.recent[-SPEEDS[room.speed - 1] :]
    return room


def _remember(room: Room) -> None:
    for restaurant in room.restaurants:
        remember(restaurant.scene, restaurant.sim.view(), restaurant.recent)


def room_from_link(code: str, setup: LabSetup, log: str) -> tuple[Room, str]:
    """The run a link describes, or a fresh run and the sentence saying why the log was not
    replayed."""
    try:
        return replay(code, setup, decode_log(log)), ""
    except BadCommand as error:
        return Room(code, setup), f"{error} Started the run from the beginning instead."


async def room_from_link_off_loop(code: str, setup: LabSetup, log: str) -> tuple[Room, str]:
    """`room_from_link` in a worker thread, a bounded number at a time."""
    if not log:
        return Room(code, setup), ""
    loop = asyncio.get_running_loop()
    slots = _slots.setdefault(loop, asyncio.Semaphore(MAX_PARALLEL_REPLAYS))
    async with slots:
        return await asyncio.to_thread(room_from_link, code, setup, log)
