"""Save changed lab runs in the background, a batch at a time, off the event loop.

A command's change is saved within SAVE_SECONDS; a run that only ticks is saved at most
every TICKING_SAVE_SECONDS, so hundreds of running labs do not write hundreds of rows a
second. The state is taken on the event loop (a consistent picture between ticks) and
written by a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from channels.db import database_sync_to_async
from django.db import transaction

from lbteach.lab import runstore
from lbteach.lab.broadcast import LiveRoom

log = logging.getLogger(__name__)

SAVE_SECONDS = 1.0
TICKING_SAVE_SECONDS = 5.0


def _save_all(states: list[tuple[str, dict]]) -> None:
    # One transaction for the batch: one commit, not one per run (bench/lab_rooms.py found
    # the per-run commits were most of a save's cost).
    with transaction.atomic():
        for code, state in states:
            runstore.save(code, state)


class Keeper:
    def __init__(self) -> None:
        self.rooms: dict[LiveRoom, float] = {}  # room -> when it was last saved
        self.urgent: set[LiveRoom] = set()
        self._task: asyncio.Task | None = None

    def watch(self, live: LiveRoom) -> None:
        self.rooms.setdefault(live, 0.0)
        live.changed = True  # saved once at once: a run that dies early can still come back
        self.urgent.add(live)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def changed_by_command(self, live: LiveRoom) -> None:
        self.urgent.add(live)

    def forget(self, live: LiveRoom) -> None:
        self.rooms.pop(live, None)
        self.urgent.discard(live)

    def release(self, live: LiveRoom) -> None:
        """A room this process lets go of: its last state is saved first."""
        if live.changed and live in self.rooms:
            self.urgent.add(live)
            self.rooms[live] = -1.0  # saved on the next round, then forgotten
        else:
            self.forget(live)

    def _due(self, now: float) -> list[LiveRoom]:
        return [
            live
            for live, saved in self.rooms.items()
            if live.changed and (live in self.urgent or now - saved >= TICKING_SAVE_SECONDS)
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
                if self.rooms.get(live) == -1.0:
                    self.forget(live)
                elif live in self.rooms:
                    self.rooms[live] = now


_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Keeper] = weakref.WeakKeyDictionary()


def keeper() -> Keeper:
    """This event loop's keeper (one per process in production)."""
    loop = asyncio.get_running_loop()
    found = _keepers.get(loop)
    if found is None:
        found = _keepers[loop] = Keeper()
    return found
