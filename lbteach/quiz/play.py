"""Asking and answering: serve a question with a signed token, grade it once, schedule it.

Each function returns a `Screen`, everything a template needs to draw one state of the quiz
card, or raises a `PlayError` carrying the status and a message fit to show. The question
stage of a Screen never holds a correct flag, an explanation or a model answer: what the
page cannot receive, it cannot leak.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from django.core import signing
from django.db import transaction
from django.urls import reverse

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz import scheduling
from lbteach.quiz.grading import AnswerError, Grade, feedback, grade
from lbteach.quiz.models import Attempt, CardState, Learner, Question, QuizRun
from lbteach.quiz.questions import FLASHCARD, KIND_LABELS, MULTIPLE, TRUE_FALSE

TOKEN_SALT = "lbteach.quiz.attempt"
MAX_RESPONSE = 4000
# A served token is under 60 characters; the signing key may be public, so a signed token
# is still user input: its length and its value's type and range are checked before use.
MAX_TOKEN = 200
MAX_ATTEMPT_ID = 2**63 - 1  # the largest primary key any supported database stores
MAX_KEY = 80  # Question.key's max_length
_shuffle = random.SystemRandom()


class PlayError(Exception):
    """An answer the quiz cannot accept; `screen` (if any) is what to show with the message."""

    status = 400

    def __init__(self, message: str, screen: Screen | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.screen = screen


class NotAsked(PlayError):
    """No usable token: the question was never asked of this browser (or the field is missing)."""


class BadAnswer(PlayError):
    """The question was asked, but this answer is incomplete or tampered with."""


class AlreadyAnswered(PlayError):
    """The same question answered twice: the first answer stands, nothing changes."""

    status = 409


@dataclass(frozen=True)
class AskedOption:
    number: int
    text: str


@dataclass(frozen=True)
class ShownQuestion:
    key: str
    kind: str
    kind_label: str
    topic: str
    topic_title: str
    prompt: str

    @property
    def is_flashcard(self) -> bool:
        return self.kind == FLASHCARD

    @property
    def is_multiple(self) -> bool:
        return self.kind == MULTIPLE

    @property
    def lesson_url(self) -> str:
        return reverse("lessons:detail", args=[self.topic])


@dataclass(frozen=True)
class RatingChoice:
    value: int
    label: str
    wait: str


@dataclass
class Screen:
    stage: str  # "question", "result", "reveal" or "rated"
    question: ShownQuestion
    token: str
    run: QuizRun | None = None
    number: int = 0
    options: list[AskedOption] = field(default_factory=list)
    grade: Grade | None = None
    feedback: list[tuple[int, object]] = field(default_factory=list)
    explanation: str = ""
    model_answer: str = ""
    response: str = ""
    rating_label: str = ""
    next_review: str = ""
    rating_choices: list[RatingChoice] = field(default_factory=list)
    lab_url: str = ""
    notice: str = ""

    @property
    def total(self) -> int:
        return self.run.total if self.run else 0

    @property
    def correct(self) -> bool | None:
        return self.grade.correct if self.grade else None

    @property
    def next_url(self) -> str:
        return reverse("quiz:run", args=[self.run.pk]) if self.run else reverse("quiz:bank")

    @property
    def is_study(self) -> bool:
        """A card of today's study queue: the sitting grows as the queue serves it."""
        return self.run is not None and self.run.mode == QuizRun.STUDY

    @property
    def next_label(self) -> str:
        if not self.run:
            return "Back to the question bank"
        if self.is_study:
            return "Next card"
        return "See your score" if self.number >= self.total else "Next question"


# Tokens -------------------------------------------------------------------------------------


def token_for(attempt: Attempt) -> str:
    # No timestamp: a question left open for days is still answerable, and a reload shows
    # the same token, so the page is the same whatever the clock says.
    return signing.Signer(salt=TOKEN_SALT).sign_object(attempt.pk)


def attempt_for(learner: Learner | None, token: str, question_key: str) -> Attempt:
    """The attempt a posted token names, if it was served to this learner for this question."""
    if not token:
        raise NotAsked(
            "This answer is missing its question token. Reload the question and answer again."
        )
    if len(token) > MAX_TOKEN:
        raise NotAsked("This answer's question token is not valid. Reload the question.")
    if not question_key or len(question_key) > MAX_KEY:
        raise NotAsked("This answer does not say which question it answers. Reload the question.")
    try:
        attempt_id = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except signing.BadSignature:
        raise NotAsked("This answer's question token is not valid. Reload the question.") from None
    attempt = (
        Attempt.objects.select_related("question", "run").filter(pk=attempt_id).first()
        if learner and type(attempt_id) is int and 0 < attempt_id <= MAX_ATTEMPT_ID
        else None
    )
    if (
        learner is None
        or attempt is None
        or attempt.learner_id != learner.pk
        or attempt.question.key != question_key
    ):
        raise NotAsked(
            "That question was not asked in this browser, so the answer was not counted."
        )
    return attempt


