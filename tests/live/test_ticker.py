"""The ticker's pace on a fake clock: rounds every tick when they are quick, stretched under
load to the frame gap with rests between slices, and nothing for rooms nobody watches."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import pytest

from lbteach.live import broadcast, pacing
from lbteach.live.broadcast import LiveRoom, Ticker


class FakeClock:
    """Time that moves only when a room works or the ticker sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Room:
    """A room that moves on every tick, each tick costing `cost` seconds of the clock."""

    def __init__(self, code: str, clock: FakeClock, cost: float) -> None:
        self.code = code
        self.seq = 0
        self.clock = clock
        self.cost = cost
        self.ticked_at: list[float] = []

    def tick(self) -> bool:
        self.clock.now += self.cost
        self.ticked_at.append(round(self.clock.now, 6))
        self.seq += 1
        return True


class Renderer:
    def render(self, full: bool = False) -> str:
        return ""


def gaps(times: list[float]) -> list[float]:
    return [round(later - earlier, 6) for earlier, later in itertools.pairwise(times)]


async def run(rooms: int, cost: float, until: float) -> tuple[pacing.Pacing, list[Room]]:
    """Tick `rooms` watched rooms on a fake clock until it reads `until`: the ticker's pace
    as its last whole round left it, and the rooms."""
    clock = FakeClock()
    ticker = Ticker(clock=clock, sleep=clock.sleep)
    states = [Room(f"r{i}", clock, cost) for i in range(rooms)]
    lives = [LiveRoom(state, Renderer()) for state in states]
    for live in lives:
        live.keep_ticking = True  # watched, as a class is by viewers in other processes
        ticker.add(live)
    while clock.now < until:
        await asyncio.sleep(0)
    pace = dataclasses.replace(ticker.pacing)
    for live in lives:
        ticker.discard(live)
    await asyncio.sleep(0)
    return pace, states


@pytest.fixture(autouse=True)
def half_second_ticks(monkeypatch):
    monkeypatch.setattr(broadcast, "TICK_SECONDS", 0.5)


async def test_quick_rounds_come_every_tick():
    pace, rooms = await run(rooms=8, cost=0.001, until=5)
    # A round starts every 0.5 s; the rooms tick in turn, a millisecond apart, no rest.
    assert rooms[0].ticked_at[:3] == [0.501, 1.001, 1.501]
    assert rooms[7].ticked_at[:3] == [0.508, 1.008, 1.508]
    assert set(gaps(rooms[7].ticked_at)) == {0.5}
    assert pace.round_seconds == pytest.approx(0.008)
    assert pace.interval == 0.5
    assert pace.share == pacing.BASE_SHARE


async def test_a_busy_round_rests_as_long_as_it_works_between_slices():
    # 20 rooms of 20 ms: 0.4 s of ticking a round, each room a slice, each slice a rest.
    pace, rooms = await run(rooms=20, cost=0.02, until=10)
    assert pace.round_seconds == pytest.approx(0.8)
    assert pace.interval == pytest.approx(0.8)  # a room's tick interval stretches
    assert all(gap == pytest.approx(0.8) for gap in gaps(rooms[0].ticked_at))
    assert pace.share == pacing.BASE_SHARE


async def test_rounds_that_would_pass_the_frame_gap_take_more_of_the_loop():
    # 75 rooms of 20 ms: 1.5 s of work. Half the loop would make rounds 3 s apart; three
    # quarters of it brings them to the 2 s frame gap.
    pace, rooms = await run(rooms=75, cost=0.02, until=20)
    assert pace.work_seconds == pytest.approx(1.5)
    assert pace.share == pytest.approx(0.75)
    # The first round did not know its work yet: it took 3 s; from then on, 2 s each.
    assert gaps(rooms[0].ticked_at) == pytest.approx([3.0] + [2.0] * 8)


async def test_past_the_most_it_may_take_rounds_slow_down_and_rest_still():
    # 100 rooms of 20 ms: 2 s of work, more than fits in 2 s at MAX_SHARE of the loop.
    pace, rooms = await run(rooms=100, cost=0.02, until=20)
    assert pace.share == pacing.MAX_SHARE
    assert gaps(rooms[0].ticked_at) == pytest.approx([4.0] + [2.0 / pacing.MAX_SHARE] * 6)


