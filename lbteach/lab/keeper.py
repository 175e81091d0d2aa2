"""Save lab runs worth resuming in the background, a batch at a time, off the event loop,
and keep the runs saved for closed labs within their bounds.

A run is worth resuming once its page sent a command (a run that only ticked is its preset
again); from then on a command's change is saved within SAVE_SECONDS, and a run that only
ticks at most every TICKING_SAVE_SECONDS, so hundreds of running labs do not write hundreds
of rows a second. The state is taken on the event loop (a consistent picture between ticks)
and written by a worker thread.

Once a lab closes, its saved run waits for its page to come back, until
LAB_RUN_KEEP_MINUTES. This process keeps at most LAB_SAVED_RUNS such runs, and at most
LAB_SAVED_RUNS_PER_ADDRESS for one client address: past either, the run closed longest ago
is deleted first. (Open labs, at most LAB_MAX_ROOMS, come on top.)
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from lbteach.lab import runstore
from lbteach.lab.room import Room
from lbteach.live.broadcast import LiveRoom

log = logging.getLogger(__name__)

SAVE_SECONDS = 1.0
TICKING_SAVE_SECONDS = 5.0
RELEASING = -1.0  # in `rooms`: saved on the next round, then forgotten


def _save_all(states: list[tuple[str, dict]]) -> None:
    # One transaction for the batch: one commit, not one per run (bench/lab_rooms.py found
    # the per-run commits were most of a save's cost).
    with transaction.atomic():
        for code, state in states:
            runstore.save(code, state)


class Keeper:
    def __init__(self) -> None:
        self.rooms: dict[LiveRoom[Room], float] = {}  # room -> when it was last saved
        self.addresses: dict[LiveRoom[Room], str] = {}  # whose page opened it
        self.worth: set[LiveRoom[Room]] = set()  # rooms a command changed: worth resuming
        self.saved: set[LiveRoom[Room]] = set()  # rooms with a saved run in the store
        self.urgent: set[LiveRoom[Room]] = set()
        # Saved runs of closed labs, the one closed longest ago first: code -> address.
        self.closed: OrderedDict[str, str] = OrderedDict()
        self._task: asyncio.Task | None = None
        self._deleting: set[asyncio.Task] = set()

    def watch(self, live: LiveRoom[Room], address: str, worth_keeping: bool = False) -> None:
        """Keep `live` saved from now on; a restored run is worth keeping from the start."""
        self.rooms[live] = max(self.rooms.get(live, 0.0), 0.0)  # (no longer releasing)
        self.addresses[live] = address
        if worth_keeping:
            self.worth.add(live)
            self.saved.add(live)
        self.closed.pop(live.room.code, None)  # open again: no longer a closed lab's run
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def changed_by_command(self, live: LiveRoom[Room]) -> None:
        self.worth.add(live)
        self.urgent.add(live)

    def forget(self, live: LiveRoom[Room]) -> None:
        address = self.addresses.pop(live, "")
        self.rooms.pop(live, None)
        self.urgent.discard(live)
        self.worth.discard(live)
        if live in self.saved:
            self.saved.discard(live)
            self._closed(live.room.code, address)

    def release(self, live: LiveRoom[Room]) -> None:
        """A room this process lets go of: its last state is saved first, if worth it."""
        if live.changed and live in self.worth and live in self.rooms:
            self.urgent.add(live)
            self.rooms[live] = RELEASING
        else:
            self.forget(live)

    def releasing(self, code: str) -> LiveRoom[Room] | None:
        """A room let go of whose last state is not saved yet: a page may still return."""
        for live, saved in self.rooms.items():
            if saved == RELEASING and live.room.code == code:
                return live
        return None

    def _closed(self, code: str, address: str) -> None:
        """Count a closed lab's saved run; delete the oldest past the bounds."""
        self.closed[code] = address
        self.closed.move_to_end(code)
        doomed: list[str] = []
        mine = [c for c, a in self.closed.items() if a == address]
        for old in mine[: max(0, len(mine) - settings.LAB_SAVED_RUNS_PER_ADDRESS)]:
            del self.closed[old]
            doomed.append(old)
        while len(self.closed) > settings.LAB_SAVED_RUNS:
            doomed.append(self.closed.popitem(last=False)[0])
        if doomed:
            task = asyncio.get_running_loop().create_task(self._delete(doomed))
            self._deleting.add(task)
            task.add_done_callback(self._deleting.discard)

    async def _delete(self, codes: list[str]) -> None:
        try:
            await database_sync_to_async(runstore.delete)(codes)
        except Exception:
            log.exception("could not delete %d saved lab runs", len(codes))

    def _due(self, now: float) -> list[LiveRoom[Room]]:
        return [
            live
            for live, saved in self.rooms.items()
            if live.changed
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
                states.append((live.room.code, live.room.to_dict()))
                live.changed = False
                self.urgent.discard(live)
            if states:
                try:
                    await database_sync_to_async(_save_all)(states)
                except Exception:
                    log.exception("could not save %d lab runs", len(states))
                    for live in due:
                        live.changed = True
                    continue
            for live in due:
                if live in self.rooms:
                    self.saved.add(live)
                if self.rooms.get(live) == RELEASING:
                    self.forget(live)
                elif live in self.rooms:
                    self.rooms[live] = now
            for live, saved in list(self.rooms.items()):
                if saved == RELEASING and live not in self.urgent and not live.changed:
                    self.forget(live)  # (nothing new to save since it last was)


_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Keeper] = weakref.WeakKeyDictionary()


def keeper() -> Keeper:
    """This event loop's keeper (one per process in production)."""
    loop = asyncio.get_running_loop()
    found = _keepers.get(loop)
    if found is None:
        found = _keepers[loop] = Keeper()
    return found
