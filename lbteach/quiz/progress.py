"""A learner's progress: mastery, streak, study queue, heatmap, retention, history; and reset.

A question counts as known when its latest answer was right (or a flashcard rated Hard,
Good or Easy). Mastery of a topic is the share of its questions known. Retention is the
share of answers in the last 30 days that were recalled (right, or rated Hard or better),
per topic and per drill type. Days are UTC days; drills count as study days too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from django.db import transaction

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz import charts, study_queue
from lbteach.quiz.answer_history import due_cards, latest_results, mistake_question_ids
from lbteach.quiz.drills import KINDS
from lbteach.quiz.models import Attempt, Learner, Question
from lbteach.quiz.scheduling import RATINGS, Rating, describe_interval

HISTORY_SIZE = 20


@dataclass(frozen=True)
class TopicMastery:
    slug: str
    title: str
    questions: int
    answered: int
    known: int

    @property
    def percent(self) -> int:
        return round(100 * self.known / self.questions) if self.questions else 0


@dataclass(frozen=True)
class DueItem:
    prompt: str
    topic: str
    when: str


@dataclass(frozen=True)
class HistoryItem:
    answered_at: datetime
    prompt: str
    topic: str
    outcome: str
    label: str


@dataclass(frozen=True)
class Progress:
    topics: tuple[TopicMastery, ...]
    streak: int
    answered_today: bool
    due_now: int
    due_today: int
    due_soon: tuple[DueItem, ...]
    mistakes: int
    history: tuple[HistoryItem, ...]
    total_answers: int
    queue: study_queue.QueueCounts
    heatmap: charts.Heatmap
    retention: charts.Retention

    @property
    def known(self) -> int:
        return sum(topic.known for topic in self.topics)

    @property
    def questions(self) -> int:
        return sum(topic.questions for topic in self.topics)


def streak(days: set[date], today: date) -> int:
    """Consecutive days with an answer, ending today, or yesterday while today is still open."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def is_known(attempt: Attempt) -> bool:
    return bool(attempt.correct) or (attempt.correct is None and (attempt.rating or 0) >= 2)


def _label(attempt: Attempt) -> tuple[str, str]:
    """The outcome of an answered attempt."""
    if attempt.correct is None:
        # An answered attempt without a grade is a flashcard, and rating it answered it.
        return ("rated", f"Rated {RATINGS[Rating(cast(int, attempt.rating))]}")
    return ("right", "Right") if attempt.correct else ("wrong", "Wrong")


def mastery(learner: Learner | None) -> tuple[TopicMastery, ...]:
    latest = latest_results(learner) if learner else {}
    by_topic: dict[str, list[int]] = {}
    for question_id, topic in Question.objects.filter(active=True).values_list("id", "topic"):
        by_topic.setdefault(topic, []).append(question_id)
    rows = []
    for lesson in load_catalogue().lessons:
        ids = by_topic.get(lesson.slug, [])
        seen = [latest[pk] for pk in ids if pk in latest]
        rows.append(
            TopicMastery(
                slug=lesson.slug,
                title=lesson.title,
                questions=len(ids),
                answered=len(seen),
                known=sum(is_known(attempt) for attempt in seen),
            )
        )
    return tuple(rows)


def study_days(learner: Learner | None) -> Counter[date]:
    """Answers per UTC day: questions and drills alike."""
    if learner is None:
        return Counter()
    moments = list(
        learner.attempts.filter(answered_at__isnull=False).values_list("answered_at", flat=True)
    )
    moments += list(learner.drill_answers.values_list("answered_at", flat=True))
    return Counter(moment.date() for moment in moments if moment is not None)


def retention(learner: Learner | None, now: datetime) -> charts.Retention:
    """Per topic, then per drill type: answers in the window and how many were recalled."""
    since = now - timedelta(days=charts.RETENTION_DAYS)
    tallies: dict[str, list[int]] = {}
    if learner is not None:
        recent = learner.attempts.filter(answered_at__gte=since).select_related("question")
        for attempt in recent:
            counts = tallies.setdefault(attempt.question.topic, [0, 0])
            counts[0] += 1
            counts[1] += int(is_known(attempt))
        for drill, correct in learner.drill_answers.filter(answered_at__gte=since).values_list(
            "drill", "correct"
        ):
            counts = tallies.setdefault(f"drill:{drill}", [0, 0])
            counts[0] += 1
            counts[1] += int(correct)
    labels = [(lesson.slug, lesson.title) for lesson in load_catalogue().lessons]
    labels += [(f"drill:{slug}", f"Drill: {kind.short}") for slug, kind in KINDS.items()]
    rows = []
    for key, label in labels:
        answers, recalled = tallies.get(key, [0, 0])
        rows.append((label, answers, recalled))
    return charts.retention(rows)


def progress(learner: Learner | None, now: datetime) -> Progress:
    if learner is None:
        return Progress(
            mastery(None),
            0,
            False,
            0,
            0,
            (),
            0,
            (),
            0,
            study_queue.counts(None, now),
            charts.heatmap({}, now.date()),
            retention(None, now),
        )
    answered = learner.attempts.filter(answered_at__isnull=False).select_related("question")
    per_day = study_days(learner)
    days = set(per_day)
    due = list(due_cards(learner, now))
    history = []
    for attempt in answered.order_by("-answered_at", "-id")[:HISTORY_SIZE]:
        outcome, label = _label(attempt)
        history.append(
            HistoryItem(
                cast(datetime, attempt.answered_at),  # answered: the query filters on it
                attempt.question.prompt,
                attempt.question.topic,
                outcome,
                label,
            )
        )
    return Progress(
        topics=mastery(learner),
        streak=streak(days, now.date()),
        answered_today=now.date() in days,
        due_now=sum(card.due <= now for card in due),
        due_today=len(due),
        due_soon=tuple(
            DueItem(
                card.question.prompt,
                card.question.topic,
                "now" if card.due <= now else f"in {describe_interval(card.due - now)}",
            )
            for card in due[:10]
        ),
        mistakes=len(mistake_question_ids(learner)),
        history=tuple(history),
        total_answers=answered.count(),
        queue=study_queue.counts(learner, now),
        heatmap=charts.heatmap(per_day, now.date()),
        retention=retention(learner, now),
    )


def reset(learner: Learner | None) -> int:
    """Forget everything this learner answered; returns how many answers were erased."""
    if learner is None:
        return 0
    with transaction.atomic():
        erased = learner.attempts.filter(answered_at__isnull=False).count()
        erased += learner.drill_answers.count()
        learner.attempts.all().delete()
        learner.cards.all().delete()
        learner.drill_answers.all().delete()
        learner.drill_cards.all().delete()
        learner.runs.all().delete()
    return erased
