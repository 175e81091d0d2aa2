"""Deliver a room's frames to its viewers in this process, and tick the rooms that need it.

DESIGN.md's rule: render a frame ONCE per tick and hand the same text to every viewer
through this in-process registry (the in-memory channel layer's group_send would cost
O(viewers^2)). Each viewer has a one-frame mailbox: a slow viewer gets the latest frame,
never a backlog; if it missed a frame it gets a full snapshot instead, and one that stays
stuck is dropped so it reconnects and resyncs. The event loop's outbox empties every
mailbox with something in it once a turn, in one pass, not one task per viewer.

One ticker per process ticks every room that is watched and busy, in turns, resting
between slices of rooms so that pages and sockets keep the event loop for part of its time;
a round that takes long makes the next come later: a busy process slows its rooms down
instead of falling behind (`lbteach.live.pacing` says how much, and why between slices).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, Protocol, TypeVar

from django.conf import settings

from lbteach.live.pacing import Pacing

log = logging.getLogger(__name__)

TICK_SECONDS: float | None = None  # None: settings.LIVE_TICK_SECONDS (tests may override)
STUCK_SECONDS = 10.0  # a viewer whose send has not finished by then is dropped
MAX_BACKLOG_BYTES = 512 * 1024  # without a snapshot to hand, frames queue up to this

# Close codes. Daphne (autobahn) lets an application close only with 1000 or 3000-4999, so
# the app uses private codes that mirror the standard ones; static/js/live.js reconnects on
# each (htmx's ws extension itself retries only on 1006, 1011, 1012 and 1013).
CLOSE_TOO_BIG = 4009  # like 1009: a message over the size limit
CLOSE_MOVED = 4012  # like 1012: the room moved to another process; reconnect to find it
CLOSE_RESYNC = 4013  # like 1013: too far behind; reconnect for a fresh snapshot


class LiveState(Protocol):
    """What a live room's state offers this module: its code, its frame number, a tick."""

    code: str
    seq: int

    def tick(self) -> bool:
        """Advance one tick; whether anything moved (a frame is due)."""
        ...


class Renderer(Protocol):
    """What renders a room's frames: the next frame, or with `full` a snapshot."""

    def render(self, full: bool = False) -> str: ...


R = TypeVar("R", bound=LiveState)


class Outbox:
    """The viewers of one event loop that have a frame to send, sent together next turn.

    What is offered to a viewer within one turn of the loop (a room's frame and the reply to
    the command that changed it) goes out as one message, and a room's fan-out is one pass
    over its viewers in one callback, not one task woken per viewer.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: dict[Viewer, None] = {}  # an ordered set

    def add(self, viewer: Viewer) -> None:
        if not self.waiting:
            self.loop.call_soon(self.flush)
        self.waiting[viewer] = None

    def flush(self) -> None:
        waiting, self.waiting = self.waiting, {}
        for viewer in waiting:
            viewer.hand_over()


_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Outbox] = (
    weakref.WeakKeyDictionary()
)


def outbox() -> Outbox:
    """This event loop's outbox (one per process in production; tests run several loops)."""
    loop = asyncio.get_running_loop()
    found = _outboxes.get(loop)
    if found is None:
        found = _outboxes[loop] = Outbox(loop)
    return found


