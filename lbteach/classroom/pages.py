"""What the teacher's and projector's pages show before their websocket's first snapshot."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from lbteach.classroom.frames import (
    clients_by_id,
    quiz_context,
    roster_context,
    student_context,
)
from lbteach.classroom.models import Classroom, Student
from lbteach.classroom.room import ClassRoom
from lbteach.lab.catalog import balancer_groups
from lbteach.lab.frames import room_context
from lbteach.live.commands import MAX_ADD_CUSTOMERS, SPEEDS


def absolute(request: HttpRequest, path: str) -> str:
    """`path` as students reach it: on the public (LAN) address when there is one, since the
    teacher's own browser often says 127.0.0.1, which no phone can reach."""
    base = settings.CLASS_PUBLIC_URL
    return base + path if base else request.build_absolute_uri(path)


def join_url(request: HttpRequest, classroom: Classroom) -> str:
    return absolute(request, reverse("classroom:student", args=[classroom.code]))


def class_page_context(classroom: Classroom, request: HttpRequest) -> dict[str, Any]:
    """The saved room (or a fresh one) rendered as the page's first state."""
    room = ClassRoom.from_dict(classroom.state) if classroom.state else ClassRoom(classroom.code)
    view = room.sim.view()
    clients = clients_by_id(view)
    return {
        **room_context(room, [view]),
        **roster_context(room, clients),
        "quiz": quiz_context(room, int(time.time() * 1000)),
        "classroom": classroom,
        "setup": room.setup,
        "join_url": join_url(request, classroom),
        "balancer_groups": balancer_groups(),
        "speeds": range(1, len(SPEEDS) + 1),
        "max_add": MAX_ADD_CUSTOMERS,
    }


def phone_page_context(classroom: Classroom, student: Student) -> dict[str, Any]:
    """A phone's card and question from the saved room, so the page is whole before its socket
    connects; a student not yet seated (a first visit) gets a placeholder instead."""
    if not classroom.state:
        return {}
    room = ClassRoom.from_dict(classroom.state)
    seat = room.seats.get(student.pk)
    if seat is None:
        return {}
    client = clients_by_id(room.sim.view()).get(seat.customer, {})
    context = student_context(room, student.pk, seat, client, int(time.time() * 1000))
    return {**context, "hx_oob": False, "card_ready": True}
