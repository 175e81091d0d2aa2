"""The classroom's database services: start, join, prove who you are, save, hand over, export.

All synchronous Django ORM code; async callers wrap these with `database_sync_to_async`.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from lbteach.classroom.codes import (
    NicknameError,
    clean_nickname,
    hash_secret,
    is_code,
    new_code,
    new_secret,
    normalise_code,
    skeleton,
)
from lbteach.classroom.models import ClassAnswer, ClassQuestion, Classroom, Student
from lbteach.classroom.stage import letter, letters
from lbteach.quiz import bank

log = logging.getLogger(__name__)

TEACHER_SESSION_KEY = "class_teacher"
# A teacher key is 32 characters (codes.new_secret); anything much longer is not one.
KEY_MAX_LENGTH = 64
STUDENT_SESSION_KEY = "class_student"


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
    code = normalise_code(code)
    if not is_code(code):
        raise ClassNotFound(code)
    classroom = Classroom.objects.filter(code=code, ended_at=None).first()
    if classroom is None:
        raise ClassNotFound(code)
    idle = timezone.now() - classroom.last_active_at
    if idle > timedelta(minutes=classroom.idle_minutes):
        end_class(code)
        raise ClassNotFound(code)
    return classroom


def _attempts_key(client: str) -> str:
    return f"class-join-misses:{client}"


def _count(key: str, window: int) -> int:
    """Add one to a counter that lives `window` seconds; its new value."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def missed_join(client: str) -> bool:
    """Count a code that matched no open class; True once this address has missed too many.

    Only wrong codes count. Past the budget every new visitor from this address waits, right
    code or wrong (a right code that still opened would tell a guesser it was right), but
    a browser that already belongs to the class is never turned away. If the cache is
    unreachable (Redis down), the miss goes uncounted rather than the page failing.
    """
    try:
        misses = _count(_attempts_key(client), settings.CLASS_JOIN_WINDOW_SECONDS)
    except Exception:
        log.warning("could not count a missed join code", exc_info=True)
        return False
    return misses > settings.CLASS_JOIN_ATTEMPTS


def locked_out(client: str) -> bool:
    """Whether this address has missed too many codes in the window (without counting)."""
    try:
        misses = cache.get(_attempts_key(client), 0)
    except Exception:
        log.warning("could not read missed join codes", exc_info=True)
        return False
    return int(misses) > settings.CLASS_JOIN_ATTEMPTS


def belongs(classroom: Classroom, session) -> bool:
    """Whether this browser is already the class's teacher or one of its students."""
    return is_teacher(classroom, session) or student_in(classroom, session) is not None


def may_start_class(client: str) -> bool:
    """Whether this address may start another class now (CLASS_STARTS_PER_HOUR)."""
    try:
        started = _count(f"class-starts:{client}", 3600)
    except Exception:
        log.warning("could not count a class start", exc_info=True)
        return True
    return started <= settings.CLASS_STARTS_PER_HOUR


def is_teacher(classroom: Classroom, session) -> bool:
    key = session.get(TEACHER_SESSION_KEY, {}).get(classroom.code)
    return bool(key) and hmac.compare_digest(hash_secret(key), classroom.teacher_key_hash)


def remember_teacher(session, code: str, key: str) -> None:
    keys = dict(session.get(TEACHER_SESSION_KEY, {}))
    keys[code] = key
    session[TEACHER_SESSION_KEY] = keys


def teacher_key_matches(classroom: Classroom, key: str) -> bool:
    return bool(key) and hmac.compare_digest(hash_secret(key), classroom.teacher_key_hash)


def student_in(classroom: Classroom, session) -> Student | None:
    key = session.get(STUDENT_SESSION_KEY, {}).get(classroom.code)
    if not key:
        return None
    return Student.objects.filter(classroom=classroom, key_hash=hash_secret(key)).first()


def join(classroom: Classroom, session, nickname: object) -> Student:
    """Add a student with this nickname (unique in the class) and remember them in the session."""
    name = clean_nickname(nickname)
    with transaction.atomic():
        # Write the class's row first: joins from every process then queue on its lock (a
        # row lock on PostgreSQL, the write lock on SQLite), so the count below cannot be
        # read by two joins at once and the class never takes one student too many.
        Classroom.objects.filter(pk=classroom.pk).update(last_active_at=timezone.now())
        return _join_locked(classroom, session, name)


def _join_locked(classroom: Classroom, session, name: str) -> Student:
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
    keys = dict(session.get(STUDENT_SESSION_KEY, {}))
    keys[classroom.code] = key
    session[STUDENT_SESSION_KEY] = keys
    return student


