"""A class's room: the lab's restaurant plus students who are customers and a live quiz.

Like the lab's Room it is plain synchronous state; who may send which command is decided
here by role, and the async home/relay machinery in `lbteach.classroom.live` drives it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from lbteach.lab.commands import (
    MAX_ADD_CUSTOMERS,
    PARSERS,
    BadCommand,
    Command,
    int_field,
    parse_command,
)
from lbteach.lab.room import LabSetup, Room

TEACHER, PROJECTOR, STUDENT = "teacher", "projector", "student"
CLASS_PRESET = "ecommerce_cart"
CLASS_BALANCER = "cookie_insert"
QUIZ_SECONDS = (10, 120)
STUDENT_ACTIONS = frozenset({"add_to_cart", "switch_network", "clear_cookies", "checkout"})
TEACHER_EXTRA = frozenset(
    {"add_bots", "push_question", "reveal_question", "close_question", "leaderboard", "end_class"}
)
TEACHER_ACTIONS = frozenset(PARSERS) | TEACHER_EXTRA
ALLOWED = {
    TEACHER: TEACHER_ACTIONS,
    PROJECTOR: frozenset({"snapshot"}),
    STUDENT: STUDENT_ACTIONS | {"answer", "snapshot"},
}


def parse_answer(data: dict) -> dict:
    raw = data.get("choice")
    choices = raw if isinstance(raw, list) else [raw] if raw not in (None, "") else []
    if not choices or not all(isinstance(c, str) and 0 < len(c) <= 40 for c in choices):
        raise BadCommand("Pick an answer before sending it.")
    return {"choice": sorted(set(choices))}


def parse_push(data: dict) -> dict:
    key = data.get("question")
    if not isinstance(key, str) or not key or len(key) > 80:
        raise BadCommand("Choose a question from the bank.")
    return {
        "question": key,
        "seconds": int_field(data, "seconds", *QUIZ_SECONDS, default=30),
    }


def parse_add_bots(data: dict) -> dict:
    return {"count": int_field(data, "count", 1, MAX_ADD_CUSTOMERS, default=10)}


def parse_leaderboard(data: dict) -> dict:
    show = str(data.get("show", "")).lower() in {"on", "true", "1"}
    names = str(data.get("names", "")).lower() in {"on", "true", "1"}
    return {"show": show, "names": names}


CLASS_PARSERS = {
    **PARSERS,
    **{action: (lambda data: {}) for action in STUDENT_ACTIONS},
    "answer": parse_answer,
    "push_question": parse_push,
    "reveal_question": lambda data: {},
    "close_question": lambda data: {},
    "end_class": lambda data: {},
    "add_bots": parse_add_bots,
    "leaderboard": parse_leaderboard,
}


@dataclass
class Seat:
    """A student in the room: their nickname, their customer, the last thing they were told."""

    nickname: str
    customer: int
    note: str = "You are in the restaurant. Add something to your cart."
    broken: bool = False


class ClassRoom(Room):
    shareable = False

    def __init__(self, code: str, seed: int = 42) -> None:
        setup = LabSetup(CLASS_PRESET, (CLASS_BALANCER,), seed=seed, customers=0)
        super().__init__(code, setup)
        self._init_class()

    def _init_class(self) -> None:
        self.seats: dict[int, Seat] = {}
        self.quiz: dict | None = None
        self.scores: dict[int, int] = {}
        self.show_leaderboard = False
        self.leaderboard_names = False
        self.ended = False

    @property
    def sim(self):
        return self.restaurants[0].sim

    # -- students ---------------------------------------------------------------------------
    def seat(self, student: int, nickname: str, customer: int | None) -> int:
        """Make sure a student has a customer; returns its id (new ones get one)."""
        if student in self.seats:
            return self.seats[student].customer
        if customer is None:
            customer = self.sim.add_clients(1, auto=False)[0]
            self.restaurants[0].narrate(f"{nickname} joined the class as customer {customer}.")
        self.seats[student] = Seat(nickname, customer)
        return customer

    def student_action(self, student: int, action: str) -> str:
        seat = self.seats.get(student)
        if seat is None:
            raise BadCommand("You are not in this class yet: enter a nickname first.")
        sim = self.sim
        if action in ("add_to_cart", "checkout"):
            decision = sim.request(seat.customer, action)
            self.restaurants[0].recent = [decision]
            self.restaurants[0].last_decision = decision
            if decision.story:
                self.restaurants[0].narrate(f"{seat.nickname}: {decision.story}")
            seat.broken = decision.cart_broken
            seat.note = student_note(decision)
        else:
            outcome = sim.client_event(
                seat.customer, "change_ip" if action == "switch_network" else "clear_cookies"
            )
            seat.broken = False
            seat.note = (
                "Your phone switched network and got a new IP address. Add to your cart to see "
                "where the host seats you now."
                if action == "switch_network"
                else "You cleared your cookies. Add to your cart to see where the host seats "
                "you now."
            )
            self.restaurants[0].narrate(f"{seat.nickname}: {outcome.summary}")
        return seat.note

    # -- the class quiz ---------------------------------------------------------------------
    def open_question(self, question, seconds: int, record_id: int, now_ms: int) -> str:
        if question.is_flashcard:
            raise BadCommand("Flashcards have no options to vote on: choose another question.")
        # Shuffled and numbered 1..n: neither the bank's keys nor its order hint at the answer.
        options = list(question.options)
        secrets.SystemRandom().shuffle(options)
        numbered = {str(n): option for n, option in enumerate(options, start=1)}
        self.quiz = {
            "id": record_id,
            "key": question.key,
            "kind": question.kind,
            "prompt": question.prompt,
            "options": [{"key": n, "text": o.text} for n, o in numbered.items()],
            "bank_keys": {n: o.key for n, o in numbered.items()},
            "correct": [n for n, o in numbered.items() if o.correct],
            "explanation": question.explanation,
            "option_explanations": {n: o.explanation for n, o in numbered.items()},
            "opened": now_ms,
            "closes": now_ms + seconds * 1000,
            "revealed": False,
            "answers": {},
        }
        return f"Question sent to the class: {seconds} seconds to answer."

    def answer(self, student: int, choice: list[str], now_ms: int) -> bool:
        """Record a student's answer; returns whether it is correct."""
        quiz = self.quiz
        if quiz is None or quiz["revealed"]:
            raise BadCommand("There is no open question right now.")
        if now_ms > quiz["closes"]:
            raise BadCommand("Time is up for this question.")
        if str(student) in quiz["answers"]:
            raise BadCommand("You already answered this question.")
        keys = {o["key"] for o in quiz["options"]}
        if not set(choice) <= keys:
            raise BadCommand("That answer is not one of this question's options.")
        if quiz["kind"] != "multiple" and len(choice) != 1:
            raise BadCommand("Pick exactly one answer.")
        correct = sorted(choice) == sorted(quiz["correct"])
        quiz["answers"][str(student)] = {"choice": choice, "correct": correct}
        if correct:
            self.scores[student] = self.scores.get(student, 0) + 1
        return correct

    def reveal(self) -> str:
        if self.quiz is None:
            raise BadCommand("There is no question to reveal.")
        self.quiz["revealed"] = True
        right = sum(1 for a in self.quiz["answers"].values() if a["correct"])
        return f"Answer revealed: {right} of {len(self.quiz['answers'])} got it right."

    def close_question(self) -> str:
        self.quiz = None
        return "Question closed."

    # -- saving -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = super().to_dict()
        data["class"] = {
            "seats": {
                str(k): [s.nickname, s.customer, s.note, s.broken] for k, s in self.seats.items()
            },
            "quiz": self.quiz,
            "scores": {str(k): v for k, v in self.scores.items()},
            "show_leaderboard": self.show_leaderboard,
            "leaderboard_names": self.leaderboard_names,
            "ended": self.ended,
        }
        return data

    def after_restore(self, data: dict) -> None:
        self._init_class()
        saved = data.get("class", {})
        self.seats = {int(k): Seat(*v) for k, v in saved.get("seats", {}).items()}
        self.quiz = saved.get("quiz")
        self.scores = {int(k): v for k, v in saved.get("scores", {}).items()}
        self.show_leaderboard = saved.get("show_leaderboard", False)
        self.leaderboard_names = saved.get("leaderboard_names", False)
        self.ended = saved.get("ended", False)


def student_note(decision) -> str:
    """What a student's phone says about their own request, in plain words."""
    table = decision.server
    if decision.cart_broken:
        then = (
            "You checked out an empty cart."
            if decision.action == "checkout"
            else f"Table {table} starts you a new cart; the old one stays stranded."
        )
        return (
            f"Your cart broke! The host seated you at table {table}, but your cart is at table "
            f"{decision.carts_stranded_at}. Why: {decision.reason}. {then}"
        )
    if decision.action == "checkout":
        return f"You checked out at table {table}. Why this table: {decision.reason}."
    items = decision.cart_items
    return (
        f"Added to your cart at table {table}: {items} item{'s' if items != 1 else ''} now. "
        f"Why this table: {decision.reason}."
    )


def now_ms() -> int:
    return int(time.time() * 1000)


def parse_class_command(text: str | None, role: str) -> Command:
    """A checked command for this role, or BadCommand (an action the role lacks is unknown)."""
    return parse_command(text, allowed=ALLOWED[role], parsers=CLASS_PARSERS)
