"""Rebuild a shared run: a fresh room of the link's setup, then its log, step by step.

Replaying is real work (up to `MAX_REPLAY_REQUESTS` requests per restaurant), so callers
run it through the replay queue (`replayqueue`): in a worker thread, never on the event
loop, fairly between addresses, and with light links never waiting behind heavy ones.
"""

from __future__ import annotations

from functools import partial

from lbteach.lab.replayqueue import ReplayRefused, replay_cost, replays
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LabSetup, LogEntry, decode_log
from lbteach.live.commands import SPEEDS, BadCommand
from lbteach.scene.memory import remember

FROM_THE_START = "Started the run from the beginning instead."


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
        return Room(code, setup), f"{error} {FROM_THE_START}"


async def room_from_link_off_loop(
    code: str, setup: LabSetup, log: str, address: str
) -> tuple[Room, str]:
    """`room_from_link`, replayed in its turn in the queue on behalf of `address`."""
    if not log:
        return Room(code, setup), ""
    try:
        entries = decode_log(log)  # bounded text, checked before any work is queued
        state = await replays().run(
            address,
            replay_cost(setup, entries),
            partial(_replayed_state, setup, entries),
            key=(setup, log),
        )
    except (BadCommand, ReplayRefused) as error:
        return Room(code, setup), f"{error} {FROM_THE_START}"
    # Pages opening the same link share one replay, and each gets a room of its own.
    return Room.from_dict({**state, "code": code}), ""


def _replayed_state(setup: LabSetup, entries: list[LogEntry]) -> dict:
    return replay("replayed", setup, entries).to_dict()
