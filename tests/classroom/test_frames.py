"""A class's frames applied to its pages by id give what a fresh render of the same state shows."""

from __future__ import annotations

import io
import re

import lxml.html
import pytest
from django.core.management import call_command

from lbteach.classroom.frames import ClassFrameRenderer
from lbteach.classroom.models import Classroom
from lbteach.classroom.room import STUDENT, TEACHER, ClassRoom
from lbteach.live.actions import Sender
from lbteach.live.commands import Command
from lbteach.quiz import bank
from tests.classroom.conftest import start_class
from tests.lab.test_frames import apply_frame

pytestmark = pytest.mark.django_db

TEACHER_SENDER = Sender(TEACHER)


def regions(frame: str) -> list[str]:
    return [el.get("id") for el in lxml.html.fragments_fromstring(frame) if el.get("id")]


def region_html(document, region: str) -> str:
    html = lxml.html.tostring(document.get_element_by_id(region), encoding="unicode")
    html = re.sub(r'data-ts="\d+"', 'data-ts=""', html)
    # Countdowns are drawn by the page's script from data-closes; the seconds left may differ.
    html = re.sub(r'(data-closes="\d+"[^>]*>)\d+ s<', r"\1<", html)
    return re.sub(r">\s+<", "><", html).strip()


def page(client, code: str, role: str):
    path = f"/class/{code}/teach/" if role == TEACHER else f"/class/{code}/projector/"
    response = client.get(path)
    assert response.status_code == 200
    return lxml.html.document_fromstring(response.content.decode())


def save(room: ClassRoom) -> None:
    Classroom.objects.filter(code=room.code).update(state=room.to_dict())


@pytest.mark.parametrize("role", [TEACHER, "projector"])
def test_frames_on_the_teacher_and_projector_pages_equal_a_fresh_render(role):
    call_command("load_questions", stdout=io.StringIO())
    teacher, code = start_class()
    room = ClassRoom(code)
    save(room)
    document = page(teacher, code, role)
    renderer = ClassFrameRenderer(room)
    question = next(q for q in bank.list_questions() if not q.is_flashcard)

    def student(number: int) -> Sender:
        return Sender(STUDENT, number)

    def right() -> str:
        assert room.quiz is not None, "no question is open"
        return room.quiz["correct"][0]

    steps = [
        lambda: room.seat(1, "Ana"),
        lambda: room.seat(2, "Ben"),
        lambda: room.apply(Command("add_to_cart", {}), student(1)),
        lambda: room.apply(Command("add_bots", {"count": 6}), TEACHER_SENDER),
        lambda: room.tick(),
        lambda: room.apply(Command("switch_network", {}), student(2)),
        lambda: room.apply(Command("crash_table", {"server": None}), TEACHER_SENDER),
        lambda: room.open_question(question, 30, 99),
        lambda: room.record_answer(99, 1, [right()], True),
        lambda: room.record_answer(99, 2, ["1" if right() != "1" else "2"], False),
        lambda: room.reveal(),
        lambda: room.set_leaderboard(True, False),
        lambda: room.tick(),
    ]
    for step in steps:
        step()
        apply_frame(document, renderer.render())
    save(room)
    fresh = page(teacher, code, role)
    snapshot_regions = regions(renderer.render(full=True))
    assert {"roster", "class-quiz", "metrics", "narration-list"} <= set(snapshot_regions)
    for region in snapshot_regions:
        assert region_html(document, region) == region_html(fresh, region), region
