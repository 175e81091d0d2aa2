"""The queue share links wait in to be replayed: fair between addresses, and light links first.

Replaying a link is real work (about a second of CPU for the heaviest a link may ask), so it
runs in a worker thread, never on the event loop, and at most two at once: one heavy replay
and one light one. A burst of heavy links therefore waits its turn in the heavy lane while an
ordinary link (a few steps, a few milliseconds) still opens at once in the light lane; a
light link also takes the heavy lane when that is free.

Each replay's cost is charged to the address that asked for it, out of a budget of
LAB_REPLAY_BUDGET a minute that refills steadily. A link waits until its address can pay;
among the links that can, the one whose address has most budget left goes first, so one
address replaying heavy links does not push everyone else back. The wait is bounded:
at most LAB_REPLAYS_PER_ADDRESS links of one address wait or replay at once, and none waits
longer than LAB_REPLAY_WAIT_SECONDS. Past either, `run` raises `ReplayRefused` and the caller
opens the run from the beginning, saying why. Pages opening the same link while it waits
or replays share that one replay (a class opening its teacher's link from one school
address costs one replay, not thirty). A class's stored run (`replaystore`) waits in the
same queue, like a link, keyed by its token.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from lbteach.lab.sharelink import MAX_CUSTOMERS, LabSetup, LogEntry
from lbteach.live.ratelimit import SharedBuckets, TokenBucket

# A link costing at most this many request units is light: about 15 ms of replay (measured:
# 40,000 units, a compare link of 20,000 requests, take about 0.3 s).
LIGHT_COST = 2_000
# At each step the scene redraws every customer: four customers cost about one request
# (200 steps over 500 customers in two restaurants took 0.36 s; 40,000 requests 0.27 s).
CUSTOMERS_PER_UNIT = 4

TOO_MANY = "Your address already has {limit} shared links replaying; this one was not replayed."
WAITED = "The shared link waited {seconds:g} s for its turn to replay and was not replayed."


class ReplayRefused(Exception):
    """A replay that will not run: its address has too many waiting, or it waited too long."""


def replay_cost(setup: LabSetup, entries: list[LogEntry]) -> int:
    """What replaying a log costs, in requests: routed ones, plus the customers redrawn at
    each step, for every restaurant of the setup.

    The customers are counted as the log has them at each step: a class starts with none and
    its log seats every student and adds every bot.
    """
    requests = entries[-1].at if entries else 0
    customers, redrawn = setup.customers, 0
    for entry in entries:
        redrawn += customers
        customers = min(MAX_CUSTOMERS, customers + _walk_ins(entry))
    return len(setup.balancers) * (requests + redrawn // CUSTOMERS_PER_UNIT)


def _walk_ins(entry: LogEntry) -> int:
    """Customers a step brings in: a seated student, or some added at once."""
    if entry.command.action == "seat":
        return 1
    if entry.command.action == "add_customers":
        return int(entry.command.params["count"])
    return 0


@dataclass(eq=False)
class _Job:
    address: str
    cost: int
    work: Callable[[], Any]
    future: asyncio.Future
    arrived: float
    key: Hashable = None
    expiry: asyncio.TimerHandle | None = None
    lane: str = ""
    waiters: int = 0

    @property
    def light(self) -> bool:
        return self.cost <= LIGHT_COST


@dataclass
class ReplayQueue:
    """One event loop's replays: the links waiting, and the two lanes' worker threads."""

    waiting: list[_Job] = field(default_factory=list)
    lanes: dict[str, _Job | None] = field(default_factory=lambda: {"light": None, "heavy": None})
    per_address: Counter[str] = field(default_factory=Counter)
    budgets: SharedBuckets = field(default_factory=SharedBuckets)
    _wake: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Replays waiting or running."""
        return sum(self.per_address.values())

    async def run(
        self, address: str, cost: int, work: Callable[[], Any], key: Hashable = None
    ) -> Any:
        """`work()`'s result, run in a worker thread when its turn comes.

        Work with the same `key` as work already waiting or running is not queued again:
        its result is shared (a class opening its teacher's link together replays it once).
        """
        job = self._same(key)
        if job is None:
            job = self._queue(address, cost, work, key)
        job.waiters += 1
        try:
            return await asyncio.shield(job.future)
        finally:
            job.waiters -= 1
            if not job.waiters and job in self.waiting:  # every page that wanted it left
                self._withdraw(job)

    def _same(self, key: Hashable) -> _Job | None:
        if key is None:
            return None
        jobs = [*self.waiting, *(job for job in self.lanes.values() if job is not None)]
        return next((job for job in jobs if job.key == key), None)

    def _queue(self, address: str, cost: int, work: Callable[[], Any], key: Hashable) -> _Job:
        limit = settings.LAB_REPLAYS_PER_ADDRESS
        if self.per_address[address] >= limit:
            raise ReplayRefused(TOO_MANY.format(limit=limit))
        loop = asyncio.get_running_loop()
        job = _Job(address, cost, work, loop.create_future(), time.monotonic(), key)
        job.expiry = loop.call_later(settings.LAB_REPLAY_WAIT_SECONDS, self._expire, job)
        self.waiting.append(job)
        self.per_address[address] += 1
        self._pump()
        return job

    def _budget(self, address: str) -> TokenBucket:
        per_minute = settings.LAB_REPLAY_BUDGET
        return self.budgets.get(address, per_minute / 60, per_minute)

    def _lane_for(self, job: _Job) -> str | None:
        if job.light and self.lanes["light"] is None:
            return "light"
        return "heavy" if self.lanes["heavy"] is None else None

    def _charge(self, job: _Job) -> float:
        # A link dearer than a whole budget costs a whole budget, or it could never run.
        return min(job.cost, settings.LAB_REPLAY_BUDGET)

    def _pump(self) -> None:
        """Start every waiting link that has a free lane and an address that can pay."""
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        while True:
            # One reading of each budget per choice: refills between reads would favour
            # whichever link happened to be read last.
            left = {job.address: self._budget(job.address).available() for job in self.waiting}
            ready = [
                job
                for job in self.waiting
                if self._lane_for(job) and left[job.address] >= self._charge(job)
            ]
            if not ready:
                break
            job = max(ready, key=lambda j: (left[j.address], -j.arrived))
            self._start(job)
        blocked = [job for job in self.waiting if self._lane_for(job)]
        if blocked:  # a lane is free but no address can pay yet: look again when one can
            wait = min(self._budget(j.address).seconds_until(self._charge(j)) for j in blocked)
            if wait != float("inf"):
                self._wake = asyncio.get_running_loop().call_later(wait, self._pump)

    def _start(self, job: _Job) -> None:
        lane = self._lane_for(job)
        assert lane is not None
        self.waiting.remove(job)
        if job.expiry:
            job.expiry.cancel()
        self._budget(job.address).allow(self._charge(job))
        job.lane = lane
        self.lanes[lane] = job
        running = asyncio.get_running_loop().run_in_executor(None, job.work)
        running.add_done_callback(lambda done: self._finished(job, done))

    def _finished(self, job: _Job, done: asyncio.Future) -> None:
        self.lanes[job.lane] = None
        self._forget(job.address)
        error = done.exception()
        if error is not None:
            job.future.set_exception(error)
            if not job.waiters:  # every page left meanwhile: nobody will read it
                job.future.exception()
        else:
            job.future.set_result(done.result())
        self._pump()

    def _expire(self, job: _Job) -> None:
        if job in self.waiting:
            self._withdraw(job)
            seconds = settings.LAB_REPLAY_WAIT_SECONDS
            job.future.set_exception(ReplayRefused(WAITED.format(seconds=seconds)))

    def _withdraw(self, job: _Job) -> None:
        self.waiting.remove(job)
        if job.expiry:
            job.expiry.cancel()
        self._forget(job.address)
        self._pump()

    def _forget(self, address: str) -> None:
        self.per_address[address] -= 1
        if self.per_address[address] <= 0:
            del self.per_address[address]


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ReplayQueue] = (
    weakref.WeakKeyDictionary()
)


def replays() -> ReplayQueue:
    """This event loop's replay queue (one per process in production)."""
    loop = asyncio.get_running_loop()
    found = _queues.get(loop)
    if found is None:
        found = _queues[loop] = ReplayQueue()
    return found
