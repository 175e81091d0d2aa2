"""Grade an answer to a choice question: right or wrong, and why, option by option.

Pure functions over `QuestionData`, so the quiz pages and the classroom grade the same way.
A multiple-select answer is right only when it picks exactly the correct options.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lbteach.quiz.questions import CHOICE_KINDS, MULTIPLE, QuestionData


class AnswerError(ValueError):
    """An answer that cannot be graded (nothing chosen, an unknown option, two for one)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class OptionFeedback:
    key: str
    text: str
    correct: bool
    chosen: bool
    explanation: str


@dataclass(frozen=True)
class Grade:
    question_key: str
    correct: bool
    chosen: tuple[str, ...]
    correct_keys: tuple[str, ...]
    options: tuple[OptionFeedback, ...]
    explanation: str

    @property
    def missed(self) -> tuple[str, ...]:
        """Correct options the learner did not pick."""
        return tuple(key for key in self.correct_keys if key not in self.chosen)


def check_answer(question: QuestionData, chosen: Iterable[str]) -> tuple[str, ...]:
    """The chosen option keys in option order, or AnswerError saying what is wrong."""
    if question.kind not in CHOICE_KINDS:
        raise AnswerError(
            "not_choice", "This question is answered by rating yourself, not by options."
        )
    picked = set(chosen)
    if not picked:
        raise AnswerError("missing", "Choose an answer before submitting.")
    known = {option.key for option in question.options}
    if picked - known:
        raise AnswerError("tampered", "That answer is not one of this question's options.")
    if question.kind != MULTIPLE and len(picked) > 1:
        raise AnswerError("too_many", "This question takes exactly one answer.")
    return tuple(option.key for option in question.options if option.key in picked)


def feedback(question: QuestionData, chosen: Iterable[str], correct: bool) -> Grade:
    """The graded view of an answer already judged `correct` (shown again after a reload)."""
    picked = tuple(chosen)
    return Grade(
        question_key=question.key,
        correct=correct,
        chosen=picked,
        correct_keys=question.correct_keys,
        options=tuple(
            OptionFeedback(
                key=option.key,
                text=option.text,
                correct=option.correct,
                chosen=option.key in picked,
                explanation=option.explanation,
            )
            for option in question.options
        ),
        explanation=question.explanation,
    )


def grade(question: QuestionData, chosen: Iterable[str]) -> Grade:
    """Grade the chosen option keys; raises AnswerError for an answer that cannot be graded."""
    picked = check_answer(question, chosen)
    return feedback(question, picked, set(picked) == set(question.correct_keys))