# Building screens ---------------------------------------------------------------------------


def _shown(question: Question) -> ShownQuestion:
    lesson = load_catalogue().get(question.topic)
    return ShownQuestion(
        key=question.key,
        kind=question.kind,
        kind_label=KIND_LABELS.get(question.kind, question.kind),
        topic=question.topic,
        topic_title=lesson.title if lesson else question.topic,
        prompt=question.prompt,
    )


def _ordered_keys(attempt: Attempt) -> list[str]:
    """The option keys in the order this attempt showed them (new options, if any, last)."""
    keys = [option.key for option in attempt.question.options.all()]
    shown = [key for key in attempt.option_order if key in keys]
    return shown + [key for key in keys if key not in shown]


def _base(attempt: Attempt, stage: str) -> Screen:
    return Screen(
        stage=stage,
        question=_shown(attempt.question),
        token=token_for(attempt),
        run=attempt.run,
        number=(attempt.position or 0) + 1,
        lab_url=f"{reverse('lab:lab')}?scenario={attempt.question.lab_preset}"
        if attempt.question.lab_preset
        else "",
    )


def question_screen(attempt: Attempt, notice: str = "") -> Screen:
    screen = _base(attempt, "question")
    texts = {option.key: option.text for option in attempt.question.options.all()}
    screen.options = [
        AskedOption(number, texts[key]) for number, key in enumerate(_ordered_keys(attempt), 1)
    ]
    screen.response = attempt.response
    screen.notice = notice
    return screen


def result_screen(attempt: Attempt, notice: str = "") -> Screen:
    screen = _base(attempt, "result")
    result = feedback(attempt.question.as_data(), attempt.chosen, bool(attempt.correct))
    by_key = {option.key: option for option in result.options}
    screen.grade = result
    screen.feedback = [
        (number, by_key[key]) for number, key in enumerate(_ordered_keys(attempt), 1)
    ]
    screen.explanation = result.explanation
    screen.notice = notice
    return screen


def _card(learner: Learner, question: Question, now: datetime) -> CardState:
    card = CardState.objects.filter(learner=learner, question=question).first()
    return card or CardState(learner=learner, question=question, due=now)


def reveal_screen(attempt: Attempt, now: datetime, notice: str = "") -> Screen:
    screen = _base(attempt, "reveal")
    screen.model_answer = attempt.question.model_answer
    screen.explanation = attempt.question.explanation
    screen.response = attempt.response
    waits = scheduling.preview(_card(attempt.learner, attempt.question, now).to_card(), now)
    screen.rating_choices = [
        RatingChoice(rating.value, label, scheduling.describe_interval(waits[rating]))
        for rating, label in scheduling.RATINGS.items()
    ]
    screen.notice = notice
    return screen


def rated_screen(attempt: Attempt, notice: str = "") -> Screen:
    screen = _base(attempt, "rated")
    screen.model_answer = attempt.question.model_answer
    screen.explanation = attempt.question.explanation
    screen.response = attempt.response
    # A flashcard is answered only by rate(), which stores its rating and answered_at together.
    rating = cast(int, attempt.rating)
    answered_at = cast(datetime, attempt.answered_at)
    screen.rating_label = scheduling.RATINGS[scheduling.Rating(rating)]
    card = CardState.objects.filter(learner=attempt.learner, question=attempt.question).first()
    if card:
        screen.next_review = scheduling.describe_interval(card.due - answered_at)
    screen.notice = notice
    return screen


def screen_for(attempt: Attempt, now: datetime, notice: str = "") -> Screen:
    """Whatever stage the attempt is at: asked, revealed, or answered."""
    if attempt.answered and attempt.question.kind == FLASHCARD:
        return rated_screen(attempt, notice)
    if attempt.answered:
        return result_screen(attempt, notice)
    if attempt.revealed_at:
        return reveal_screen(attempt, now, notice)
    return question_screen(attempt, notice)


# Serving ------------------------------------------------------------------------------------


def serve(
    learner: Learner,
    question: Question,
    now: datetime,
    run: QuizRun | None = None,
    position: int | None = None,
) -> Screen:
    """Show a question, reusing its open attempt: a reload neither re-shuffles nor adds rows."""
    attempt = (
        Attempt.objects.select_related("question", "run")
        .filter(learner=learner, question=question, run=run, position=position)
        .filter(answered_at__isnull=True)
        .order_by("-served_at")
        .first()
    )
    if attempt is None:
        keys = [option.key for option in question.options.all()]
        # True comes before False; any other options are shuffled so position gives nothing away.
        if question.kind != TRUE_FALSE:
            _shuffle.shuffle(keys)
        attempt = Attempt.objects.create(
            learner=learner,
            question=question,
            run=run,
            position=position,
            option_order=keys,
            served_at=now,
        )
    return screen_for(attempt, now)


