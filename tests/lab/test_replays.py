"""Share links wait their turn fairly: light links never behind heavy ones, each address out
of its own budget, every wait bounded, and a waiting page open at once saying so."""

from __future__ import annotations

import asyncio
import contextlib
import html
import threading
import time

import pytest
from django.test import Client
from websockets.sync.client import connect as ws_connect

from lbteach.lab import replay as replay_module
from lbteach.lab import service
from lbteach.lab.consumers import COULD_NOT_OPEN
from lbteach.lab.replayqueue import ReplayQueue, ReplayRefused, replay_cost, replays
from lbteach.lab.service import REPLAYING, STILL_REPLAYING, registry
from lbteach.lab.sharelink import LabSetup, decode_log
from tests.browser.server import Browser, Server, origin_for, prepare_database, server_env
from tests.lab.conftest import connect, get_off_loop, receive_until, send, status, until
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)

SINGLE = "/ws/lab/single/?scenario=mobile_ip_change&balancer=source_ip&seed=7"
HEAVY_LOG = "~".join(["20000.change_ip"] * 200)


@pytest.fixture(autouse=True)
def no_rooms_left():
    yield
    for code in list(registry.rooms):
        registry.discard(code)


class Gate:
    """Work that runs until the test opens its gate, recording when it started and ended."""

    def __init__(self, name: str, events: list[str]) -> None:
        self.name = name
        self.events = events
        self.gate = threading.Event()

    def __call__(self) -> str:
        self.events.append(f"start {self.name}")
        assert self.gate.wait(10), f"{self.name} was never let through"
        return self.name


def test_a_link_costs_its_requests_and_the_customers_it_redraws_in_each_restaurant():
    one = LabSetup(customers=500)
    two = LabSetup(balancers=("source_ip", "cookie_insert"), customers=500)
    assert replay_cost(one, decode_log(HEAVY_LOG)) == 20_000 + 200 * 125
    assert replay_cost(two, decode_log(HEAVY_LOG)) == 2 * (20_000 + 200 * 125)
    assert replay_cost(LabSetup(), decode_log("5.change_ip")) == 5 + 12 // 4


async def test_a_light_link_passes_heavy_ones_waiting_for_their_lane():
    queue, events = ReplayQueue(), list[str]()
    heavy = [Gate(f"heavy{i}", events) for i in range(3)]
    waiting = [asyncio.create_task(queue.run("10.0.0.1", 40_000, gate)) for gate in heavy]
    await until(lambda: events == ["start heavy0"])
    light = await asyncio.wait_for(queue.run("10.0.0.1", 8, lambda: "light"), 5)
    assert light == "light"
    assert events == ["start heavy0"]  # the heavy ones still wait, one at a time
    for gate in heavy:
        gate.gate.set()
    assert await asyncio.gather(*waiting) == ["heavy0", "heavy1", "heavy2"]
    assert events == ["start heavy0", "start heavy1", "start heavy2"]
    assert len(queue) == 0


async def test_the_address_with_most_budget_left_goes_first(settings):
    settings.LAB_REPLAY_BUDGET = 200_000
    queue, events = ReplayQueue(), list[str]()
    gates = {name: Gate(name, events) for name in ("a1", "a2", "a3", "b1")}
    tasks = [asyncio.create_task(queue.run("10.0.0.1", 40_000, gates[n])) for n in ("a1", "a2")]
    await until(lambda: events == ["start a1"])
    tasks.append(asyncio.create_task(queue.run("10.0.0.1", 40_000, gates["a3"])))
    tasks.append(asyncio.create_task(queue.run("10.0.0.2", 40_000, gates["b1"])))
    await asyncio.sleep(0.05)
    for name in ("a1", "b1", "a2", "a3"):
        gates[name].gate.set()
        await until(lambda name=name: f"start {name}" in events)
    await asyncio.gather(*tasks)
    # The second address's link arrived last but went next: the first had spent 40,000.
    assert events == ["start a1", "start b1", "start a2", "start a3"]


