"""The class quiz in the database: questions sent, the options' order, answers, reveals.

The database is the quiz's source of truth: an answer counts once it is stored here, and a
restored room agrees with what is stored (`stored_answers`). Synchronous Django ORM code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lbteach.classroom.models import ClassAnswer, ClassQuestion, Classroom


def record_question(code: str, key: str, prompt: str, seconds: int) -> int:
    classroom = Classroom.objects.get(code=code)
    question = ClassQuestion.objects.create(
        classroom=classroom,
        question_key=key,
        prompt=prompt,
        closes_at=timezone.now() + timedelta(seconds=seconds),
    )
    return question.pk


def record_layout(question_id: int, quiz: dict[str, Any]) -> None:
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


def mark_revealed(question_id: int) -> None:
    ClassQuestion.objects.filter(pk=question_id).update(revealed=True)


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
