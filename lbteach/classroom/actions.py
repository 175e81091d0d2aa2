"""The class's actions: the lab's table, plus what students and the teacher can do in a class.

Declared once, in the framework's table (`lbteach.live.actions`): parsing, roles, the effect,
the button's label and description; pages, plans and tests read them from `CLASS_ACTIONS`.
The teacher drives the restaurant with the lab's actions; actions that must reach the
database (an answer, a question, the end of the class) run asynchronously on the class's
home, which the table's one dispatcher (`ActionTable.dispatch`) is given as its `Host`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from channels.db import database_sync_to_async

from lbteach.classroom import quizrecords, students
from lbteach.lab.actions import LAB_ACTIONS
from lbteach.live.actions import (
    STUDENT,
    TEACHER,
    Action,
    AsyncEffect,
    Effect,
    Host,
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
# What a phone's buttons do to its own customer, in the phone's order: (action, label, what).
PHONE_BUTTONS = (
    ("add_to_cart", "Add to cart", "Ask the host for a table and add an item to your cart."),
    ("switch_network", "Switch network", "Your phone gets a new IP address, as on mobile data."),
    ("clear_my_cookies", "Clear cookies", "Your browser forgets its cookies, the host's too."),
    ("checkout", "Check out", "Pay for your cart at the table the host seats you at."),
)
STUDENT_ACTIONS = tuple(name for name, _, _ in PHONE_BUTTONS)


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


class Home(Host, Protocol):
    """What the class's table dispatches on, and its asynchronous actions need of the process
    that runs the room (`lbteach.classroom.home.ClassHome` is one): the framework's `Host`,
    the class's code, its room, and ending the class."""

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
            Action(
                name,
                STUDENT_ONLY,
                run=_student_action(name),
                keep=_tally(name),
                label=label,
                description=description,
            )
            for name, label, description in PHONE_BUTTONS
        ),
        Action(
            "answer",
            STUDENT_ONLY,
            parse_answer,
            run_async=answer,
            label="Send answer",
            description="Send your answer to the class question.",
        ),
        Action(
            "add_bots",
            TEACHER_ONLY,
            parse_add_bots,
            lambda room, p, s: room.add_customers(p["count"], who="bot"),
            label="Add bots",
            description="Bots join the restaurant beside the students, as extra customers.",
        ),
        Action(
            "push_question",
            TEACHER_ONLY,
            parse_push,
            run_async=push_question,
            label="Send to the class",
            description="Every phone shows the question until its time is up.",
        ),
        Action(
            "reveal_question",
            TEACHER_ONLY,
            run_async=reveal_question,
            label="Reveal answer",
            description="Show the right answer and why, on the projector and every phone.",
        ),
        Action(
            "close_question",
            TEACHER_ONLY,
            run=_close_question,
            label="Close question",
            description="Take the question off the projector and the phones.",
        ),
        Action(
            "leaderboard",
            TEACHER_ONLY,
            parse_leaderboard,
            _leaderboard,
            label="Show leaderboard",
            description="Show the quiz scores on the projector, with or without names.",
        ),
        Action(
            "end_class",
            TEACHER_ONLY,
            run_async=end_class,
            pushes=False,
            label="End class",
            description="Every screen turns into its ending; nobody can join again.",
        ),
    ]
)
