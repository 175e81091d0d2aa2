"""A client's rooms: the oldest unwatched makes way, watched ones and promised ones count."""

from __future__ import annotations

import asyncio

import pytest

from lbteach.live.broadcast import LiveRoom, Viewer
from lbteach.live.keeper import Keeper
from lbteach.live.rooms import Rooms
from tests.live.test_keeper import Counter, Store, live_counter

# The keeper writes through database_sync_to_async, which tidies the thread's connections.
pytestmark = pytest.mark.django_db(transaction=True)


def rooms_of(limit: int) -> tuple[Rooms[Counter], Keeper[Counter]]:
    keeper: Keeper[Counter] = Keeper(Store().save_all)
    return Rooms(lambda: keeper, max_rooms=lambda: limit, reattach_seconds=lambda: 0.01), keeper


def watched(code: str) -> LiveRoom[Counter]:
    live = live_counter(code)
    live.keep_ticking = True  # watched, as if a viewer elsewhere kept it
    return live


async def test_the_oldest_unwatched_room_makes_way_and_watched_ones_never_do():
    rooms, keeper = rooms_of(3)
    first, second = rooms.add(live_counter("a"), "x"), rooms.add(live_counter("b"), "x")
    first.alone_since, second.alone_since = 1.0, 2.0
    rooms.add(watched("c"), "y")
    assert rooms.in_use() == 1
    assert not rooms.busy()
    assert rooms.make_way()
    assert sorted(rooms.registry.rooms) == ["b", "c"]
    assert first not in keeper.rooms  # nothing worth saving: forgotten at once
    rooms.add(watched("d"), "y")
    assert rooms.make_way()
    assert sorted(rooms.registry.rooms) == ["c", "d"]
    rooms.add(watched("e"), "y")
    assert not rooms.make_way()
    assert rooms.busy()
    for live in list(rooms.registry.rooms.values()):
        rooms.drop(live)


async def test_a_place_is_held_from_the_check_until_released_once():
    rooms, _ = rooms_of(3)
    # A burst of handshakes in one turn of the loop, before any room is made: exactly the
    # limit get a place (a check without holding one let 162 labs open under a cap of 150).
    places = [rooms.reserve() for _ in range(5)]
    held = [place for place in places if place is not None]
    assert (len(held), places[3:]) == (3, [None, None])
    assert rooms.in_use() == 3
    assert rooms.busy()
    held[0].release()
    held[0].release()  # the room registered and its page left: released once, not twice
    assert rooms.in_use() == 2
    again = rooms.reserve()
    assert again is not None
    assert rooms.reserve() is None
    for place in (*held[1:], again):
        place.release()
    assert rooms.in_use() == 0


async def test_a_room_whose_viewer_left_is_let_go_unless_one_came_back():
    rooms, _ = rooms_of(5)
    alone, back = rooms.add(live_counter("a"), "x"), rooms.add(live_counter("b"), "x")
    rooms.left(alone)
    rooms.left(back)
    viewer = Viewer(send_nowhere)
    back.join(viewer)  # its page came back before the wait was over
    for _ in range(100):
        if rooms.get("a") is None:
            break
        await asyncio.sleep(0.01)
    assert rooms.get("a") is None
    assert rooms.get("b") is back
    back.leave(viewer)
    rooms.drop(back)


async def send_nowhere(frame: str) -> None:
    pass
