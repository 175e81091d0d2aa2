"""Today's study queue, as Anki keeps it: new, learning and review cards in one line.

- Learning: cards in FSRS's learning or relearning steps whose step is due now. A wrong
  answer puts a card here; answering it sends it minutes or days ahead.
- Review: cards that graduated and are due before the UTC day ends.
- New: questions this learner has never answered, at most `QUIZ_NEW_PER_DAY` a day (the
  syllabus's own questions first).

Every answer reschedules the card it answered (see `play`), and the due time FSRS gives is
always in the future, so every answer takes its card out of the counts until it is due again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.db.models import Min, QuerySet
from fsrs import State

from lbteach.quiz.answer_history import end_of_day
from lbteach.quiz.models import CardState, Learner, Question

LEARNING_STATES = (State.Learning.value, State.Relearning.value)


@dataclass(frozen=True)
class QueueCounts:
    new: int
    learning: int
    review: int
    later_today: int  # learning steps that come due before the day ends
    new_per_day: int
    new_today: int  # questions answered for the first time today

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


def new_per_day() -> int:
    return max(0, int(settings.QUIZ_NEW_PER_DAY))


def start_of_day(now: datetime) -> datetime:
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


def _cards(learner: Learner, topic: str) -> QuerySet[CardState]:
    cards = CardState.objects.filter(learner=learner, question__active=True)
    return cards.filter(question__topic=topic) if topic else cards


def _learning(learner: Learner, topic: str, now: datetime) -> QuerySet[CardState]:
    return _cards(learner, topic).filter(state__in=LEARNING_STATES, due__lte=now)


def _review(learner: Learner, topic: str, now: datetime) -> QuerySet[CardState]:
    return _cards(learner, topic).filter(state=State.Review.value, due__lt=end_of_day(now))


def _new_pool(learner: Learner | None, topic: str) -> QuerySet[Question]:
    pool = Question.objects.filter(active=True)
    if topic:
        pool = pool.filter(topic=topic)
    if learner is not None:
        pool = pool.exclude(cards__learner=learner)
    return pool


def new_today(learner: Learner, now: datetime) -> int:
    """Questions whose first answer ever, from this learner, came today."""
    firsts = (
        learner.attempts.filter(answered_at__isnull=False)
        .values("question_id")
        .annotate(first=Min("answered_at"))
        .filter(first__gte=start_of_day(now))
    )
    return firsts.count()


def counts(learner: Learner | None, now: datetime, topic: str = "") -> QueueCounts:
    limit = new_per_day()
    if learner is None:
        return QueueCounts(min(limit, _new_pool(None, topic).count()), 0, 0, 0, limit, 0)
    started = new_today(learner, now)
    later = _cards(learner, topic).filter(
        state__in=LEARNING_STATES, due__gt=now, due__lt=end_of_day(now)
    )
    return QueueCounts(
        new=min(max(0, limit - started), _new_pool(learner, topic).count()),
        learning=_learning(learner, topic, now).count(),
        review=_review(learner, topic, now).count(),
        later_today=later.count(),
        new_per_day=limit,
        new_today=started,
    )


def next_key(learner: Learner, now: datetime, topic: str = "") -> str | None:
    """The question to study next: learning steps due now, then reviews, then a new question."""
    for cards in (_learning(learner, topic, now), _review(learner, topic, now)):
        card = cards.select_related("question").order_by("due", "id").first()
        if card is not None:
            return card.question.key
    if new_per_day() - new_today(learner, now) <= 0:
        return None
    # The syllabus's own questions first, then the bank's order.
    fresh = sorted(
        _new_pool(learner, topic).values_list("source", "position", "key"),
        key=lambda row: (row[0] != "seed", row[1], row[2]),
    )
    return fresh[0][2] if fresh else None