class Viewer:
    """One connected screen: a mailbox holding the newest frame, sent as soon as the socket
    is free.

    Most sends finish without waiting (daphne queues the bytes in Twisted and returns), so
    the loop's outbox hands a frame over in one step, in one pass over every viewer with
    something to send. A send that has to wait (a socket applying back-pressure, a channel
    layer) goes on in a task of its own, and that viewer's next frames wait in its mailbox
    meanwhile, so it delays nobody else.
    """

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        close: Callable[[int], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self._send = send
        self.close = close
        self._pending: str | None = None
        self._started = False
        self._ended = False  # stopped, or its socket failed: nothing more is sent
        self._task: asyncio.Task | None = None  # finishing a send that had to wait
        self.sending_since: float | None = None

    def start(self) -> None:
        """Start sending, beginning with whatever was offered before the room was ready."""
        self._started = True
        self._post()

    def offer(self, frame: str, snapshot: Callable[[], str | None]) -> None:
        """Leave `frame` in the mailbox; if an unsent frame is there, a snapshot replaces both.

        Where no snapshot can be had at once (a relay in another process), the frames are
        kept in order instead, up to MAX_BACKLOG_BYTES; past that the viewer is dropped and
        resyncs when it reconnects.
        """
        stuck = self.sending_since and time.monotonic() - self.sending_since > STUCK_SECONDS
        if self._pending is None:
            self._pending = frame
        else:
            fresh = snapshot()
            self._pending = fresh if fresh is not None else self._pending + frame
            stuck = stuck or len(self._pending) > MAX_BACKLOG_BYTES
        if stuck:
            self._pending = None
            if self.close:
                # Too far behind: the page reconnects and resyncs from a snapshot.
                asyncio.get_running_loop().create_task(self.close(CLOSE_RESYNC))
            return
        self._post()

    def offer_now(self, frame: str) -> None:
        """A frame meant for this viewer alone (its snapshot, or its error message)."""
        if not frame:
            return
        self._pending = frame if self._pending is None else self._pending + frame
        self._post()

    def _free(self) -> bool:
        """Whether a frame can be handed over: started, not over, no send still going on."""
        return self._started and not self._ended and (self._task is None or self._task.done())

    def _post(self) -> None:
        if self._pending is not None and self._free():
            outbox().add(self)

    def hand_over(self) -> None:
        """Send the mailbox's frame now, unless a send is still going on or sending is over.

        The send is stepped here by hand, as a task would step it: if it finishes without
        waiting, that was the whole send; if it waits on a future, a task takes the same
        coroutine on from there (`_finish`), so the frame is never sent twice.
        """
        if self._pending is None or not self._free():
            return  # if a send is still going on, `_finish` takes the mailbox after it
        frame, self._pending = self._pending, None
        sending = self._send(frame)
        try:
            waiting_on = sending.send(None)  # type: ignore[attr-defined]
        except StopIteration:
            return  # sent
        except (Exception, asyncio.CancelledError):  # a closed socket: its disconnect cleans up
            log.debug("send to a viewer failed", exc_info=True)
            self._ended = True
            return
        self.sending_since = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._finish(sending, waiting_on))

    async def _finish(self, sending: Any, waiting_on: Any) -> None:
        """Carry a send that had to wait through to its end, then send what came meanwhile."""
        try:
            while True:
                # As a task does: resume the send once what it waits on is done (a bare yield
                # asks for one turn of the loop); the send reads that outcome itself.
                try:
                    if waiting_on is None:
                        await asyncio.sleep(0)
                    else:
                        await asyncio.wait([waiting_on])
                except asyncio.CancelledError:  # stopped: end the send too
                    sending.close()
                    raise
                waiting_on = sending.send(None)
        except StopIteration:
            pass
        except Exception:  # a closed socket: the consumer's disconnect cleans up
            log.debug("send to a viewer failed", exc_info=True)
            self._ended = True
            return
        finally:
            self.sending_since = None
        while self._pending is not None and not self._ended:
            frame, self._pending = self._pending, None
            self.sending_since = time.monotonic()
            try:
                await self._send(frame)
            except Exception:
                log.debug("send to a viewer failed", exc_info=True)
                self._ended = True
            finally:
                self.sending_since = None

    def stop(self) -> None:
        self._ended = True
        if self._task:
            self._task.cancel()


def tick_seconds() -> float:
    return TICK_SECONDS or settings.LIVE_TICK_SECONDS


class LiveRoom(Generic[R]):
    """A room, its renderer and its viewers in this process."""

    def __init__(self, room: R, renderer: Renderer) -> None:
        self.room = room
        self.renderer = renderer
        self.viewers: set[Viewer] = set()
        self._snapshot: tuple[int, str] | None = None
        self._ticker: Ticker | None = None
        # A class keeps ticking for viewers in other processes; a private lab stops when alone.
        self.keep_ticking = False
        # Called with each pushed frame, after local viewers have it (a class relays it on).
        self.on_push: Callable[[str], None] | None = None
        self._last_push = -math.inf  # monotonic time may start near 0: never "a push just went"
        self._push_later: asyncio.TimerHandle | None = None
        self.alone_since = time.monotonic()  # when its last viewer left (or it opened)

    @property
    def watched(self) -> bool:
        return bool(self.viewers) or self.keep_ticking

    def snapshot(self) -> str:
        """A full frame of the current state, rendered at most once per seq for everyone."""
        if self._snapshot is None or self._snapshot[0] != self.room.seq:
            self._snapshot = (self.room.seq, self.renderer.render(full=True))
        return self._snapshot[1]

    def join(self, viewer: Viewer) -> None:
        self.viewers.add(viewer)
        viewer.start()
        viewer.offer_now(self.snapshot())
        self.start_ticking()

    def leave(self, viewer: Viewer) -> None:
        viewer.stop()
        self.viewers.discard(viewer)
        if not self.viewers:
            self.alone_since = time.monotonic()
        if not self.watched:
            self.stop_ticking()

    def start_ticking(self) -> None:
        self._ticker = ticker()
        self._ticker.add(self)

    def stop_ticking(self) -> None:
        if self._ticker is not None:
            self._ticker.discard(self)

    def push_soon(self) -> None:
        """A frame for a change: now, unless one went out less than a tick ago; then at the
        tick's time, carrying every change made meanwhile. However many people press buttons,
        viewers get at most one frame per tick."""
        if self._push_later is not None:
            return
        wait = self._last_push + settings.LIVE_TICK_SECONDS - time.monotonic()
        if wait <= 0:
            self.push()
        else:
            self._push_later = asyncio.get_running_loop().call_later(wait, self.push)

    def push(self) -> None:
        """Render the next frame once and hand it to every viewer."""
        if self._push_later is not None:
            self._push_later.cancel()
            self._push_later = None
        self._last_push = time.monotonic()
        frame = self.renderer.render()
        if self.on_push:  # first, so other processes' viewers do not wait for ours
            self.on_push(frame)
        for viewer in list(self.viewers):
            viewer.offer(frame, self.snapshot)

    def tick(self) -> None:
        """One tick: a frame only when the restaurant moved (a paused room costs nothing)."""
        if self.room.tick():
            self.push()


