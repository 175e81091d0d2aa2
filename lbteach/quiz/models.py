"""The question bank and each learner's progress, stored in the database.

Questions are loaded from the bank file and editable in the admin. A learner is a browser
(no account): a random id kept in its session. Every question served is an Attempt with a
signed token, so an answer is only accepted for a question actually asked, and only once.
"""

from __future__ import annotations

import uuid

from django.db import models
from fsrs import Card, State

from lbteach.quiz.questions import KIND_LABELS, KINDS, OptionData, QuestionData
from lbteach.quiz.scheduling import utc


class Question(models.Model):
    key = models.SlugField(
        "id", max_length=80, unique=True, help_text="Stable id used in the bank file."
    )
    kind = models.CharField(max_length=20, choices=[(kind, KIND_LABELS[kind]) for kind in KINDS])
    topic = models.SlugField(max_length=80, help_text="The slug of the lesson this question tests.")
    prompt = models.TextField()
    explanation = models.TextField(help_text="Shown after answering: why the answer is what it is.")
    model_answer = models.TextField(blank=True, help_text="Flashcards only: the model answer.")
    lab_preset = models.CharField(
        max_length=40, blank=True, help_text="Optional lab preset that shows the answer live."
    )
    source = models.CharField(
        max_length=40, blank=True, help_text='"seed" for the syllabus questions.'
    )
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    # The fingerprint of the bank-file version last loaded, to tell admin edits from file edits.
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.key

    def as_data(self) -> QuestionData:
        return QuestionData(
            key=self.key,
            kind=self.kind,
            topic=self.topic,
            prompt=self.prompt,
            explanation=self.explanation,
            options=tuple(option.as_data() for option in self.options.all()),
            model_answer=self.model_answer,
            lab_preset=self.lab_preset,
            source=self.source,
        )


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=20)
    text = models.TextField()
    correct = models.BooleanField(default=False)
    explanation = models.TextField(help_text="Why this option is right or wrong.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="quiz_option_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.question.key}/{self.key}"

    def as_data(self) -> OptionData:
        return OptionData(
            key=self.key, text=self.text, correct=self.correct, explanation=self.explanation
        )


class Learner(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.id)


class QuizRun(models.Model):
    """One sitting: a quick quiz, a set of flashcards, or today's study queue."""

    QUICK = "quick"
    FLASHCARDS = "flashcards"
    STUDY = "study"
    MODES = [
        (QUICK, "Quick quiz"),
        (FLASHCARDS, "Interview flashcards"),
        (STUDY, "Today's study"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="runs")
    mode = models.CharField(max_length=20, choices=MODES)
    topic = models.SlugField(max_length=80, blank=True)
    question_keys = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.id}"

    @property
    def total(self) -> int:
        return len(self.question_keys)

    @property
    def finished(self) -> bool:
        return self.position >= self.total


class Attempt(models.Model):
    """A question served to a learner, and, once answered, what they answered."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attempts")
    run = models.ForeignKey(
        QuizRun, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    position = models.PositiveIntegerField(null=True, blank=True)
    # Option keys in the order shown: the form posts positions, so no key reaches the page.
    option_order = models.JSONField(default=list)
    served_at = models.DateTimeField()
    revealed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    chosen = models.JSONField(default=list)
    correct = models.BooleanField(null=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["learner", "answered_at"], name="quiz_attempt_answered")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.question.key}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def missed(self) -> bool:
        """A wrong choice, or a flashcard the learner rated Again."""
        return self.correct is False or (self.correct is None and self.rating == 1)


class FsrsFields(models.Model):
    """The FSRS memory state of one card: a question, or a drill type, for one learner."""

    state = models.PositiveSmallIntegerField(default=State.Learning.value)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def to_card(self) -> Card:
        return Card(
            card_id=1,
            state=State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=utc(self.due),
            last_review=utc(self.last_review) if self.last_review else None,
        )

    def take(self, card: Card) -> None:
        self.state = card.state.value
        self.step = card.step
        self.stability = card.stability
        self.difficulty = card.difficulty
        self.due = card.due
        self.last_review = card.last_review


class CardState(FsrsFields):
    """FSRS memory state of one question for one learner."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="cards")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "question"], name="quiz_card_unique")
        ]
        indexes = [models.Index(fields=["learner", "due"], name="quiz_card_due")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.question.key} due {self.due:%Y-%m-%d %H:%M}"


class DrillCard(FsrsFields):
    """FSRS memory state of one drill type (say, nginx ip_hash) for one learner."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="drill_cards")
    drill = models.SlugField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "drill"], name="quiz_drill_card_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.drill} due {self.due:%Y-%m-%d %H:%M}"


class DrillAnswer(models.Model):
    """One answered drill: which type, which seed, and whether the learner predicted right.

    `nonce` comes from the signed token the drill was served with, so a resubmitted form
    counts once.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="drill_answers")
    drill = models.SlugField(max_length=40)
    seed = models.PositiveIntegerField()
    nonce = models.CharField(max_length=40, unique=True)
    choice = models.PositiveSmallIntegerField()
    correct = models.BooleanField()
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["learner", "answered_at"], name="quiz_drill_answered")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.drill}/{self.seed}"
