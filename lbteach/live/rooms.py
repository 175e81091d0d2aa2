"""A client's live rooms in this process: registered, kept saved, bounded, let go when alone.

The glue between the registry and ticker (`lbteach.live.broadcast`) and the keeper
(`lbteach.live.keeper`): a room opens only while the process has room for it (at most
`max_rooms`, and not while a round of ticks is already slow), the room nobody has watched
for longest makes way for a new one, and a room whose last viewer left stops ticking at once
and, unless a viewer comes back within `reattach_seconds`, is saved and let go. The lab
keeps one of these (`lbteach.lab.service`); its limits are settings, read when needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from lbteach.live.broadcast import LiveRoom, Registry, slowest_round
from lbteach.live.keeper import Keeper, Saveable

S = TypeVar("S", bound=Saveable)

# A round of ticks slower than this means the rooms already open would soon wait more than
# 2 s for a frame: no new room until it speeds up again (bench/lab_rooms.py).
BUSY_INTERVAL_SECONDS = 1.5


class Place:
    """A place held for a room being made (its link may replay for a while): it counts
    against the limit until released, once, by whichever comes first of the room being
    registered and its page going away."""

    def __init__(self, rooms: Rooms[Any]) -> None:
        self.rooms = rooms
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.rooms.opening -= 1


class Rooms(Generic[S]):
    """One client's rooms in this process, by code."""

    def __init__(
        self,
        keeper: Callable[[], Keeper[S]],
        max_rooms: Callable[[], int],
        reattach_seconds: Callable[[], float],
    ) -> None:
        self.registry: Registry[S] = Registry()
        self.keeper = keeper  # this event loop's keeper
        self.max_rooms = max_rooms
        self.reattach_seconds = reattach_seconds
        self.opening = 0  # rooms promised to a page but not registered yet

    def in_use(self) -> int:
        """Rooms that count against the limit: watched ones, and ones still opening. A room
        nobody watches does not count: it makes way for a new one when needed."""
        return self.registry.watched() + self.opening

    def busy(self) -> bool:
        """Full of watched rooms or, whatever the count, too slow to take one more."""
        return self.in_use() >= self.max_rooms() or slowest_round() > BUSY_INTERVAL_SECONDS

    def make_way(self) -> bool:
        """Whether one more room may open: when the process is full, its longest-unwatched
        room is saved and let go first; only when every room is watched is the answer no."""
        if slowest_round() > BUSY_INTERVAL_SECONDS:
            return False
        while len(self.registry) + self.opening >= self.max_rooms():
            oldest = self.registry.oldest_unwatched()
            if oldest is None:
                return False
            self.release(oldest)
        return True

    def reserve(self) -> Place | None:
        """Make way and hold a place for one room, in the same step as the check: a burst of
        handshakes cannot all pass the limit before any of their rooms is made. None when
        there is no place (every room is watched, or ticking is already too slow)."""
        if not self.make_way():
            return None
        self.opening += 1
        return Place(self)

    def add(self, live: LiveRoom[S], owner: str, worth_keeping: bool = False) -> LiveRoom[S]:
        """Register a room in this process and keep it saved from now on."""
        self.registry.add(live)
        self.keeper().watch(live, owner, worth_keeping=worth_keeping)
        return live

    def get(self, code: str) -> LiveRoom[S] | None:
        """A room of this process, or one being let go whose last state is not saved yet."""
        return self.registry.get(code) or self.keeper().releasing(code)

    def drop(self, live: LiveRoom[S]) -> None:
        """A room that goes at once, unsaved (its page moved to its earlier run)."""
        self.registry.discard(live.room.code)
        self.keeper().forget(live)

    def left(self, live: LiveRoom[S]) -> None:
        """A viewer left: if nobody watches, the room stops ticking now and, unless a viewer
        comes back within `reattach_seconds`, is saved and let go."""
        if live.viewers:
            return
        asyncio.get_running_loop().call_later(
            self.reattach_seconds(), self._release_if_unwatched, live
        )

    def _release_if_unwatched(self, live: LiveRoom[S]) -> None:
        if live.viewers or self.registry.get(live.room.code) is not live:
            return
        self.release(live)

    def release(self, live: LiveRoom[S]) -> None:
        """Let a room nobody watches go: the keeper saves it first, if it is worth resuming."""
        self.registry.discard(live.room.code)
        self.keeper().release(live)