def set_customers(customers: dict[int, int]) -> None:
    """Record which customer each student is now (a new seat, or a reset's new customers)."""
    for student_id, customer in customers.items():
        Student.objects.filter(pk=student_id).update(customer=customer)


def end_class(code: str) -> None:
    Classroom.objects.filter(code=code, ended_at=None).update(ended_at=timezone.now())


# -- the live room's home and saved state ------------------------------------------------------
@dataclass(frozen=True)
class HomeInfo:
    state: dict
    home_channel: str
    fresh: bool
    ended: bool


def home_info(code: str) -> HomeInfo:
    row = (
        Classroom.objects.filter(code=code)
        .values("state", "home_channel", "home_seen_at", "ended_at")
        .first()
    )
    if row is None:
        raise ClassNotFound(code)
    stale_before = timezone.now() - timedelta(seconds=settings.CLASS_HOME_STALE_SECONDS)
    seen_at = row["home_seen_at"]
    fresh = bool(row["home_channel"]) and seen_at is not None and seen_at >= stale_before
    return HomeInfo(row["state"], row["home_channel"], fresh, row["ended_at"] is not None)


def claim_home(code: str, channel: str) -> bool:
    """Become the process that runs this room, unless another one is alive and running it."""
    stale_before = timezone.now() - timedelta(seconds=settings.CLASS_HOME_STALE_SECONDS)
    claimed = (
        Classroom.objects.filter(code=code, ended_at=None)
        .filter(Q(home_channel="") | Q(home_seen_at=None) | Q(home_seen_at__lt=stale_before))
        .update(home_channel=channel, home_seen_at=timezone.now())
    )
    return claimed == 1


def take_home(code: str, channel: str) -> bool:
    """With one process, any home on record is this process's previous run: take it."""
    claimed = Classroom.objects.filter(code=code, ended_at=None).update(
        home_channel=channel, home_seen_at=timezone.now()
    )
    return claimed == 1


def heartbeat(code: str, channel: str, state: dict | None, active: bool) -> bool:
    """Say this process still runs the room (and save its state); False if it lost it."""
    changes: dict = {"home_seen_at": timezone.now()}
    if state is not None:
        changes["state"] = state
    if active:
        changes["last_active_at"] = timezone.now()
    return Classroom.objects.filter(code=code, home_channel=channel).update(**changes) == 1


# -- the class quiz ----------------------------------------------------------------------------
def record_question(code: str, key: str, prompt: str, seconds: int) -> int:
    classroom = Classroom.objects.get(code=code)
    question = ClassQuestion.objects.create(
        classroom=classroom,
        question_key=key,
        prompt=prompt,
        closes_at=timezone.now() + timedelta(seconds=seconds),
    )
    return question.pk


