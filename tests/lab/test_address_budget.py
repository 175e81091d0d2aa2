"""One command budget per client address for the lab, whatever its number of sockets, and,
with Redis, whatever its number of processes."""

from __future__ import annotations

import contextlib
import json

import pytest
import redis
from websockets.sync.client import connect as ws_connect

from lbteach.lab.service import registry
from lbteach.live import ratelimit
from lbteach.live.consumers import TOO_MANY, client_address
from tests.browser.server import origin_for
from tests.lab.conftest import connect, receive_until, send, status
from tests.processes import two_redis_processes

LAB = "/ws/lab/single/?scenario=mobile_ip_change&balancer=source_ip&seed=7&customers=20"
ADDED = "Added 1 customer."
REFUSED = f"Not done: {TOO_MANY}"


@pytest.fixture(autouse=True)
def no_rooms_left():
    yield
    for code in list(registry.rooms):
        registry.discard(code)


async def lab_from(address: str):
    communicator = connect(LAB)
    communicator.scope["client"] = (address, 50000)
    assert (await communicator.connect())[0]
    await communicator.receive_from(timeout=5)
    return communicator


async def press(communicator, times: int) -> list[str]:
    said = []
    for _ in range(times):
        await send(communicator, action="add_customers", count="1")
        frame = await receive_until(communicator, lambda f: status(f) is not None)
        said.append(status(frame) or "")
    return said


@pytest.mark.django_db(transaction=True)
async def test_all_the_sockets_of_one_address_share_one_budget(settings):
    settings.LAB_ADDRESS_COMMAND_BURST = 12
    settings.LAB_ADDRESS_COMMAND_RATE = 0  # no refill during the test: exact counts
    mine = [await lab_from("10.0.0.1") for _ in range(3)]
    said = [line for communicator in mine for line in await press(communicator, 5)]
    # Each socket alone could send 15 at once (LAB_COMMAND_BURST); together they get 12.
    assert said.count(ADDED) == 12
    assert said.count(REFUSED) == 3
    other = await lab_from("10.0.0.2")  # another address has its own budget
    assert await press(other, 5) == [ADDED] * 5
    for communicator in [*mine, other]:
        await communicator.disconnect()


async def test_without_redis_the_budget_degrades_to_each_connections_own(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    assert await ratelimit.address_allows("10.0.0.1") is True
    assert "could not count commands in Redis (lab-commands)" in caplog.text


def commands_accepted(socket, times: int) -> list[str]:
    said = []
    for _ in range(times):
        socket.send(json.dumps({"action": "add_customers", "count": "1"}))
        while True:
            line = status(socket.recv(timeout=10))
            if line is not None:
                said.append(line)
                break
    return said


@pytest.fixture
def two_processes(tmp_path, redis_url):
    with two_redis_processes(
        tmp_path, redis_url, LAB_ADDRESS_COMMAND_BURST="40", LAB_ADDRESS_COMMAND_RATE="0"
    ) as processes:
        yield processes


@pytest.mark.redis
def test_ten_sockets_on_each_of_two_processes_share_one_budget(two_processes, redis_url):
    one, two, prefix = two_processes
    with contextlib.ExitStack() as stack:
        sockets = []
        for server in (one, two):
            url = f"ws://127.0.0.1:{server.port}"
            for _ in range(10):
                socket = stack.enter_context(
                    ws_connect(url + LAB, origin=origin_for(url), max_size=2**22, open_timeout=10)
                )
                socket.recv(timeout=10)  # its snapshot
                sockets.append(socket)
        said = [line for socket in sockets for line in commands_accepted(socket, 5)]
    # 100 commands from one address over 20 sockets in two processes: the address's 40, not
    # 20 x 5 (each socket's own burst of 15 would have let every one through).
    assert said.count(ADDED) == 40
    assert said.count(REFUSED) == 60
    assert redis.Redis.from_url(redis_url).exists(f"{prefix}:1:lab-commands:127.0.0.1")


@pytest.mark.parametrize(
    ("client", "counted_as"),
    [
        (("203.0.113.7", 5000), "203.0.113.7"),
        (("2001:db8:1:2:aaaa::1", 5000), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:bbbb::9", 5000), "2001:db8:1:2::/64"),  # the same home
        (("::ffff:203.0.113.7", 5000), "203.0.113.7"),
        (None, "unknown"),
    ],
)
def test_a_client_is_counted_by_its_address_and_an_ipv6_one_by_its_64(client, counted_as):
    assert client_address({"client": client}) == counted_as
