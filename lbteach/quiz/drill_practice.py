"""Practising drills: serve one with a signed token, grade it once, schedule its drill type.

Each drill type is one FSRS card per learner (a right prediction rates Good, a wrong one
Again), so drills feed the same spaced repetition as the question bank, and the drills page
offers the types that are due first. Errors raise `DrillRefused` with the status and a
message fit to show; nothing is stored for a refused answer.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from lbteach.quiz import scheduling
from lbteach.quiz.drills import KINDS, SEED_MAX, Drill, DrillError, DrillKind, check, generate
from lbteach.quiz.models import DrillAnswer, DrillCard, Learner

TOKEN_SALT = "lbteach.quiz.drill"
# A served token is about 90 characters; anything much longer was not served by us.
MAX_TOKEN = 200
# The nonce is uuid4().hex: exactly what DrillAnswer.nonce stores, never more.
NONCE = re.compile(r"[0-9a-f]{32}")
_seeds = random.SystemRandom()


class DrillRefused(Exception):
    def __init__(self, message: str, status: int = 400, screen: DrillScreen | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.screen = screen


@dataclass(frozen=True)
class DrillScreen:
    stage: str  # "question" or "result"
    drill: Drill
    kind: DrillKind
    token: str = ""
    chosen: int = 0
    next_review: str = ""

    @property
    def correct(self) -> bool:
        return self.chosen == self.drill.answer

    @property
    def replay_url(self) -> str:
        return reverse("quiz:drill", args=[self.drill.kind, self.drill.seed])

    @property
    def lab_url(self) -> str:
        return f"{reverse('lab:lab')}?{urlencode(self.drill.lab)}"


@dataclass(frozen=True)
class KindStatus:
    kind: DrillKind
    answers: int
    right: int
    due: bool
    when: str  # "new", "due now" or "in 3 days"


def random_seed(learner: Learner | None = None, kind: str = "") -> int:
    """A seed for a fresh instance: never one this learner has already answered for `kind`.

    A drill type is the card that is scheduled, so a type that comes back (after a wrong
    answer, say) comes back with new numbers, not the instance the learner just saw.
    """
    seen = (
        set(learner.drill_answers.filter(drill=kind).values_list("seed", flat=True))
        if learner is not None and kind
        else set()
    )
    while True:  # at most a few draws: a learner answers far fewer than a million seeds
        seed = _seeds.randint(0, SEED_MAX)
        if seed not in seen:
            return seed


def _drill(kind: str, seed: object) -> Drill:
    try:
        return generate(kind, seed)
    except DrillError as error:
        raise DrillRefused(str(error)) from None


def check_kind(kind: str) -> None:
    """DrillRefused unless `kind` names a drill type."""
    try:
        check(kind, 0)
    except DrillError as error:
        raise DrillRefused(str(error)) from None


def token_for(drill: Drill) -> str:
    nonce = uuid.uuid4().hex
    return signing.Signer(salt=TOKEN_SALT).sign_object(
        {"k": drill.kind, "s": drill.seed, "n": nonce}
    )


def serve(kind: str, seed: object) -> DrillScreen:
    drill = _drill(kind, seed)
    return DrillScreen("question", drill, KINDS[kind], token=token_for(drill))


def _nonce(drill: Drill, token: str) -> str:
    """The served nonce a token carries, each field checked for type and length first.

    The signing key may be known to anyone, so a well-signed token is still user input.
    """
    invalid = DrillRefused("This answer's drill token is not valid. Reload the drill.")
    if not token or len(token) > MAX_TOKEN:
        raise invalid
    try:
        data = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or set(data) != {"k", "s", "n"}:
        raise invalid
    kind, seed, nonce = data["k"], data["s"], data["n"]
    if not (isinstance(nonce, str) and NONCE.fullmatch(nonce)):
        raise invalid
    if not isinstance(kind, str) or type(seed) is not int:
        raise invalid
    if kind != drill.kind or seed != drill.seed:
        raise DrillRefused("This answer belongs to another drill, so it was not counted.")
    return nonce


def _choice(drill: Drill, value: str) -> int:
    # The length check comes first: int() of a long digit string raises (and is slow).
    if (
        len(value) > 2
        or not (value.isascii() and value.isdigit())
        or not 1 <= int(value) <= len(drill.options)
    ):
        raise DrillRefused("That answer is not one of this drill's options; nothing was counted.")
    return int(value)


def _schedule(learner: Learner, kind: str, correct: bool, now: datetime) -> DrillCard:
    card = DrillCard.objects.filter(learner=learner, drill=kind).first()
    if card is None:
        card = DrillCard(learner=learner, drill=kind, due=now)
    card.take(scheduling.review(card.to_card(), scheduling.rating_for_result(correct), now))
    card.reviews += 1
    card.save()
    return card


@dataclass(frozen=True)
class Prediction:
    """A posted answer that passed every check: which drill, which serving, which option."""

    drill: Drill
    nonce: str
    chosen: int


def parse_answer(kind: str, seed: object, token: str, value: str) -> Prediction:
    """Check a posted answer against the drill it claims to answer; nothing is stored."""
    drill = _drill(kind, seed)
    return Prediction(drill, _nonce(drill, token), _choice(drill, value))


def record(learner: Learner, prediction: Prediction, now: datetime) -> DrillScreen:
    """Grade a prediction against the engine's answer, once per served drill."""
    drill, nonce, chosen = prediction.drill, prediction.nonce, prediction.chosen
    kind = KINDS[drill.kind]
    first = DrillAnswer.objects.filter(nonce=nonce).first()
    if first is None:
        try:
            with transaction.atomic():
                DrillAnswer.objects.create(
                    learner=learner,
                    drill=drill.kind,
                    seed=drill.seed,
                    nonce=nonce,
                    choice=chosen,
                    correct=chosen == drill.answer,
                    answered_at=now,
                )
                card = _schedule(learner, drill.kind, chosen == drill.answer, now)
        except IntegrityError:
            first = DrillAnswer.objects.filter(nonce=nonce).first()
        else:
            wait = scheduling.describe_interval(card.due - now)
            return DrillScreen("result", drill, kind, chosen=chosen, next_review=wait)
    shown = DrillScreen("result", drill, kind, chosen=first.choice if first else chosen)
    raise DrillRefused(
        "You already answered this drill. Your first answer counts, shown below.", 409, shown
    )


