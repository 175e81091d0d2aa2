"""Live rooms under load and abuse: rooms nobody watches stop, a full process says so, heavy
share links never block the event loop, and a busy process ticks slower instead of falling
behind."""

from __future__ import annotations

import asyncio
import html
import itertools
import time
from types import SimpleNamespace

import pytest
from django.test import Client

from lbteach.lab import replay
from lbteach.lab.service import REPLAYING, registry
from lbteach.live import broadcast
from lbteach.live.broadcast import ticker
from lbteach.live.consumers import CLOSE_BUSY
from tests.lab.conftest import connect, get_off_loop, receive_until, send, status, until
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)

LAB = "/ws/lab/single/?scenario=mobile_ip_change&balancer=source_ip&seed=7&customers=20"


@pytest.fixture(autouse=True)
def no_rooms_left():
    yield
    for code in list(registry.rooms):
        registry.discard(code)


async def open_lab(path: str = LAB, timeout: float = 5):
    communicator = connect(path)
    connected, _ = await communicator.connect(timeout=timeout)
    assert connected
    snapshot = await communicator.receive_from(timeout=timeout)
    return communicator, snapshot


def room_code(frame: str) -> str:
    return search(r'data-room="([^"]+)"', frame)


async def test_rooms_whose_viewers_left_stop_ticking_at_once_and_are_let_go(monkeypatch):
    monkeypatch.setattr(broadcast, "TICK_SECONDS", 0.02)
    monkeypatch.setattr("django.conf.settings.LAB_REATTACH_SECONDS", 0.2)
    labs = [await open_lab() for _ in range(6)]
    codes = {room_code(snapshot) for _, snapshot in labs}
    assert {live.room.code for live in ticker().rooms} == codes
    await until(lambda: all(registry.rooms[code].room.requests > 0 for code in codes))
    for communicator, _ in labs:
        await communicator.disconnect()
    assert ticker().rooms == {}  # nobody watches: no more ticks, even before the window ends
    ticked = {code: registry.rooms[code].room.requests for code in codes}
    await asyncio.sleep(0.1)
    assert {code: registry.rooms[code].room.requests for code in codes} == ticked
    await until(lambda: codes.isdisjoint(registry.rooms))  # released after the reattach window


async def test_a_paused_room_renders_no_frames(monkeypatch):
    monkeypatch.setattr(broadcast, "TICK_SECONDS", 0.02)
    communicator, _ = await open_lab()
    await send(communicator, action="pause")
    await receive_until(communicator, lambda f: status(f) is not None)
    await asyncio.sleep(0.05)  # let a frame already in flight arrive
    while not await communicator.receive_nothing(timeout=0.05):
        await communicator.receive_from()
    assert await communicator.receive_nothing(timeout=0.3)  # 15 ticks' time, no frame
    await communicator.disconnect()


async def test_past_the_room_limit_a_new_lab_is_told_the_lab_is_busy(monkeypatch):
    monkeypatch.setattr("django.conf.settings.LAB_MAX_ROOMS", 2)
    labs = [await open_lab() for _ in range(2)]
    refused = connect(LAB)
    connected, _ = await refused.connect()
    assert connected  # accepted only to say why not
    frame = await refused.receive_from(timeout=3)
    assert status(frame) == "Not done: The lab is busy right now: try again in a minute."
    assert (await refused.receive_output(timeout=3))["code"] == CLOSE_BUSY
    assert len(registry) == 2
    # The page says it too, and the rest of the site carries on.
    client = Client()
    page = await get_off_loop(client, "/lab/")
    assert page.status_code == 503
    assert page["Retry-After"] == "60"
    assert "The lab is busy right now: try again in a minute." in page.content.decode()
    assert (await get_off_loop(client, "/lessons/")).status_code == 200
    for communicator, _ in labs:
        await communicator.disconnect()


async def test_a_burst_of_handshakes_opens_exactly_the_room_limit(monkeypatch):
    monkeypatch.setattr("django.conf.settings.LAB_MAX_ROOMS", 3)
    pages = [connect(LAB) for _ in range(7)]
    # All seven handshakes at once, before any of their rooms is made.
    assert all(ok for ok, _ in await asyncio.gather(*(page.connect() for page in pages)))
    said = [status(await page.receive_from(timeout=10)) for page in pages]
    busy = said.count("Not done: The lab is busy right now: try again in a minute.")
    assert (busy, len(registry)) == (4, 3)
    for page in pages:
        await page.disconnect()


