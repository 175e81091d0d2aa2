"""The keeper: one notion of "needs saving" (a room's frame number), batches off the loop."""

from __future__ import annotations

import asyncio

import pytest

from lbteach.live import keeper as live_keeper
from lbteach.live.broadcast import LiveRoom
from lbteach.live.keeper import Keeper, SavePoint

# The keeper writes through database_sync_to_async, which tidies the thread's connections.
pytestmark = pytest.mark.django_db(transaction=True)


class Counter:
    """A room whose state is one number; every push numbers a frame."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.seq = 0
        self.value = 0

    def tick(self) -> bool:
        return False

    def to_dict(self) -> dict:
        return {"seq": self.seq, "value": self.value}


class Numbering:
    def __init__(self, room: Counter) -> None:
        self.room = room

    def render(self, full: bool = False) -> str:
        if not full:
            self.room.seq += 1
        return f"<p>{self.room.value}</p>"


def live_counter(code: str) -> LiveRoom[Counter]:
    room = Counter(code)
    return LiveRoom(room, Numbering(room))


def change(live: LiveRoom[Counter], value: int) -> None:
    live.room.value = value
    live.push()


class Store:
    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.batches: list[list[str]] = []
        self.broken = False

    def save_all(self, states: list[tuple[str, dict]]) -> None:
        if self.broken:
            raise OSError("the database is away")
        self.batches.append([code for code, _ in states])
        self.rows.update(states)


async def until(check, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not within the time")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(live_keeper, "SAVE_SECONDS", 0.01)


def test_a_room_needs_saving_once_a_frame_moved_past_its_save_point():
    room = Counter("a")
    point = SavePoint(room.seq)
    assert not point.due(room)
    room.seq = 3
    assert point.due(room)
    assert point.take(room) == {"seq": 3, "value": 0}
    assert not point.due(room)
    point.failed()
    assert point.due(room)
    assert SavePoint().due(Counter("fresh"))  # never saved: a class saves its room at once


async def test_only_rooms_a_command_changed_are_saved_in_one_batch():
    store = Store()
    keeper: Keeper[Counter] = Keeper(store.save_all)
    commanded, ticking = live_counter("a"), live_counter("b")
    keeper.watch(commanded, "10.0.0.1")
    keeper.watch(ticking, "10.0.0.2")
    change(commanded, 5)
    change(ticking, 7)  # moved, but only by ticking: its start again, not worth a row
    keeper.changed_by_command(commanded)
    await until(lambda: "a" in store.rows)
    assert store.rows == {"a": {"seq": 1, "value": 5}}
    assert not keeper.due(commanded)
    assert keeper.due(ticking)
    for live in (commanded, ticking):
        keeper.forget(live)


async def test_a_failed_save_is_tried_again():
    store = Store()
    store.broken = True
    keeper: Keeper[Counter] = Keeper(store.save_all)
    live = live_counter("a")
    keeper.watch(live)
    change(live, 1)
    keeper.changed_by_command(live)
    await until(lambda: not keeper.urgent)  # the keeper took the state, and the write failed
    assert keeper.due(live)
    store.broken = False
    keeper.changed_by_command(live)
    await until(lambda: "a" in store.rows)
    assert store.rows["a"] == {"seq": 1, "value": 1}
    keeper.forget(live)


async def test_a_released_room_is_saved_last_then_let_go_and_its_owner_told():
    store, closed = Store(), []
    keeper: Keeper[Counter] = Keeper(store.save_all, on_closed=lambda *c: closed.append(c))
    live = live_counter("a")
    keeper.watch(live, "10.0.0.1")
    change(live, 1)
    keeper.changed_by_command(live)
    await until(lambda: "a" in store.rows)
    change(live, 2)  # changed since: the release saves it once more
    keeper.release(live)
    assert keeper.releasing("a") is live
    await until(lambda: keeper.releasing("a") is None)
    assert store.rows["a"] == {"seq": 2, "value": 2}
    assert closed == [("a", "10.0.0.1")]
    assert live not in keeper.rooms


async def test_a_room_unchanged_since_its_save_is_let_go_at_once():
    store, closed = Store(), []
    keeper: Keeper[Counter] = Keeper(store.save_all, on_closed=lambda *c: closed.append(c))
    live = live_counter("a")
    keeper.watch(live, "10.0.0.1", worth_keeping=True)  # restored from the store as it is
    keeper.release(live)
    assert keeper.releasing("a") is None
    assert closed == [("a", "10.0.0.1")]
    assert store.batches == []