# Answering ----------------------------------------------------------------------------------


def _picked_keys(attempt: Attempt, numbers: list[str]) -> list[str]:
    keys = _ordered_keys(attempt)
    picked = []
    if len(numbers) > len(keys):
        raise BadAnswer(
            "That answer names more options than this question has; nothing was counted.",
            question_screen(attempt),
        )
    for number in numbers:
        # Length first: int() of a long digit string raises (and is slow).
        if len(number) > 2 or not number.isdigit() or not 1 <= int(number) <= len(keys):
            raise BadAnswer(
                "That answer is not one of this question's options; nothing was counted.",
                question_screen(attempt),
            )
        picked.append(keys[int(number) - 1])
    return picked


def _schedule(attempt: Attempt, rating: scheduling.Rating, now: datetime) -> None:
    card = _card(attempt.learner, attempt.question, now)
    card.take(scheduling.review(card.to_card(), rating, now))
    card.reviews += 1
    card.save()


def _advance(attempt: Attempt, now: datetime) -> None:
    run = attempt.run
    if run is None or attempt.position is None:
        return
    following = attempt.position + 1
    QuizRun.objects.filter(pk=run.pk, position=attempt.position).update(
        position=following, finished_at=now if following >= run.total else None
    )
    run.refresh_from_db()


def _record(attempt: Attempt, now: datetime, review: scheduling.Rating, **answer: object) -> None:
    """Store the answer unless already stored: the update is the lock; a resubmit counts once."""
    with transaction.atomic():
        stored = Attempt.objects.filter(pk=attempt.pk, answered_at__isnull=True).update(
            answered_at=now, **answer
        )
        if not stored:
            attempt.refresh_from_db()
            raise _already(attempt, now)
        _schedule(attempt, review, now)
        _advance(attempt, now)
    attempt.refresh_from_db()


def _already(attempt: Attempt, now: datetime) -> AlreadyAnswered:
    return AlreadyAnswered(
        "You already answered this question. Your first answer counts, shown below.",
        screen_for(attempt, now),
    )


def answer(
    learner: Learner | None, token: str, question_key: str, numbers: list[str], now: datetime
) -> Screen:
    """Grade a choice answer (option numbers as shown), record it once and schedule the card."""
    attempt = attempt_for(learner, token, question_key)
    if attempt.answered:
        raise _already(attempt, now)
    if attempt.question.kind == FLASHCARD:
        raise BadAnswer(
            "This is a flashcard: reveal the model answer, then rate yourself.",
            screen_for(attempt, now),
        )
    picked = _picked_keys(attempt, numbers)
    try:
        result = grade(attempt.question.as_data(), picked)
    except AnswerError as error:
        raise BadAnswer(str(error), question_screen(attempt)) from error
    _record(
        attempt,
        now,
        scheduling.rating_for_result(result.correct),
        chosen=list(result.chosen),
        correct=result.correct,
    )
    return result_screen(attempt)


def _open_flashcard(
    learner: Learner | None, token: str, question_key: str, now: datetime
) -> Attempt:
    """The served, unanswered flashcard this token names, or the error to show instead."""
    attempt = attempt_for(learner, token, question_key)
    if attempt.answered:
        raise _already(attempt, now)
    if attempt.question.kind != FLASHCARD:
        raise BadAnswer(
            "This question is answered by choosing an option.", question_screen(attempt)
        )
    return attempt


def reveal(
    learner: Learner | None, token: str, question_key: str, response: str, now: datetime
) -> Screen:
    """Show a flashcard's model answer, keeping what the learner typed beside it."""
    attempt = _open_flashcard(learner, token, question_key, now)
    if len(response) > MAX_RESPONSE:
        raise BadAnswer(
            f"Keep your answer under {MAX_RESPONSE:,} characters.", question_screen(attempt)
        )
    if attempt.revealed_at is None:
        Attempt.objects.filter(pk=attempt.pk, revealed_at__isnull=True).update(
            revealed_at=now, response=response.strip()
        )
        attempt.refresh_from_db()
    return reveal_screen(attempt, now)


def rate(
    learner: Learner | None, token: str, question_key: str, rating_value: str, now: datetime
) -> Screen:
    """Record the learner's own Again / Hard / Good / Easy for a revealed flashcard, once."""
    attempt = _open_flashcard(learner, token, question_key, now)
    if attempt.revealed_at is None:
        raise BadAnswer("Reveal the model answer before rating yourself.", question_screen(attempt))
    rating = scheduling.parse_rating(rating_value)
    if rating is None:
        raise BadAnswer("Rate yourself Again, Hard, Good or Easy.", reveal_screen(attempt, now))
    _record(attempt, now, rating, rating=rating.value)
    return rated_screen(attempt)