@pytest.mark.parametrize(
    ("log", "why"),
    [
        ("0.add_customers.abc", "“count” must be a whole number from 1 to 200, not 'abc'."),
        ("2000000.change_ip", "asks to replay 2,000,000 requests; a link may replay at most 20,"),
        ("12.launch_missiles", "A shared link cannot replay 'launch_missiles'."),
    ],
)
async def test_a_malformed_link_opens_a_fresh_run_and_says_why(log, why):
    communicator, snapshot = await open_lab(f"{LAB}&log={log}")
    said = status(snapshot) or status(await communicator.receive_from(timeout=3))
    assert said is not None
    assert why in said
    assert said.endswith("Started the run from the beginning instead.")
    await send(communicator, action="add_customers", count="1")
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    assert status(frame) == "Added 1 customer."  # the connection is still standing
    await communicator.disconnect()


def test_the_page_of_a_malformed_link_says_why_and_does_not_pass_the_log_on(client):
    page = client.get("/lab/", {"scenario": "mobile_ip_change", "log": "0.add_customers.abc"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "not &#x27;abc&#x27;. The run starts from the beginning instead." in text
    ws_url = search(r'ws-connect="([^"]+)"', text)
    assert "log=" not in ws_url


def test_the_page_of_a_good_link_passes_its_log_to_the_websocket(client):
    log = "3.change_ip~9.crash_table.A"
    page = client.get("/lab/", {"scenario": "mobile_ip_change", "log": log})
    ws_url = html.unescape(search(r'ws-connect="([^"]+)"', page.content.decode()))
    assert ws_url.endswith("&customers=12&log=3.change_ip~9.crash_table.A")


async def test_a_heavy_link_is_replayed_off_the_event_loop(monkeypatch):
    """The longest link allowed, on a full restaurant: the loop keeps answering meanwhile."""
    gaps: list[float] = []
    durations: list[float] = []
    real = replay.replay

    def timed(*args):
        started = time.perf_counter()
        try:
            return real(*args)
        finally:
            durations.append(time.perf_counter() - started)

    monkeypatch.setattr(replay, "replay", timed)

    async def heartbeat():
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    path = LAB.replace("customers=20", "customers=500") + "&log=20000.change_ip"
    communicator, first = await open_lab(path, timeout=30)
    assert status(first) == REPLAYING  # the socket is open at once, and says what comes
    await receive_until(communicator, lambda f: 'data-room="lab-' in f)
    beat.cancel()
    # Real work (ten heartbeats' worth and more; 0.13-0.3 s measured on two machines)...
    assert durations[0] > 0.05
    assert max(gaps) < durations[0] / 2  # ...which never held the loop for long
    await communicator.disconnect()


class FakeRoom:
    """A room whose tick is whatever the test says."""

    watched = True

    def __init__(self, code, tick) -> None:
        self.room = SimpleNamespace(code=code)
        self.tick = tick


async def test_a_busy_process_ticks_more_slowly_and_lets_others_in_between_rooms(monkeypatch):
    monkeypatch.setattr(broadcast, "TICK_SECONDS", 0.02)
    events: list[str] = []

    def slow_tick():  # each room's tick holds the loop for 10 ms
        time.sleep(0.01)
        events.append("tick")

    async def page():  # another request waiting for its turn on the loop
        while True:
            await asyncio.sleep(0)
            if events and events[-1] != "page":
                events.append("page")

    the_ticker = ticker()
    rooms = [FakeRoom(f"r{i}", slow_tick) for i in range(10)]
    other = asyncio.create_task(page())
    for room in rooms:
        the_ticker.add(room)  # type: ignore[arg-type]
    await asyncio.sleep(0.8)
    for room in rooms:
        the_ticker.discard(room)  # type: ignore[arg-type]
    other.cancel()
    # Ten rooms tick for at least 0.1 s and rest as long between them (half the loop's time
    # for ticking, at most), so a round takes 0.2 s or more, not the 0.02 s tick.
    assert the_ticker.last_round_seconds >= 0.2
    assert the_ticker.interval == the_ticker.last_round_seconds
    assert 1 <= events.count("tick") / len(rooms) <= 0.8 / 0.2 + 1
    # Between any two rooms' ticks the loop let the waiting request run.
    assert "tick" in events
    assert all(a != b for a, b in itertools.pairwise(events))


async def test_a_process_whose_ticks_run_late_takes_no_new_lab(monkeypatch):
    communicator, _ = await open_lab()
    the_ticker = ticker()
    monkeypatch.setattr(the_ticker, "last_round_seconds", 1.6)  # rounds 1.6 s apart
    refused = connect(LAB)
    assert (await refused.connect())[0]
    frame = await refused.receive_from(timeout=3)
    assert status(frame) == "Not done: The lab is busy right now: try again in a minute."
    assert (await refused.receive_output(timeout=3))["code"] == CLOSE_BUSY
    monkeypatch.setattr(the_ticker, "last_round_seconds", 0.1)  # caught up again
    again, _ = await open_lab()
    await again.disconnect()
    await communicator.disconnect()
