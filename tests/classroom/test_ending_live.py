"""The live ending and the reloaded one agree: both come from the database."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from lbteach.classroom import home as home_module
from lbteach.lab.models import StoredReplay
from tests.classroom.conftest import join, start_class
from tests.classroom.test_consumers import card, connected, send
from tests.lab.conftest import receive_until, status
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_live_ending_counts_the_answer_a_reload_counts():
    await sync_to_async(call_command)("load_questions", stdout=io.StringIO())
    teacher, code = await sync_to_async(start_class)()
    ana = await sync_to_async(join)(code, "Ana")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    for _ in range(2):
        await send(phone, action="add_to_cart")
        await receive_until(phone, lambda f: "Added to your cart" in (status(f) or ""))
    seats = home_module.homes[code].room.seats
    (history,) = [seat.history for seat in seats.values()]
    await send(screen, action="push_question", question="ip-mobile-wifi-lte", seconds=60)
    await receive_until(phone, lambda f: "answer-form" in f)
    quiz = home_module.homes[code].room.quiz
    assert quiz is not None
    right = quiz["correct"][0]
    await send(phone, action="answer", choice=right)
    await receive_until(phone, lambda f: status(f) == "Answer received. Wait for the reveal.")
    await send(screen, action="end_class")
    live = await receive_until(phone, lambda f: "is-ended" in f)
    reloaded = (await sync_to_async(ana.get)(f"/class/{code}/")).content.decode()
    assert 'data-ending="score">1<' in live
    assert 'data-ending="score">1<' in reloaded
    assert "place 1" in live
    # Every seat the host gave her, as the room recorded them.
    assert [entry[1:4] for entry in history] == [["add_to_cart", "A", False]] * 2
    assert "Request 1: Add to cart → table A</span>" in live
    assert f"Request {history[1][0] + 1}: Add to cart → table A</span>" in reloaded
    # The replay link: the class's run stored in the lab, ending where the class stopped, Ana
    # circled.
    link = search(r'href="(/lab/\?[^"]+)">Replay this class in the lab', live).replace("&amp;", "&")
    assert link == search(r'href="(/lab/\?[^"]+)">Replay', reloaded).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["highlight"] == ["1"]
    setup, log = await sync_to_async(stored)(query["replay"][0])
    assert setup["seed"] == 42
    assert log[0] == "0.seat"
    assert log[-1].endswith(".until")
    page = (await sync_to_async(ana.get)(link)).content.decode()
    assert 'data-highlight="1"' in page
    assert "Customer <strong>1</strong> is you" in page
    await phone.disconnect()
    await screen.disconnect()


def stored(token: str) -> tuple[dict, list[str]]:
    row = StoredReplay.objects.get(token=token)
    return row.setup, row.log
