"""The lab's keeper: lab runs saved by the live keeper (`lbteach.live.keeper`) into the run
store, and the runs saved for closed labs kept within their bounds.

Once a lab closes, its saved run waits for its page to come back, until
LAB_RUN_KEEP_MINUTES. This process keeps at most LAB_SAVED_RUNS such runs, and at most
LAB_SAVED_RUNS_PER_ADDRESS for one client address: past either, the run closed longest ago
is deleted first. (Open labs, at most LAB_MAX_ROOMS, come on top.)
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from lbteach.lab import runstore
from lbteach.lab.room import Room
from lbteach.live import keeper as live_keeper
from lbteach.live.broadcast import LiveRoom

log = logging.getLogger(__name__)


def _save_all(states: list[tuple[str, dict]]) -> None:
    # One transaction for the batch: one commit, not one per run (bench/lab_rooms.py found
    # the per-run commits were most of a save's cost).
    with transaction.atomic():
        for code, state in states:
            runstore.save(code, state)


class Keeper(live_keeper.Keeper[Room]):
    """The live keeper over the lab's run store, bounding the runs of closed labs."""

    def __init__(self) -> None:
        super().__init__(_save_all, on_closed=self._closed)
        # Saved runs of closed labs, the one closed longest ago first: code -> address.
        self.closed: OrderedDict[str, str] = OrderedDict()
        self._deleting: set[asyncio.Task] = set()

    def watch(self, live: LiveRoom[Room], owner: str = "", worth_keeping: bool = False) -> None:
        super().watch(live, owner, worth_keeping)
        self.closed.pop(live.room.code, None)  # open again: no longer a closed lab's run

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


_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Keeper] = weakref.WeakKeyDictionary()


def keeper() -> Keeper:
    """This event loop's keeper (one per process in production)."""
    loop = asyncio.get_running_loop()
    found = _keepers.get(loop)
    if found is None:
        found = _keepers[loop] = Keeper()
    return found