def record_answer(question_id: int, student_id: int, choice: list[str], correct: bool) -> bool:
    """Store one answer; False when this student had already answered (it counts once)."""
    try:
        with transaction.atomic():
            ClassAnswer.objects.create(
                question_id=question_id, student_id=student_id, choice=choice, correct=correct
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class StoredAnswers:
    """What the database holds of a class's quiz: the source of truth after a restart."""

    scores: dict[int, int]  # student id -> right answers over the whole class
    current: list[tuple[int, list[str], bool]]  # (student, bank keys, correct) for one question


def stored_answers(code: str, question_id: int | None) -> StoredAnswers:
    answers = ClassAnswer.objects.filter(question__classroom__code=code)
    scores: dict[int, int] = {}
    for student, correct in answers.values_list("student_id", "correct"):
        if correct:
            scores[student] = scores.get(student, 0) + 1
    current = [
        (student, list(choice), correct)
        for student, choice, correct in answers.filter(question_id=question_id).values_list(
            "student_id", "choice", "correct"
        )
    ]
    return StoredAnswers(scores, current)


def mark_revealed(question_id: int) -> None:
    ClassQuestion.objects.filter(pk=question_id).update(revealed=True)


def record_layout(question_id: int, quiz: dict) -> None:
    """Keep the options in the order (and so with the letters) the class saw them."""
    correct = set(quiz["correct"])
    layout = [
        {
            "key": option["key"],
            "text": option["text"],
            "bank_key": quiz["bank_keys"][option["key"]],
            "correct": option["key"] in correct,
        }
        for option in quiz["options"]
    ]
    ClassQuestion.objects.filter(pk=question_id).update(layout=layout)


def count_action(student_id: int, action: str, broken: bool) -> None:
    """Tally a student's cart breaks and checkouts for the results page."""
    changes: dict = {}
    if broken:
        changes["cart_breaks"] = F("cart_breaks") + 1
    if action == "checkout" and not broken:
        changes["checkouts"] = F("checkouts") + 1
    if changes:
        Student.objects.filter(pk=student_id).update(**changes)


# -- results, kept after the class ends ------------------------------------------------------
def purge_expired_results(now=None) -> int:
    """Delete classes that ended more than CLASS_RESULTS_DAYS ago (with all they hold)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CLASS_RESULTS_DAYS)
    _, per_model = Classroom.objects.filter(ended_at__lt=cutoff).delete()
    return per_model.get(Classroom._meta.label, 0)


def kept_class(code: str) -> Classroom:
    """A class, open or ended, whose results are still kept."""
    purge_expired_results()
    code = normalise_code(code)
    classroom = Classroom.objects.filter(code=code).first() if is_code(code) else None
    if classroom is None:
        raise ClassNotFound(code)
    return classroom


def question_title(prompt: str) -> str:
    """A question's first line, as a title for tables and the CSV."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    return first if len(first) <= 140 else first[:139] + "…"


def _layout(question: ClassQuestion) -> list[dict]:
    if question.layout:
        return question.layout
    # Asked before layouts were kept: the bank's order stands in for the class's.
    data = bank.get_question(question.question_key)
    options = data.options if data else ()
    return [
        {"key": str(n), "text": o.text, "bank_key": o.key, "correct": o.correct}
        for n, o in enumerate(options, start=1)
    ]


class StudentResult(TypedDict):
    """One row of the results page's student table."""

    nickname: str
    customer: int | None
    score: int
    answered: int
    cart_breaks: int
    checkouts: int


def class_results(classroom: Classroom) -> dict:
    """Everything the results page shows: each question's histogram, each student's tally."""
    students = list(classroom.students.all())
    scores = {s.pk: {"right": 0, "answered": 0} for s in students}
    questions = []
    for number, question in enumerate(
        classroom.questions.prefetch_related("answers").order_by("opened_at"), start=1
    ):
        layout = _layout(question)
        answers = list(question.answers.all())
        total = len(answers)
        options = []
        for option in layout:
            votes = sum(1 for a in answers if option["bank_key"] in a.choice)
            options.append(
                {
                    **option,
                    "letter": letter(option["key"]),
                    "votes": votes,
                    "width": round(100 * votes / total) if total else 0,
                }
            )
        for answer in answers:
            tally = scores.setdefault(answer.student_id, {"right": 0, "answered": 0})
            tally["answered"] += 1
            tally["right"] += int(answer.correct)
        questions.append(
            {
                "number": number,
                "title": question_title(question.prompt),
                "prompt": question.prompt,
                "options": options,
                "answered": total,
                "right": sum(1 for a in answers if a.correct),
                "right_letters": letters(o["key"] for o in layout if o["correct"]),
            }
        )
    people: list[StudentResult] = [
        {
            "nickname": s.nickname,
            "customer": s.customer,
            "score": scores[s.pk]["right"],
            "answered": scores[s.pk]["answered"],
            "cart_breaks": s.cart_breaks,
            "checkouts": s.checkouts,
        }
        for s in students
    ]
    people.sort(key=lambda p: (-p["score"], p["nickname"].lower()))
    kept_until = (
        classroom.ended_at + timedelta(days=settings.CLASS_RESULTS_DAYS)
        if classroom.ended_at
        else None
    )
    return {"questions": questions, "students": people, "kept_until": kept_until}


RESULT_COLUMNS = [
    "question_number",
    "question",
    "nickname",
    "answer",
    "correct",
    "right_answer",
    "answered_at",
]


def result_rows(classroom: Classroom) -> list[list[str]]:
    """One row per answer, with the letters the students saw and the question's title."""
    rows = []
    questions = classroom.questions.prefetch_related("answers__student").order_by("opened_at")
    for number, question in enumerate(questions, start=1):
        layout = _layout(question)
        letter_of = {o["bank_key"]: letter(o["key"]) for o in layout}
        right = letters(o["key"] for o in layout if o["correct"])
        title = question_title(question.prompt)
        for a in sorted(question.answers.all(), key=lambda a: a.answered_at):
            rows.append(
                [
                    str(number),
                    title,
                    a.student.nickname,
                    " ".join(sorted(letter_of.get(k, k) for k in a.choice)),
                    "yes" if a.correct else "no",
                    right,
                    a.answered_at.isoformat(timespec="seconds"),
                ]
            )
    return rows
