"""Grading choice answers: right only when exactly the right options are picked."""

from __future__ import annotations

import pytest

from lbteach.quiz.grading import AnswerError, grade
from lbteach.quiz.questions import FLASHCARD, MULTIPLE, SINGLE, OptionData, QuestionData


def question(kind: str, *correct: str) -> QuestionData:
    return QuestionData(
        key="q",
        kind=kind,
        topic="session-affinity",
        prompt="Which?",
        explanation="Because cookies travel with the browser.",
        options=tuple(
            OptionData(key, f"Option {key}", key in correct, f"Why {key}") for key in "abcd"
        ),
    )


def test_the_right_single_answer_is_right():
    result = grade(question(SINGLE, "b"), ["b"])
    assert result.correct is True
    assert result.chosen == ("b",)
    assert result.correct_keys == ("b",)


def test_a_wrong_single_answer_is_wrong_and_explains_every_option():
    result = grade(question(SINGLE, "b"), ["c"])
    assert result.correct is False
    assert [(o.key, o.correct, o.chosen, o.explanation) for o in result.options] == [
        ("a", False, False, "Why a"),
        ("b", True, False, "Why b"),
        ("c", False, True, "Why c"),
        ("d", False, False, "Why d"),
    ]
    assert result.explanation == "Because cookies travel with the browser."
    assert result.missed == ("b",)


def test_multiple_select_needs_exactly_the_right_set():
    q = question(MULTIPLE, "a", "c")
    assert grade(q, ["c", "a"]).correct is True
    assert grade(q, ["a"]).correct is False
    assert grade(q, ["a", "c", "d"]).correct is False
    assert grade(q, ["a"]).missed == ("c",)


def test_picking_the_same_option_twice_counts_it_once():
    result = grade(question(SINGLE, "a"), ["a", "a"])
    assert result.chosen == ("a",)
    assert result.correct is True


@pytest.mark.parametrize(
    ("chosen", "code", "message"),
    [
        ([], "missing", "Choose an answer before submitting."),
        (["e"], "tampered", "That answer is not one of this question's options."),
        (["a", "b"], "too_many", "This question takes exactly one answer."),
    ],
)
def test_answers_that_cannot_be_graded_say_why(chosen, code, message):
    with pytest.raises(AnswerError) as raised:
        grade(question(SINGLE, "a"), chosen)
    assert raised.value.code == code
    assert str(raised.value) == message


def test_a_flashcard_is_not_graded_by_options():
    card = QuestionData("c", FLASHCARD, "session-affinity", "Explain", "Why", model_answer="A")
    with pytest.raises(AnswerError) as raised:
        grade(card, ["a"])
    assert raised.value.code == "not_choice"
