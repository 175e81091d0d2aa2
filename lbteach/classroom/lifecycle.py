"""A class's life in the database: started, found while open, ended, kept for its results.

All synchronous Django ORM code; async callers wrap these with `database_sync_to_async`.
Deleting classes whose results have expired is the sweep's (`lbteach.classroom.sweep`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lbteach.classroom.codes import hash_secret, is_code, new_code, new_secret, normalise_code
from lbteach.classroom.kept_replay import delete_classes
from lbteach.classroom.models import Classroom


class ClassNotFound(LookupError):
    """No class that is still open has this code."""


def start_class() -> tuple[Classroom, str]:
    """A new class with a fresh join code and the teacher's secret key (returned once)."""
    key = new_secret()
    for _ in range(20):
        try:
            with transaction.atomic():
                classroom = Classroom.objects.create(
                    code=new_code(),
                    teacher_key_hash=hash_secret(key),
                    idle_minutes=settings.CLASS_IDLE_MINUTES,
                )
            return classroom, key
        except IntegrityError:  # the code is taken: draw another
            continue
    raise RuntimeError("could not find a free join code")


def open_class(code: str) -> Classroom:
    """The open class with this code, ending it first if it has sat idle too long."""
    return still_open(kept_class(code))


def still_open(classroom: Classroom) -> Classroom:
    """This class, if it is still open; one idle too long is ended now (ClassNotFound)."""
    if classroom.ended_at is not None:
        raise ClassNotFound(classroom.code)
    if idle_too_long(classroom):
        end_class(classroom.code)
        raise ClassNotFound(classroom.code)
    return classroom


def idle_too_long(classroom: Classroom) -> bool:
    return timezone.now() - classroom.last_active_at > timedelta(minutes=classroom.idle_minutes)


def end_class(code: str) -> None:
    Classroom.objects.filter(code=code, ended_at=None).update(ended_at=timezone.now())


def _results_expire_before(now: datetime | None = None) -> datetime:
    """Classes that ended before this moment are past CLASS_RESULTS_DAYS."""
    return (now or timezone.now()) - timedelta(days=settings.CLASS_RESULTS_DAYS)


def purge_expired_results(now: datetime | None = None) -> int:
    """Delete classes that ended more than CLASS_RESULTS_DAYS ago (with all they hold, their
    stored replays too)."""
    return delete_classes(Classroom.objects.filter(ended_at__lt=_results_expire_before(now)))


def kept_class(code: str) -> Classroom:
    """A class, open or ended, whose results are still kept. One past CLASS_RESULTS_DAYS is
    gone already, though it waits for the sweep (`lbteach.classroom.sweep`) to be deleted."""
    code = normalise_code(code)
    if not is_code(code):
        raise ClassNotFound(code)
    kept = Q(ended_at=None) | Q(ended_at__gte=_results_expire_before())
    classroom = Classroom.objects.filter(kept, code=code).first()
    if classroom is None:
        raise ClassNotFound(code)
    return classroom


def ended_class(code: str) -> Classroom | None:
    """The class with this code if it has ended and its results are still kept."""
    try:
        classroom = kept_class(code)
    except ClassNotFound:
        return None
    if classroom.ended_at is None and idle_too_long(classroom):
        end_class(classroom.code)
        classroom.refresh_from_db()
    return classroom if classroom.ended_at is not None else None
