"""The lab's websocket consumer through the real router: every action, every bad input."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from lbteach.lab.actions import LAB_ACTIONS
from lbteach.lab.service import registry
from lbteach.live.actions import LAB as LAB_ROLE
from lbteach.live.broadcast import CLOSE_TOO_BIG
from tests.lab.conftest import (
    connect,
    metric,
    receive_until,
    send,
    seq,
    status,
    status_text,
    statuses,
)
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)

LAB = "/ws/lab/single/?scenario=mobile_ip_change&balancer=source_ip&seed=7&customers=0"


async def open_lab(path: str = LAB):
    communicator = connect(path)
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_from(timeout=3)
    return communicator, snapshot


async def test_connecting_sends_a_full_snapshot_and_an_abandoned_room_closes(monkeypatch):
    monkeypatch.setattr("django.conf.settings.LAB_REATTACH_SECONDS", 0.05)
    communicator, snapshot = await open_lab()
    assert 'id="lab-frame"' in snapshot
    for region in ("floor", "metrics", "host", "narration-list"):
        assert f'id="{region}"' in snapshot
    assert metric(snapshot, "cart_breaks") == "0"
    assert "<strong>Source IP hash</strong>" in snapshot
    code = search(r'data-room="([^"]+)"', snapshot)
    assert code in registry.rooms
    await communicator.disconnect()
    assert code in registry.rooms  # kept a moment for the page to come back
    await asyncio.sleep(0.2)
    assert code not in registry.rooms


async def test_a_cross_origin_page_cannot_connect():
    communicator = connect(LAB, origin=(b"origin", b"http://evil.example"))
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_every_action_is_carried_out_and_reported(monkeypatch):
    monkeypatch.setattr("django.conf.settings.LAB_COMMAND_BURST", 50)  # 17 commands in a row
    communicator, _ = await open_lab()
    await send(communicator, action="pause")
    assert "Paused" in await receive_until(communicator, lambda f: status(f) is not None)

    await send(communicator, action="add_customers", count="20")
    frame = await receive_until(communicator, lambda f: status(f) == "Added 20 customers.")
    await send(communicator, action="step")
    frame = await receive_until(communicator, lambda f: status(f) == "Routed one request.")

    steps: dict[str, tuple[dict[str, object], str]] = {
        "speed": ({"speed": 4}, "Speed 4: 5 requests per tick."),
        "resume": ({}, "Running."),
        "set_balancer": ({"balancer": "cookie_insert"}, "The host now uses Cookie insert."),
        "shared_sessions": ({"shared_sessions": "on"}, "Shared session store on."),
        "change_ip": ({}, "{mobile} mobile customers switched network and got a new IP address."),
        "clear_cookies": ({}, "20 customers cleared their cookies."),
        "expire_sessions": (
            {},
            "The sticky sessions of 20 customers expired "
            "(cookies, stick-table entries and learned sessions).",
        ),
        "add_table": ({}, "Table E joined (weight 1)."),
        "remove_table": ({"server": "A"}, "Table A is draining: it holds no carts and takes no "),
        "crash_table": ({"server": "B"}, "Table B crashed; carts live in the shared store, so "),
        "restore_table": ({"server": "B"}, "Table B is back up (it was down)."),
        "reset": ({}, "Reset: a fresh restaurant with the same seed."),
    }
    mobile = None
    for action, (fields, says) in steps.items():
        await send(communicator, action=action, **fields)
        frame = await receive_until(communicator, lambda f: status(f) is not None)
        said = status_text(frame)
        if action == "change_ip":  # how many are mobile is the preset's draw: read it once
            match = re.match(r"^(\d+) mobile", said)
            assert match is not None, said
            mobile = match[1]
            says = says.format(mobile=mobile)
        assert said.startswith(says), (action, said)
    assert mobile is not None
    assert int(mobile) > 0

    await send(communicator, action="snapshot")
    snapshot = await receive_until(communicator, lambda f: 'id="floor"' in f)
    assert "Table A" in snapshot
    await communicator.disconnect()
    # Every action a lab page may send, but the reconnect (tests/lab/test_runs.py).
    assert {"pause", "add_customers", "step", *steps, "snapshot"} == LAB_ACTIONS.names(LAB_ROLE) - {
        "reattach"
    }


async def test_events_change_the_restaurant_the_way_the_engine_says():
    communicator, _ = await open_lab()
    await send(communicator, action="pause")
    await send(communicator, action="add_table")
    frame = await receive_until(communicator, lambda f: 'id="table-E"' in f)
    assert 'id="table-E"' in frame
    await send(communicator, action="remove_table", server="E")
    frame = await receive_until(communicator, lambda f: 'data-state="draining"' in f)
    await send(communicator, action="crash_table", server="A")
    frame = await receive_until(communicator, lambda f: 'data-state="down"' in f)
    assert 'data-table="A" data-state="down"' in frame
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ("this is not json", "That message is not valid JSON."),
        (json.dumps({"action": "launch"}), "Unknown action 'launch'"),
        (json.dumps({"action": "add_customers", "count": 5000}), "5000 is out of range"),
        (json.dumps({"action": "set_balancer", "balancer": "magic"}), "Unknown balancer 'magic'"),
        (json.dumps({"action": "crash_table", "server": "Q"}), "Q"),
    ],
)
async def test_bad_messages_get_an_error_and_change_nothing(payload, says):
    communicator, _ = await open_lab()
    await send(communicator, action="pause")
    await send(communicator, action="add_customers", count=5)
    before = await receive_until(communicator, lambda f: status(f) == "Added 5 customers.")
    await communicator.send_to(text_data=payload)
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    assert status_text(frame).startswith("Not done:")
    assert says in status_text(frame)
    await send(communicator, action="snapshot")
    after = await receive_until(communicator, lambda f: 'id="floor"' in f)
    assert "5 customers" in after
    assert seq(after) == seq(before)  # nothing was pushed: the room did not change
    await communicator.disconnect()


async def test_binary_messages_are_refused_and_the_connection_stays():
    communicator, _ = await open_lab()
    await communicator.send_to(bytes_data=b"\x00\x01")
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    assert "JSON text, not binary" in status_text(frame)
    await send(communicator, action="pause")
    assert "Paused" in status_text(
        await receive_until(communicator, lambda f: status(f) is not None)
    )
    await communicator.disconnect()


async def test_an_oversized_message_gets_an_error_and_closes_with_4009():
    communicator, _ = await open_lab()
    await communicator.send_to(text_data=json.dumps({"action": "pause", "pad": "x" * 17000}))
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    assert "the limit is 16384" in status_text(frame)
    closed = await communicator.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_TOO_BIG}


async def test_commands_are_rate_limited_per_connection(monkeypatch):
    # A bucket that barely refills, so the count cannot depend on how fast this machine is.
    monkeypatch.setattr("django.conf.settings.LAB_COMMAND_RATE", 0.0001)
    communicator, _ = await open_lab()
    for _ in range(25):
        await send(communicator, action="pause")
    replies: list[str] = []
    while len(replies) < 25:
        replies += statuses(await communicator.receive_from(timeout=3))
    assert replies.count("Paused. Press Step to route one request at a time.") == 15
    assert replies.count("Not done: Too many commands at once: wait a moment and try again.") == 10
    await communicator.disconnect()


async def test_a_tampered_share_link_still_opens_with_a_message():
    communicator = connect(LAB + "&log=12.launch_missiles")
    connected, _ = await communicator.connect()
    assert connected
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    assert "cannot replay 'launch_missiles'" in status_text(frame)
    await communicator.disconnect()


async def test_a_reconnected_page_returns_to_its_own_run():
    first, _ = await open_lab()
    await send(first, action="pause")
    await send(first, action="add_customers", count=7)
    frame = await receive_until(first, lambda f: status(f) == "Added 7 customers.")
    code = search(r'data-room="([^"]+)"', frame)
    await first.disconnect()

    second, fresh = await open_lab()
    assert "0 customers" in fresh
    await send(second, action="reattach", room=code)
    back = await receive_until(second, lambda f: status(f) is not None)
    assert status(back) == "Reconnected: carrying on where you were."
    assert "7 customers" in back
    assert f'data-room="{code}"' in back

    third, _ = await open_lab()
    await send(third, action="reattach", room=code)
    taken = await receive_until(third, lambda f: status(f) is not None)
    assert status(taken) == "Not done: That run is open in another window."
    for payload, says in [
        ({"room": "lab-unknownroom1"}, "That run has ended; this is a fresh restaurant."),
        ({"room": "../../x"}, "Not done: That is not a room this page can return to."),
    ]:
        await send(third, action="reattach", **payload)
        assert status(await receive_until(third, lambda f: status(f) is not None)) == says
    await second.disconnect()
    await third.disconnect()
