"""Redis stops under a live class on two processes, then comes back: nothing needs a restart.

The test runs its own `redis-server` on a spare port (never the machine's own Redis), stops
it for twelve seconds under a class whose home is one daphne process and whose teacher
watches through the other, then starts it again on the same port.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error

import pytest
import redis
from websockets.exceptions import ConnectionClosed

from tests.browser.server import Browser, Server, free_port, prepare_database, server_env
from tests.classroom.test_scaleout import close_code, send, wait_for
from tests.conftest import require
from tests.text import search

pytestmark = pytest.mark.redis

OUTAGE_SECONDS = 12
BACK_WITHIN_SECONDS = 10


class RedisServer:
    """A redis-server of the test's own, keeping nothing on disk."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def class_on_two_processes(tmp_path):
    require(bool(shutil.which("redis-server")), "redis-server is not installed")
    own = RedisServer(free_port()).start()
    env = server_env(
        tmp_path / "db.sqlite3",
        REDIS_URL=own.url,
        LIVE_TICK_SECONDS="0.2",
        CLASS_HOME_STALE_SECONDS="2",
    )
    prepare_database(env)
    one, two = Server(env).start(), Server(env).start()
    yield own, one, two
    one.stop()
    two.stop()
    own.stop()


def open_screen(browser: Browser, server: Server, path: str, seconds: float):
    """Connect as a page does: on a 4012 refusal ("reconnecting"), try again shortly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock = browser.socket(server, path).__enter__()  # closed by the caller
        try:
            wait_for(sock, lambda f: 'id="floor"' in f, seconds=2)
            return sock
        except (ConnectionClosed, TimeoutError):
            sock.close()
            time.sleep(0.3)
    raise AssertionError(f"{path} did not come back within {seconds} s")


def test_a_class_rides_out_a_redis_outage_and_frames_flow_again(class_on_two_processes):
    own, one, two = class_on_two_processes
    teacher, ana = Browser(), Browser()
    teach_page = teacher.post(f"{one.url}/class/start/", {}, form_page=f"{one.url}/class/")
    code = search(r"/class/([A-Z0-9]{6})/teach/$", teach_page)
    ana.post(f"{one.url}/class/{code}/", {"nickname": "Ana"})
    screen_path = f"/ws/class/{code}/teacher/"

    with ana.socket(two, f"/ws/class/{code}/student/") as phone:  # two is the home
        wait_for(phone, lambda f: 'id="me"' in f)
        screen = open_screen(teacher, one, screen_path, 10)  # one relays to it
        send(screen, action="add_bots", count=3)
        wait_for(screen, lambda f: "4 customers" in f)

        own.stop()
        outage_started = time.monotonic()
        # Pages that only read the cache still answer: the join page, and a wrong code.
        assert "Ana" in ana.get(f"{one.url}/class/{code}/")
        with pytest.raises(urllib.error.HTTPError) as wrong_code:
            ana.get(f"{one.url}/class/ZZZZZZ/")
        assert wrong_code.value.code == 404
        wrong_code.value.close()
        # The relay hears no heartbeat and tells its viewer to reconnect (4012).
        assert close_code(screen) == 4012
        screen.close()
        # Reconnecting meanwhile is refused the same way, with a sentence for the page.
        with teacher.socket(one, screen_path) as refused:
            assert "reconnecting" in wait_for(refused, lambda f: "lab-status" in f)
            assert close_code(refused) == 4012
        # The home keeps its own viewers going all along.
        send(phone, action="add_to_cart")
        wait_for(phone, lambda f: 'id="me"' in f and "Added to your cart" in f)
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))

        own.start()
        back = time.monotonic()
        screen = open_screen(teacher, one, screen_path, BACK_WITHIN_SECONDS)
        # Frames made by the home reach the relay's viewer again, and commands the other way.
        send(phone, action="add_to_cart")
        wait_for(screen, lambda f: 'id="roster"' in f and "2 items at table" in f)
        send(screen, action="add_bots", count=2)
        wait_for(screen, lambda f: "6 customers" in f)
        assert time.monotonic() - back <= BACK_WITHIN_SECONDS
        screen.close()
