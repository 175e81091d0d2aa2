"""The question bank in the database: loading it from files, exporting it, and the service API.

Service API for other apps (the classroom pushes bank questions to a live class):

    from lbteach.quiz import bank

    question = bank.get_question("mobile-wifi-to-lte")   # QuestionData or None
    bank.list_questions(topic="source-ip-affinity", kinds=("single", "scenario"))
    result = bank.grade(question, ["b"])                 # option keys the student picked
    result.correct          # bool: exactly the correct options were picked
    result.correct_keys     # tuple of the right option keys
    result.options          # OptionFeedback(key, text, correct, chosen, explanation) each
    result.explanation      # the question's explanation

`grade` raises `bank.AnswerError` (with `.code` "missing", "tampered" or "too_many" and a
message fit to show) for an answer that cannot be graded. Questions are plain frozen
dataclasses (`lbteach.quiz.questions`), never model instances, so callers cannot leak or
change the bank by accident; `QuestionData.correct_keys` is there for teacher views only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz.bankfile import DEFAULT_BANK, read_bank, write_bank
from lbteach.quiz.grading import AnswerError, Grade, grade
from lbteach.quiz.models import Option, Question
from lbteach.quiz.questions import QuestionData

__all__ = [
    "AnswerError",
    "Grade",
    "SyncReport",
    "export_bank",
    "get_question",
    "grade",
    "import_bank",
    "list_questions",
    "topics",
]


def topics() -> tuple[str, ...]:
    """Every topic a question may name: the lesson slugs, in lesson order."""
    return load_catalogue().slugs


def get_question(key: str) -> QuestionData | None:
    question = Question.objects.filter(key=key, active=True).prefetch_related("options").first()
    return question.as_data() if question else None


def list_questions(
    topic: str | None = None, kinds: Sequence[str] | None = None
) -> list[QuestionData]:
    found = Question.objects.filter(active=True).prefetch_related("options")
    if topic:
        found = found.filter(topic=topic)
    if kinds:
        found = found.filter(kind__in=kinds)
    return [question.as_data() for question in found]


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )
        if self.kept_edits:
            text += (
                f"; kept admin edits of {len(self.kept_edits)} "
                f"({', '.join(self.kept_edits)}): import with --overwrite to replace them"
            )
        return text


def _write(question: Question | None, data: QuestionData, position: int) -> Question:
    question = question or Question(key=data.key)
    question.kind = data.kind
    question.topic = data.topic
    question.prompt = data.prompt
    question.explanation = data.explanation
    question.model_answer = data.model_answer
    question.lab_preset = data.lab_preset
    question.source = data.source
    question.position = position
    question.loaded_fingerprint = data.fingerprint()
    question.save()
    question.options.all().delete()
    Option.objects.bulk_create(
        Option(
            question=question,
            key=option.key,
            text=option.text,
            correct=option.correct,
            explanation=option.explanation,
            position=index,
        )
        for index, option in enumerate(data.options)
    )
    return question


@transaction.atomic
def sync_bank(questions: Iterable[QuestionData], *, overwrite_edits: bool = False) -> SyncReport:
    """Bring the database in line with checked questions; running it twice changes nothing.

    A question someone edited in the admin since it was loaded keeps that edit unless
    `overwrite_edits` is set (an explicit import), so `make run` never discards a teacher's work.
    """
    report = SyncReport()
    existing = {q.key: q for q in Question.objects.prefetch_related("options")}
    for position, data in enumerate(questions):
        question = existing.get(data.key)
        if question is None:
            _write(None, data, position)
            report.created.append(data.key)
            continue
        current = question.as_data()
        if current == data:
            if question.position != position or question.loaded_fingerprint != data.fingerprint():
                Question.objects.filter(pk=question.pk).update(
                    position=position, loaded_fingerprint=data.fingerprint()
                )
            report.unchanged.append(data.key)
        elif overwrite_edits or current.fingerprint() == question.loaded_fingerprint:
            _write(question, data, position)
            report.updated.append(data.key)
        else:
            report.kept_edits.append(data.key)
    return report


def import_bank(text: str, *, overwrite_edits: bool = False) -> SyncReport:
    """Check a bank file's text (BankFileError names every problem) and load it."""
    return sync_bank(read_bank(text, topics()), overwrite_edits=overwrite_edits)


def load_default_bank() -> SyncReport:
    return import_bank(DEFAULT_BANK.read_text(encoding="utf-8"))


def export_bank(keys: Iterable[str] | None = None) -> str:
    """The bank (or the named questions) as a TOML file that `import_bank` reads back."""
    found = Question.objects.prefetch_related("options")
    if keys is not None:
        found = found.filter(key__in=list(keys))
    return write_bank(question.as_data() for question in found)


@dataclass(frozen=True)
class ListedQuestion:
    """A question as the public bank page lists it: its prompt, never its answer."""

    key: str
    kind_label: str
    prompt: str


@dataclass(frozen=True)
class TopicListing:
    slug: str
    title: str
    questions: tuple[ListedQuestion, ...]


def listing() -> tuple[TopicListing, ...]:
    """Every active question's prompt, grouped by lesson in lesson order."""
    grouped: dict[str, list[ListedQuestion]] = {}
    for question in Question.objects.filter(active=True):
        grouped.setdefault(question.topic, []).append(
            ListedQuestion(question.key, question.get_kind_display(), question.prompt)
        )
    return tuple(
        TopicListing(lesson.slug, lesson.title, tuple(grouped.get(lesson.slug, ())))
        for lesson in load_catalogue().lessons
    )
