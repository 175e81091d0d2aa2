"""What a quiz question is, as plain data, and the rules every question must keep.

These frozen dataclasses are the one shape a question has outside the database: the bank
file is parsed into them, the classroom receives them from `lbteach.quiz.bank`, and
`lbteach.quiz.grading` grades against them. No Django here, so they test in microseconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from lbteach.sim import PRESETS

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SCENARIO = "scenario"
FLASHCARD = "flashcard"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, SCENARIO, FLASHCARD)
KIND_LABELS = {
    SINGLE: "Single choice",
    MULTIPLE: "Multiple select",
    TRUE_FALSE: "True or false",
    SCENARIO: "Scenario",
    FLASHCARD: "Interview flashcard",
}
# Kinds with options the server grades; a flashcard is graded by the learner's own rating.
CHOICE_KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, SCENARIO)
ONE_CORRECT_KINDS = (SINGLE, TRUE_FALSE, SCENARIO)

# The lab's scenario presets a question may link to (`/lab/?scenario=<name>`).
LAB_PRESETS = tuple(PRESETS)

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class OptionData:
    key: str
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class QuestionData:
    key: str
    kind: str
    topic: str
    prompt: str
    explanation: str
    options: tuple[OptionData, ...] = ()
    model_answer: str = ""
    lab_preset: str = ""
    source: str = ""

    @property
    def is_flashcard(self) -> bool:
        return self.kind == FLASHCARD

    @property
    def correct_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options if option.correct)

    def option(self, key: str) -> OptionData | None:
        return next((option for option in self.options if option.key == key), None)

    def fingerprint(self) -> str:
        """A hash of the whole content: equal fingerprints mean nothing a learner sees differs."""
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One broken rule, naming the question and the field so an author can fix it."""

    question: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"question {self.question!r}, field {self.field!r}: {self.message}"


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, question: str, field_name: str, message: str) -> None:
        self.items.append(Problem(question, field_name, message))


def check_question(question: QuestionData, topics: Iterable[str]) -> list[Problem]:
    """Every rule a publishable question keeps; an empty list means it is fine."""
    found = Problems()
    name = question.key or "?"
    if not KEY.match(question.key):
        found.add(name, "id", "use lower-case letters, digits and single hyphens")
    if question.kind not in KINDS:
        found.add(name, "kind", f"must be one of {', '.join(KINDS)}")
    topics = tuple(topics)
    if question.topic not in topics:
        found.add(name, "topic", f"{question.topic!r} is not a lesson slug")
    if not question.prompt.strip():
        found.add(name, "prompt", "is empty")
    if not question.explanation.strip():
        found.add(name, "explanation", "is empty")
    if question.lab_preset and question.lab_preset not in LAB_PRESETS:
        found.add(name, "lab", f"{question.lab_preset!r} is not a lab preset")
    if question.kind == FLASHCARD:
        if not question.model_answer.strip():
            found.add(name, "answer", "a flashcard needs a model answer")
        if question.options:
            found.add(name, "options", "a flashcard has no options")
    elif question.kind in CHOICE_KINDS:
        _check_options(question, found)
    return found.items


def _check_options(question: QuestionData, found: Problems) -> None:
    name = question.key or "?"
    options = question.options
    if len(options) < 2:
        found.add(name, "options", "a choice question needs at least two options")
    keys = [option.key for option in options]
    if len(set(keys)) != len(keys):
        found.add(name, "options", "option keys must be unique")
    for option in options:
        if not KEY.match(option.key):
            found.add(name, f"options.{option.key or '?'}.key", "use lower-case letters and digits")
        if not option.text.strip():
            found.add(name, f"options.{option.key}.text", "is empty")
        if not option.explanation.strip():
            found.add(name, f"options.{option.key}.explanation", "every option explains itself")
    correct = sum(option.correct for option in options)
    if question.kind in ONE_CORRECT_KINDS and correct != 1:
        found.add(name, "options", f"exactly one option must be correct, found {correct}")
    if question.kind == MULTIPLE and correct < 1:
        found.add(name, "options", "at least one option must be correct")
    if question.kind == TRUE_FALSE and sorted(keys) != ["false", "true"]:
        found.add(name, "options", "a true/false question has exactly the options 'true', 'false'")
