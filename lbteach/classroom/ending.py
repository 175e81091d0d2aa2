"""The ending of a class on every screen: each phone's own tally, the projector's podium and
totals, and the teacher's way to the results page.

Rendered from the database (`results.ending_figures`), the source of truth once the class is over,
so a screen that sees the ending live and one reloaded a day later show the same thing.
"""

from __future__ import annotations

from django.template.loader import get_template

from lbteach.classroom import kept_replay, results
from lbteach.classroom.models import Classroom
from lbteach.classroom.room import PROJECTOR, STUDENT, TEACHER, ClassRoom

TEMPLATE = "classroom/ending.html"
ACTION_WORDS = {"add_to_cart": "Add to cart", "checkout": "Check out"}


def data(classroom: Classroom) -> dict:
    """The ending's figures (`results.ending_figures`), each student's with every seat the
    host gave them and a link that replays the class in the lab with their own customer
    highlighted (unless the class outgrew its replay's bounds), both from the room the
    database saved last. The first ending drawn stores the class's replay in the lab
    (`kept_replay`)."""
    figures = results.ending_figures(classroom)
    room = ClassRoom.from_dict(classroom.state) if classroom.state else None
    token = kept_replay.keep(classroom, room.setup, room.replay_log()) if room else ""
    for student, me in figures["students"].items():
        me["replay_url"] = kept_replay.replay_url(token, me["customer"]) if me["customer"] else ""
        seat = room.seats.get(student) if room else None
        me["seats"] = [
            {
                "request": request + 1,
                "action": ACTION_WORDS.get(action, action),
                "table": table,
                "broken": broken,
                "reason": reason,
            }
            for request, action, table, broken, reason in (seat.history if seat else [])
        ]
    return figures


def student_context(figures: dict, student: int | None) -> dict:
    return {"me": figures["students"].get(student) if student is not None else None}


def render(figures: dict, role: str, student: int | None = None, oob: bool = True) -> str:
    """One screen's ending: a phone's (its own tally), the projector's or the teacher's."""
    if role == STUDENT:
        context = student_context(figures, student)
        partial = "student_ending"
    else:
        context = {"ending": figures}
        partial = "projector_ending" if role == PROJECTOR else "teacher_ending"
    return get_template(f"{TEMPLATE}#{partial}").render({**context, "hx_oob": oob})


def frames(code: str) -> dict:
    """Every screen's ending frame, for a home to hand out and to send to the relays: by role,
    and each student's by their id (as text: the channel layer's messages are JSON-like)."""
    figures = data(Classroom.objects.get(code=code))
    return {
        TEACHER: render(figures, TEACHER),
        PROJECTOR: render(figures, PROJECTOR),
        STUDENT: render(figures, STUDENT),
        "students": {str(pk): render(figures, STUDENT, pk) for pk in figures["students"]},
    }


def frame_for(frames: dict, role: str, student: int | None) -> str:
    if role == STUDENT:
        return frames["students"].get(str(student), frames[STUDENT])
    return frames.get(role, frames[TEACHER])


def screen_frame(code: str, role: str, student: int | None) -> str:
    """The ending for one screen that connects after the class ended."""
    return render(data(Classroom.objects.get(code=code)), role, student)
