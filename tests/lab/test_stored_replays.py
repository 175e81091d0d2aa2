"""A run kept server-side opens in the lab by its token: the page, its socket, and every way a
token can be wrong (a run deleted, a typo, a damaged row) opening the lab from the beginning."""

from __future__ import annotations

import html
import re

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from lbteach.lab import replaystore
from lbteach.lab.models import StoredReplay
from lbteach.lab.replayqueue import replay_cost
from lbteach.lab.replaystore import NOT_KEPT, UnknownReplay
from lbteach.lab.service import REPLAYING, registry
from lbteach.lab.sharelink import LabSetup, LogEntry
from lbteach.live.commands import BadCommand, Command
from tests.lab.conftest import connect, receive_until, status
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)

CLASS_SETUP = LabSetup("ecommerce_cart", ("cookie_insert",), seed=7, customers=0)
# Two students seated, five bots, the students' taps, and where the class stopped.
CLASS_LOG = [
    "0.seat",
    "0.seat",
    "0.add_customers.5",
    "0.cart.1",
    "1.cart.2",
    "9.newip.1",
    "9.cart.1",
    "12.crash_table.B",
    "12.pay.2",
    "30.until",
]
FROM_THE_START = "The run starts from the beginning instead."


@pytest.fixture(autouse=True)
def no_rooms_left():
    yield
    for code in list(registry.rooms):
        registry.discard(code)


def ws_url(page: str) -> str:
    return html.unescape(search(r'ws-connect="([^"]+)"', page))


def test_a_stored_run_gets_a_random_url_safe_token_and_loads_checked():
    tokens = {replaystore.store(CLASS_SETUP, CLASS_LOG) for _ in range(5)}
    assert len(tokens) == 5
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", token) for token in tokens)
    setup, entries = replaystore.load(tokens.pop())
    assert setup == CLASS_SETUP
    assert entries[:3] == [
        LogEntry(0, Command("seat", {})),
        LogEntry(0, Command("seat", {})),
        LogEntry(0, Command("add_customers", {"count": 5})),
    ]
    assert entries[-3] == LogEntry(12, Command("crash_table", {"server": "B"}))
    assert len(entries) == len(CLASS_LOG)


@pytest.mark.parametrize("kind", ["deleted", "mistyped", "not a token", "empty"])
def test_a_token_with_nothing_stored_under_it_is_not_kept(kind):
    token = replaystore.store(CLASS_SETUP, CLASS_LOG)
    wrong = {
        "deleted": token,
        "mistyped": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "not a token": "../../etc/passwd",
        "empty": "",
    }[kind]
    if kind == "deleted":
        assert replaystore.delete([token]) == 1
    with pytest.raises(UnknownReplay, match=re.escape(NOT_KEPT)):
        replaystore.load(wrong)
    with pytest.raises(UnknownReplay):
        replaystore.setup_of(wrong)


@pytest.mark.parametrize(
    ("setup", "log", "problem"),
    [
        (CLASS_SETUP.to_dict(), ["0.seat", "x.y"], "The stored replay's step 'x.y' is not valid."),
        (CLASS_SETUP.to_dict(), ["5.seat", "4.seat"], "step '4.seat' is not valid."),
        (CLASS_SETUP.to_dict(), ["0.reset"], "A shared link cannot replay 'reset'."),
        (CLASS_SETUP.to_dict(), "0.seat", "The stored replay's log is damaged."),
        ({"scenario": "no_such"}, [], "The stored replay's setup is damaged."),
        ({**CLASS_SETUP.to_dict(), "scenario": "no_such"}, [], "setup is damaged."),
        ({**CLASS_SETUP.to_dict(), "balancers": "abc"}, [], "setup is damaged."),
        ({**CLASS_SETUP.to_dict(), "customers": 10**6}, [], "setup is damaged."),
    ],
)
def test_a_damaged_stored_run_is_refused_before_anything_replays(setup, log, problem):
    token = replaystore.new_token()
    StoredReplay.objects.create(token=token, setup=setup, log=log)
    with pytest.raises(BadCommand, match=re.escape(problem)):
        replaystore.load(token)


def test_a_class_replay_costs_the_customers_its_log_seats():
    entries = replaystore.decode_stored(CLASS_LOG)
    # Redrawn before each step: 0, 1, 2 (then 5 bots walk in), 7 for the other seven steps.
    assert replay_cost(CLASS_SETUP, entries) == 30 + (0 + 1 + 2 + 7 * 7) // 4


def test_the_page_of_a_stored_run_shows_its_setup_and_opens_its_socket_on_the_token():
    token = replaystore.store(CLASS_SETUP, CLASS_LOG)
    response = Client().get("/lab/", {"replay": token, "highlight": "1", "seed": "99"})
    page = response.content.decode()
    assert response.status_code == 200
    assert REPLAYING in page
    assert 'data-highlight="1"' in page
    url = ws_url(page)
    assert url.startswith("/ws/lab/single/?scenario=ecommerce_cart&seed=7&balancer=cookie_insert")
    assert url.endswith(f"&replay={token}")
    assert "log=" not in url


@pytest.mark.parametrize("token", ["gone-gone-gone-gone-gon", "<script>", "x" * 5000])
def test_a_page_with_an_unknown_token_says_so_and_opens_the_lab_from_the_beginning(token):
    response = Client().get("/lab/", {"replay": token, "highlight": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{NOT_KEPT} {FROM_THE_START}" in html.unescape(page)
    assert "replay=" not in ws_url(page)
    assert REPLAYING not in page
    assert token not in html.unescape(page)  # nothing of it is echoed


async def test_the_socket_replays_the_stored_run_and_says_so():
    token = await sync_to_async(replaystore.store)(CLASS_SETUP, CLASS_LOG)
    communicator = connect(f"/ws/lab/single/?replay={token}")
    assert (await communicator.connect())[0]
    assert status(await communicator.receive_from(timeout=3)) == REPLAYING
    frame = await receive_until(communicator, lambda f: status(f) is not None and "data-room" in f)
    assert status(frame) == "Replayed the class: 10 steps."
    room = registry.rooms[search(r'data-room="([^"]+)"', frame)].room
    assert room.setup == CLASS_SETUP
    assert room.requests == 30
    assert room.customers == 7
    assert room.log[-1] == "30.until"
    await communicator.disconnect()


async def test_a_socket_whose_stored_run_went_meanwhile_opens_from_the_beginning():
    communicator = connect("/ws/lab/single/?replay=AAAAAAAAAAAAAAAAAAAAAA&seed=3")
    assert (await communicator.connect())[0]
    frame = await receive_until(communicator, lambda f: status(f) is not None and "data-room" in f)
    assert status(frame) == f"Not done: {NOT_KEPT} Started the run from the beginning instead."
    room = registry.rooms[search(r'data-room="([^"]+)"', frame)].room
    assert room.setup.seed == 3
    assert room.requests == 0
    await communicator.disconnect()