async def test_heavy_links_spend_an_addresses_budget_and_the_wait_is_bounded(settings):
    settings.LAB_REPLAY_BUDGET = 10_000  # a minute
    settings.LAB_REPLAY_WAIT_SECONDS = 0.3
    queue = ReplayQueue()
    assert await queue.run("10.0.0.1", 9_000, lambda: "first heavy") == "first heavy"
    assert await queue.run("10.0.0.1", 8, lambda: "light") == "light"  # 1,000 were left
    with pytest.raises(ReplayRefused) as refused:
        await queue.run("10.0.0.1", 9_000, lambda: "second heavy")  # 48 s of refill away
    assert str(refused.value) == (
        "The shared link waited 0.3 s for its turn to replay and was not replayed."
    )
    assert await queue.run("10.0.0.2", 9_000, lambda: "another address") == "another address"
    assert len(queue) == 0


async def test_an_address_has_at_most_a_few_links_waiting_or_replaying(settings):
    settings.LAB_REPLAYS_PER_ADDRESS = 2
    queue, events = ReplayQueue(), list[str]()
    gates = [Gate(f"h{i}", events) for i in range(2)]
    tasks = [asyncio.create_task(queue.run("10.0.0.1", 40_000, gate)) for gate in gates]
    await until(lambda: len(queue) == 2)
    with pytest.raises(ReplayRefused) as refused:
        await queue.run("10.0.0.1", 8, lambda: "third")
    assert str(refused.value) == (
        "Your address already has 2 shared links replaying; this one was not replayed."
    )
    assert await queue.run("10.0.0.2", 8, lambda: "elsewhere") == "elsewhere"
    for gate in gates:
        gate.gate.set()
    await asyncio.gather(*tasks)


async def test_a_page_that_leaves_while_its_link_waits_gives_up_its_turn():
    queue, events = ReplayQueue(), list[str]()
    first, second = Gate("first", events), Gate("second", events)
    running = asyncio.create_task(queue.run("10.0.0.1", 40_000, first))
    await until(lambda: events == ["start first"])
    left = asyncio.create_task(queue.run("10.0.0.1", 40_000, second))
    await until(lambda: len(queue) == 2)
    left.cancel()
    await asyncio.gather(left, return_exceptions=True)
    assert len(queue) == 1
    assert queue.waiting == []
    first.gate.set()
    assert await running == "first"
    assert events == ["start first"]  # the page that left was never replayed


async def test_the_same_link_opened_by_many_pages_is_replayed_once(settings):
    settings.LAB_REPLAYS_PER_ADDRESS = 2
    queue, events = ReplayQueue(), list[str]()
    gate = Gate("shared", events)
    pages = [
        asyncio.create_task(queue.run("10.0.0.1", 40_000, gate, key="the link")) for _ in range(10)
    ]
    await until(lambda: events == ["start shared"])
    assert len(queue) == 1  # one replay, counted once against the address's two
    pages[3].cancel()  # one page leaves; the others still get the run
    gate.gate.set()
    results = await asyncio.gather(*pages, return_exceptions=True)
    assert results[:3] + results[4:] == ["shared"] * 9
    assert isinstance(results[3], asyncio.CancelledError)
    assert events == ["start shared"]


