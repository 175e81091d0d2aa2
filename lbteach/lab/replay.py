"""Rebuild a shared run: a fresh room of the link's setup, then its log, step by step.

A run comes from a share link (its setup and log in the page's query) or, for a class too
long for a link, from the lab's store of replays (`replaystore`, by token). Replaying is
real work (up to `MAX_REPLAY_REQUESTS` requests per restaurant for a link, a whole class
for a stored run), so callers run it through the replay queue (`replayqueue`): in a worker
thread, never on the event loop, fairly between addresses, and with light links never
waiting behind heavy ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from channels.db import database_sync_to_async

from lbteach.lab import replaystore
from lbteach.lab.replayqueue import ReplayRefused, replay_cost, replays
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LabSetup, LogEntry, decode_log
from lbteach.live.commands import SPEEDS, BadCommand
from lbteach.scene.memory import remember
from lbteach.sim.words import count

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


@dataclass(frozen=True)
class Opened:
    """A page's new room, and what its status line says about how it was opened."""

    room: Room
    said: str = ""
    error: bool = False


async def open_from_query(
    code: str, query: Mapping[str, str], address: str, compare: bool = False
) -> Opened:
    """The room a lab page's query asks for: a stored run (`replay`, a token), a share link's
    run (`log`), or a fresh one; replayed off the loop, in its turn, for `address`."""
    setup = LabSetup.from_query(query, compare=compare)
    token = query.get("replay", "")
    if token:
        room, problem, steps = await room_from_store_off_loop(code, token, address, setup)
        done = f"Replayed the class: {count(steps, 'step')}."
    else:
        log = query.get("log", "")
        room, problem = await room_from_link_off_loop(code, setup, log, address)
        done = f"Replayed the shared link: {count(len(room.log), 'step')}." if log else ""
    if problem:
        return Opened(room, problem, error=True)
    return Opened(room, done)


async def room_from_store_off_loop(
    code: str, token: str, address: str, fallback: LabSetup
) -> tuple[Room, str, int]:
    """A stored run, replayed in its turn in the queue on behalf of `address`: its room, ""
    and its steps; or, for a token nothing is stored under (or a damaged row), a fresh room
    of `fallback` and the sentence saying why."""
    try:
        setup, entries = await database_sync_to_async(replaystore.load)(token)
        state = await replays().run(
            address,
            replay_cost(setup, entries),
            partial(_replayed_state, setup, entries),
            key=("stored", token),
        )
    except (replaystore.UnknownReplay, BadCommand, ReplayRefused) as error:
        return Room(code, fallback), f"{error} {FROM_THE_START}", 0
    # Every student of a class opening their replay together shares one replay.
    return Room.from_dict({**state, "code": code}), "", len(entries)


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
