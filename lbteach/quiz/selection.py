"""Which questions a sitting asks, in which order, for each of the three quiz modes.

A quick quiz prefers what this learner has not yet got right; flashcards prefer cards that
are due, then new ones; today's study follows the one study queue (`study_queue`), one card
at a time. `rng` is passed in so tests choose deterministically.
"""

from __future__ import annotations

import random
from datetime import datetime

from lbteach.quiz.models import Learner, Question, QuizRun
from lbteach.quiz.questions import CHOICE_KINDS, FLASHCARD
from lbteach.quiz.study_queue import next_key

QUICK_SIZE = 10
FLASHCARD_SIZE = 10
# A study sitting ends after this many cards even if the queue is longer: take a break.
STUDY_SIZE = 50


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


def choose(learner: Learner, mode: str, topic: str, rng: random.Random, now: datetime) -> list[str]:
    if mode == QuizRun.QUICK:
        return quick_quiz(learner, topic, rng)
    if mode == QuizRun.FLASHCARDS:
        return flashcards(learner, topic, rng, now)
    if mode == QuizRun.STUDY:
        # The sitting grows one card at a time (runs.next_screen), so answers reorder it.
        key = next_key(learner, now, topic)
        return [key] if key else []
    raise ValueError(f"unknown quiz mode {mode!r}")


def start_run(
    learner: Learner, mode: str, topic: str, rng: random.Random, now: datetime
) -> QuizRun | None:
    """A new sitting, or None when the mode has nothing to ask (no mistakes, nothing due)."""
    keys = choose(learner, mode, topic, rng, now)
    if not keys:
        return None
    return QuizRun.objects.create(learner=learner, mode=mode, topic=topic, question_keys=keys)