class Ticker:
    """Ticks this process's watched rooms in turns, slowing down rather than falling behind.

    Its pace (when a round starts, how long it rests between slices) is `Pacing`'s; the
    clock and the sleep are given so that tests run it on a fake clock.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rooms: dict[LiveRoom[Any], None] = {}  # an ordered set
        self.pacing = Pacing(tick_seconds=0.0)
        self._clock = clock
        self._sleep = sleep
        self._task: asyncio.Task | None = None

    @property
    def last_round_seconds(self) -> float:
        """How long the last round took, rests included."""
        return self.pacing.round_seconds

    @last_round_seconds.setter
    def last_round_seconds(self, seconds: float) -> None:
        self.pacing.round_seconds = seconds

    @property
    def interval(self) -> float:
        """Seconds from one round's start to the next's: longer when a round takes long."""
        return self.pacing.interval

    def add(self, live: LiveRoom[Any]) -> None:
        self.rooms[live] = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, live: LiveRoom[Any]) -> None:
        self.rooms.pop(live, None)

    async def _run(self) -> None:
        while self.rooms:
            self.pacing.tick_seconds = tick_seconds()
            await self._sleep(self.pacing.wait_before_round())
            started = slice_started = self._clock()
            work = 0.0
            ticked = 0
            for live in list(self.rooms):
                if live not in self.rooms:
                    continue
                if not live.watched:
                    self.discard(live)
                    continue
                ticked += 1
                try:
                    live.tick()
                except Exception:
                    # A bug in one room must not stop the others: log it, keep going.
                    log.exception("room %s failed to tick", live.room.code)
                worked = self._clock() - slice_started
                rest = self.pacing.rest_after_slice(worked)
                if rest:
                    # Rest in proportion, so pages and sockets get the loop for many turns.
                    work += worked
                    await self._sleep(rest)
                    slice_started = self._clock()
            work += self._clock() - slice_started
            self.pacing.round_done(work, self._clock() - started, ticked)


_tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Ticker] = weakref.WeakKeyDictionary()


def slowest_round() -> float:
    """How long a round of ticks takes, rests included, on the slowest of this process's
    event loops with rooms, counting every room it ticks now (`Pacing.projected_round`):
    past the tick interval, rooms get frames late."""
    rounds = (
        found.pacing.projected_round(len(found.rooms))
        for found in list(_tickers.values())
        if found.rooms
    )
    return max(rounds, default=0.0)


def ticker() -> Ticker:
    """This event loop's ticker (one per process in production; tests run several loops)."""
    loop = asyncio.get_running_loop()
    found = _tickers.get(loop)
    if found is None:
        found = _tickers[loop] = Ticker()
    return found


class Registry(Generic[R]):
    """A client's live rooms in this process, by code (the lab keeps one of these)."""

    def __init__(self) -> None:
        self.rooms: dict[str, LiveRoom[R]] = {}

    def __len__(self) -> int:
        return len(self.rooms)

    def watched(self) -> int:
        """How many rooms someone watches (read from page views' threads too, hence the copy)."""
        return sum(1 for live in list(self.rooms.values()) if live.watched)

    def oldest_unwatched(self) -> LiveRoom[R] | None:
        """The room nobody has watched for longest, if any: the first to make way."""
        alone = [live for live in self.rooms.values() if not live.watched]
        return min(alone, key=lambda live: live.alone_since, default=None)

    def get(self, code: str) -> LiveRoom[R] | None:
        return self.rooms.get(code)

    def add(self, live: LiveRoom[R]) -> LiveRoom[R]:
        self.rooms[live.room.code] = live
        return live

    def discard(self, code: str) -> LiveRoom[R] | None:
        live = self.rooms.pop(code, None)
        if live:
            live.stop_ticking()
        return live
