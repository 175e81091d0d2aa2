"""The class's actions: the lab's table, plus what students and the teacher can do in a class.

Declared once, like the lab's (`lbteach.lab.actions`): parsing, roles, and the effect. The
teacher drives the restaurant with the lab's actions; actions that must reach the database
(an answer, a question, the end of the class) run asynchronously on the class's home.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from channels.db import database_sync_to_async

from lbteach.classroom import quizrecords, students
from lbteach.lab.actions import (
    LAB_ACTIONS,
    STUDENT,
    TEACHER,
    Action,
    AsyncEffect,
    Effect,
    Params,
    Sender,
)
from lbteach.live.commands import MAX_ADD_CUSTOMERS, BadCommand, bool_field, int_field
from lbteach.quiz import bank
from lbteach.quiz.questions import QuestionData

if TYPE_CHECKING:
    from lbteach.lab.room import Room

QUIZ_SECONDS = (10, 120)
TEACHER_ONLY = frozenset({TEACHER})
STUDENT_ONLY = frozenset({STUDENT})
# What a phone's buttons do to its own customer.
STUDENT_ACTIONS = ("add_to_cart", "switch_network", "clear_my_cookies", "checkout")


def parse_answer(data: dict) -> Params:
    raw = data.get("choice")
    choices = raw if isinstance(raw, list) else [raw] if raw not in (None, "") else []
    if not choices or not all(isinstance(c, str) and 0 < len(c) <= 40 for c in choices):
        raise BadCommand("Pick an answer before sending it.")
    return {"choice": sorted(set(choices))}


def parse_push(data: dict) -> Params:
    key = data.get("question")
    if not isinstance(key, str) or not key or len(key) > 80:
        raise BadCommand("Choose a question from the bank.")
    return {"question": key, "seconds": int_field(data, "seconds", *QUIZ_SECONDS, default=30)}


def parse_add_bots(data: dict) -> Params:
    return {"count": int_field(data, "count", 1, MAX_ADD_CUSTOMERS, default=10)}


def parse_leaderboard(data: dict) -> Params:
    return {"show": bool_field(data, "show"), "names": bool_field(data, "names")}


class StudentSeat(Protocol):
    @property
    def broken(self) -> bool:
        """Whether the student's last request broke their cart."""


class StudentsRoom(Protocol):
    """What the class's actions need of a room (`lbteach.classroom.room.ClassRoom` is one):
    students' seats and buttons, and the quiz. Declared here so that the actions, which the
    room's table holds, need not import the room."""

    @property
    def seats(self) -> Mapping[int, StudentSeat]: ...

    @property
    def quiz(self) -> dict[str, Any] | None: ...

    def student_action(self, student: int | None, action: str) -> str: ...

    def open_question(self, question: QuestionData, seconds: int, record_id: int) -> str: ...

    def check_answer(self, student: int, choice: list[str]) -> tuple[int, bool, list[str]]: ...

    def record_answer(
        self, question: int, student: int, choice: list[str], correct: bool
    ) -> None: ...

    def reveal(self) -> str: ...

    def close_question(self) -> str: ...

    def set_leaderboard(self, show: bool, names: bool) -> str: ...


class Home(Protocol):
    """What the class's asynchronous actions need of the process that runs the room
    (`lbteach.classroom.home.ClassHome` is one): its code, its room, and ending the class."""

    @property
    def code(self) -> str: ...

    @property
    def room(self) -> StudentsRoom: ...

    async def end(self) -> None: ...


def _class_room(room: Room) -> StudentsRoom:
    """The room a class action runs on: only ClassRoom's table (`ClassRoom.actions`) holds the
    class's actions, and a room runs the actions of its own table."""
    return cast("StudentsRoom", room)


def _student_action(name: str) -> Effect:
    def run(room: Room, params: Params, sender: Sender) -> str:
        return _class_room(room).student_action(sender.student, name)

    return run


def _tally(name: str) -> AsyncEffect:
    async def keep(home: Home, params: Params, sender: Sender) -> str:
        """Count the student's cart break or checkout for the class's results page."""
        assert sender.student is not None
        broken = home.room.seats[sender.student].broken
        if broken or name == "checkout":
            await database_sync_to_async(students.count_action)(sender.student, name, broken)
        return ""

    return keep


async def answer(home: Home, params: Params, sender: Sender) -> str:
    """The database is the source of truth: an answer counts once it is stored there."""
    room = home.room
    student = sender.student
    assert student is not None
    question, correct, bank_keys = room.check_answer(student, params["choice"])
    stored = await database_sync_to_async(quizrecords.record_answer)(
        question, student, bank_keys, correct
    )
    if not stored:
        raise BadCommand("You already answered this question.")
    room.record_answer(question, student, params["choice"], correct)
    return "Answer received. Wait for the reveal."


async def push_question(home: Home, params: Params, sender: Sender) -> str:
    key, seconds = params["question"], params["seconds"]
    question = await database_sync_to_async(bank.get_question)(key)
    if question is None:
        raise BadCommand(f"There is no question {key[:40]!r} in the bank.")
    if question.is_flashcard:
        raise BadCommand("Flashcards have no options to vote on: choose another question.")
    record = await database_sync_to_async(quizrecords.record_question)(
        home.code, key, question.prompt, seconds
    )
    message = home.room.open_question(question, seconds, record)
    # The options in the order the class sees them, so the results show the same letters.
    await database_sync_to_async(quizrecords.record_layout)(record, home.room.quiz)
    return message


async def reveal_question(home: Home, params: Params, sender: Sender) -> str:
    message = home.room.reveal()
    assert home.room.quiz is not None
    await database_sync_to_async(quizrecords.mark_revealed)(home.room.quiz["id"])
    return message


async def end_class(home: Home, params: Params, sender: Sender) -> str:
    await home.end()
    return ""


def _close_question(room: Room, params: Params, sender: Sender) -> str:
    return _class_room(room).close_question()


def _leaderboard(room: Room, params: Params, sender: Sender) -> str:
    return _class_room(room).set_leaderboard(params["show"], params["names"])


CLASS_ACTIONS = LAB_ACTIONS.extended(
    [
        *(
            Action(name, STUDENT_ONLY, run=_student_action(name), keep=_tally(name))
            for name in STUDENT_ACTIONS
        ),
        Action("answer", STUDENT_ONLY, parse_answer, run_async=answer),
        Action(
            "add_bots",
            TEACHER_ONLY,
            parse_add_bots,
            lambda room, p, s: room.add_customers(p["count"], who="bot"),
        ),
        Action("push_question", TEACHER_ONLY, parse_push, run_async=push_question),
        Action("reveal_question", TEACHER_ONLY, run_async=reveal_question),
        Action(
            "close_question",
            TEACHER_ONLY,
            run=lambda room, p, s: _class_room(room).close_question(),
        ),
        Action("leaderboard", TEACHER_ONLY, parse_leaderboard, _leaderboard),
        Action("end_class", TEACHER_ONLY, run_async=end_class, pushes=False),
    ]
)
