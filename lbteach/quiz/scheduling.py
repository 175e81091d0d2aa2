"""Spaced repetition with FSRS: when each question should come back to each learner.

A choice question's result becomes an FSRS rating (wrong -> Again, right -> Good); a
flashcard uses the learner's own rating. Fuzzing is off so a schedule is reproducible:
the same reviews at the same times always give the same due dates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(enable_fuzzing=False)

RATINGS = {
    Rating.Again: "Again",
    Rating.Hard: "Hard",
    Rating.Good: "Good",
    Rating.Easy: "Easy",
}


def utc(moment: datetime) -> datetime:
    # fsrs insists on datetime.timezone.utc itself, not any zero-offset zone a database returns.
    return moment.astimezone(UTC)


def new_card(now: datetime) -> Card:
    # An explicit id: fsrs otherwise derives one from the clock and sleeps a millisecond.
    return Card(card_id=1, due=utc(now))


def rating_for_result(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def parse_rating(value: object) -> Rating | None:
    """The Rating a form value names ("1".."4"), or None for anything else."""
    try:
        return Rating(int(str(value)))
    except ValueError:
        return None


def review(card: Card, rating: Rating, now: datetime) -> Card:
    reviewed, _log = SCHEDULER.review_card(card, rating, review_datetime=utc(now))
    return reviewed


def preview(card: Card, now: datetime) -> dict[Rating, timedelta]:
    """How long until the card comes back after each possible rating given now."""
    return {rating: review(card, rating, now).due - utc(now) for rating in RATINGS}


def describe_interval(interval: timedelta) -> str:
    """A short human phrase for a wait: "10 minutes", "1 day", "3 months"."""
    minutes = max(1, round(interval.total_seconds() / 60))
    for unit, size in (("year", 525_600), ("month", 43_200), ("day", 1_440), ("hour", 60)):
        if minutes >= size:
            count = round(minutes / size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"
