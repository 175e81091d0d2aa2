"""Keep live rooms saved: one notion of "needs saving", and the loop that saves in batches.

Needs saving, one place (`SavePoint`): a room changes only through frames (every change is
pushed, and a push numbers its frame: `room.seq`), so a room needs saving when its `seq`
has moved past the frame number its state was last taken at. Whoever saves takes the state
(`take`, on the event loop: a consistent picture between ticks), writes it off the loop,
and on failure puts the point back (`failed`) so the next round tries again.

`Keeper` saves a client's rooms in the background, a batch at a time, in a worker thread:
a room is saved once it is worth resuming (`changed_by_command`: a run that only ticked is
its start again), within SAVE_SECONDS of a command's change, and at most every
TICKING_SAVE_SECONDS while it only ticks, so hundreds of rooms do not write hundreds of rows
a second. A room let go of (`release`) is saved one last time first. The client gives the
keeper its store (`save_all`, one transaction per batch) and may hear when a saved room is
let go (`on_closed`: the lab bounds how many closed runs it keeps). The lab uses one keeper
per event loop (`lbteach.lab.keeper`).

A class's home heartbeats every second anyway and saves its room with the heartbeat; it
keeps one `SavePoint` for its room: `state = point.take(room) if point.due(room) else None`,
and `point.failed()` when the heartbeat could not be written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from channels.db import database_sync_to_async

from lbteach.live.broadcast import LiveRoom, LiveState

log = logging.getLogger(__name__)

SAVE_SECONDS = 1.0
TICKING_SAVE_SECONDS = 5.0
RELEASING = -1.0  # in `Keeper.rooms`: saved on the next round, then forgotten
NEVER = -1  # a SavePoint whose room was never saved


class Saveable(LiveState, Protocol):
    """A room the keeper can save: a live room's state that writes itself as a dict."""

    def to_dict(self) -> dict: ...


S = TypeVar("S", bound=Saveable)


class SavePoint:
    """One room's "needs saving": the frame number its state was last taken at."""

    def __init__(self, seq: int = NEVER) -> None:
        self.seq = seq
        self._before = seq

    def due(self, room: Saveable) -> bool:
        return room.seq != self.seq

    def take(self, room: Saveable) -> dict:
        """The state to write now; the room counts as saved at this frame from here on."""
        self._before, self.seq = self.seq, room.seq
        return room.to_dict()

    def failed(self) -> None:
        """The state last taken was not written: the room needs saving again."""
        self.seq = self._before


class Keeper(Generic[S]):
    """Saves the rooms it watches worth resuming, in batches, off the event loop."""

    def __init__(
        self,
        save_all: Callable[[list[tuple[str, dict]]], None],
        on_closed: Callable[[str, str], None] | None = None,
    ) -> None:
        self.save_all = save_all  # writes (code, state) pairs, in one transaction
        self.on_closed = on_closed  # (code, owner): a saved room was let go
        self.rooms: dict[LiveRoom[S], float] = {}  # room -> when it was last saved
        self.points: dict[LiveRoom[S], SavePoint] = {}
        self.owners: dict[LiveRoom[S], str] = {}  # whose page opened it
        self.worth: set[LiveRoom[S]] = set()  # rooms a command changed: worth resuming
        self.saved: set[LiveRoom[S]] = set()  # rooms with a saved state in the store
        self.urgent: set[LiveRoom[S]] = set()
        self._task: asyncio.Task | None = None

    def watch(self, live: LiveRoom[S], owner: str = "", worth_keeping: bool = False) -> None:
        """Keep `live` saved from now on; a restored room is worth keeping (and saved as it
        is) from the start."""
        self.rooms[live] = max(self.rooms.get(live, 0.0), 0.0)  # (no longer releasing)
        self.points.setdefault(live, SavePoint(live.room.seq))
        self.owners[live] = owner
        if worth_keeping:
            self.worth.add(live)
            self.saved.add(live)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def due(self, live: LiveRoom[S]) -> bool:
        point = self.points.get(live)
        return point is not None and point.due(live.room)

    def changed_by_command(self, live: LiveRoom[S]) -> None:
        self.worth.add(live)
        self.urgent.add(live)

    def forget(self, live: LiveRoom[S]) -> None:
        owner = self.owners.pop(live, "")
        self.rooms.pop(live, None)
        self.points.pop(live, None)
        self.urgent.discard(live)
        self.worth.discard(live)
        if live in self.saved:
            self.saved.discard(live)
            if self.on_closed:
                self.on_closed(live.room.code, owner)

    def release(self, live: LiveRoom[S]) -> None:
        """A room this process lets go of: its last state is saved first, if worth it."""
        if self.due(live) and live in self.worth and live in self.rooms:
            self.urgent.add(live)
            self.rooms[live] = RELEASING
        else:
            self.forget(live)

    def releasing(self, code: str) -> LiveRoom[S] | None:
        """A room let go of whose last state is not saved yet: a page may still return."""
        for live, saved in self.rooms.items():
            if saved == RELEASING and live.room.code == code:
                return live
        return None

    def _due(self, now: float) -> list[LiveRoom[S]]:
        return [
            live
            for live, saved in self.rooms.items()
            if self.due(live)
            and live in self.worth
            and (live in self.urgent or now - saved >= TICKING_SAVE_SECONDS)
        ]

    async def _run(self) -> None:
        while self.rooms:
            await asyncio.sleep(SAVE_SECONDS)
            now = time.monotonic()
            due = self._due(now)
            states = []
            for live in due:
                states.append((live.room.code, self.points[live].take(live.room)))
                self.urgent.discard(live)
            if states:
                try:
                    await database_sync_to_async(self.save_all)(states)
                except Exception:
                    log.exception("could not save %d rooms", len(states))
                    for live in due:
                        if live in self.points:
                            self.points[live].failed()
                    continue
            for live in due:
                if live in self.rooms:
                    self.saved.add(live)
                if self.rooms.get(live) == RELEASING:
                    self.forget(live)
                elif live in self.rooms:
                    self.rooms[live] = now
            for live, saved in list(self.rooms.items()):
                if saved == RELEASING and live not in self.urgent and not self.due(live):
                    self.forget(live)  # (nothing new to save since it last was)
