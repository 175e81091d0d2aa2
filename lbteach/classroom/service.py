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
from django.core import signing
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
from lbteach.classroom.kept_replay import delete_classes
from lbteach.classroom.models import ClassAnswer, ClassQuestion, Classroom, Student
from lbteach.classroom.stage import letter, letters, ranked
from lbteach.quiz import bank

log = logging.getLogger(__name__)

TEACHER_SESSION_KEY = "class_teacher"
# A teacher key is 32 characters (codes.new_secret); anything much longer is not one.
KEY_MAX_LENGTH = 64
STUDENT_SESSION_KEY = "class_student"
PROJECTOR_SESSION_KEY = "class_projector"


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
    if _idle_too_long(classroom):
        end_class(code)
        raise ClassNotFound(code)
    return classroom


def _idle_too_long(classroom: Classroom) -> bool:
    return timezone.now() - classroom.last_active_at > timedelta(minutes=classroom.idle_minutes)


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


def projector_key(classroom: Classroom) -> str:
    """The key of the projector link: it opens this class's projector page on another device
    and nothing else. Derived from the teacher's secret (its hash), so nothing more is stored
    and a new class gets a new key."""
    signer = signing.Signer(salt=f"class-projector:{classroom.teacher_key_hash}")
    return signer.signature(classroom.code)


def projector_key_matches(classroom: Classroom, key: str) -> bool:
    return bool(key) and hmac.compare_digest(key, projector_key(classroom))


def remember_projector(session, code: str, key: str) -> None:
    keys = dict(session.get(PROJECTOR_SESSION_KEY, {}))
    keys[code] = key
    session[PROJECTOR_SESSION_KEY] = keys


def may_project(classroom: Classroom, session) -> bool:
    """Whether this browser may show the class's projector: the teacher's, or one that opened
    the projector link."""
    key = session.get(PROJECTOR_SESSION_KEY, {}).get(classroom.code, "")
    return is_teacher(classroom, session) or projector_key_matches(classroom, key)


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
    """Delete classes that ended more than CLASS_RESULTS_DAYS ago (with all they hold, their
    stored replays too)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CLASS_RESULTS_DAYS)
    return delete_classes(Classroom.objects.filter(ended_at__lt=cutoff))


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

    id: int
    nickname: str
    customer: int | None
    score: int
    answered: int
    cart_breaks: int
    checkouts: int


NO_ANSWER = "no answer"


def class_results(classroom: Classroom) -> dict:
    """Everything the results page shows: each question's histogram and each student's answer
    to it (or "no answer"), each student's tally. The CSV is written from the same rows."""
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
        letter_of = {o["bank_key"]: letter(o["key"]) for o in layout}
        by_student = {a.student_id: a for a in answers}
        replies = []
        for student in students:
            given = by_student.get(student.pk)
            replies.append(
                {
                    "nickname": student.nickname,
                    "answer": " ".join(sorted(letter_of.get(k, k) for k in given.choice))
                    if given
                    else "",
                    "correct": (
                        ("yes" if given.correct else "no") if given is not None else NO_ANSWER
                    ),
                    "answered_at": given.answered_at.isoformat(timespec="seconds") if given else "",
                }
            )
        right = sum(1 for a in answers if a.correct)
        questions.append(
            {
                "number": number,
                "title": question_title(question.prompt),
                "prompt": question.prompt,
                "options": options,
                "answered": total,
                "right": right,
                "wrong": total - right,
                "unanswered": len(students) - total,
                "asked": len(students),
                "replies": replies,
                "right_letters": letters(o["key"] for o in layout if o["correct"]),
            }
        )
    people: list[StudentResult] = [
        {
            "id": s.pk,
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
    "score",
    "cart_breaks",
    "checkouts",
]


def result_rows(classroom: Classroom, results: dict | None = None) -> list[list[str]]:
    """One row per student per question sent ("no answer" when they gave none), each with the
    student's score, cart breaks and checkouts; a class without questions still has a row per
    student. Written from `class_results`, so the CSV and the results page agree."""
    results = results if results is not None else class_results(classroom)
    tally = {p["nickname"]: p for p in results["students"]}

    def student_columns(nickname: str) -> list[str]:
        person = tally[nickname]
        return [str(person["score"]), str(person["cart_breaks"]), str(person["checkouts"])]

    rows = []
    for question in results["questions"]:
        for reply in question["replies"]:
            rows.append(
                [
                    str(question["number"]),
                    question["title"],
                    reply["nickname"],
                    reply["answer"],
                    reply["correct"],
                    question["right_letters"],
                    reply["answered_at"],
                    *student_columns(reply["nickname"]),
                ]
            )
    if not results["questions"]:
        for person in sorted(results["students"], key=lambda p: p["id"]):
            rows.append(
                ["", "", person["nickname"], "", "", "", "", *student_columns(person["nickname"])]
            )
    return rows


# -- the ending every screen shows once the class is over ------------------------------------
PODIUM_PLACES = 3


def ended_class(code: str) -> Classroom | None:
    """The class with this code if it has ended and its results are still kept."""
    try:
        classroom = kept_class(code)
    except ClassNotFound:
        return None
    if classroom.ended_at is None and _idle_too_long(classroom):
        end_class(classroom.code)
        classroom.refresh_from_db()
    return classroom if classroom.ended_at is not None else None


def ending(classroom: Classroom) -> dict:
    """What the ended class's screens show: the podium (ties share a place, nobody is placed
    on zero points), the class's totals, and each student's own line by student id."""
    results = class_results(classroom)
    people = results["students"]
    board = ranked(people, limit=len(people))
    places = {entry["id"]: entry["place"] for entry in board}
    podium = [e for e in board if e["place"] is not None and e["place"] <= PODIUM_PLACES]
    questions = results["questions"]
    totals = {
        "students": len(people),
        "questions": len(questions),
        "answers": sum(q["answered"] for q in questions),
        "right": sum(q["right"] for q in questions),
        "cart_breaks": sum(p["cart_breaks"] for p in people),
        "checkouts": sum(p["checkouts"] for p in people),
    }
    mine = {p["id"]: {**p, "place": places[p["id"]], "questions": len(questions)} for p in people}
    return {"podium": podium, "totals": totals, "students": mine, "code": classroom.code}
