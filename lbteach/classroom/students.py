"""A class's students in the database: joining (capacity, nicknames), their customer, their tally.

All synchronous Django ORM code; async callers wrap these with `database_sync_to_async`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lbteach.classroom.codes import NicknameError, clean_nickname, hash_secret, new_secret, skeleton
from lbteach.classroom.identity import remember_student
from lbteach.classroom.models import Classroom, Student


def join(classroom: Classroom, session: SessionBase, nickname: object) -> Student:
    """Add a student with this nickname (unique in the class) and remember them in the session."""
    name = clean_nickname(nickname)
    with transaction.atomic():
        # Write the class's row first: joins from every process then queue on its lock (a
        # row lock on PostgreSQL, the write lock on SQLite), so the count below cannot be
        # read by two joins at once and the class never takes one student too many.
        Classroom.objects.filter(pk=classroom.pk).update(last_active_at=timezone.now())
        return _join_locked(classroom, session, name)


def _join_locked(classroom: Classroom, session: SessionBase, name: str) -> Student:
    if Student.objects.filter(classroom=classroom).count() >= settings.CLASS_MAX_STUDENTS:
        raise NicknameError(
            f"This class is full: it has its {settings.CLASS_MAX_STUDENTS} students. "
            "Ask the teacher to start another."
        )
    looks = skeleton(name)
    taken = Student.objects.filter(classroom=classroom).values_list("nickname", flat=True)
    for other in taken:
        if skeleton(other) == looks:
            raise NicknameError(f"Someone in this class is already called “{other}”. Pick another.")
    key = new_secret()
    try:
        with transaction.atomic():
            student = Student.objects.create(
                classroom=classroom, nickname=name, key_hash=hash_secret(key)
            )
    except IntegrityError:
        raise NicknameError(
            f"Someone in this class is already called “{name}”. Pick another."
        ) from None
    remember_student(session, classroom.code, key)
    return student


def set_customers(customers: dict[int, int]) -> None:
    """Record which customer each student is now (a new seat, or a reset's new customers)."""
    for student_id, customer in customers.items():
        Student.objects.filter(pk=student_id).update(customer=customer)


def count_action(student_id: int, action: str, broken: bool) -> None:
    """Tally a student's cart breaks and checkouts for the results page."""
    changes: dict[str, Any] = {}
    if broken:
        changes["cart_breaks"] = F("cart_breaks") + 1
    if action == "checkout" and not broken:
        changes["checkouts"] = F("checkouts") + 1
    if changes:
        Student.objects.filter(pk=student_id).update(**changes)
