"""A class under floods and odd input: budgets per person, frames per tick, clean refusals."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from asgiref.sync import sync_to_async

from lbteach.live.ratelimit import people
from tests.classroom.conftest import join, socket, start_class
from tests.classroom.test_consumers import card, connected, send
from tests.lab.conftest import receive_until, status, status_text

pytestmark = pytest.mark.django_db(transaction=True)
STATUS = re.compile(r'id="lab-status"[^>]*>(?:<strong>Not done:</strong> )?([^<]*)')


@pytest.fixture(autouse=True)
def fresh_budgets():
    people.buckets.clear()


async def test_a_student_with_many_sockets_shares_one_budget(settings):
    settings.LAB_COMMAND_RATE, settings.LAB_COMMAND_BURST = 1, 10
    _teacher, code = await sync_to_async(start_class)()
    ana = await sync_to_async(join)(code, "Ana")
    phones = [await connected(ana, code, "student") for _ in range(5)]
    for phone in phones:
        await receive_until(phone, card)
    for _ in range(6):  # 30 commands at once over five sockets
        for phone in phones:
            await send(phone, action="add_to_cart")
    said: list[str] = []
    for phone in phones:
        while not await phone.receive_nothing(timeout=0.5):
            said.extend(re.findall(STATUS, await phone.receive_from()))
    refused = [s for s in said if s.startswith("Too many commands")]
    done = [s for s in said if s.startswith(("Added to your cart", "Your cart broke"))]
    assert len(done) + len(refused) == 30
    assert 10 <= len(done) <= 12  # the burst, and what a second or two of trickle adds
    for phone in phones:
        await phone.disconnect()


async def test_the_teacher_screen_gets_at_most_one_frame_per_tick_however_busy_the_class(
    settings,
):
    settings.LIVE_TICK_SECONDS = 0.5
    teacher, code = await sync_to_async(start_class)()
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    students = [await sync_to_async(join)(code, f"S{n}") for n in range(8)]
    phones = [await connected(s, code, "student") for s in students]
    for phone in phones:
        await receive_until(phone, card)
    while not await screen.receive_nothing(timeout=0.6):
        await screen.receive_from()
    started = time.monotonic()
    for _ in range(3):
        for phone in phones:
            await send(phone, action="add_to_cart")
        await asyncio.sleep(0.1)
    seqs = []
    while time.monotonic() - started < 1.6:
        if await screen.receive_nothing(timeout=0.1):
            continue
        frame = await screen.receive_from()
        seqs += [int(n) for n in re.findall(r'id="lab-frame"[^>]*data-seq="(\d+)"', frame)]
    elapsed = time.monotonic() - started
    # 24 commands in 0.3 s; frames come at most once per 0.5 s tick (plus the first at once).
    assert 1 <= len(set(seqs)) <= elapsed / 0.5 + 1
    for phone in (*phones, screen):
        await phone.disconnect()


async def test_deep_json_and_unknown_actions_get_an_answer_and_the_socket_stays_open():
    teacher, code = await sync_to_async(start_class)()
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    for text, says in [
        ("[" * 3000 + "]" * 3000, "That message nests deeper than 20 levels."),
        (json.dumps({"action": "reattach", "room": "lab-abcdefgh"}), "Unknown action 'reattach'"),
    ]:
        await screen.send_to(text_data=text)
        frame = await receive_until(screen, lambda f: status(f) is not None)
        assert says in status_text(frame)
    await send(screen, action="add_bots", count=2)
    frame = await receive_until(screen, lambda f: status(f) is not None)
    assert status(frame) == "Added 2 bots."
    await screen.disconnect()


async def test_an_unknown_websocket_path_is_refused_cleanly():
    teacher, code = await sync_to_async(start_class)()
    for path in ("/ws/nothing/", f"/ws/class/{code}/janitor/", "/ws/lab/triple/"):
        communicator = socket(teacher, code, "teacher")
        communicator.scope["path"] = path
        assert await communicator.connect() == (True, None)
        assert await communicator.receive_output() == {"type": "websocket.close", "code": 4404}
