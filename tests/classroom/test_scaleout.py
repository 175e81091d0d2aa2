"""Two daphne processes share rooms through Redis: frames and commands cross both ways.

Needs a real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/0); skips without one on
a laptop and fails without one under CI.
"""

from __future__ import annotations

import json
import time

import pytest
import redis
from websockets.exceptions import ConnectionClosed

from tests.browser.server import Browser, Server, prepare_database, server_env
from tests.conftest import REDIS_URL
from tests.text import search

pytestmark = pytest.mark.redis


def wait_for(socket, predicate, seconds: float = 15.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frame = socket.recv(timeout=max(0.1, deadline - time.monotonic()))
        if predicate(frame):
            return frame
    raise AssertionError("no matching frame in time")


def close_code(socket) -> int:
    """Read until the server closes the socket; the code it closed with."""
    try:
        while True:
            socket.recv(timeout=15)
    except ConnectionClosed as closed:
        received = closed.rcvd
    assert received is not None, "the connection dropped without a close frame"
    return received.code


def send(socket, **fields) -> None:
    socket.send(json.dumps(fields))


@pytest.fixture
def two_processes(tmp_path, redis_url):
    env = server_env(
        tmp_path / "db.sqlite3",
        REDIS_URL=redis_url,
        LIVE_TICK_SECONDS="0.2",
        CLASS_HOME_STALE_SECONDS="4",
    )
    prepare_database(env)
    first, second = Server(env).start(), Server(env).start()
    yield first, second
    first.stop()
    second.stop()


def test_frames_and_commands_cross_between_two_processes(two_processes):
    one, two = two_processes
    teacher, ana, ben = Browser(), Browser(), Browser()
    teach_page = teacher.post(f"{one.url}/class/start/", {}, form_page=f"{one.url}/class/")
    code = search(r"/class/([A-Z0-9]{6})/teach/$", teach_page)
    ana.post(f"{two.url}/class/{code}/", {"nickname": "Ana"})
    ben.post(f"{one.url}/class/{code}/", {"nickname": "Ben"})

    # Ana's phone reaches process two first, so two becomes the room's home.
    with ana.socket(two, f"/ws/class/{code}/student/") as ana_phone:
        wait_for(ana_phone, lambda f: 'id="me"' in f and "Ana" in f)
        with (
            teacher.socket(one, f"/ws/class/{code}/teacher/") as screen,
            ben.socket(one, f"/ws/class/{code}/student/") as ben_phone,
        ):
            wait_for(screen, lambda f: 'id="floor"' in f)
            wait_for(ben_phone, lambda f: 'id="me"' in f and "Ben" in f)

            # Process one keeps ONE relay channel for the room, whatever its viewer count.
            members = redis.Redis.from_url(REDIS_URL).zrange(f"asgi:group:room_{code}", 0, -1)
            assert len(members) == 1

            # A command from process one runs in the home (two); its frame comes back to one.
            send(screen, action="add_bots", count=12)
            wait_for(screen, lambda f: "14 customers" in f)

            # A student's command in the home shows on the teacher's screen in process one.
            send(ana_phone, action="add_to_cart")
            wait_for(ana_phone, lambda f: "Added to your cart" in f)
            wait_for(screen, lambda f: 'id="roster"' in f and "1 item at table" in f)

            # A student on process one: command to the home, their card back again.
            send(ben_phone, action="add_to_cart")
            card = wait_for(ben_phone, lambda f: 'id="me"' in f and "Added to your cart" in f)
            assert "Ben" in card


def test_when_the_home_process_dies_another_takes_the_room_over(two_processes):
    one, two = two_processes
    teacher, ana = Browser(), Browser()
    teach_page = teacher.post(f"{one.url}/class/start/", {}, form_page=f"{one.url}/class/")
    code = search(r"/class/([A-Z0-9]{6})/teach/$", teach_page)
    ana.post(f"{one.url}/class/{code}/", {"nickname": "Ana"})

    with ana.socket(two, f"/ws/class/{code}/student/") as phone:  # two becomes the home
        wait_for(phone, lambda f: 'id="me"' in f)
        for _ in range(2):
            send(phone, action="add_to_cart")
            wait_for(phone, lambda f: "Added to your cart" in f)
        time.sleep(1.5)  # the home saves what changed every second
        with teacher.socket(one, f"/ws/class/{code}/teacher/") as screen:
            wait_for(screen, lambda f: "2 items at table" in f)
            two.process.kill()  # the home process dies without a word
            two.process.wait(timeout=10)
            # One's relay hears no heartbeat, closes its viewers so they reconnect...
            assert close_code(screen) == 4012
    # ...and reconnecting to one restores the room there, carts and all.
    with teacher.socket(one, f"/ws/class/{code}/teacher/") as screen:
        wait_for(screen, lambda f: 'id="roster"' in f and "2 items at table" in f)
    with ana.socket(one, f"/ws/class/{code}/student/") as phone:
        card = wait_for(phone, lambda f: 'id="me"' in f)
        assert "2 items" in card


def test_ending_a_class_reaches_every_screen_on_both_processes(two_processes):
    one, two = two_processes
    teacher, ana, ben = Browser(), Browser(), Browser()
    teach_page = teacher.post(f"{one.url}/class/start/", {}, form_page=f"{one.url}/class/")
    code = search(r"/class/([A-Z0-9]{6})/teach/$", teach_page)
    ana.post(f"{two.url}/class/{code}/", {"nickname": "Ana"})
    ben.post(f"{one.url}/class/{code}/", {"nickname": "Ben"})
    with ana.socket(two, f"/ws/class/{code}/student/") as ana_phone:  # two is the home
        wait_for(ana_phone, lambda f: 'id="me"' in f)
        with (
            teacher.socket(one, f"/ws/class/{code}/teacher/") as screen,
            teacher.socket(one, f"/ws/class/{code}/projector/") as projector,
            ben.socket(one, f"/ws/class/{code}/student/") as ben_phone,
        ):
            wait_for(screen, lambda f: 'id="floor"' in f)
            wait_for(ben_phone, lambda f: 'id="me"' in f and "Ben" in f)
            send(ben_phone, action="checkout")
            wait_for(ben_phone, lambda f: "You checked out" in f)
            send(screen, action="end_class")  # relayed to the home on process two
            # Each screen gets its own ending, through process one's relay or at home.
            mine = wait_for(ben_phone, lambda f: "is-ended" in f)
            assert 'data-ending="checkouts">1<' in mine
            assert "Ben" in mine
            assert "Ana" in wait_for(ana_phone, lambda f: "is-ended" in f)
            assert f"Class {code} has ended" in wait_for(projector, lambda f: "is-ended" in f)
            assert f'data-go="/class/{code}/results/"' in wait_for(
                screen, lambda f: "is-ended" in f
            )
            for socket in (ben_phone, screen, projector):
                assert close_code(socket) == 1000
        assert close_code(ana_phone) == 1000
