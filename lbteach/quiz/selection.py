"""Which questions a sitting asks, in which order, for each of the four quiz modes.

A quick quiz prefers what this learner has not yet got right; flashcards prefer cards that
are due, then new ones; "Review mistakes" is what they last got wrong; "Due today" is what
FSRS scheduled for today. `rng` is passed in so tests choose deterministically.
"""

from __future__ import annotations

import random
from datetime import datetime

from lbteach.quiz.models import Learner, Question, QuizRun
from lbteach.quiz.questions import CHOICE_KINDS, FLASHCARD
from lbteach.quiz.results import due_cards, mistake_question_ids

QUICK_SIZE = 10
FLASHCARD_SIZE = 10
MISTAKES_SIZE = 10
DUE_SIZE = 20


def _times_right(learner: Learner) -> dict[int, int]:
    counts: dict[int, int] = {}
    for question_id in learner.attempts.filter(correct=True).values_list("question_id", flat=True):
        counts[question_id] = counts.get(question_id, 0) + 1
    return counts


def quick_quiz(learner: Learner, topic: str, rng: random.Random) -> list[str]:
    pool = Question.objects.filter(active=True, kind__in=CHOICE_KINDS)
    if topic:
        pool = pool.filter(topic=topic)
    right = _times_right(learner)
    ranked = sorted(pool, key=lambda q: (right.get(q.pk, 0), rng.random()))
    return [question.key for question in ranked[:QUICK_SIZE]]


def flashcards(learner: Learner, topic: str, rng: random.Random, now: datetime) -> list[str]:
    pool = Question.objects.filter(active=True, kind=FLASHCARD)
    if topic:
        pool = pool.filter(topic=topic)
    due = {card.question_id: card.due for card in learner.cards.all()}
    never_seen = now.replace(year=1)

    def rank(question: Question) -> tuple:
        # Due cards first (most overdue first), then new cards (the syllabus's own interview
        # questions before the rest), then the rest by due date.
        when = due.get(question.pk)
        if when is None:
            return (1, never_seen, question.source != "seed", rng.random())
        return (0 if when <= now else 2, when, False, rng.random())

    return [question.key for question in sorted(pool, key=rank)[:FLASHCARD_SIZE]]


def mistakes(learner: Learner, topic: str) -> list[str]:
    ids = mistake_question_ids(learner)
    pool = Question.objects.filter(pk__in=ids, active=True)
    if topic:
        pool = pool.filter(topic=topic)
    keys = {question.pk: question.key for question in pool}
    return [keys[pk] for pk in ids if pk in keys][:MISTAKES_SIZE]


def due_today(learner: Learner, topic: str, now: datetime) -> list[str]:
    cards = due_cards(learner, now)
    if topic:
        cards = cards.filter(question__topic=topic)
    return [card.question.key for card in cards[:DUE_SIZE]]


def choose(learner: Learner, mode: str, topic: str, rng: random.Random, now: datetime) -> list[str]:
    if mode == QuizRun.QUICK:
        return quick_quiz(learner, topic, rng)
    if mode == QuizRun.FLASHCARDS:
        return flashcards(learner, topic, rng, now)
    if mode == QuizRun.MISTAKES:
        return mistakes(learner, topic)
    if mode == QuizRun.DUE:
        return due_today(learner, topic, now)
    raise ValueError(f"unknown quiz mode {mode!r}")


def start_run(
    learner: Learner, mode: str, topic: str, rng: random.Random, now: datetime
) -> QuizRun | None:
    """A new sitting, or None when the mode has nothing to ask (no mistakes, nothing due)."""
    keys = choose(learner, mode, topic, rng, now)
    if not keys:
        return None
    return QuizRun.objects.create(learner=learner, mode=mode, topic=topic, question_keys=keys)