def statuses(learner: Learner | None, now: datetime) -> list[KindStatus]:
    """Every drill type with this learner's tally and when FSRS wants it back."""
    cards = {card.drill: card for card in learner.drill_cards.all()} if learner else {}
    tally: dict[str, list[int]] = {}
    if learner is not None:
        for drill, correct in learner.drill_answers.values_list("drill", "correct"):
            counts = tally.setdefault(drill, [0, 0])
            counts[0] += 1
            counts[1] += int(correct)
    rows = []
    for slug, kind in KINDS.items():
        card = cards.get(slug)
        answers, right = tally.get(slug, [0, 0])
        if card is None:
            due, when = True, "new"
        elif card.due <= now:
            due, when = True, "due now"
        else:
            due, when = False, f"in {scheduling.describe_interval(card.due - now)}"
        rows.append(KindStatus(kind, answers, right, due, when))
    return rows


def due_count(learner: Learner | None, now: datetime) -> int:
    """Drill types this learner has practised whose FSRS card is due now."""
    if learner is None:
        return 0
    return learner.drill_cards.filter(due__lte=now, drill__in=list(KINDS)).count()


def next_kind(learner: Learner | None, now: datetime) -> str:
    """The drill type to practise next: the most overdue, then a new type, then the soonest due.

    The last fallback skips the type just answered, so a wrong answer's type comes back
    later, as FSRS schedules it, not as the very next drill.
    """
    cards = (
        list(learner.drill_cards.filter(drill__in=list(KINDS)).order_by("due")) if learner else []
    )
    due = [card for card in cards if card.due <= now]
    if due:
        return due[0].drill
    seen = {card.drill for card in cards}
    fresh = [slug for slug in KINDS if slug not in seen]
    if fresh:
        return fresh[0]
    latest = max(cards, key=lambda card: card.last_review or card.due)
    return next(card.drill for card in cards if card is not latest or len(cards) == 1)