async def test_a_room_nobody_watches_is_not_ticked():
    clock = FakeClock()
    ticker = Ticker(clock=clock, sleep=clock.sleep)
    watched, alone = Room("w", clock, 0.001), Room("a", clock, 0.001)
    live_watched, live_alone = LiveRoom(watched, Renderer()), LiveRoom(alone, Renderer())
    live_watched.keep_ticking = True
    ticker.add(live_watched)
    ticker.add(live_alone)  # no viewer, not kept ticking
    while clock.now < 2:
        await asyncio.sleep(0)
    assert len(watched.ticked_at) == 3
    assert alone.ticked_at == []
    assert list(ticker.rooms) == [live_watched]  # dropped at its first turn
    ticker.discard(live_watched)
    await asyncio.sleep(0)


async def test_a_room_that_fails_to_tick_stops_no_other(caplog):
    clock = FakeClock()
    ticker = Ticker(clock=clock, sleep=clock.sleep)
    broken, fine = Room("b", clock, 0.001), Room("f", clock, 0.001)

    def fail() -> bool:
        raise RuntimeError("a bug")

    broken.tick = fail  # type: ignore[method-assign]
    lives = [LiveRoom(broken, Renderer()), LiveRoom(fine, Renderer())]
    for live in lives:
        live.keep_ticking = True
        ticker.add(live)
    while clock.now < 2:
        await asyncio.sleep(0)
    for live in lives:
        ticker.discard(live)
    await asyncio.sleep(0)
    assert len(fine.ticked_at) == 3
    assert "room b failed to tick" in caplog.text


def test_the_pace_in_numbers():
    pace = pacing.Pacing(tick_seconds=0.5)
    assert pace.wait_before_round() == 0.5
    assert pace.rest_after_slice(pacing.SLICE_SECONDS) == 0  # a short slice goes straight on
    assert pace.rest_after_slice(0.02) == pytest.approx(0.02)
    pace.round_done(work_seconds=1.6, round_seconds=2.1, rooms=400)
    assert pace.share == pytest.approx(0.8)
    assert pace.rest_after_slice(0.02) == pytest.approx(0.005)
    assert pace.wait_before_round() == 0
    assert pace.interval == 2.1
    pace.round_done(work_seconds=9.0, round_seconds=11.25, rooms=400)
    assert pace.share == pacing.MAX_SHARE


def test_a_round_is_projected_for_the_rooms_ticking_now():
    pace = pacing.Pacing(tick_seconds=0.5)
    assert pace.projected_round(rooms=100) == 0  # nothing measured yet
    pace.round_done(work_seconds=0.2, round_seconds=0.5, rooms=100)  # 2 ms a room
    assert pace.projected_round(rooms=100) == 0.5  # the round as it went
    assert pace.projected_round(rooms=300) == pytest.approx(1.2)  # 0.6 s of work, half the loop
    assert pace.projected_round(rooms=700) == pytest.approx(2.0)  # 1.4 s: more of the loop
    assert pace.projected_round(rooms=1000) == pytest.approx(2.5)  # 2 s of work at 0.8


async def test_rooms_that_join_in_a_rush_count_before_their_round_ends():
    clock = FakeClock()
    ticker = Ticker(clock=clock, sleep=clock.sleep)
    broadcast._tickers[asyncio.get_running_loop()] = ticker
    lives: list[LiveRoom[Room]] = []

    def join(count: int) -> None:
        for _ in range(count):
            live = LiveRoom(Room(f"r{len(lives)}", clock, 0.004), Renderer())
            live.keep_ticking = True
            lives.append(live)
            ticker.add(live)

    join(100)
    while ticker.pacing.rooms == 0:
        await asyncio.sleep(0)
    assert broadcast.slowest_round() == pytest.approx(0.8)  # 0.4 s of work, half the loop
    join(200)  # three times the rooms before any round of them ends: 1.2 s of work
    assert broadcast.slowest_round() == pytest.approx(2.0)
    for live in lives:
        ticker.discard(live)
    await asyncio.sleep(0)


async def test_a_new_rooms_first_change_is_pushed_at_once_however_early_the_clock(
    monkeypatch, settings
):
    # The monotonic clock may read less than a tick (a machine up for minutes, a long tick):
    # a room that never pushed must not wait as if a frame had just gone out at time 0.
    settings.LIVE_TICK_SECONDS = 3600
    monkeypatch.setattr(broadcast.time, "monotonic", lambda: 5.0)
    pushed: list[int] = []
    live = LiveRoom(Room("early", FakeClock(), 0), Renderer())
    monkeypatch.setattr(live, "push", lambda: pushed.append(1))
    live.push_soon()
    assert pushed == [1]
