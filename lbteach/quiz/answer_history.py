"""What a learner has answered so far: the latest result per question, and what is due.

Shared by question selection (mistakes, due cards) and the progress page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import cast

from django.db.models import QuerySet

from lbteach.quiz.models import Attempt, CardState, Learner


def latest_results(learner: Learner) -> dict[int, Attempt]:
    """Each question's most recent answered attempt, keyed by question id."""
    latest: dict[int, Attempt] = {}
    answered = learner.attempts.filter(answered_at__isnull=False).order_by("answered_at", "id")
    for attempt in answered:
        latest[attempt.question_id] = attempt
    return latest


def mistake_question_ids(learner: Learner) -> list[int]:
    """Questions whose latest answer was wrong (or a flashcard rated Again), newest first."""
    latest = latest_results(learner).values()
    # latest_results holds answered attempts only, so answered_at is never None here.
    missed = sorted(
        (a for a in latest if a.missed), key=lambda a: cast(datetime, a.answered_at), reverse=True
    )
    return [attempt.question_id for attempt in missed]


def end_of_day(now: datetime) -> datetime:
    """The end of `now`'s day (UTC): "due today" includes cards coming back later today."""
    return datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)


def due_cards(learner: Learner, now: datetime) -> QuerySet[CardState]:
    """This learner's cards due before the day ends, soonest first."""
    return (
        CardState.objects.filter(learner=learner, due__lt=end_of_day(now), question__active=True)
        .select_related("question")
        .order_by("due", "id")
    )
