"""One push of a class's room: the engine's view is built once, for every screen it renders."""

from __future__ import annotations

import asyncio

import pytest

from lbteach.classroom.home import ClassHome
from lbteach.classroom.room import ClassRoom
from lbteach.live.broadcast import Viewer
from lbteach.quiz.questions import OptionData, QuestionData
from lbteach.sim import Simulation

QUESTION = QuestionData(
    key="q",
    kind="single",
    topic="t",
    prompt="Which?",
    explanation="Because.",
    options=(
        OptionData(key="a", text="This", correct=True, explanation="Yes."),
        OptionData(key="b", text="That", correct=False, explanation="No."),
    ),
)


@pytest.fixture
def counted_views(monkeypatch):
    """How many times `Simulation.view` has been called (it still answers as before)."""
    calls = []
    real = Simulation.view

    def view(sim: Simulation, lean: bool = False) -> dict:
        calls.append(sim)
        return real(sim, lean)

    monkeypatch.setattr(Simulation, "view", view)
    return calls


async def test_a_push_builds_the_engines_view_once_for_the_frame_and_every_phone(counted_views):
    room = ClassRoom("PUSHES")
    for student, nickname in enumerate(("Ana", "Ben", "Cy"), start=1):
        room.seat(student, nickname)
    room.student_action(1, "add_to_cart")
    room.open_question(QUESTION, 30, record_id=1)
    home = ClassHome(room.code, room, channel="test.home")
    screen, phone = Viewer(send=_ignore), Viewer(send=_ignore)
    home.live.join(screen)
    home.phones[1] = {phone}
    await asyncio.sleep(0)  # the screen is sent its first snapshot: it is up to date
    counted_views.clear()

    home.live.push()

    assert len(counted_views) == 1
    # The push did render the projector's frame and every phone's card from that view.
    assert sorted(home.cards) == [1, 2, 3]
    assert 'id="roster"' in home.outbox.get_nowait()["frame"]
    for student in (1, 2, 3):
        assert home.outbox.get_nowait()["student"] == student


async def _ignore(frame: str) -> None:
    pass
