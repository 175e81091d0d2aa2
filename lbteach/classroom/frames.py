"""What a class shows: the roster and the live quiz beside the restaurant, and each phone's card.

Teacher and projector share one frame per tick (the lab's regions plus these); a student's
phone gets only its own card and the question, rendered per student when it changes.
"""

from __future__ import annotations

import json
import time

from django.template.loader import get_template

from lbteach.classroom.room import ClassRoom, Seat
from lbteach.lab.frames import FrameRenderer
from lbteach.live.frames import as_ascii

LEADERBOARD_SIZE = 10


def roster_context(room: ClassRoom, clients: dict[int, dict]) -> dict:
    seats = []
    for student, seat in room.seats.items():
        client = clients.get(seat.customer, {})
        seats.append(
            {
                "student": student,
                "nickname": seat.nickname,
                "customer": seat.customer,
                "colour": client.get("colour", 0),
                "items": client.get("cart_items", 0),
                "table": client.get("cart_table"),
                "broken": seat.broken,
                "score": room.scores.get(student, 0),
            }
        )
    ranked = sorted(seats, key=lambda s: (-s["score"], s["student"]))[:LEADERBOARD_SIZE]
    for place, entry in enumerate(ranked, start=1):
        entry["place"] = place
    return {
        "seats": seats,
        "student_count": len(seats),
        "leaderboard": ranked if room.show_leaderboard else None,
        "leaderboard_names": room.leaderboard_names,
    }


def quiz_context(room: ClassRoom, now_ms: int) -> dict | None:
    quiz = room.quiz
    if quiz is None:
        return None
    answers = quiz["answers"].values()
    total = len(quiz["answers"])
    options = []
    for option in quiz["options"]:
        votes = sum(1 for a in answers if option["key"] in a["choice"])
        options.append(
            {
                **option,
                "votes": votes,
                "width": round(100 * votes / total) if total else 0,
                "correct": quiz["revealed"] and option["key"] in quiz["correct"],
                "explanation": quiz["option_explanations"][option["key"]]
                if quiz["revealed"]
                else "",
            }
        )
    remaining = max(0, (quiz["closes"] - now_ms + 999) // 1000)
    return {
        "key": quiz["key"],
        "prompt": quiz["prompt"],
        "multiple": quiz["kind"] == "multiple",
        "options": options,
        "answered": total,
        "students": len(room.seats),
        "closes": quiz["closes"],
        "seconds": (quiz["closes"] - quiz["opened"]) // 1000,
        "open": not quiz["revealed"] and remaining > 0,
        "revealed": quiz["revealed"],
        "explanation": quiz["explanation"] if quiz["revealed"] else "",
        "right": sum(1 for a in answers if a["correct"]),
    }


class ClassFrameRenderer(FrameRenderer):
    lean = False  # the push's phones' cards show each customer's address and cookie too

    def extra_regions(self, context: dict, views: list[dict]) -> list[tuple[str, str, dict]]:
        room: ClassRoom = self.room  # type: ignore[assignment]
        clients = clients_by_id(views[0])  # the view this frame is rendered from
        now = int(time.time() * 1000)
        return [
            ("roster", "classroom/live.html#roster", roster_context(room, clients)),
            ("class_quiz", "classroom/live.html#class_quiz", {"quiz": quiz_context(room, now)}),
        ]


def student_context(room: ClassRoom, student: int, seat: Seat, client: dict, now: int) -> dict:
    quiz = quiz_context(room, now)
    mine = room.quiz["answers"].get(str(student)) if room.quiz else None
    return {
        "seat": seat,
        "client": client,
        "quiz": quiz,
        "my_answer": mine,
        "score": room.scores.get(student, 0),
        "hx_oob": True,
    }


def clients_by_id(view: dict) -> dict[int, dict]:
    """The engine's customers in `view` (`Simulation.view()`), by id."""
    return {c["id"]: c for c in view["clients"]}


def render_student(room: ClassRoom, student: int, clients: dict[int, dict] | None = None) -> str:
    """One phone's frame: its customer card and the class question, as oob partials."""
    seat = room.seats[student]
    clients = clients if clients is not None else clients_by_id(room.sim.view())
    client = clients.get(seat.customer, {})
    context = student_context(room, student, seat, client, int(time.time() * 1000))
    return as_ascii(
        get_template("classroom/live.html#me").render(context)
        + get_template("classroom/live.html#student_quiz").render(context)
    )


def shown(seat: Seat) -> tuple:
    return (seat.nickname, seat.customer, seat.note, seat.broken)


def render_students(
    room: ClassRoom, view: dict, seen: dict[int, str] | None = None
) -> dict[int, str]:
    """Each phone's frame from the engine's `view` (the one the push's frame was rendered
    from), rendered only for phones whose card or question changed.

    `seen` maps each student to a fingerprint of what their card last showed; it is updated
    in place. With 60 students pressing buttons, rendering all 60 cards on every push was
    most of the home's time (bench/class_load.py); a fingerprint is a few microseconds.
    """
    clients = clients_by_id(view)
    now = int(time.time() * 1000)
    quiz = json.dumps(quiz_context(room, now), sort_keys=True, default=str)
    cards = {}
    for student, seat in room.seats.items():
        client = clients.get(seat.customer, {})
        mine = room.quiz["answers"].get(str(student)) if room.quiz else None
        fingerprint = json.dumps(
            # What the card shows of the seat (not its history, which only the ending shows):
            # with 60 students, dumping 40 seats of history each per push doubled a tick.
            [*shown(seat), client, quiz, mine, room.scores.get(student, 0)],
            sort_keys=True,
            default=str,
        )
        if seen is not None:
            if seen.get(student) == fingerprint:
                continue
            seen[student] = fingerprint
        cards[student] = render_student(room, student, clients)
    return cards