async def test_pages_of_one_link_each_get_a_room_of_their_own(monkeypatch):
    calls = []
    real = replay_module.replay

    def counted(*args):
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(replay_module, "replay", counted)
    events: list[str] = []
    blocker = Gate("blocker", events)  # hold the heavy lane so the pages wait together
    busy = asyncio.create_task(replays().run("10.9.9.9", 40_000, blocker))
    await until(lambda: events == ["start blocker"])
    link = SINGLE + "&customers=500&log=" + "~".join(["20000.change_ip"] * 3)
    pages = [connect(link) for _ in range(3)]
    for communicator in pages:
        assert (await communicator.connect())[0]
        assert status(await communicator.receive_from(timeout=3)) == REPLAYING
    blocker.gate.set()
    await busy
    frames = [
        await receive_until(c, lambda f: "data-room" in f and status(f) is not None, limit=50)
        for c in pages
    ]
    assert calls == ["replayed"]  # replayed once for the three pages
    codes = [search(r'data-room="([^"]+)"', frame) for frame in frames]
    assert len(set(codes)) == 3
    rooms = [registry.rooms[code].room for code in codes]
    assert [room.log for room in rooms] == [["20000.change_ip"] * 3] * 3
    assert len({id(room.restaurants[0].sim) for room in rooms}) == 3  # nothing shared
    assert all(status(frame) == "Replayed the shared link: 3 steps." for frame in frames)
    for communicator in pages:
        await communicator.disconnect()


async def test_a_link_page_says_replaying_and_its_run_arrives_with_what_was_replayed(client):
    page = await get_off_loop(Client(), "/lab/", {"log": "5.change_ip"})
    assert REPLAYING in page.content.decode()
    communicator = connect(SINGLE + "&log=5.change_ip")
    assert (await communicator.connect())[0]
    assert status(await communicator.receive_from(timeout=3)) == REPLAYING
    frame = await receive_until(communicator, lambda f: status(f) is not None and "data-room" in f)
    assert status(frame) == "Replayed the shared link: 1 step."
    code = search(r'data-room="([^"]+)"', frame)
    assert registry.rooms[code].room.log == ["5.change_ip"]
    await communicator.disconnect()


async def test_a_reconnected_page_goes_back_to_its_run_without_waiting_for_a_replay(settings):
    settings.LAB_REPLAY_WAIT_SECONDS = 30
    first = connect(SINGLE)
    assert (await first.connect())[0]
    code = search(r'data-room="([^"]+)"', await first.receive_from(timeout=3))
    await send(first, action="pause")
    await receive_until(first, lambda f: status(f) is not None)
    await first.disconnect()

    events: list[str] = []
    blocker = Gate("blocker", events)  # the heavy lane is busy: a heavy link must wait
    busy = asyncio.create_task(replays().run("10.9.9.9", 40_000, blocker))
    await until(lambda: events == ["start blocker"])
    again = connect(SINGLE.replace("seed=7", "seed=8") + "&customers=500&log=" + HEAVY_LOG)
    assert (await again.connect())[0]
    assert status(await again.receive_from(timeout=3)) == REPLAYING
    await send(again, action="add_customers", count="1")
    frame = await receive_until(again, lambda f: status(f) is not None)
    assert status(frame) == f"Not done: {STILL_REPLAYING}"
    await send(again, action="reattach", room=code)
    frame = await receive_until(again, lambda f: status(f) is not None)
    assert status(frame) == "Reconnected: carrying on where you were."
    assert f'data-room="{code}"' in frame
    await until(lambda: len(replays()) == 1)  # the link gave up its place in the queue
    blocker.gate.set()
    await busy
    await again.disconnect()


def heavy_link_path() -> str:
    return (
        "/ws/lab/compare/?scenario=mobile_ip_change&left=source_ip&right=cookie_insert"
        f"&customers=500&log={HEAVY_LOG}"
    )


def ts_of_run(frame: str) -> int:
    return int(html.unescape(search(r'id="lab-frame"[^>]*data-ts="(\d+)"', frame)))


def wait_for_run(socket, seconds: float) -> str:
    """Read a lab socket until its run's snapshot arrives (the frame naming its room)."""
    deadline = time.monotonic() + seconds
    while True:
        frame = socket.recv(timeout=max(0.01, deadline - time.monotonic()))
        if 'data-room="lab-' in frame:
            return frame


@pytest.fixture
def server(tmp_path):
    # Six heavy replays run one after another, seconds each under coverage on a loaded
    # machine: the last could wait past the default 30 s and be turned away, which is the
    # wait bound's own test (above), not this one's. Here every link must get its run.
    env = server_env(tmp_path / "db.sqlite3", LAB_REPLAY_WAIT_SECONDS="600")
    prepare_database(env)
    running = Server(env).start()
    yield running
    running.stop()


