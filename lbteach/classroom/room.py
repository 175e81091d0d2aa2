"""A class's room: the lab's restaurant plus students who are customers and a live quiz.

Like the lab's Room it is plain synchronous state; what each command does is declared in
`lbteach.classroom.actions`, and the class's home (`lbteach.classroom.home`) drives it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from lbteach.classroom.actions import CLASS_ACTIONS
from lbteach.lab.actions import LAB_ACTIONS
from lbteach.lab.room import LAB_SENDER, Room
from lbteach.lab.sharelink import LabSetup, log_entry
from lbteach.live.actions import PROJECTOR, STUDENT, TEACHER, Sender
from lbteach.live.commands import SPEEDS, BadCommand, Command
from lbteach.quiz.questions import QuestionData
from lbteach.sim import Decision, Simulation
from lbteach.sim.words import count

__all__ = ["PROJECTOR", "STUDENT", "TEACHER", "ClassRoom", "Seat"]

CLASS_PRESET = "ecommerce_cart"
CLASS_BALANCER = "cookie_insert"
ENDED = "This class has ended."
# The buttons that can close a table under its customers' carts.
TABLE_CLOSERS = frozenset({"crash_table", "remove_table"})
# What a phone's button is in the lab's replay log (`lbteach.lab.actions.CUSTOMER_REPLAYS`).
REPLAYED_AS = {
    "add_to_cart": "cart",
    "checkout": "pay",
    "switch_network": "newip",
    "clear_my_cookies": "nocookie",
}


# Seats a student's history keeps (the newest), for their ending: where the host sat them.
SEAT_HISTORY = 40

# A class's replay records its whole run, within bounds no real class reaches: the longest
# lesson a class is for (a double period), a full class (CLASS_MAX_STUDENTS) each tapping
# once a minute all lesson long, and the restaurant at full speed every tick of it. Past
# either bound the recording stops and the ending says the class has no replay.
LESSON_SECONDS = 90 * 60
STUDENT_TAP_SECONDS = 60
CLASS_REPLAY_STEPS = settings.CLASS_MAX_STUDENTS * (LESSON_SECONDS // STUDENT_TAP_SECONDS)
CLASS_REPLAY_REQUESTS = int(LESSON_SECONDS / settings.LIVE_TICK_SECONDS) * SPEEDS[-1]


@dataclass
class Seat:
    """A student in the room: their nickname, their customer, the last thing they were told,
    and every seat the host gave them ([request number, action, table, broke, why])."""

    nickname: str
    customer: int
    note: str = "You are in the restaurant. Add something to your cart."
    broken: bool = False
    history: list[list[Any]] = field(default_factory=list)

    def remember(self, decision: Decision) -> None:
        entry = [decision.index, decision.action, decision.server, decision.cart_broken]
        self.history = [*self.history, [*entry, decision.reason]][-SEAT_HISTORY:]


class ClassRoom(Room):
    shareable = False
    actions = CLASS_ACTIONS

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
        # The run as a lab replay log (everything that changed the restaurant, the students'
        # taps included), stored in the lab when the class ends so a student can replay the
        # class there. Kept within CLASS_REPLAY_STEPS and CLASS_REPLAY_REQUESTS; past either
        # the class is too long to replay.
        self.replay: list[str] = []
        self.replay_full = False

    @property
    def sim(self) -> Simulation:
        return self.restaurants[0].sim

    # -- the replay log ---------------------------------------------------------------------
    def apply(self, command: Command, sender: Sender = LAB_SENDER) -> str:
        requests = self.requests
        message = super().apply(command, sender)
        if command.action == "add_bots":  # bots are the lab's customers
            self._log(requests, Command("add_customers", {"count": command.params["count"]}))
        elif command.action in LAB_ACTIONS and LAB_ACTIONS[command.action].logged:
            self._log(requests, command)
        return message

    def _log(self, requests: int, command: Command) -> None:
        if len(self.replay) >= CLASS_REPLAY_STEPS or requests > CLASS_REPLAY_REQUESTS:
            self.replay_full = True
        if self.replay_full:
            return
        self.replay.append(log_entry(requests, command, LAB_ACTIONS))

    def replay_log(self) -> list[str] | None:
        """The log that replays this class in the lab (same seed, same events, every
        student's tap), or None when the class outgrew its replay's bounds."""
        if self.replay_full or self.requests > CLASS_REPLAY_REQUESTS:
            return None
        # The last entry says where the class stopped, so the replay serves every request.
        return [*self.replay, f"{self.requests}.until"]

    # -- the restaurant, with students in it --------------------------------------------------
    def reset(self) -> str:
        """A fresh restaurant with every student seated again, each on a customer of their own
        (in the order they joined), so nobody shares a customer with anyone after a reset."""
        super().reset()
        self.replay, self.replay_full = [], False
        for seat in self.seats.values():
            self._log(0, Command("seat"))
            seat.customer = self.sim.add_clients(1, auto=False)[0]
            seat.note = "The teacher reset the restaurant: you have a new, empty cart."
            seat.broken = False
            seat.history = []
        return "Reset: a fresh restaurant with the same seed; every student keeps a customer."

    def event(self, button: str, table: str | None) -> str:
        """A restaurant-wide event; a phone whose cart sat at a closed table is told so."""
        if button not in TABLE_CLOSERS:
            return super().event(button, table)
        before = self._cart_tables()
        summary = super().event(button, table)
        after = self._cart_tables()
        shared = self.sim.view()["shared_sessions"]
        for seat in self.seats.values():
            was = before.get(seat.customer)
            if was is None or after.get(seat.customer) == was:
                continue
            seat.broken = False
            seat.note = (
                f"Table {was} closed; your cart is kept in the pantry (the shared store)."
                if shared
                else f"Table {was} closed; your cart was lost with it."
            )
        return summary

    def _cart_tables(self) -> dict[int, str]:
        """Where each customer's cart is kept: a table's name, or "shared"."""
        return {c["id"]: c["cart_table"] for c in self.sim.view()["clients"] if c["cart_table"]}

    # -- students ---------------------------------------------------------------------------
    def scene_names(self) -> dict[int, str]:
        return {seat.customer: seat.nickname for seat in self.seats.values()}

    def seat(self, student: int, nickname: str) -> int:
        """Make sure a student has a customer; returns its id (new ones get one)."""
        if student in self.seats:
            return self.seats[student].customer
        # A customer id from before this room's state (say, from before a reset) may belong
        # to someone else by now: a student the room does not know always gets a new one.
        self._log(self.requests, Command("seat"))
        customer = self.sim.add_clients(1, auto=False)[0]
        self.restaurants[0].narrate(f"{nickname} joined the class as customer {customer}.")
        self.seats[student] = Seat(nickname, customer)
        return customer

    def student_action(self, student: int | None, action: str) -> str:
        seat = self.seats.get(student) if student is not None else None
        if seat is None:
            raise BadCommand("You are not in this class yet: enter a nickname first.")
        sim = self.sim
        self._log(self.requests, Command(REPLAYED_AS[action], {"customer": seat.customer}))
        if action in ("add_to_cart", "checkout"):
            decision = sim.request(seat.customer, action)
            self.restaurants[0].recent = [decision]
            self.restaurants[0].last_decision = decision
            if decision.story:
                self.restaurants[0].narrate(f"{seat.nickname}: {decision.story}")
            seat.broken = decision.cart_broken
            seat.note = student_note(decision)
            seat.remember(decision)
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
    def open_question(self, question: QuestionData, seconds: int, record_id: int) -> str:
        now = now_ms()
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
            "opened": now,
            "closes": now + seconds * 1000,
            "revealed": False,
            "answers": {},
        }
        return f"Question sent to the class: {seconds} seconds to answer."

    def check_answer(self, student: int, choice: list[str]) -> tuple[int, bool, list[str]]:
        """Whether a student may give this answer now: (question id, correct, bank keys)."""
        quiz = self.quiz
        if quiz is None or quiz["revealed"]:
            raise BadCommand("There is no open question right now.")
        if now_ms() > quiz["closes"]:
            raise BadCommand("Time is up for this question.")
        if str(student) in quiz["answers"]:
            raise BadCommand("You already answered this question.")
        keys = {o["key"] for o in quiz["options"]}
        if not set(choice) <= keys:
            raise BadCommand("That answer is not one of this question's options.")
        if quiz["kind"] != "multiple" and len(choice) != 1:
            raise BadCommand("Pick exactly one answer.")
        correct = sorted(choice) == sorted(quiz["correct"])
        return quiz["id"], correct, sorted(quiz["bank_keys"][n] for n in choice)

    def record_answer(self, question: int, student: int, choice: list[str], correct: bool) -> None:
        """Count an answer the database has stored (once, and only for the open question)."""
        quiz = self.quiz
        if quiz is None or quiz["id"] != question or str(student) in quiz["answers"]:
            return
        quiz["answers"][str(student)] = {"choice": choice, "correct": correct}
        if correct:
            self.scores[student] = self.scores.get(student, 0) + 1

    def agree_with_database(self, scores: dict[int, int], current: list) -> None:
        """After a restart: the scores and the open question's answers as the database has
        them (an answer stored just before a crash may be missing from the saved room)."""
        self.scores = {student: score for student, score in scores.items() if score}
        if self.quiz is None:
            return
        options = {key: number for number, key in self.quiz["bank_keys"].items()}
        self.quiz["answers"] = {
            str(student): {"choice": sorted(options[key] for key in keys), "correct": correct}
            for student, keys, correct in current
        }

    def set_leaderboard(self, show: bool, names: bool) -> str:
        self.show_leaderboard = show
        self.leaderboard_names = names
        return "Leaderboard shown." if show else "Leaderboard hidden."

    def reveal(self) -> str:
        if self.quiz is None:
            raise BadCommand("There is no question to reveal.")
        self.quiz["revealed"] = True
        right = sum(1 for a in self.quiz["answers"].values() if a["correct"])
        answered = len(self.quiz["answers"])
        if not answered:
            return f"Answer revealed. Nobody answered ({count(len(self.seats), 'student')})."
        return f"Answer revealed: {right} of {count(answered, 'answer')} right."

    def close_question(self) -> str:
        self.quiz = None
        return "Question closed."

    # -- saving -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = super().to_dict()
        data["class"] = {
            "seats": {
                str(k): [s.nickname, s.customer, s.note, s.broken, s.history]
                for k, s in self.seats.items()
            },
            "quiz": self.quiz,
            "scores": {str(k): v for k, v in self.scores.items()},
            "show_leaderboard": self.show_leaderboard,
            "leaderboard_names": self.leaderboard_names,
            "ended": self.ended,
            "replay": self.replay,
            "replay_full": self.replay_full,
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
        self.replay = list(saved.get("replay", []))
        self.replay_full = saved.get("replay_full", not self.replay and self.requests > 0)


def student_note(decision: Decision) -> str:
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
        f"Added to your cart at table {table}: {count(items, 'item')} now. "
        f"Why this table: {decision.reason}."
    )


def now_ms() -> int:
    return int(time.time() * 1000)
