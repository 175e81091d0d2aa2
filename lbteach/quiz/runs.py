"""A sitting (quick quiz, flashcards, today's study): its next question and its score."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from lbteach.quiz import play, selection, study_queue
from lbteach.quiz.models import Attempt, Learner, Question, QuizRun
from lbteach.quiz.scheduling import RATINGS, Rating

MODE_NAMES = dict(QuizRun.MODES)
EMPTY_MESSAGES = {
    QuizRun.QUICK: "There are no questions on that topic yet.",
    QuizRun.FLASHCARDS: "There are no flashcards on that topic yet.",
    QuizRun.STUDY: "Nothing to study right now: no card is due and today's new cards are done."
    " Come back later, or take a quick quiz.",
}


class NothingToAsk(Exception):
    """The chosen mode has no questions for this learner right now."""


def start(
    learner: Learner, mode: str, topic: str, now: datetime, rng: random.Random | None = None
) -> QuizRun:
    run = selection.start_run(learner, mode, topic, rng or random.Random(), now)
    if run is None:
        raise NothingToAsk(EMPTY_MESSAGES[mode])
    return run


def find_run(learner: Learner | None, run_id: uuid.UUID) -> QuizRun | None:
    """The learner's own run; someone else's run id finds nothing."""
    if learner is None:
        return None
    return QuizRun.objects.filter(pk=run_id, learner=learner).first()


@dataclass(frozen=True)
class SummaryRow:
    number: int
    prompt: str
    topic: str
    outcome: str  # "right", "wrong", "rated" or "skipped"
    label: str


@dataclass(frozen=True)
class Summary:
    run: QuizRun
    mode_name: str
    rows: tuple[SummaryRow, ...]
    right: int
    graded: int

    @property
    def wrong(self) -> int:
        return self.graded - self.right


def summary(run: QuizRun) -> Summary:
    answered = {
        attempt.position: attempt
        for attempt in Attempt.objects.filter(run=run, answered_at__isnull=False).select_related(
            "question"
        )
    }
    prompts = {q.key: q for q in Question.objects.filter(key__in=run.question_keys)}
    rows = []
    for position, key in enumerate(run.question_keys):
        question = prompts.get(key)
        attempt = answered.get(position)
        if attempt is None:
            outcome, label = "skipped", "Not answered"
        elif attempt.correct is None:
            # Answered without a grade: a flashcard, which rating answered.
            outcome, label = "rated", f"Rated {RATINGS[Rating(cast(int, attempt.rating))]}"
        else:
            outcome, label = ("right", "Right") if attempt.correct else ("wrong", "Wrong")
        rows.append(
            SummaryRow(
                number=position + 1,
                prompt=question.prompt if question else key,
                topic=question.topic if question else "",
                outcome=outcome,
                label=label,
            )
        )
    graded = [row for row in rows if row.outcome in ("right", "wrong")]
    return Summary(
        run=run,
        mode_name=MODE_NAMES[run.mode],
        rows=tuple(rows),
        right=sum(row.outcome == "right" for row in graded),
        graded=len(graded),
    )


def next_screen(learner: Learner, run: QuizRun, now: datetime) -> play.Screen | Summary:
    """The question the run is at, or its summary once every question has been answered."""
    if run.mode == QuizRun.STUDY and run.finished and run.total < selection.STUDY_SIZE:
        key = study_queue.next_key(learner, now, run.topic)
        if key is not None:
            run.question_keys = [*run.question_keys, key]
            run.finished_at = None
            run.save(update_fields=["question_keys", "finished_at"])
    while not run.finished:
        question = (
            Question.objects.filter(key=run.question_keys[run.position], active=True)
            .prefetch_related("options")
            .first()
        )
        if question is not None:
            return play.serve(learner, question, now, run=run, position=run.position)
        # A question removed from the bank since the run began is skipped, not an error.
        run.position += 1
        run.save(update_fields=["position"])
    if run.finished_at is None:
        run.finished_at = now
        run.save(update_fields=["finished_at"])
    return summary(run)