def test_six_heavy_links_in_flight_do_not_hold_up_five_light_ones(server):
    """The issue's attack on a real daphne: heavy compare links (500 customers, 200 steps at
    request 20,000) cannot starve ordinary links, and none of them loses its handshake."""
    url = f"ws://127.0.0.1:{server.port}"

    def open_socket(path: str):
        # No keepalive pings: a heavy socket sits unread for minutes while the others are
        # checked, and its unanswered pings would close it (the light links' 2 s bound is
        # what checks that the server stays responsive).
        return ws_connect(
            url + path,
            origin=origin_for(url),
            max_size=2**23,
            open_timeout=5,
            ping_interval=None,
        )

    with contextlib.ExitStack() as sockets:
        heavy = [
            sockets.enter_context(open_socket(heavy_link_path() + f"&seed={i}")) for i in range(6)
        ]
        for socket in heavy:  # each accepted at once, told its link is replaying
            assert status(socket.recv(timeout=5)) == REPLAYING
        page = Browser().get(server.url + "/lab/?scenario=mobile_ip_change&log=5.change_ip")
        assert REPLAYING in page  # the page too answers at once
        light_opened = []
        for i in range(5):
            started = time.monotonic()
            with open_socket(f"{SINGLE}&seed={i}&log=5.change_ip") as socket:
                frame = wait_for_run(socket, 10)
                assert time.monotonic() - started < 2.0
                assert "Replayed the shared link: 1 step." in frame
                light_opened.append(ts_of_run(frame))
        heavy_opened = []
        for socket in heavy:
            frame = wait_for_run(socket, 120)
            assert "Replayed the shared link: 200 steps." in frame  # none was turned away
            heavy_opened.append(ts_of_run(frame))
        # The order of events: the light links all opened while most heavy ones still
        # waited their turn (heavy links replay one at a time, about a second each).
        assert sum(ts > max(light_opened) for ts in heavy_opened) >= 4, (
            light_opened,
            heavy_opened,
        )


async def test_a_replaying_page_cannot_take_a_run_open_in_another_window(settings):
    watching = connect(SINGLE)
    assert (await watching.connect())[0]
    code = search(r'data-room="([^"]+)"', await watching.receive_from(timeout=3))
    events: list[str] = []
    blocker = Gate("blocker", events)
    busy = asyncio.create_task(replays().run("10.9.9.9", 40_000, blocker))
    await until(lambda: events == ["start blocker"])
    waiting = connect(SINGLE + "&customers=500&log=" + HEAVY_LOG)
    assert (await waiting.connect())[0]
    assert status(await waiting.receive_from(timeout=3)) == REPLAYING
    await send(waiting, action="reattach", room=code)
    frame = await receive_until(waiting, lambda f: status(f) is not None)
    assert status(frame) == "Not done: That run is open in another window."
    await send(waiting, action="reattach", room="lab-nosuchrun1234")
    frame = await receive_until(waiting, lambda f: status(f) is not None)
    assert status(frame) == f"That run has ended. {REPLAYING}"
    blocker.gate.set()
    await busy
    # The heavy replay itself runs now: seconds under coverage on a loaded machine.
    frame = await receive_until(
        waiting, lambda f: "data-room" in f and status(f) is not None, wait=60
    )
    assert status(frame) == "Replayed the shared link: 200 steps."  # it still got its run
    await waiting.disconnect()
    await watching.disconnect()


async def test_a_lab_that_fails_to_open_says_so_instead_of_waiting_for_ever(monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "open_private_room", broken)
    communicator = connect(SINGLE + "&log=5.change_ip")
    assert (await communicator.connect())[0]
    assert status(await communicator.receive_from(timeout=3)) == REPLAYING
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    assert status(frame) == f"Not done: {COULD_NOT_OPEN}"
    assert "could not open a lab" in caplog.text
    await communicator.disconnect()
